// POST /v1/articles/:id/feedback (scope feedback) with Idempotency-Key, and GET .../stats.
import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { bearer, createKey, expectProblem, integrationApp, SEED_ACTIONS, SEED_CHECKS, SEED_ID, snapshot } from '../helpers/integration-app.ts'

const ZERO = { resolved: 0, not_resolved: 0, step_failed: 0, helpful: 0, not_helpful: 0 }

function post (app: FastifyInstance, token: string, payload: unknown, headers: Record<string, string> = {}, id = SEED_ID): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: `/v1/articles/${id}/feedback`, headers: { ...bearer(token), ...headers }, payload: payload as Record<string, unknown> })
}

async function stats (app: FastifyInstance): Promise<{ articleId: string, total: number, outcomes: Record<string, number>, steps: Array<{ stepId: string, total: number, outcomes: Record<string, number> }> }> {
  const res = await app.inject(`/v1/articles/${SEED_ID}/stats`)
  if (res.statusCode !== 200) throw new Error(`stats answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

t.test('a report is a 202 with its record', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['feedback'])
  const started = Date.now()
  const res = await post(app, token, { locale: 'ja-JP', stepId: 's5.2', outcome: 'resolved', comment: 'SaRA fixed it', ticket: 'INC0012345' })
  t.equal(res.statusCode, 202)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = res.json()
  t.match(body, { id: Number, articleId: SEED_ID, locale: 'ja-JP', stepId: 's5.2', outcome: 'resolved', receivedAt: String })
  t.ok(Date.parse(body.receivedAt) >= started - 1000 && Date.parse(body.receivedAt) <= Date.now() + 1000, 'receivedAt is now')
  t.equal(res.headers['idempotent-replayed'], undefined, 'a first post is not a replay')

  const minimal = await post(app, token, { locale: 'en', outcome: 'helpful' })
  t.equal(minimal.statusCode, 202, 'stepId, comment and ticket are optional')
  t.match(minimal.json(), { stepId: null, outcome: 'helpful', locale: 'en' })
  t.not(minimal.json().id, body.id, 'a new record')
  t.equal(snapshot(app).feedback, 2)
})

t.test('Idempotency-Key: a retry is answered as the first time and counted once; another body is a 422', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['feedback'])
  const report = { locale: 'ja-JP', stepId: 's5.2', outcome: 'resolved', ticket: 'INC0012345' }
  const key = { 'idempotency-key': 'inc0012345-resolved' }
  const first = await post(app, token, report, key)
  t.equal(first.statusCode, 202)
  t.equal(first.headers['idempotent-replayed'], undefined)
  for (let i = 0; i < 3; i++) {
    const retry = await post(app, token, report, key)
    t.equal(retry.statusCode, 202, `retry ${i + 1}: 202`)
    t.equal(retry.body, first.body, `retry ${i + 1}: the same response body`)
    t.equal(retry.headers['idempotent-replayed'], 'true', `retry ${i + 1}: Idempotent-Replayed: true`)
  }
  let s = await stats(app)
  t.equal(s.total, 1, 'counted once')
  t.equal(s.outcomes.resolved, 1)
  t.equal(snapshot(app).feedback, 1, 'one row')

  const before = snapshot(app)
  for (const other of [{ ...report, outcome: 'not_resolved' }, { ...report, stepId: 's5.1' }, { ...report, comment: 'now with a comment' }, { locale: 'ja-JP', outcome: 'resolved' }]) {
    const res = await post(app, token, other, key)
    const problem = expectProblem(t, res, 422, 'KB_IDEMPOTENCY_CONFLICT', `same key, ${JSON.stringify(other).slice(0, 60)}`)
    t.match(problem.detail, 'inc0012345-resolved', 'the detail names the key')
  }
  t.same(snapshot(app), before, 'nothing counted')

  // The same body for another article under the same key is another request too
  const elsewhere = await post(app, token, report, key, 'no-such-article')
  t.equal(elsewhere.statusCode, 404, 'another (unknown) article: its own answer, not a replay')

  // Keys are scoped per API key: another client may use the same Idempotency-Key
  const other = createKey(app, ['feedback'])
  const theirs = await post(app, other.token, report, key)
  t.equal(theirs.statusCode, 202)
  t.equal(theirs.headers['idempotent-replayed'], undefined, 'not a replay of someone else\'s post')
  t.not(theirs.json().id, first.json().id)

  // Without a key every post counts
  await post(app, token, report)
  await post(app, token, report)
  s = await stats(app)
  t.equal(s.total, 4, '1 + the other client\'s + 2 without a key')
})

t.test('bad reports: unknown step 422, unknown article 404, invalid fields 400; nothing is counted', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['feedback'])
  const before = snapshot(app)
  for (const stepId of ['s9.9', 's2', 'b5', 'S5.2', '']) {
    expectProblem(t, await post(app, token, { locale: 'en-US', stepId, outcome: 'step_failed' }), 422, 'KB_UNKNOWN_STEP', `stepId ${JSON.stringify(stepId)}`)
  }
  expectProblem(t, await post(app, token, { locale: 'en-US', outcome: 'resolved' }, {}, 'no-such-article'), 404, 'KB_ARTICLE_NOT_FOUND', 'unknown article')
  for (const [what, payload] of [
    ['outcome "fixed"', { locale: 'en-US', outcome: 'fixed' }],
    ['outcome "RESOLVED"', { locale: 'en-US', outcome: 'RESOLVED' }],
    ['no outcome', { locale: 'en-US' }],
    ['no locale', { outcome: 'resolved' }],
    ['an unknown member', { locale: 'en-US', outcome: 'resolved', rating: 5 }],
    ['a long comment', { locale: 'en-US', outcome: 'resolved', comment: 'x'.repeat(2001) }],
    ['an array', [{ locale: 'en-US', outcome: 'resolved' }]]
  ] as const) {
    expectProblem(t, await post(app, token, payload), 400, 'KB_VALIDATION', what)
  }
  expectProblem(t, await post(app, token, { locale: 'not a locale!', outcome: 'resolved' }), 400, 'KB_MALFORMED_LOCALE', 'a malformed locale')
  const broken = await app.inject({ method: 'POST', url: `/v1/articles/${SEED_ID}/feedback`, headers: { ...bearer(token), 'content-type': 'application/json' }, payload: '{"locale":' })
  expectProblem(t, broken, 400, 'KB_INVALID_BODY', 'broken JSON')
  const text = await app.inject({ method: 'POST', url: `/v1/articles/${SEED_ID}/feedback`, headers: { ...bearer(token), 'content-type': 'text/plain' }, payload: 'resolved' })
  t.equal(text.statusCode, 415, 'text/plain: 415')
  t.equal(text.json().code, 'KB_UNSUPPORTED_MEDIA_TYPE')
  t.match(text.headers['content-type'], /^application\/problem\+json/, 'text/plain: a problem')
  expectProblem(t, await post(app, token, { locale: 'en-US', outcome: 'resolved' }, { 'idempotency-key': '' }), 400, 'KB_VALIDATION', 'an empty Idempotency-Key')
  t.same(snapshot(app), before, 'nothing counted')
})

t.test('/stats counts per outcome and per step', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['feedback'])
  t.same(await stats(app), { articleId: SEED_ID, total: 0, outcomes: ZERO, steps: [] }, 'zero before any report')

  const reports = [
    { locale: 'ja-JP', stepId: 's5.2', outcome: 'resolved' },
    { locale: 'en-US', stepId: 's5.2', outcome: 'resolved' },
    { locale: 'ja-JP', stepId: 's5.2', outcome: 'step_failed' },
    { locale: 'de-DE', stepId: 's5.1', outcome: 'step_failed' },
    { locale: 'en-US', stepId: 's2.1', outcome: 'not_resolved' },
    { locale: 'en-US', outcome: 'helpful' },
    { locale: 'en-US', outcome: 'helpful' },
    { locale: 'ja-JP', outcome: 'not_helpful' }
  ]
  for (const r of reports) t.equal((await post(app, token, r)).statusCode, 202)
  const s = await stats(app)
  t.equal(s.articleId, SEED_ID)
  t.equal(s.total, reports.length, 'every report')
  t.same(s.outcomes, { resolved: 2, not_resolved: 1, step_failed: 2, helpful: 2, not_helpful: 1 }, 'per outcome')
  t.same(s.steps, [
    { stepId: 's2.1', total: 1, outcomes: { ...ZERO, not_resolved: 1 } },
    { stepId: 's5.1', total: 1, outcomes: { ...ZERO, step_failed: 1 } },
    { stepId: 's5.2', total: 3, outcomes: { ...ZERO, resolved: 2, step_failed: 1 } }
  ], 'per step (steps without reports are left out)')
  t.ok(s.steps.every((x) => [...SEED_CHECKS, ...SEED_ACTIONS].includes(x.stepId)), 'only the seed\'s step ids')

  // Every step id of the seed can be reported, in any locale
  for (const stepId of [...SEED_CHECKS, ...SEED_ACTIONS]) t.equal((await post(app, token, { locale: 'ja-JP', stepId, outcome: 'step_failed' })).statusCode, 202, `step ${stepId}`)
  t.equal((await stats(app)).steps.length, 9, 'all nine steps counted')

  expectProblem(t, await app.inject('/v1/articles/no-such-article/stats'), 404, 'KB_ARTICLE_NOT_FOUND', 'stats of an unknown article')
  const fresh = await app.inject(`/v1/articles/${SEED_ID}/stats`)
  t.equal(fresh.headers['cache-control'], 'no-cache', 'stats are revalidated, not cached')
})

t.test('stats move with every report even for a client revalidating with If-None-Match', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['feedback'])
  const first = await app.inject(`/v1/articles/${SEED_ID}/stats`)
  const etag = first.headers.etag as string
  t.equal((await app.inject({ url: `/v1/articles/${SEED_ID}/stats`, headers: { 'if-none-match': etag } })).statusCode, 304, 'unchanged: 304')
  await post(app, token, { locale: 'en-US', outcome: 'helpful' })
  const after = await app.inject({ url: `/v1/articles/${SEED_ID}/stats`, headers: { 'if-none-match': etag } })
  t.equal(after.statusCode, 200, 'a new report: 200')
  t.equal(after.json().total, 1)
})
