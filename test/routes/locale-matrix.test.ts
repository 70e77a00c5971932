// The locale matrix on the seed article (the one article with fr-FR), another article and a
// list: `?locale=` over Accept-Language over en-US, RFC 4647 lookup, case-insensitive, a
// fallback rather than a 404, and Content-Language, Vary and the body's `locale` block on
// every content response.
import t, { type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp, expectProblem, validateAgainstSpec, SEED_ID } from '../helpers/build-app.ts'

const OTHER_ID = 'activating-office-apps'
const SEED_LOCALES = ['de-DE', 'en-US', 'fr-FR', 'ja-JP', 'zh-CN']
const OTHER_LOCALES = ['de-DE', 'en-US', 'ja-JP', 'zh-CN']
const ALL_LOCALES = SEED_LOCALES

let app: FastifyInstance
t.before(async () => {
  app = await buildTestApp(t, { corpus: true })
})

interface LocaleInfo { requested: string | null, served: string, fallback: boolean, available: string[] }
interface Case {
  /** As `?locale=` (`query`) or as the Accept-Language header (`header`). */
  query?: string
  header?: string
  requested: string | null
  /** Served for the seed, for the other article and for a list. */
  seed: string
  other: string
  /** Whether the seed's answer is a fallback, and the other article's. */
  seedFallback: boolean
  otherFallback: boolean
}

const CASES: Case[] = [
  { header: 'ja', requested: 'ja', seed: 'ja-JP', other: 'ja-JP', seedFallback: false, otherFallback: false },
  { header: 'ja-JP', requested: 'ja-JP', seed: 'ja-JP', other: 'ja-JP', seedFallback: false, otherFallback: false },
  { header: 'ja-jp', requested: 'ja-JP', seed: 'ja-JP', other: 'ja-JP', seedFallback: false, otherFallback: false },
  { header: 'JA;q=0.5, en;q=0.9', requested: 'en', seed: 'en-US', other: 'en-US', seedFallback: false, otherFallback: false },
  { header: 'de', requested: 'de', seed: 'de-DE', other: 'de-DE', seedFallback: false, otherFallback: false },
  { header: 'zh-Hans', requested: 'zh-Hans', seed: 'zh-CN', other: 'zh-CN', seedFallback: false, otherFallback: false },
  { header: 'fr', requested: 'fr', seed: 'fr-FR', other: 'en-US', seedFallback: false, otherFallback: true },
  { header: 'xx', requested: 'xx', seed: 'en-US', other: 'en-US', seedFallback: true, otherFallback: true },
  { header: '*', requested: '*', seed: 'en-US', other: 'en-US', seedFallback: false, otherFallback: false },
  { header: 'xx, *;q=0.1', requested: 'xx', seed: 'en-US', other: 'en-US', seedFallback: false, otherFallback: false },
  { header: 'de-CH', requested: 'de-CH', seed: 'de-DE', other: 'de-DE', seedFallback: true, otherFallback: true },
  { header: 'pt-BR, ja;q=0.2', requested: 'pt-BR', seed: 'ja-JP', other: 'ja-JP', seedFallback: false, otherFallback: false },
  { requested: null, seed: 'en-US', other: 'en-US', seedFallback: false, otherFallback: false },
  { query: 'ja', requested: 'ja', seed: 'ja-JP', other: 'ja-JP', seedFallback: false, otherFallback: false },
  { query: 'ja-jp', requested: 'ja-JP', seed: 'ja-JP', other: 'ja-JP', seedFallback: false, otherFallback: false },
  { query: 'JA', requested: 'ja', seed: 'ja-JP', other: 'ja-JP', seedFallback: false, otherFallback: false },
  { query: 'de', requested: 'de', seed: 'de-DE', other: 'de-DE', seedFallback: false, otherFallback: false },
  { query: 'zh-Hans', requested: 'zh-Hans', seed: 'zh-CN', other: 'zh-CN', seedFallback: false, otherFallback: false },
  { query: 'fr', requested: 'fr', seed: 'fr-FR', other: 'en-US', seedFallback: false, otherFallback: true },
  { query: 'xx', requested: 'xx', seed: 'en-US', other: 'en-US', seedFallback: true, otherFallback: true },
  { query: 'en-GB', requested: 'en-GB', seed: 'en-US', other: 'en-US', seedFallback: true, otherFallback: true }
]

const describe = (c: Pick<Case, 'query' | 'header'>) => c.query !== undefined ? `?locale=${c.query}` : c.header !== undefined ? `Accept-Language: ${c.header}` : 'no locale asked'

async function get (url: string, c: Pick<Case, 'query' | 'header'>): Promise<LightMyRequestResponse> {
  const full = c.query === undefined ? url : `${url}${url.includes('?') ? '&' : '?'}locale=${encodeURIComponent(c.query)}`
  return app.inject({ url: full, headers: c.header === undefined ? {} : { 'accept-language': c.header } })
}

/** A content response: 200, valid, Content-Language = the served locale, Vary names Accept-Language. */
function checkContent (t: Test, url: string, c: Pick<Case, 'query' | 'header'>, res: LightMyRequestResponse, expected: LocaleInfo): void {
  const label = `${url} (${describe(c)})`
  if (!t.equal(res.statusCode, 200, `${label}: 200`, { body: res.body.slice(0, 300) })) return
  const body = res.json()
  t.same(validateAgainstSpec(app, 'GET', url, 200, body), [], `${label}: matches its declared schema`)
  t.same(body.locale, expected, `${label}: the locale block`)
  t.equal(res.headers['content-language'], expected.served, `${label}: Content-Language`)
  t.match(String(res.headers.vary), /(^|,\s*)accept-language(\s*,|$)/i, `${label}: Vary: Accept-Language`)
}

