// The write side: PUT creates (201 + Location) or replaces (200), an unchanged PUT writes nothing,
// If-Match guards against lost updates, a bad body or id changes nothing, DELETE removes.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { allChanges, bearer, changedSeedMarkdown, createKey, expectProblem, integrationApp, putArticle, seedMarkdown, SEED_ID, simpleArticle, snapshot } from '../helpers/integration-app.ts'

async function writer (t: Test): Promise<{ app: FastifyInstance, token: string }> {
  const { app } = await integrationApp(t)
  return { app, token: createKey(app, ['write']).token }
}

const etagOf = async (app: FastifyInstance, url: string): Promise<string> => (await app.inject(url)).headers.etag as string

t.test('PUT creates (201 + Location), replaces (200), and an unchanged PUT writes nothing', async (t) => {
  const { app, token } = await writer(t)
  const created = await putArticle(app, 'new-article', simpleArticle({ title: 'New article', scenarios: ['4242'] }), token)
  t.equal(created.statusCode, 201)
  t.equal(created.headers.location, '/v1/articles/new-article')
  t.same(created.json(), { id: 'new-article', status: 'created', revision: 1, locales: ['en-US'] })
  const got = await app.inject(created.headers.location as string)
  t.equal(got.statusCode, 200, 'the Location serves the article')
  t.equal(got.json().title, 'New article')
  t.same(got.json().scenarioIds, ['4242'])
  t.equal((await app.inject('/v1/scenarios/4242')).statusCode, 200, 'its scenario is listed')
  const steps = (await app.inject('/v1/articles/new-article/steps')).json()
  t.equal(steps.count, 2, 'its steps are served')

  const replaced = await putArticle(app, 'new-article', simpleArticle({ title: 'New article, revised', scenarios: ['4242'], steps: ['One.', 'Two.', 'Three.'] }), token)
  t.equal(replaced.statusCode, 200)
  t.equal(replaced.headers.location, undefined, 'no Location on a replace')
  t.same(replaced.json(), { id: 'new-article', status: 'updated', revision: 2, locales: ['en-US'] })
  t.equal((await app.inject('/v1/articles/new-article')).json().title, 'New article, revised', 'the new title is served')
  t.equal((await app.inject('/v1/articles/new-article/steps')).json().count, 3, 'the new steps are served')

  const before = snapshot(app)
  const events = (await allChanges(app)).length
  const unchanged = await putArticle(app, 'new-article', simpleArticle({ title: 'New article, revised', scenarios: ['4242'], steps: ['One.', 'Two.', 'Three.'] }), token)
  t.equal(unchanged.statusCode, 200)
  t.same(unchanged.json(), { id: 'new-article', status: 'unchanged', revision: 2, locales: ['en-US'] })
  t.equal((await allChanges(app)).length, events, 'no new change event')
  t.same(snapshot(app), before, 'nothing written')

  const seed = await putArticle(app, SEED_ID, seedMarkdown(), token)
  t.equal(seed.statusCode, 200)
  t.same(seed.json(), { id: SEED_ID, status: 'unchanged', revision: 1, locales: ['en-US', 'ja-JP'] }, 'the seed as imported: unchanged')
})

t.test('PUT takes plain and side-by-side Markdown, the locale from front matter or ?locale=', async (t) => {
  const { app, token } = await writer(t)
  const copy = await putArticle(app, 'seed-copy', seedMarkdown(), token)
  t.equal(copy.statusCode, 201)
  t.same(copy.json().locales, ['en-US', 'ja-JP'], 'a side-by-side file gives two locales')
  const plain = '# Ohne Vorspann\n\n1. Erster Schritt.\n2. Zweiter Schritt.\n'
  const german = await putArticle(app, 'ohne-vorspann', plain, token)
  expectProblem(t, german, 422, 'KB_INVALID_ARTICLE', 'no locale anywhere')
  const withLocale = await app.inject({ method: 'PUT', url: '/v1/articles/ohne-vorspann?locale=de-de', headers: { ...bearer(token), 'content-type': 'text/markdown' }, payload: plain })
  t.equal(withLocale.statusCode, 201, '?locale= gives it')
  t.same(withLocale.json().locales, ['de-DE'], 'canonicalized')
  expectProblem(t, await app.inject({ method: 'PUT', url: '/v1/articles/ohne-vorspann?locale=not_a_tag!', headers: { ...bearer(token), 'content-type': 'text/markdown' }, payload: plain }), 400, 'KB_MALFORMED_LOCALE', 'a malformed ?locale=')
})

