// Every error path of the read API: each answer is an RFC 9457 problem (application/problem+json
// with type, title, status, detail, instance, code, and errors for validation) that matches
// the schema the route declares for its status.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, expectProblem, getJson, SEED_ID } from '../helpers/build-app.ts'

let app: FastifyInstance
t.before(async () => {
  app = await buildTestApp(t, { corpus: true })
})

/** Every read endpoint under /v1, with a path that exists. */
const ENDPOINTS = [
  '/v1/articles',
  `/v1/articles/${SEED_ID}`,
  `/v1/articles/${SEED_ID}/steps`,
  `/v1/articles/${SEED_ID}/links`,
  `/v1/articles/${SEED_ID}/translations`,
  '/v1/scenarios',
  '/v1/scenarios/3509',
  '/v1/locales'
]
/** The endpoints that negotiate a locale (`?locale=`). */
const LOCALIZED = ENDPOINTS.filter((url) => !/\/(translations|locales)$|\/scenarios$/.test(url))

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers })
const withQuery = (url: string, query: string) => `${url}${url.includes('?') ? '&' : '?'}${query}`

t.test('an unknown article is a 404 on each of its resources', async (t) => {
  for (const suffix of ['', '/steps', '/links', '/translations']) {
    const url = `/v1/articles/no-such-article${suffix}`
    const problem = expectProblem(t, app, await get(url), { status: 404, code: 'KB_ARTICLE_NOT_FOUND' })
    t.match(problem.detail, /no-such-article/, `${url}: the detail names the id`)
  }
  const problem = expectProblem(t, app, await get('/v1/articles/no-such-article?locale=ja'), { status: 404, code: 'KB_ARTICLE_NOT_FOUND', instance: '/v1/articles/no-such-article' })
  t.notMatch(problem.instance, /\?/, 'the instance is the path, without the query')
  expectProblem(t, app, await get('/v1/articles/%E2%80%8B'), { status: 404, code: 'KB_ARTICLE_NOT_FOUND' })
  expectProblem(t, app, await get(`/v1/articles/${SEED_ID.toUpperCase()}`), { status: 404, code: 'KB_ARTICLE_NOT_FOUND' })
})

t.test('an unknown scenario is a 404', async (t) => {
  const problem = expectProblem(t, app, await get('/v1/scenarios/424242'), { status: 404, code: 'KB_SCENARIO_NOT_FOUND' })
  t.match(problem.detail, /424242/, 'the detail names the id')
  expectProblem(t, app, await get(`/v1/scenarios/${'9'.repeat(101)}`), { status: 400, code: 'KB_VALIDATION' })
})

t.test('an unknown route is a 404', async (t) => {
  for (const url of ['/v1/nope', '/nope', '/v1/articles/x/nope', '/v2/articles', '/v1/scenarios/3509/articles']) {
    const problem = expectProblem(t, app, await get(url), { status: 404, code: 'KB_ROUTE_NOT_FOUND' })
    t.match(problem.detail, url, `${url}: the detail names the path`)
  }
  expectProblem(t, app, await app.inject({ method: 'DELETE', url: '/v1/locales' }), { status: 404, code: 'KB_ROUTE_NOT_FOUND' })
})

t.test('an Accept header the API cannot serve is a 406', async (t) => {
  for (const url of ENDPOINTS) {
    expectProblem(t, app, await get(url, { accept: 'text/html' }), { status: 406, code: 'KB_NOT_ACCEPTABLE' })
  }
  for (const accept of ['application/xml', 'text/*', 'application/json;q=0', 'image/png, text/html;q=0.9']) {
    expectProblem(t, app, await get(`/v1/articles/${SEED_ID}`, { accept }), { status: 406, code: 'KB_NOT_ACCEPTABLE' })
  }
  expectProblem(t, app, await get('/v1/articles/no-such-article', { accept: 'text/html' }), { status: 406, code: 'KB_NOT_ACCEPTABLE' })
  for (const accept of ['application/json', 'application/*', '*/*', 'text/html, application/json;q=0.1', 'application/problem+json', 'APPLICATION/JSON']) {
    const res = await get(`/v1/articles/${SEED_ID}`, { accept })
    t.equal(res.statusCode, 200, `Accept: ${accept} is served`)
  }
})

