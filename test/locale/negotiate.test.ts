// Locale negotiation: tag parsing, Accept-Language parsing and the lookup/fallback rules.
import t from 'tap'
import { languageOf, negotiateLocale, parseAcceptLanguage, parseLocaleTag } from '../../src/locale/negotiate.ts'

const AVAILABLE = ['zh-TW', 'en-US', 'ja-JP', 'de-DE', 'zh-CN', 'en-GB', 'pt-BR', 'pt-PT']
const SORTED = [...AVAILABLE].sort()

const served = (options: { query?: string, acceptLanguage?: string, available?: string[] }) => {
  const result = negotiateLocale({ available: AVAILABLE, ...options })
  if (!result.ok) throw new Error(`unexpected error: ${result.detail}`)
  return result
}

t.test('parseLocaleTag', async (t) => {
  t.equal(parseLocaleTag('ja-jp'), 'ja-JP')
  t.equal(parseLocaleTag('ZH-hant-tw'), 'zh-Hant-TW')
  t.equal(parseLocaleTag('en'), 'en')
  for (const bad of ['', '*', 'ja_JP', 'ja_JP!', 'ja JP', 'x', 'en--US', '-en', 'a'.repeat(36), 'en-US-' + 'x'.repeat(40), 'ja-JP\n']) {
    t.equal(parseLocaleTag(bad), null, JSON.stringify(bad))
  }
})

t.test('languageOf', async (t) => {
  t.equal(languageOf('zh-Hant-TW'), 'zh')
  t.equal(languageOf('JA'), 'ja')
})

t.test('parseAcceptLanguage', async (t) => {
  t.same(parseAcceptLanguage('JA;q=0.5, en;q=0.9'), [{ tag: 'en', q: 0.9 }, { tag: 'ja', q: 0.5 }])
  t.same(parseAcceptLanguage('fr-ca, fr;q=0.9, *;Q=0.1'),
    [{ tag: 'fr-CA', q: 1 }, { tag: 'fr', q: 0.9 }, { tag: '*', q: 0.1 }])
  t.same(parseAcceptLanguage('de;q=0.5,ja;q=0.5,en;q=0.5').map((r) => r.tag), ['de', 'ja', 'en'],
    'stable for equal q')
  t.same(parseAcceptLanguage('ja;q=0, de'), [{ tag: 'de', q: 1 }], 'q=0 is not acceptable')
  t.same(parseAcceptLanguage('ja;q=0.000, *;q=0'), [])
  t.same(parseAcceptLanguage('ja_JP!, de ; q=0.7, en;q=2, fr;q=0.1234, es;x=1, it;q=1.000'),
    [{ tag: 'it', q: 1 }, { tag: 'de', q: 0.7 }], 'malformed entries are skipped')
  for (const bad of [undefined, '', ',,,', ';;;', 'q=0.5', '\u0000', 'ja-JP;q=']) {
    t.same(parseAcceptLanguage(bad), [], JSON.stringify(bad))
  }

  const huge = Array.from({ length: 1000 }, (_, i) => `en;q=0.${String(i % 1000).padStart(3, '0')}`).join(', ')
  t.ok(huge.length > 4096)
  t.ok(parseAcceptLanguage(huge).length <= 50, 'at most 50 entries')
  const long = 'ja;q=0.1, ' + 'x'.repeat(5000) + ', de'
  t.same(parseAcceptLanguage(long), [{ tag: 'ja', q: 0.1 }], 'nothing past 4 KB')
  const cut = 'ja, '.repeat(1022) + 'de-CH'
  t.notOk(parseAcceptLanguage(cut).some((r) => r.tag.startsWith('de')), 'a cut entry is dropped, not shortened')
})

