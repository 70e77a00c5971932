// Rate limits per API key, or per client address without one: 429 problem+json with Retry-After
// and RateLimit headers.
import t, { type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { bearer, createKey, expectProblem, integrationApp, putArticle, SEED_ID, simpleArticle } from '../helpers/integration-app.ts'

function expectLimited (t: Test, res: LightMyRequestResponse, label: string): void {
  const body = expectProblem(t, res, 429, 'KB_RATE_LIMITED', label)
  t.match(body.detail, /3 requests per minute/, `${label}: the detail says the limit`)
  const retryAfter = Number(res.headers['retry-after'])
  t.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60, `${label}: Retry-After in seconds (${res.headers['retry-after']})`)
  t.equal(res.headers['ratelimit-limit'], '3', `${label}: RateLimit-Limit`)
  t.equal(res.headers['ratelimit-remaining'], '0', `${label}: RateLimit-Remaining 0`)
  t.notOk(res.headers.etag, `${label}: no ETag on a 429`)
}

t.test('the 4th request in a minute is a 429 problem with Retry-After and RateLimit headers', async (t) => {
  const { app } = await integrationApp(t, { rateLimit: 3 })
  const url = `/v1/articles/${SEED_ID}`
  for (let i = 1; i <= 3; i++) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, `request ${i}: 200`)
    t.equal(res.headers['ratelimit-limit'], '3', `request ${i}: RateLimit-Limit`)
    t.equal(res.headers['ratelimit-remaining'], String(3 - i), `request ${i}: RateLimit-Remaining`)
    t.ok(Number(res.headers['ratelimit-reset']) > 0, `request ${i}: RateLimit-Reset`)
  }
  expectLimited(t, await app.inject(url), 'request 4')
  expectLimited(t, await app.inject('/v1/locales'), 'another route, same client')
  // A 304 would be cheap, but it is still a request
  expectLimited(t, await app.inject({ url, headers: { 'if-none-match': '"x"' } }), 'a conditional request')
})

t.test('separate keys have separate budgets, and clients without a key their own', async (t) => {
  const { app } = await integrationApp(t, { rateLimit: 3 })
  const a = createKey(app, ['read', 'feedback'])
  const b = createKey(app, ['read'])
  const writer = createKey(app, ['write'])
  const url = `/v1/articles/${SEED_ID}/steps`
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url, headers: bearer(a.token) })).statusCode, 200, `key a, request ${i + 1}`)
  expectLimited(t, await app.inject({ url, headers: bearer(a.token) }), 'key a, request 4')
  expectLimited(t, await app.inject({ method: 'POST', url: `/v1/articles/${SEED_ID}/feedback`, headers: bearer(a.token), payload: { locale: 'en-US', outcome: 'helpful' } }), 'key a on another route')

  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ url, headers: bearer(b.token) })
    t.equal(res.statusCode, 200, `key b, request ${i + 1}: its own budget`)
    t.equal(res.headers['ratelimit-remaining'], String(2 - i))
  }
  expectLimited(t, await app.inject({ url, headers: bearer(b.token) }), 'key b, request 4')

  for (let i = 0; i < 3; i++) t.equal((await app.inject(url)).statusCode, 200, `no key, request ${i + 1}: the address's own budget`)
  expectLimited(t, await app.inject(url), 'no key, request 4')
  const other = await app.inject({ url, remoteAddress: '192.0.2.7' })
  t.equal(other.statusCode, 200, 'another address has its own budget')

  // Writes are limited as well
  for (let i = 0; i < 3; i++) t.ok([200, 201].includes((await putArticle(app, 'limited', simpleArticle({ title: `Limited ${i}` }), writer.token)).statusCode), `writer, request ${i + 1}`)
  expectLimited(t, await putArticle(app, 'limited', simpleArticle({ title: 'Limited 4' }), writer.token), 'writer, request 4')
  t.equal((await app.inject('/v1/articles/limited')).statusCode === 429, true, 'the address is still limited for reads')
  const stored = app.kb.repo.article('limited')
  t.equal(stored?.revision, 3, 'the limited PUT was not applied')
})

t.test('rateLimit: 0 turns limiting off', async (t) => {
  const { app } = await integrationApp(t, { rateLimit: 0 })
  for (let i = 0; i < 20; i++) {
    const res = await app.inject(`/v1/articles/${SEED_ID}`)
    if (res.statusCode !== 200) { t.fail(`request ${i + 1}: ${res.statusCode}`); break }
    if (i === 19) t.notOk(res.headers['ratelimit-limit'], 'no RateLimit headers')
  }
})