t.test('If-Match: a current ETag passes, a stale one is a 412 and nothing changes', async (t) => {
  const { app, token } = await writer(t)
  const url = `/v1/articles/${SEED_ID}`
  const v1 = { article: await etagOf(app, url), steps: await etagOf(app, `${url}/steps?locale=ja&format=text`) }

  const ok = await putArticle(app, SEED_ID, changedSeedMarkdown(), token, { 'if-match': v1.article })
  t.equal(ok.statusCode, 200, 'the current ETag → 200')
  t.equal(ok.json().revision, 2)

  const before = snapshot(app)
  for (const stale of [v1.article, v1.steps, `"nope", ${v1.article}`, '"r999-x"', '"abc"', 'W/"r1-x"']) {
    const res = await putArticle(app, SEED_ID, changedSeedMarkdown('もう一度変更しました。'), token, { 'if-match': stale })
    expectProblem(t, res, 412, 'KB_PRECONDITION_FAILED', `PUT If-Match ${stale}`)
    const del = await app.inject({ method: 'DELETE', url, headers: { ...bearer(token), 'if-match': stale } })
    expectProblem(t, del, 412, 'KB_PRECONDITION_FAILED', `DELETE If-Match ${stale}`)
  }
  t.same(snapshot(app), before, 'nothing changed')
  t.notMatch((await app.inject(`${url}/steps?locale=ja&format=text`)).json().rendered.content, 'もう一度変更しました。', 'the stale write is not served')

  const v2 = await etagOf(app, `${url}/links?locale=en-US`)
  const again = await putArticle(app, SEED_ID, seedMarkdown(), token, { 'if-match': `"other", ${v2}` })
  t.equal(again.statusCode, 200, 'an ETag of any representation of the current revision, in a list → 200')
  t.equal(again.json().status, 'updated')
  t.equal((await putArticle(app, SEED_ID, seedMarkdown(), token, { 'if-match': '*' })).statusCode, 200, 'If-Match * on an existing article → 200')
})

t.test('If-Match on a missing article: * is a 412 and nothing is created', async (t) => {
  const { app, token } = await writer(t)
  const before = snapshot(app)
  expectProblem(t, await putArticle(app, 'not-yet', simpleArticle(), token, { 'if-match': '*' }), 412, 'KB_PRECONDITION_FAILED', 'If-Match * on a missing article')
  expectProblem(t, await putArticle(app, 'not-yet', simpleArticle(), token, { 'if-match': '"r1-abc"' }), 412, 'KB_PRECONDITION_FAILED', 'an ETag on a missing article')
  expectProblem(t, await app.inject({ method: 'DELETE', url: '/v1/articles/not-yet', headers: { ...bearer(token), 'if-match': '*' } }), 412, 'KB_PRECONDITION_FAILED', 'DELETE If-Match * on a missing article')
  t.same(snapshot(app), before, 'nothing created')
  t.equal((await app.inject('/v1/articles/not-yet')).statusCode, 404)
})

t.test('an ETag from before a DELETE and re-create does not satisfy If-Match', async (t) => {
  const { app, token } = await writer(t)
  await putArticle(app, 'aba', simpleArticle({ title: 'First life' }), token)
  const old = await etagOf(app, '/v1/articles/aba')
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/articles/aba', headers: bearer(token) })).statusCode, 204)
  t.equal((await putArticle(app, 'aba', simpleArticle({ title: 'Second life' }), token)).statusCode, 201, 're-created by someone else')
  const res = await putArticle(app, 'aba', simpleArticle({ title: 'Lost update' }), token, { 'if-match': old })
  expectProblem(t, res, 412, 'KB_PRECONDITION_FAILED', 'a writer holding the first life\'s ETag')
  t.equal((await app.inject('/v1/articles/aba')).json().title, 'Second life', 'the re-created article is not overwritten')
})