t.test('lookup', async (t) => {
  const cases: Array<[string, string]> = [
    ['ja', 'ja-JP'],
    ['ja-JP', 'ja-JP'],
    ['ja-jp', 'ja-JP'],
    ['JA;q=0.5, en;q=0.9', 'en-US'],
    ['de', 'de-DE'],
    ['en', 'en-US'],
    ['en-gb', 'en-GB'],
    ['zh', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh-Hant', 'zh-TW'],
    ['zh-Hant-TW', 'zh-TW'],
    ['zh-Hant-HK;q=0.9, zh-Hant;q=0.8', 'zh-TW'],
    ['pt', 'pt-BR'],
    ['fr, de;q=0.8', 'de-DE'],
    ['ja;q=0, de', 'de-DE']
  ]
  for (const [acceptLanguage, expected] of cases) {
    const result = served({ acceptLanguage })
    t.equal(result.served, expected, acceptLanguage)
    t.equal(result.fallback, false, `${acceptLanguage}: not a fallback`)
  }
  t.same(served({ acceptLanguage: 'ja-jp' }),
    { ok: true, requested: 'ja-JP', served: 'ja-JP', fallback: false, available: SORTED })
  t.equal(served({ query: 'ZH-hans' }).served, 'zh-CN')
})

t.test('fallback', async (t) => {
  t.same(served({ acceptLanguage: 'fr' }),
    { ok: true, requested: 'fr', served: 'en-US', fallback: true, available: SORTED }, 'fr missing → en-US')
  t.same(served({ acceptLanguage: 'fr-FR' }), served({ query: 'fr-FR' }))
  t.match(served({ query: 'xx' }), { requested: 'xx', served: 'en-US', fallback: true })
  t.match(served({ query: 'en-AU' }), { served: 'en-US', fallback: true }, 'its language first')
  t.match(served({ query: 'de-CH' }), { served: 'de-DE', fallback: true })
  t.match(served({ query: 'zh-Hant-MO', available: ['en-US', 'zh-CN', 'zh-HK'] }),
    { served: 'zh-HK', fallback: true }, 'truncates zh-Hant-MO → zh-Hant, keeping the script')
  t.match(served({ acceptLanguage: 'fr-CA, ja-JP;q=0.5' }), { requested: 'fr-CA', served: 'ja-JP', fallback: false },
    'an exact match of a later range beats truncating an earlier one')
  t.match(served({ query: 'fr', available: ['ja-JP', 'de-DE'] }),
    { served: 'de-DE', fallback: true, available: ['de-DE', 'ja-JP'] }, 'no en-US → first available')
  t.match(served({ query: 'fr', available: ['ja-JP', 'en'] }), { served: 'en' }, 'en stands for en-US')
  t.same(served({ query: 'ja', available: [] }),
    { ok: true, requested: 'ja', served: 'en-US', fallback: true, available: [] })
  t.same(served({ available: [] }),
    { ok: true, requested: null, served: 'en-US', fallback: false, available: [] })
  t.match(negotiateLocale({ query: 'fr', available: AVAILABLE, defaultLocale: 'ja-JP' }), { served: 'ja-JP', fallback: true })
})

t.test('results are independent of each other', async (t) => {
  const first = served({ acceptLanguage: 'ja' })
  first.available.push('xx-XX')
  t.same(served({ acceptLanguage: 'ja' }).available, SORTED)
  t.equal(AVAILABLE[0], 'zh-TW', 'the input list is not sorted in place')
})

t.test('wildcard', async (t) => {
  t.match(served({ acceptLanguage: '*' }), { requested: '*', served: 'en-US', fallback: false })
  t.match(served({ acceptLanguage: '*', available: ['ja-JP', 'de-DE'] }), { served: 'de-DE', fallback: false })
  t.match(served({ acceptLanguage: 'fr, *;q=0.1' }), { requested: 'fr', served: 'en-US', fallback: false })
  t.match(served({ acceptLanguage: '*, ja;q=0.5' }), { served: 'ja-JP', fallback: false }, 'a named range beats *')
})

t.test('nothing asked', async (t) => {
  for (const options of [{}, { query: '' }, { acceptLanguage: '' }, { acceptLanguage: 'ja;q=0' }]) {
    t.same(served(options), { ok: true, requested: null, served: 'en-US', fallback: false, available: SORTED },
      JSON.stringify(options))
  }
  t.match(served({ available: ['ja-JP', 'de-DE'] }), { requested: null, served: 'de-DE', fallback: true },
    'no en-US: any available, which is not the default')
})

t.test('query wins over Accept-Language', async (t) => {
  t.match(served({ query: 'de', acceptLanguage: 'ja' }), { requested: 'de', served: 'de-DE', fallback: false })
  t.match(served({ query: 'fr', acceptLanguage: 'ja' }), { requested: 'fr', served: 'en-US', fallback: true },
    'the header is not consulted even when the query misses')
})

t.test('malformed input', async (t) => {
  for (const query of ['ja_JP!', '*', ' ja', 'ja-', 'x'.repeat(10_000), '<script>']) {
    const result = negotiateLocale({ query, acceptLanguage: 'ja', available: AVAILABLE })
    t.equal(result.ok, false, JSON.stringify(query.slice(0, 20)))
    if (!result.ok) {
      t.equal(result.error, 'malformed-locale')
      t.ok(result.detail.length < 120, 'detail stays short')
    }
  }
  for (const acceptLanguage of ['ja_JP!', ';;;', 'q=1', '\u00e9n', '*'.repeat(5000)]) {
    t.match(served({ acceptLanguage }), { ok: true, requested: null, served: 'en-US', fallback: false },
      `ignored: ${JSON.stringify(acceptLanguage.slice(0, 20))}`)
  }
  const huge = Array.from({ length: 1000 }, (_, i) => `fr-${i % 10}${i % 10}${i % 10};q=0.5`).join(',') + ',ja'
  t.match(served({ acceptLanguage: huge }), { served: 'en-US', fallback: true }, 'ja is past the bound')
})
