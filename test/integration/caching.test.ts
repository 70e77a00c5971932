// HTTP caching of content GETs: strong ETags, If-None-Match → 304, Last-Modified on article
// resources, a configurable Cache-Control, the same bytes for the same content revision, and
// a response cache whose size is configurable and which keeps what is asked again; and bodies
// compressed (gzip, Brotli) for clients that accept it, each form with its own ETag.
import t from 'tap'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { buildApp } from '../../src/app.ts'
import { compress } from '../../src/plugins/caching.ts'
import { resolveConfig } from '../../src/config.ts'
import { buildTestApp } from '../helpers/build-app.ts'
import { changedSeedMarkdown, createKey, integrationApp, publish, putArticle, seedMarkdown, SEED_ID, testConfig, testDir } from '../helpers/integration-app.ts'

/** Article resources: they carry Last-Modified (the article's updatedAt). */
const ARTICLE_URLS = [
  `/v1/articles/${SEED_ID}`,
  `/v1/articles/${SEED_ID}?locale=ja`,
  `/v1/articles/${SEED_ID}?format=html`,
  `/v1/articles/${SEED_ID}/steps`,
  `/v1/articles/${SEED_ID}/steps?locale=ja-JP&format=text`,
  `/v1/articles/${SEED_ID}/links`,
  `/v1/articles/${SEED_ID}/links?format=markdown`,
  `/v1/articles/${SEED_ID}/translations`
]
/** Other content GETs. */
const OTHER_URLS = [
  '/v1/articles',
  '/v1/articles?limit=1',
  '/v1/scenarios',
  '/v1/scenarios/3509',
  '/v1/locales',
  '/v1/changes',
  `/v1/articles/${SEED_ID}/stats`,
  // Serialized by the search itself (a string of JSON to fastify), not by the route's serializer
  '/v1/search?q=Unlicensed%20Product',
  '/v1/search?q=%E3%83%A9%E3%82%A4%E3%82%BB%E3%83%B3%E3%82%B9&locale=ja'
]
const URLS = [...ARTICLE_URLS, ...OTHER_URLS]

const STRONG_ETAG = /^"[\x21\x23-\x7e]+"$/

t.test('every content GET has a strong ETag and Cache-Control; If-None-Match is a 304 with an empty body', async (t) => {
  const { app } = await integrationApp(t)
  for (const url of URLS) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, `GET ${url}`)
    const etag = res.headers.etag
    t.type(etag, 'string', `${url}: ETag`)
    if (typeof etag !== 'string') continue
    t.match(etag, STRONG_ETAG, `${url}: a strong ETag (quoted, no W/)`)
    t.notOk(etag.startsWith('W/'), `${url}: not weak`)
    t.type(res.headers['cache-control'], 'string', `${url}: Cache-Control`)

    const again = await app.inject({ url, headers: { 'if-none-match': etag } })
    t.equal(again.statusCode, 304, `${url}: If-None-Match with the ETag → 304`)
    t.equal(again.body, '', `${url}: 304 has an empty body`)
    t.equal(again.headers.etag, etag, `${url}: 304 repeats the ETag`)
    t.notOk(again.headers['content-type'], `${url}: 304 has no Content-Type`)

    const listed = await app.inject({ url, headers: { 'if-none-match': `"nope", ${etag}` } })
    t.equal(listed.statusCode, 304, `${url}: the ETag in a list → 304`)
    const weak = await app.inject({ url, headers: { 'if-none-match': `W/${etag}` } })
    t.equal(weak.statusCode, 304, `${url}: If-None-Match uses the weak comparison`)
    const other = await app.inject({ url, headers: { 'if-none-match': '"something-else"' } })
    t.equal(other.statusCode, 200, `${url}: another ETag → 200`)
    t.equal(other.body, res.body, `${url}: the same bytes again`)
    // That one came from the response cache (kept as UTF-8 bytes): same length, type and encoding.
    t.ok(other.rawPayload.equals(res.rawPayload), `${url}: byte for byte`)
    t.equal(other.headers['content-length'], String(res.rawPayload.length), `${url}: Content-Length of the cached bytes`)
    t.equal(other.headers['content-type'], res.headers['content-type'], `${url}: the same Content-Type`)
  }
})

