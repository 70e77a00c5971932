// Security at the edges: helmet's headers on every response (a JSON API's set, and the whole
// set with a CSP /docs can live with on the pages), cached ones and problems included; CORS
// only for the configured origins; API keys and cookies censored in the log, even where a
// request's headers are logged.
import t from 'tap'
import { Writable } from 'node:stream'
import { join } from 'node:path'
import { buildApp } from '../../src/app.ts'
import { loggerOptions, REDACTED } from '../../src/logging.ts'
import { ApiKeys } from '../../src/auth/api-keys.ts'
import { testConfig } from '../helpers/integration-app.ts'
import { buildTestApp, SEED_ID } from '../helpers/build-app.ts'

const PORTAL = 'https://portal.example.com'

/** helmet's headers for HTML documents, which a JSON answer does without. */
const PAGE_ONLY = ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection']

t.test('API security headers on content, cached content, problems, health and unknown paths', async (t) => {
  const app = await buildTestApp(t)
  // /docsx and /v1/docs are not the pages
  const urls = [`/v1/articles/${SEED_ID}`, `/v1/articles/${SEED_ID}`, '/v1/articles/nope', '/v1/search?q=office', '/health', '/v1/openapi.json', '/docsx', '/v1/docs']
  for (const url of urls) {
    const res = await app.inject({ url })
    t.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", `${url}: a JSON answer loads nothing and is never framed`)
    t.equal(res.headers['x-frame-options'], 'DENY', `${url}: X-Frame-Options`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`)
    t.match(String(res.headers['strict-transport-security']), /max-age=\d+/, `${url}: HSTS`)
    t.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', `${url}: other sites' tools may fetch it`)
    t.equal(res.headers['referrer-policy'], 'no-referrer', `${url}: no referrer`)
    t.equal(res.headers['x-powered-by'], undefined, `${url}: no X-Powered-By`)
    for (const name of PAGE_ONLY) t.equal(res.headers[name], undefined, `${url}: no ${name}`)
  }
})

t.test('the /docs pages get helmet\'s whole set, with a CSP the page can live with', async (t) => {
  const app = await buildTestApp(t)
  const page = await app.inject({ url: '/docs/' })
  t.match(String(page.headers['content-type']), /text\/html/, 'the page is HTML')
  for (const url of ['/docs', '/docs/', '/docs/json', '/docs/static/index.html', '/docs?x=1']) {
    const res = await app.inject({ url })
    const csp = String(res.headers['content-security-policy'])
    t.match(csp, /default-src 'self'/, `${url}: a CSP`)
    t.match(csp, /frame-ancestors 'none'/, `${url}: not framed`)
    t.match(csp, /script-src 'self'(;|$)/, `${url}: scripts only from the API itself, none inline`)
    t.match(csp, /object-src 'none'/, `${url}: no plugins`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`)
    t.match(String(res.headers['strict-transport-security']), /max-age=\d+/, `${url}: HSTS`)
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${url}: X-Frame-Options`)
    t.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', `${url}: CORP`)
    t.equal(res.headers['referrer-policy'], 'no-referrer', `${url}: no referrer`)
    for (const name of PAGE_ONLY) t.ok(res.headers[name] !== undefined, `${url}: ${name}`)
  }
})

t.test('CORS answers the configured origins only', async (t) => {
  const open = await buildTestApp(t, { config: { corsOrigins: [PORTAL] } })
  const allowed = await open.inject({ url: `/v1/articles/${SEED_ID}`, headers: { origin: PORTAL } })
  t.equal(allowed.headers['access-control-allow-origin'], PORTAL)
  t.match(String(allowed.headers['access-control-expose-headers']), /ETag/)
  const other = await open.inject({ url: `/v1/articles/${SEED_ID}`, headers: { origin: 'https://evil.example.net' } })
  t.equal(other.statusCode, 200, 'the request itself is served (CORS is the browser\'s to enforce)')
  t.equal(other.headers['access-control-allow-origin'], undefined, 'but no other origin is allowed')
  const preflight = await open.inject({
    method: 'OPTIONS',
    url: `/v1/articles/${SEED_ID}/feedback`,
    headers: { origin: PORTAL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' }
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], PORTAL)
  t.match(String(preflight.headers['access-control-allow-headers']), /Idempotency-Key/)
  t.match(String(preflight.headers['access-control-allow-methods']), /POST/)
  const foreignPreflight = await open.inject({ method: 'OPTIONS', url: `/v1/articles/${SEED_ID}`, headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'PUT' } })
  t.equal(foreignPreflight.headers['access-control-allow-origin'], undefined, 'a preflight from another origin is not allowed')

  const closed = await buildTestApp(t)
  const none = await closed.inject({ url: `/v1/articles/${SEED_ID}`, headers: { origin: PORTAL } })
  t.equal(none.headers['access-control-allow-origin'], undefined, 'no origin at all by default')
})

t.test('API keys and cookies never reach the log', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } })
  const app = await buildApp({ config: testConfig({ dbFile: join(t.testdir(), 'kb.sqlite') }), logger: loggerOptions('info', stream) })
  t.teardown(() => app.close())
  await app.ready()
  const { key, token } = new ApiKeys(app.kb.db).create('t', ['feedback'])
  // The whole secret: base64url holds `_` too, so the text after the last `_` may be one letter
  const secretPart = token.slice(`kb_${key.id}_`.length)
  await app.inject({ url: `/v1/articles/${SEED_ID}`, headers: { authorization: `Bearer ${token}`, cookie: 'session=s3cr3t-cookie' } })
  await app.inject({ url: '/v1/articles/nope', headers: { authorization: 'Bearer kb_bogus_t0psecr3t' } })
  await app.inject({ method: 'POST', url: `/v1/articles/${SEED_ID}/feedback`, headers: { authorization: `Bearer ${token}`, 'proxy-authorization': 'Basic cHJveHk6c2VjcmV0' }, payload: { locale: 'xx-!!', outcome: 'helpful' } })
  const log = lines.join('')
  t.match(log, /"user-agent"|"host"/, 'request headers are logged (so the redaction below is what keeps secrets out)')
  t.match(log, REDACTED, 'secret headers show as redacted')
  for (const secret of [secretPart, 's3cr3t-cookie', 't0psecr3t', 'cHJveHk6c2VjcmV0']) t.notMatch(log, secret, `${secret.slice(0, 4)}… is not in the log`)
})
