// An article of a search is answered in the locale the search serves when it has it, without
// negotiating again: localeWithin must give what articleLocale would, for every request.
import t from 'tap'
import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import { articleLocale, localeWithin, type SearchOptions } from '../../src/search/search-articles.ts'

const LOCALES = ['en-US', 'en-GB', 'ja-JP', 'de-DE', 'de-AT', 'pt-BR', 'pt-PT', 'zh-CN', 'zh-TW', 'zh-HK', 'fr-FR', 'fr-CA',
  'sr-Latn-RS', 'sr-Cyrl-RS', 'nb-NO', 'es-ES', 'es-MX', 'ar-SA', 'he-IL', 'ko-KR']
const TAGS = ['en', 'en-US', 'en-AU', 'ja', 'ja-JP', 'de', 'de-CH', 'pt', 'pt-BR', 'pt-AO', 'zh', 'zh-Hant', 'zh-Hans', 'zh-SG', 'zh-MO',
  'fr', 'fr-BE', 'sr', 'sr-Latn', 'no', 'nb', 'nn', 'es', 'es-419', 'ar', 'iw', 'he', 'ko', 'xx', 'x-private', '*', 'EN-us', 'not a tag!', '']

const subset = (of: string[]): fc.Arbitrary<string[]> => fc.subarray(of, { minLength: 1 })
const header = fc.array(fc.tuple(fc.constantFrom(...TAGS), fc.option(fc.constantFrom('0', '0.1', '0.5', '0.9', '1', 'x'), { nil: undefined })), { maxLength: 5 })
  .map((ranges) => ranges.map(([tag, q]) => q === undefined ? tag : `${tag};q=${q}`).join(', '))
const options: fc.Arbitrary<SearchOptions> = fc.record({
  q: fc.constant('office'),
  locale: fc.option(fc.constantFrom(...TAGS), { nil: undefined }),
  acceptLanguage: fc.option(header, { nil: undefined })
})

t.test('localeWithin answers as articleLocale does, whenever the article has the locale served', async (t) => {
  let within = 0
  let runs = 0
  const differing: unknown[] = []
  fc.assert(fc.property(subset(LOCALES).chain((content) => fc.tuple(fc.constant(content), subset(content))), options, ([content, article], request) => {
    runs++
    const search = articleLocale(content, request)
    const fast = localeWithin(search, article)
    if (fast === null) return !article.includes(search.served)
    within++
    const negotiated = articleLocale(article, request)
    if (!isDeepStrictEqual(fast, negotiated) && differing.length < 5) differing.push({ content, article, request, fast, negotiated })
    return true
  }), { seed: 20261126, numRuns: 20_000 })
  t.same(differing, [], 'the same locale, request and fallback, and the article\'s locales')
  t.ok(within > runs / 4, `${within} of ${runs} articles had the served locale`)
})