t.test('article resources carry Last-Modified: the article\'s updatedAt', async (t) => {
  const { app } = await integrationApp(t)
  const article = (await app.inject(`/v1/articles/${SEED_ID}`)).json()
  const expected = new Date(article.updatedAt).toUTCString()
  for (const url of ARTICLE_URLS) {
    const res = await app.inject(url)
    t.equal(res.headers['last-modified'], expected, `${url}: Last-Modified`)
  }
  const missing = await app.inject('/v1/articles/no-such-article')
  t.equal(missing.statusCode, 404)
  t.notOk(missing.headers.etag, 'a 404 has no ETag')
  t.notOk(missing.headers['last-modified'], 'a 404 has no Last-Modified')
})

t.test('Cache-Control is configurable; the change feed and stats are never cached by shared caches', async (t) => {
  const byDefault = await integrationApp(t)
  t.equal((await byDefault.app.inject(`/v1/articles/${SEED_ID}`)).headers['cache-control'], 'public, max-age=60', 'the default')

  const { app } = await integrationApp(t, { cacheControl: 'private, max-age=5, must-revalidate' })
  for (const url of [`/v1/articles/${SEED_ID}`, `/v1/articles/${SEED_ID}/steps`, `/v1/articles/${SEED_ID}/links`, '/v1/articles', '/v1/scenarios', '/v1/locales']) {
    t.equal((await app.inject(url)).headers['cache-control'], 'private, max-age=5, must-revalidate', `${url}: the configured Cache-Control`)
  }
  t.equal((await app.inject('/v1/changes')).headers['cache-control'], 'no-cache', 'the change feed: no-cache')
  t.equal((await app.inject(`/v1/articles/${SEED_ID}/stats`)).headers['cache-control'], 'no-cache', 'stats: no-cache')
})

t.test('the same content revision gives the same bytes and ETag on two instances with copies of the database', async (t) => {
  const dir = testDir(t)
  const original = join(dir, 'original.sqlite')
  const first = await buildApp({ config: testConfig({ dbFile: original }), logger: false })
  await first.ready()
  const { token } = createKey(first, ['write'])
  await publish(first, 'second-article', '---\ntitle: Second\nms.contentlocale: en-US\nms.custom: 3509\n---\n# Second\n\n1. One.\n2. Two.\n', token)
  const before = new Map<string, { body: string, etag: string | undefined }>()
  for (const url of URLS) {
    const res = await first.inject(url)
    before.set(url, { body: res.body, etag: res.headers.etag as string | undefined })
  }
  await first.close()
  copyFileSync(original, join(dir, 'a.sqlite'))
  copyFileSync(original, join(dir, 'b.sqlite'))

  const a = (await integrationApp(t, {}, { dbFile: join(dir, 'a.sqlite') })).app
  const b = (await integrationApp(t, {}, { dbFile: join(dir, 'b.sqlite') })).app
  for (const url of URLS) {
    const ra = await a.inject(url)
    const rb = await b.inject(url)
    t.equal(ra.statusCode, 200, `${url} on copy a`)
    t.equal(ra.body, rb.body, `${url}: the same bytes on both copies`)
    t.equal(ra.headers.etag, rb.headers.etag, `${url}: the same ETag on both copies`)
    t.equal(ra.body, before.get(url)?.body, `${url}: the same bytes as the original instance`)
    t.equal(ra.headers.etag, before.get(url)?.etag, `${url}: the same ETag as the original instance`)
    t.equal(ra.headers['last-modified'], rb.headers['last-modified'], `${url}: the same Last-Modified`)
    // An ETag from one instance is good for the other
    const cross = await b.inject({ url, headers: { 'if-none-match': ra.headers.etag as string } })
    t.equal(cross.statusCode, 304, `${url}: copy a's ETag → 304 on copy b`)
  }
})