t.test('a broken Markdown body is a 422 and nothing changes', async (t) => {
  const { app, token } = await writer(t)
  const bodies: Record<string, string> = {
    'an unclosed span': '---\ntitle: Broken\nms.contentlocale: ja-JP\n---\n# <span data-ttu-id="x">壊れた\n\n- <span data-ttu-id="x-1">閉じていない\n',
    'an unclosed span in the seed': seedMarkdown().replace('</span><span class="sxs-lookup"><span data-stu-id="c8bfe-105">', '<span class="sxs-lookup"><span data-stu-id="c8bfe-105">'),
    'unclosed front matter': '---\ntitle: Broken\nms.contentlocale: en-US\n# Broken\n\n1. Step.\n',
    'no front matter and no H1': 'Just a sentence.\n',
    'NUL bytes': '---\ntitle: x\nms.contentlocale: en-US\n---\n# x\u0000\n'
  }
  for (const id of ['broken-article', SEED_ID]) {
    const before = snapshot(app)
    const etag = await etagOf(app, `/v1/articles/${SEED_ID}`)
    for (const [what, body] of Object.entries(bodies)) {
      expectProblem(t, await putArticle(app, id, body, token), 422, 'KB_INVALID_ARTICLE', `${what} → ${id}`)
    }
    t.same(snapshot(app), before, `${id}: nothing changed`)
    t.equal(await etagOf(app, `/v1/articles/${SEED_ID}`), etag, 'the seed is served as before')
  }
  t.equal((await app.inject('/v1/articles/broken-article')).statusCode, 404, 'no article was created')
})

t.test('a body that is not Markdown is a 415; an empty one a 400; nothing changes', async (t) => {
  const { app, token } = await writer(t)
  const before = snapshot(app)
  const markdown = simpleArticle({ title: 'Typed' })
  const send = (headers: Record<string, string>, payload: string) => app.inject({ method: 'PUT', url: '/v1/articles/typed', headers: { ...bearer(token), ...headers }, payload })
  expectProblem(t, await send({ 'content-type': 'application/octet-stream' }, markdown), 415, 'KB_UNSUPPORTED_MEDIA_TYPE', 'application/octet-stream')
  expectProblem(t, await send({ 'content-type': 'text/html' }, markdown), 415, 'KB_UNSUPPORTED_MEDIA_TYPE', 'text/html')
  expectProblem(t, await send({ 'content-type': 'application/x-www-form-urlencoded' }, 'a=b'), 415, 'KB_UNSUPPORTED_MEDIA_TYPE', 'a form')
  expectProblem(t, await send({}, markdown), 415, 'KB_UNSUPPORTED_MEDIA_TYPE', 'no content type')
  expectProblem(t, await send({ 'content-type': 'application/json' }, JSON.stringify(markdown)), 415, 'KB_UNSUPPORTED_MEDIA_TYPE', 'JSON holding the Markdown as a string')
  expectProblem(t, await send({ 'content-type': 'application/json' }, JSON.stringify({ markdown })), 415, 'KB_UNSUPPORTED_MEDIA_TYPE', 'a JSON object')
  t.same(snapshot(app), before, 'nothing changed')
  t.equal((await app.inject('/v1/articles/typed')).statusCode, 404)
  const empty = await send({ 'content-type': 'text/markdown' }, '')
  t.ok(empty.statusCode === 400 || empty.statusCode === 422, `an empty body is a 400 or 422 (${empty.statusCode})`)
  t.match(empty.headers['content-type'], /^application\/problem\+json/)
  t.same(snapshot(app), before, 'nothing changed')
  for (const type of ['text/markdown', 'text/markdown; charset=utf-8', 'text/plain', 'text/x-markdown']) {
    const res = await send({ 'content-type': type }, simpleArticle({ title: `Typed ${type}` }))
    t.ok(res.statusCode === 200 || res.statusCode === 201, `${type} is taken (${res.statusCode})`)
  }
})

