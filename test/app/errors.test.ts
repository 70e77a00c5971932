// The app at its edges: an unexpected error is a 500 problem without internals, HEAD and a
// trailing slash work, and no path — too long, badly encoded — answers a 500 or a body that is
// not a problem.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, expectProblem, getJson, SEED_ID } from '../helpers/build-app.ts'

const SECRET = 'password=hunter2 at /srv/kb/internal.sqlite'

let app: FastifyInstance
t.before(async () => {
  app = await buildTestApp(t, { ready: false })
  // Routes that fail the way a bug or a failing dependency would; added before the app is ready
  app.get('/boom', async () => { throw new Error(SECRET) })
  app.get('/boom-sync', () => { throw new TypeError(SECRET) })
  app.get('/v1/boom', async () => { throw Object.assign(new Error(SECRET), { code: 'SQLITE_CORRUPT' }) })
  app.get('/boom-upstream', async () => { throw Object.assign(new Error(SECRET), { statusCode: 503 }) })
  await app.ready()
})

t.test('an unexpected error is a 500 problem without the error\'s message or stack', async (t) => {
  for (const url of ['/boom', '/boom-sync', '/v1/boom']) {
    const res = await app.inject({ url })
    const problem = expectProblem(t, app, res, { status: 500, code: 'KB_INTERNAL', declared: false })
    t.equal(problem.title, 'Internal Server Error')
    t.notMatch(res.body, 'hunter2', `${url}: the message is not sent`)
    t.notMatch(res.body, /internal\.sqlite|SQLITE_CORRUPT|TypeError|\bat .+:\d+:\d+/, `${url}: no path, code, class or stack frame`)
    t.same(Object.keys(problem).sort(), ['code', 'detail', 'instance', 'status', 'title', 'type'], `${url}: only the problem members`)
  }
})

t.test('a 5xx error of another status does not leak its message either', async (t) => {
  const res = await app.inject({ url: '/boom-upstream' })
  expectProblem(t, app, res, { status: 503, code: 'KB_INTERNAL', declared: false })
  t.notMatch(res.body, 'hunter2', 'the message of an error the API did not declare is not sent')
})

t.test('HEAD answers like GET without a body', async (t) => {
  for (const url of [`/v1/articles/${SEED_ID}`, `/v1/articles/${SEED_ID}/steps?locale=ja`, '/v1/articles', '/v1/locales', '/health', '/ready']) {
    const get = await app.inject({ method: 'GET', url })
    const head = await app.inject({ method: 'HEAD', url })
    t.equal(head.statusCode, 200, `HEAD ${url}: 200`)
    t.equal(head.body, '', `HEAD ${url}: no body`)
    t.equal(head.headers['content-type'], get.headers['content-type'], `HEAD ${url}: the GET's Content-Type`)
    t.equal(head.headers['content-language'], get.headers['content-language'], `HEAD ${url}: the GET's Content-Language`)
    t.equal(head.headers['content-length'], get.headers['content-length'], `HEAD ${url}: the GET's Content-Length`)
  }
  const missing = await app.inject({ method: 'HEAD', url: '/v1/articles/no-such-article' })
  t.equal(missing.statusCode, 404, 'HEAD of an unknown article: 404')
  t.match(missing.headers['content-type'], /^application\/problem\+json/)
  t.equal(missing.body, '')
})

t.test('a trailing slash is the same resource', async (t) => {
  for (const url of ['/v1/articles', `/v1/articles/${SEED_ID}`, `/v1/articles/${SEED_ID}/steps`, '/v1/scenarios/3509', '/v1/locales', '/health']) {
    const plain = await app.inject({ url })
    const { body } = await getJson(t, app, `${url}/`)
    t.same(body, plain.json(), `${url}/ answers as ${url}`)
  }
  const { body } = await getJson(t, app, `/v1/articles/${SEED_ID}/?locale=ja`)
  t.equal(body.locale.served, 'ja-JP', 'with a query after the slash')
})

t.test('very long ids are a 4xx problem, never a 500', async (t) => {
  const check = async (url: string, allowed: number[]) => {
    const res = await app.inject({ url })
    t.ok(allowed.includes(res.statusCode), `${url.slice(0, 40)}… (${url.length} chars): ${allowed.join(' or ')}`, { got: res.statusCode })
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${url.slice(0, 40)}…: application/problem+json`, { body: res.body.slice(0, 200) })
  }
  await check(`/v1/articles/${'a'.repeat(200)}`, [404])
  for (const length of [201, 10_000]) {
    for (const suffix of ['', '/steps']) await check(`/v1/articles/${'a'.repeat(length)}${suffix}`, [400, 404, 414])
    await check(`/v1/scenarios/${'9'.repeat(length)}`, [400, 404, 414])
  }
  await check(`/v1/articles?cursor=${'a'.repeat(10_000)}`, [400])
  await check(`/v1/articles?scenario=${'a'.repeat(10_000)}`, [400])
  await check(`/v1/articles/${SEED_ID}?locale=${'a'.repeat(10_000)}`, [400])
})

t.test('a badly encoded path is a 400 problem', async (t) => {
  for (const url of ['/v1/articles/%E0%A4%A', '/v1/articles/%', '/v1/articles/%zz/steps', '/v1/scenarios/%C0']) {
    const res = await app.inject({ url })
    expectProblem(t, app, res, { status: 400, code: 'KB_BAD_URL', declared: false })
  }
})

t.test('odd but valid paths are a 404 problem', async (t) => {
  for (const url of ['/v1/articles/a%2Fb', '/v1/articles/%00', '/v1/articles/..%2F..%2Fetc%2Fpasswd', '/v1/articles/%F0%9F%92%A5', "/v1/articles/'%20OR%201=1--"]) {
    expectProblem(t, app, await app.inject({ url }), { status: 404, code: 'KB_ARTICLE_NOT_FOUND' })
  }
})