t.test('a PUT that changes the article changes its ETag; an unchanged PUT does not', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['write'])
  const urls = [`/v1/articles/${SEED_ID}?locale=ja-JP`, `/v1/articles/${SEED_ID}/steps?locale=ja-JP`, `/v1/articles/${SEED_ID}/steps?locale=ja-JP&format=text`]
  const before = new Map<string, { etag: string, lastModified: string | undefined }>()
  for (const url of urls) {
    const res = await app.inject(url)
    before.set(url, { etag: res.headers.etag as string, lastModified: res.headers['last-modified'] as string | undefined })
  }

  const same = await putArticle(app, SEED_ID, seedMarkdown(), token)
  t.equal(same.statusCode, 200)
  t.equal(same.json().status, 'unchanged', 'the seed as it is: unchanged')
  for (const url of urls) {
    const res = await app.inject({ url, headers: { 'if-none-match': before.get(url)!.etag } })
    t.equal(res.statusCode, 304, `${url}: still 304 after an unchanged PUT`)
  }

  // Last-Modified has a one-second resolution: make sure the change lands in a later second.
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const changed = await putArticle(app, SEED_ID, changedSeedMarkdown(), token)
  t.equal(changed.statusCode, 200)
  t.equal(changed.json().status, 'updated')
  for (const url of urls) {
    const res = await app.inject({ url, headers: { 'if-none-match': before.get(url)!.etag } })
    t.equal(res.statusCode, 200, `${url}: the old ETag no longer matches`)
    t.not(res.headers.etag, before.get(url)!.etag, `${url}: a new ETag`)
    t.match(res.headers.etag, STRONG_ETAG, `${url}: still strong`)
    t.ok(Date.parse(res.headers['last-modified'] as string) > Date.parse(before.get(url)!.lastModified!), `${url}: Last-Modified moved on`)
  }
  const text = (await app.inject(`/v1/articles/${SEED_ID}/steps?locale=ja-JP&format=text`)).json().rendered.content
  t.match(text, /^1\. サブスクリプションの有効期限を確認してください。$/m, 'the new text is served')
})

t.test('two instances on one database file: a write through one is served at once by the other', async (t) => {
  const { app: a, dbFile } = await integrationApp(t)
  const { app: b } = await integrationApp(t, {}, { dbFile })
  const { token } = createKey(a, ['write'])
  const url = `/v1/articles/${SEED_ID}/steps?locale=ja-JP&format=text`
  const before = await b.inject(url)
  const again = await b.inject(url)
  t.equal(again.headers.etag, before.headers.etag, 'b serves the same (perhaps cached) response twice')
  t.equal((await putArticle(a, SEED_ID, changedSeedMarkdown(), token)).statusCode, 200, 'a PUT through a')
  const after = await b.inject(url)
  t.not(after.headers.etag, before.headers.etag, 'b has a new ETag')
  t.match(after.json().rendered.content, 'サブスクリプションの有効期限を確認してください。', 'b serves the new text')
  t.equal((await b.inject({ url, headers: { 'if-none-match': before.headers.etag as string } })).statusCode, 200, 'b no longer answers 304 to the old ETag')
  t.equal((await a.inject(url)).headers.etag, after.headers.etag, 'both serve the same ETag')
})

t.test('KB_RESPONSE_CACHE_MB: 32 MiB of responses by default; 0 keeps none', async (t) => {
  t.equal(resolveConfig({}, {}).responseCacheMb, 32)
  t.equal(resolveConfig({}, { KB_RESPONSE_CACHE_MB: '0' }).responseCacheMb, 0)
  t.throws(() => resolveConfig({}, { KB_RESPONSE_CACHE_MB: '-1' }), /KB_RESPONSE_CACHE_MB must be a non-negative integer/)
  const reads = async (responseCacheMb: number): Promise<{ blocks: number, etags: string[] }> => {
    const app = await buildTestApp(t, { config: { responseCacheMb } })
    const repo = app.kb.repo as unknown as { blocks: (...args: unknown[]) => unknown }
    const blocks = repo.blocks.bind(repo)
    let calls = 0
    repo.blocks = (...args) => { calls++; return blocks(...args) }
    const etags: string[] = []
    for (let i = 0; i < 4; i++) {
      const res = await app.inject(`/v1/articles/${SEED_ID}?locale=ja`)
      t.equal(res.statusCode, 200)
      etags.push(String(res.headers.etag))
    }
    return { blocks: calls, etags }
  }
  const cached = await reads(32)
  const uncached = await reads(0)
  t.equal(cached.blocks, 2, 'by default the article is read for the first two requests (kept at the second) and then served from the cache')
  t.equal(uncached.blocks, 4, 'with 0, every request reads it')
  for (const { etags } of [cached, uncached]) t.same(etags, [etags[0], etags[0], etags[0], etags[0]], 'the same ETag each time, cached or not')
})