t.test('a malformed ?locale= is a 400', async (t) => {
  for (const url of LOCALIZED) {
    expectProblem(t, app, await get(withQuery(url, 'locale=ja_JP')), { status: 400, code: 'KB_MALFORMED_LOCALE' })
  }
  const problem = expectProblem(t, app, await get('/v1/articles?locale=en%20US'), { status: 400, code: 'KB_MALFORMED_LOCALE' })
  t.match(problem.detail, /en US/, 'the detail quotes the value')
  expectProblem(t, app, await get(`/v1/articles?locale=${'a'.repeat(65)}`), { status: 400, code: 'KB_VALIDATION' })
  expectProblem(t, app, await get('/v1/articles?locale=ja&locale=de'), { status: 400, code: 'KB_VALIDATION' })
})

t.test('an invalid limit is a 400', async (t) => {
  for (const url of ['/v1/articles', '/v1/scenarios']) {
    for (const limit of ['0', '101', '-1', 'abc', '1.5', '1e9', '20&limit=30']) {
      const problem = expectProblem(t, app, await get(`${url}?limit=${limit}`), { status: 400, code: 'KB_VALIDATION' })
      t.match(problem.errors, [{ in: 'querystring', path: '/limit' }], `${url}?limit=${limit}: names the parameter`)
    }
  }
  for (const limit of ['1', '100']) t.equal((await get(`/v1/articles?limit=${limit}`)).statusCode, 200, `limit=${limit} is valid`)
})

t.test('an unknown query parameter is a 400', async (t) => {
  for (const url of ENDPOINTS) {
    const problem = expectProblem(t, app, await get(withQuery(url, 'colour=blue')), { status: 400, code: 'KB_VALIDATION' })
    if (problem.errors) t.match(problem.errors, [{ in: 'querystring' }], `${url}: a querystring problem`)
  }
  // A filter of the list is not a parameter of the scenario list
  expectProblem(t, app, await get('/v1/scenarios?locale=ja'), { status: 400, code: 'KB_VALIDATION' })
})

t.test('a tampered or foreign cursor is a 400', async (t) => {
  const { body: articles } = await getJson(t, app, '/v1/articles?limit=5')
  const { body: scenarios } = await getJson(t, app, '/v1/scenarios?limit=5')
  const cursor: string = articles.next
  const [payload = '', mac = ''] = cursor.split('.')
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
  const forged = Buffer.from(JSON.stringify({ k: 'articles', a: 'z' })).toString('base64url')
  const tampered = {
    'payload altered': `${flip(payload, 3)}.${mac}`,
    'signature altered': `${payload}.${flip(mac, 0)}`,
    'another payload, the old signature': `${forged}.${mac}`,
    'no signature': payload,
    'three parts': `${cursor}.x`,
    'not a cursor': 'garbage',
    'empty parts': '.',
    'not base64': `%%%.${mac}`
  }
  for (const [what, value] of Object.entries(tampered)) {
    const res = await get(`/v1/articles?cursor=${encodeURIComponent(value)}`)
    expectProblem(t, app, res, { status: 400, code: 'KB_INVALID_CURSOR' })
    t.pass(`${what}: refused`)
  }
  expectProblem(t, app, await get(`/v1/articles?cursor=${'a'.repeat(600)}`), { status: 400, code: 'KB_VALIDATION' })

  // One list's cursor is no use on another
  expectProblem(t, app, await get(`/v1/scenarios?cursor=${encodeURIComponent(cursor)}`), { status: 400, code: 'KB_INVALID_CURSOR' })
  expectProblem(t, app, await get(`/v1/articles?cursor=${encodeURIComponent(scenarios.next)}`), { status: 400, code: 'KB_INVALID_CURSOR' })

  // The genuine ones still work
  t.equal((await get(`/v1/articles?limit=5&cursor=${encodeURIComponent(cursor)}`)).statusCode, 200)
  t.equal((await get(`/v1/scenarios?limit=5&cursor=${encodeURIComponent(scenarios.next)}`)).statusCode, 200)
})