async function expectLocale (t: Test, url: string, c: Pick<Case, 'query' | 'header'>, expected: LocaleInfo): Promise<void> {
  checkContent(t, url, c, await get(url, c), expected)
}

t.test('the seed article', async (t) => {
  for (const c of CASES) {
    const expected = { requested: c.requested, served: c.seed, fallback: c.seedFallback, available: SEED_LOCALES }
    for (const suffix of ['', '/steps', '/links']) {
      const url = `/v1/articles/${SEED_ID}${suffix}`
      await expectLocale(t, url, c, expected)
    }
    const res = await get(`/v1/articles/${SEED_ID}`, c)
    t.equal(res.json().translation.locale, c.seed, `${describe(c)}: the translation served is ${c.seed}`)
  }
})

t.test('another article falls back on its own', async (t) => {
  for (const c of CASES) {
    const url = `/v1/articles/${OTHER_ID}`
    const res = await get(url, c)
    checkContent(t, url, c, res, { requested: c.requested, served: c.other, fallback: c.otherFallback, available: OTHER_LOCALES })
    t.equal(res.json().translation.locale, c.other, `${describe(c)}: ${c.other}`)
  }
})

t.test('a list: the page negotiates against every locale, each item falls back on its own', async (t) => {
  for (const c of CASES) {
    const url = '/v1/articles?limit=100'
    const res = await get(url, c)
    // fr-FR exists (the seed has it), so the page serves what the seed serves
    checkContent(t, url, c, res, { requested: c.requested, served: c.seed, fallback: c.seedFallback, available: ALL_LOCALES })
    const items: Array<{ id: string, locale: string }> = res.json().items
    t.equal(items.find((i) => i.id === SEED_ID)?.locale, c.seed, `${describe(c)}: the seed's title in ${c.seed}`)
    t.equal(items.find((i) => i.id === OTHER_ID)?.locale, c.other, `${describe(c)}: another article's title in ${c.other}`)
  }
  await expectLocale(t, '/v1/scenarios/2000023', { header: 'zh-Hans' }, { requested: 'zh-Hans', served: 'zh-CN', fallback: false, available: ALL_LOCALES })
})

t.test('?locale= beats Accept-Language', async (t) => {
  const url = `/v1/articles/${SEED_ID}/steps`
  await expectLocale(t, url, { query: 'de', header: 'ja' }, { requested: 'de', served: 'de-DE', fallback: false, available: SEED_LOCALES })
  await expectLocale(t, url, { query: 'xx', header: 'ja' }, { requested: 'xx', served: 'en-US', fallback: true, available: SEED_LOCALES })
  await expectLocale(t, url, { query: 'en', header: 'ja;q=1, en;q=0.1' }, { requested: 'en', served: 'en-US', fallback: false, available: SEED_LOCALES })
  await expectLocale(t, url, { query: '', header: 'ja' }, { requested: 'ja', served: 'ja-JP', fallback: false, available: SEED_LOCALES })
})

t.test('a malformed ?locale= is a 400', async (t) => {
  const malformed = ['ja_JP', 'en US', '*', 'x', '-en', 'en-', 'en--US', '日本語', 'ja;q=0.5', 'ja,de', 'a'.repeat(36), '\u0000', 'ja-JP\n']
  for (const value of malformed) {
    for (const url of [`/v1/articles/${SEED_ID}`, `/v1/articles/${SEED_ID}/steps`, '/v1/articles']) {
      expectProblem(t, app, await get(url, { query: value }), { status: 400, code: 'KB_MALFORMED_LOCALE' })
    }
  }
  // Even with a fine header: the query is what was asked
  expectProblem(t, app, await get(`/v1/articles/${SEED_ID}`, { query: 'ja_JP', header: 'ja' }), { status: 400, code: 'KB_MALFORMED_LOCALE' })
})

t.test('a malformed Accept-Language is ignored', async (t) => {
  const ignored = [';;;', ',,,', 'q=0.5', 'ja_JP!', 'en;q=2', 'ja;q=0', 'ja;q=abc', 'ja-JP;q=', '日本語', '-', 'x'.repeat(5000), 'ja,'.repeat(3000)]
  for (const header of ignored) {
    const url = `/v1/articles/${SEED_ID}/steps`
    const res = await get(url, { header })
    t.equal(res.statusCode, 200, `Accept-Language: ${header.slice(0, 20)}… is no error`)
    t.ok(SEED_LOCALES.includes(String(res.headers['content-language'])), 'a locale of the article is served')
  }
  const bad = await get(`/v1/articles/${SEED_ID}`, { header: ';;;' })
  t.match(bad.json().locale, { requested: null, served: 'en-US', fallback: false }, 'nothing usable asked: the default, not a fallback')
  const mixed = await get(`/v1/articles/${SEED_ID}`, { header: 'ja_JP!, de;q=0.5' })
  t.match(mixed.json().locale, { requested: 'de', served: 'de-DE', fallback: false }, 'the malformed entry is skipped, the rest is used')
  const zero = await get(`/v1/articles/${SEED_ID}`, { header: 'ja;q=0, de;q=0.1' })
  t.match(zero.json().locale, { served: 'de-DE' }, 'q=0 means not acceptable')
})