t.test('a response is kept from the second time its request comes; a stale copy counts as seen', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['write'])
  const repo = app.kb.repo as unknown as { blocks: (...args: unknown[]) => unknown }
  const blocks = repo.blocks.bind(repo)
  let reads = 0
  repo.blocks = (...args) => { reads++; return blocks(...args) }
  const get = async (url: string): Promise<string> => {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, `GET ${url}`)
    return String(res.headers.etag)
  }
  const url = `/v1/articles/${SEED_ID}?locale=ja`
  const first = await get(url)
  t.equal(reads, 1, 'the first request reads the article')
  reads = 0
  t.equal(await get(url), first, 'the second request: the same ETag')
  t.equal(reads, 1, 'the second request reads it again (a request seen once is not kept)')
  t.equal(await get(url), first, 'the third: the same ETag')
  t.equal(reads, 1, 'the third is served from the cache')

  t.equal((await putArticle(app, SEED_ID, changedSeedMarkdown(), token)).statusCode, 200, 'a change to the article')
  reads = 0
  const changed = await get(url)
  t.not(changed, first, 'after the change, a new ETag')
  t.equal(reads, 1, 'the stale copy is not served: the article is read')
  t.equal(await get(url), changed, 'and again')
  t.equal(reads, 1, 'kept at once: its stale copy said the request had been seen')
})

const decode = (raw: Buffer, encoding: string | undefined): Buffer =>
  encoding === 'gzip' ? gunzipSync(raw) : encoding === 'br' ? brotliDecompressSync(raw) : raw

t.test('a body of 1 KiB or more is compressed for a client that accepts it: the same JSON, its own ETag, Vary: Accept-Encoding', async (t) => {
  const { app } = await integrationApp(t)
  for (const url of URLS) {
    const plain = await app.inject(url)
    t.equal(plain.statusCode, 200, `GET ${url}`)
    const etag = String(plain.headers.etag)
    const big = plain.rawPayload.length >= 1024
    t.notOk(plain.headers['content-encoding'], `${url}: not compressed without Accept-Encoding`)
    t.equal(/accept-encoding/i.test(String(plain.headers.vary ?? '')), big, `${url}: Vary names Accept-Encoding ${big ? '' : 'only '}when the body could be compressed (${plain.rawPayload.length} bytes)`)
    for (const [header, expected] of [['gzip', 'gzip'], ['br', 'br'], ['gzip, deflate, br', 'gzip'], ['br;q=1, gzip;q=0.5', 'br'], ['GZIP', 'gzip'], ['identity', undefined], ['gzip;q=0, deflate', undefined], ['*', 'gzip']] as const) {
      // Twice: the second may come from the response cache
      for (const round of [1, 2]) {
        const res = await app.inject({ url, headers: { 'accept-encoding': header } })
        const name = `${url}, Accept-Encoding: ${header} (${round})`
        t.equal(res.statusCode, 200, name)
        const coding = big ? expected : undefined
        t.equal(res.headers['content-encoding'], coding, `${name}: ${coding ?? 'as it is'}`)
        t.same(JSON.parse(decode(res.rawPayload, coding).toString('utf8')), JSON.parse(plain.body), `${name}: the same JSON`)
        t.equal(res.headers.etag, coding === undefined ? etag : `${etag.slice(0, -1)}-${coding}"`, `${name}: ETag`)
        if (coding !== undefined) t.ok(res.rawPayload.length < plain.rawPayload.length / 2, `${name}: ${res.rawPayload.length} of ${plain.rawPayload.length} bytes`)
        t.equal(Number(res.headers['content-length']), res.rawPayload.length, `${name}: Content-Length is the bytes sent`)
      }
    }
  }
})