t.test('an id the importer would not give is a 400', async (t) => {
  const { app, token } = await writer(t)
  const before = snapshot(app)
  for (const id of ['Bad%20ID', 'BadId', 'bad.id', '-bad', 'caf%C3%A9', 'a'.repeat(200).replace(/^a/, 'A')]) {
    expectProblem(t, await putArticle(app, id, simpleArticle(), token), 400, 'KB_VALIDATION', `id ${decodeURIComponent(id).slice(0, 20)}`)
  }
  for (const [id, expected] of [['a--b', 'a-b'], ['trailing-', 'trailing'], ['under_', 'under']]) {
    const body = expectProblem(t, await putArticle(app, id!, simpleArticle(), token), 400, 'KB_ID_MISMATCH', `id ${id}`)
    t.match(body.detail, `"${expected}"`, 'names the id the importer would give')
  }
  t.same(snapshot(app), before, 'nothing stored')
})

t.test('an over-long or undecodable id is a problem too, not fastify\'s own JSON', async (t) => {
  const { app, token } = await writer(t)
  const before = snapshot(app)
  for (const [id, status] of [['a'.repeat(201), 414], ['%E0%A4%A', 400], ['%zz', 400]] as const) {
    for (const res of [await putArticle(app, id, simpleArticle(), token), await app.inject(`/v1/articles/${id}`)]) {
      const label = `${res.raw.req.method} /v1/articles/${id.slice(0, 12)}…`
      t.ok(res.statusCode === status || res.statusCode === 400, `${label}: ${status} (or 400), got ${res.statusCode}`)
      t.match(res.headers['content-type'], /^application\/problem\+json/, `${label}: application/problem+json`, { body: res.body.slice(0, 200) })
      const body = res.headers['content-type']?.toString().startsWith('application/') ? res.json() : {}
      t.match(body, { status: res.statusCode, code: /^KB_/, instance: String }, `${label}: a problem with a KB_ code`)
    }
  }
  t.same(snapshot(app), before, 'nothing stored')
})

t.test('a scenario\'s next page after its last articles were deleted is empty; with none left, a 404', async (t) => {
  const { app, token } = await writer(t)
  for (const id of ['paged-a', 'paged-b']) t.equal((await putArticle(app, id, simpleArticle({ title: id, scenarios: ['777'] }), token)).statusCode, 201)
  const first = (await app.inject('/v1/scenarios/777?limit=1')).json()
  t.same(first.articles.map((a: { id: string }) => a.id), ['paged-a'])
  const next = `/v1/scenarios/777?limit=1&cursor=${encodeURIComponent(first.next)}`
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/articles/paged-b', headers: bearer(token) })).statusCode, 204)
  const rest = await app.inject(next)
  t.equal(rest.statusCode, 200, 'the scenario still has an article')
  t.same(rest.json().articles, [], 'nothing after the cursor')
  t.equal(rest.json().next, null)
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/articles/paged-a', headers: bearer(token) })).statusCode, 204)
  expectProblem(t, await app.inject(next), 404, 'KB_SCENARIO_NOT_FOUND', 'no article carries it any more')
})

t.test('DELETE is a 204, then the article is gone; a second DELETE is a 404', async (t) => {
  const { app, token } = await writer(t)
  const etag = await etagOf(app, `/v1/articles/${SEED_ID}`)
  const del = await app.inject({ method: 'DELETE', url: `/v1/articles/${SEED_ID}`, headers: { ...bearer(token), 'if-match': etag } })
  t.equal(del.statusCode, 204)
  t.equal(del.body, '', 'no body')
  for (const r of ['', '/steps', '/links', '/translations', '/stats']) {
    expectProblem(t, await app.inject(`/v1/articles/${SEED_ID}${r}`), 404, 'KB_ARTICLE_NOT_FOUND', `GET ${r || 'article'} after DELETE`)
  }
  t.same((await app.inject('/v1/articles')).json().items, [], 'not listed')
  expectProblem(t, await app.inject('/v1/scenarios/3509'), 404, 'KB_SCENARIO_NOT_FOUND', 'its scenarios are gone')
  const search = await app.inject('/v1/search?q=Office')
  if (search.statusCode === 200) t.same(search.json().items ?? search.json().results ?? [], [], 'not found by search')
  expectProblem(t, await app.inject({ method: 'DELETE', url: `/v1/articles/${SEED_ID}`, headers: bearer(token) }), 404, 'KB_ARTICLE_NOT_FOUND', 'DELETE again')
  t.same(snapshot(app).translations, 0, 'no translation left')
})
