// API keys: stored hashed, Bearer tokens, scopes read/feedback/write, 401/403 as problem+json,
// reads open by default or key-only by configuration.
import t, { type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { ApiKeys } from '../../src/auth/api-keys.ts'
import { bearer, createKey, expectProblem, integrationApp, putArticle, SEED_ID, simpleArticle, snapshot } from '../helpers/integration-app.ts'

const FEEDBACK = { locale: 'en-US', stepId: 's5.2', outcome: 'resolved' }

/** One request to each route that needs a scope. */
function writeRoutes (app: FastifyInstance, headers: Record<string, string>): Array<{ scope: string, name: string, send: () => Promise<LightMyRequestResponse> }> {
  return [
    { scope: 'write', name: 'PUT', send: () => putArticle(app, 'key-test', simpleArticle(), null, headers) },
    { scope: 'write', name: 'DELETE', send: () => app.inject({ method: 'DELETE', url: `/v1/articles/${SEED_ID}`, headers }) },
    { scope: 'feedback', name: 'POST feedback', send: () => app.inject({ method: 'POST', url: `/v1/articles/${SEED_ID}/feedback`, headers, payload: FEEDBACK }) }
  ]
}

function expectUnauthorized (t: Test, res: LightMyRequestResponse, code: 'KB_UNAUTHENTICATED' | 'KB_INVALID_KEY', label: string): void {
  expectProblem(t, res, 401, code, label)
  t.match(res.headers['www-authenticate'], /^Bearer\b/, `${label}: a 401 carries WWW-Authenticate: Bearer (RFC 9110 §15.5.2)`)
}

t.test('keys are stored hashed: the table never holds the secret', async (t) => {
  const { app } = await integrationApp(t)
  const keys = new ApiKeys(app.kb.db)
  const { key, token } = keys.create('ops', ['write', 'feedback'])
  const m = /^kb_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/.exec(token)
  t.ok(m, 'the token reads kb_<id>_<secret>')
  t.equal(m?.[1], key.id, 'its id part is the key id')
  const secret = m?.[2] ?? token
  const rows = app.kb.db.prepare('SELECT * FROM api_keys').all() as Array<Record<string, unknown>>
  t.equal(rows.length, 1)
  const dump = JSON.stringify(rows)
  t.notOk(dump.includes(secret), 'no column holds the secret')
  t.notOk(dump.includes(token), 'no column holds the token')
  t.notOk(dump.includes(Buffer.from(secret).toString('hex')), 'nor its hex')
  t.match(rows[0]!.secret_hash, /^[0-9a-f]{64}$/, 'a sha-256 in hex')
  t.same(keys.list().map((k) => ({ ...k })), [{ id: key.id, name: 'ops', scopes: ['write', 'feedback'], createdAt: key.createdAt, revokedAt: null }], 'list shows the key without its secret')
  t.same(keys.verify(token)?.id, key.id, 'the token verifies')
  t.equal(keys.verify(`kb_${key.id}_${'A'.repeat(43)}`), null, 'a wrong secret does not')
})

t.test('no key on a write route is a 401 problem with WWW-Authenticate; nothing changes', async (t) => {
  const { app } = await integrationApp(t)
  const before = snapshot(app)
  for (const r of writeRoutes(app, {})) expectUnauthorized(t, await r.send(), 'KB_UNAUTHENTICATED', `${r.name} without a key`)
  t.same(snapshot(app), before, 'nothing was written')
})

t.test('a garbage, unknown or revoked key is a 401 problem with WWW-Authenticate', async (t) => {
  const { app } = await integrationApp(t)
  const keys = new ApiKeys(app.kb.db)
  const live = createKey(app, ['write', 'feedback'])
  const revoked = createKey(app, ['write', 'feedback'])
  t.ok(keys.revoke(revoked.id), 'revoked')
  t.notOk(keys.revoke(revoked.id), 'revoking twice says so')
  const before = snapshot(app)
  const garbage = [
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'bearer-ish token',
    'Bearer not-a-key',
    `Bearer ${live.token.slice(0, -1)}`,
    `Bearer ${live.token}x`,
    `Bearer ${live.token.replace(/_([^_]*)$/, (_m, s: string) => `_${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`)}`,
    `Bearer kb_${'0'.repeat(12)}_${'A'.repeat(43)}`,
    `Bearer ${'x'.repeat(500)}`,
    `Token ${live.token}`
  ]
  for (const authorization of garbage) {
    for (const r of writeRoutes(app, { authorization })) expectUnauthorized(t, await r.send(), 'KB_INVALID_KEY', `${r.name} with Authorization ${JSON.stringify(authorization.slice(0, 30))}`)
  }
  for (const r of writeRoutes(app, bearer(revoked.token))) expectUnauthorized(t, await r.send(), 'KB_INVALID_KEY', `${r.name} with a revoked key`)
  // Even an open read refuses a bad key rather than ignoring it
  expectUnauthorized(t, await app.inject({ url: `/v1/articles/${SEED_ID}`, headers: bearer(revoked.token) }), 'KB_INVALID_KEY', 'GET with a revoked key')
  t.same(snapshot(app), before, 'nothing was written')
  // The live key still works, case-insensitive scheme included
  t.equal((await putArticle(app, 'key-test', simpleArticle(), null, { authorization: `bearer ${live.token}` })).statusCode, 201, 'the live key writes')
})

t.test('a key without the route\'s scope is a 403 problem', async (t) => {
  const { app } = await integrationApp(t)
  const before = snapshot(app)
  const cases: Array<{ scopes: Array<'read' | 'feedback' | 'write'>, allowed: string[] }> = [
    { scopes: ['read'], allowed: [] },
    { scopes: ['feedback'], allowed: ['feedback'] },
    { scopes: ['write'], allowed: ['write'] },
    { scopes: ['read', 'feedback'], allowed: ['feedback'] }
  ]
  for (const c of cases) {
    const { token } = createKey(app, c.scopes)
    for (const r of writeRoutes(app, bearer(token))) {
      if (c.allowed.includes(r.scope)) continue
      const res = await r.send()
      const body = expectProblem(t, res, 403, 'KB_FORBIDDEN', `${r.name} with scopes ${c.scopes.join(',')}`)
      t.match(body.detail, r.scope, 'the detail names the missing scope')
    }
  }
  t.same(snapshot(app), before, 'nothing was written')
  const both = createKey(app, ['write', 'feedback'])
  t.equal((await app.inject({ method: 'POST', url: `/v1/articles/${SEED_ID}/feedback`, headers: bearer(both.token), payload: FEEDBACK })).statusCode, 202, 'feedback scope: 202')
  t.equal((await putArticle(app, 'key-test', simpleArticle(), both.token)).statusCode, 201, 'write scope: 201')
})

const READS = ['/v1/articles', `/v1/articles/${SEED_ID}`, `/v1/articles/${SEED_ID}/steps`, `/v1/articles/${SEED_ID}/links`, `/v1/articles/${SEED_ID}/translations`, '/v1/scenarios', '/v1/locales', '/v1/changes', `/v1/articles/${SEED_ID}/stats`]

t.test('reads are open by default', async (t) => {
  const { app } = await integrationApp(t)
  for (const url of READS) t.equal((await app.inject(url)).statusCode, 200, `GET ${url} without a key`)
})

t.test('readsRequireKey: true makes every read key-only (any scope)', async (t) => {
  const { app } = await integrationApp(t, { readsRequireKey: true })
  const keys = { read: createKey(app, ['read']), feedback: createKey(app, ['feedback']), write: createKey(app, ['write']) }
  const revoked = createKey(app, ['read'])
  new ApiKeys(app.kb.db).revoke(revoked.id)
  for (const url of READS) {
    expectUnauthorized(t, await app.inject(url), 'KB_UNAUTHENTICATED', `GET ${url} without a key`)
    expectUnauthorized(t, await app.inject({ url, headers: bearer(revoked.token) }), 'KB_INVALID_KEY', `GET ${url} with a revoked key`)
    for (const [scope, key] of Object.entries(keys)) {
      t.equal((await app.inject({ url, headers: bearer(key.token) })).statusCode, 200, `GET ${url} with a ${scope} key`)
    }
    // Once a response has been served (and perhaps cached), it still needs a key
    expectUnauthorized(t, await app.inject(url), 'KB_UNAUTHENTICATED', `GET ${url} without a key, after it was served`)
    expectUnauthorized(t, await app.inject({ url, headers: bearer(revoked.token) }), 'KB_INVALID_KEY', `GET ${url} with a revoked key, after it was served`)
  }
  t.equal((await app.inject('/health')).statusCode, 200, '/health stays open')
  // Writes still need their scope
  expectProblem(t, await putArticle(app, 'key-test', simpleArticle(), keys.read.token), 403, 'KB_FORBIDDEN', 'a read key cannot write')
})