t.test('If-None-Match with a compressed form\'s ETag, or the uncompressed one, is a 304; HEAD gives the compressed length', async (t) => {
  const { app } = await integrationApp(t)
  const url = `/v1/articles/${SEED_ID}?locale=ja`
  const plain = await app.inject(url)
  const etag = String(plain.headers.etag)
  for (const round of [1, 2, 3]) {
    const gzip = await app.inject({ url, headers: { 'accept-encoding': 'gzip' } })
    const gzipEtag = String(gzip.headers.etag)
    t.not(gzipEtag, etag, `round ${round}: the gzip form has an ETag of its own`)
    for (const tag of [gzipEtag, etag, `"x", ${gzipEtag}`]) {
      const again = await app.inject({ url, headers: { 'accept-encoding': 'gzip', 'if-none-match': tag } })
      t.equal(again.statusCode, 304, `round ${round}: If-None-Match ${tag} asking gzip → 304`)
      t.equal(again.body, '', 'an empty body')
      t.notOk(again.headers['content-encoding'], 'no Content-Encoding on a 304')
      t.equal(again.headers.etag, gzipEtag, 'the ETag of the form asked for')
    }
    const other = await app.inject({ url, headers: { 'accept-encoding': 'br', 'if-none-match': gzipEtag } })
    t.equal(other.statusCode, 200, `round ${round}: the gzip ETag does not stand for the Brotli form`)
    const plainAgain = await app.inject({ url, headers: { 'if-none-match': gzipEtag } })
    t.equal(plainAgain.statusCode, 200, `round ${round}: nor for the uncompressed one`)
    const head = await app.inject({ method: 'HEAD', url, headers: { 'accept-encoding': 'gzip' } })
    t.equal(head.statusCode, 200)
    t.equal(head.headers['content-encoding'], 'gzip', 'HEAD: Content-Encoding')
    t.equal(head.headers['content-length'], gzip.headers['content-length'], 'HEAD: the length GET sends')
    t.equal(head.body, '', 'HEAD: no body')
  }
})

t.test('a compressed form\'s ETag names the article\'s revision for If-Match, like the uncompressed one', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['write'])
  const url = `/v1/articles/${SEED_ID}`
  const br = String((await app.inject({ url, headers: { 'accept-encoding': 'br' } })).headers.etag)
  t.match(br, /-br"$/)
  t.equal((await putArticle(app, SEED_ID, changedSeedMarkdown(), token, { 'if-match': br })).statusCode, 200, 'If-Match with the current Brotli ETag: written')
  t.equal((await putArticle(app, SEED_ID, seedMarkdown(), token, { 'if-match': br })).statusCode, 412, 'the same ETag after the change: 412')
})

t.test('the response cache keeps each compressed form once: the bytes of the first are served again', async (t) => {
  const { app } = await integrationApp(t)
  const url = `/v1/articles/${SEED_ID}/steps?locale=ja-JP`
  // Counted by replacing node:zlib's gzipSync, which the plugin imported: builtin modules' ES
  // bindings follow their CommonJS object after syncBuiltinESMExports()
  const zlib = createRequire(import.meta.url)('node:zlib') as { gzipSync: typeof gunzipSync }
  const real = zlib.gzipSync
  let compressions = 0
  t.teardown(() => { zlib.gzipSync = real; syncBuiltinESMExports() })
  zlib.gzipSync = ((...args: Parameters<typeof real>) => { compressions++; return real(...args) }) as typeof real
  syncBuiltinESMExports()
  const bodies: string[] = []
  for (let i = 0; i < 5; i++) bodies.push((await app.inject({ url, headers: { 'accept-encoding': 'gzip' } })).rawPayload.toString('base64'))
  t.same(new Set(bodies).size, 1, 'the same bytes every time')
  t.equal(compressions, 2, 'compressed for the first two requests, then served compressed from the cache')
})

t.test('a compressed body is a buffer of its own, not a slice that keeps zlib\'s 16 KiB output chunk alive in the cache', async (t) => {
  const body = Buffer.from(JSON.stringify({ text: 'トラブルシューティング '.repeat(300) }))
  for (const encoding of ['gzip', 'br'] as const) {
    const out = compress(body, encoding)
    t.same(decode(out, encoding), body, `${encoding}: decodes to the body`)
    t.ok(out.length < 1024, `${encoding}: ${out.length} bytes`)
    t.ok(out.buffer.byteLength <= 8192, `${encoding}: its memory is at most Node's 8 KiB pool, not the chunk (${out.buffer.byteLength} bytes)`)
  }
})
