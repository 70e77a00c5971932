// The search answer's body, serialized where the search ran (a search thread) with
// JSON.stringify: byte for byte what fastify's serializer (fast-json-stringify with the route's
// response schema) wrote for the same answer when the route returned the page object.
import t from 'tap'
import fastJson from 'fast-json-stringify'
import { readFileSync } from 'node:fs'
import { openCorpusDatabase } from '../../scripts/eval-search.ts'
import { LocaleInfoSchema } from '../../src/schemas/common.ts'
import { SearchResponseSchema } from '../../src/schemas/search.ts'
import { ArticleSearch, type SearchPage } from '../../src/search/search-articles.ts'
import { searchAnswer, type SearchEnvelope } from '../../src/search/search-response.ts'

interface EvalQuery { q: string, locale: string }
const queries = (JSON.parse(readFileSync(new URL('../fixtures/search-queries.json', import.meta.url), 'utf8')) as { queries: EvalQuery[] }).queries

// As fastify compiles a route's response schema, with the shared schemas it refers to
const schemaSerializer = fastJson(SearchResponseSchema, { schema: { LocaleInfo: LocaleInfoSchema } })

/** The object the route returned for fastify to serialize, before the threads serialized it. */
const routeObject = (page: SearchPage, envelope: SearchEnvelope): object => ({
  query: envelope.query,
  truncated: page.truncated,
  corrections: page.corrections,
  results: page.results.map((hit) => ({ ...hit, locale: { ...hit.locale, requested: envelope.locale.requested } })),
  next: page.nextCursor,
  locale: envelope.locale
})

t.test('every eval query: the body fastify\'s serializer writes with the response schema, byte for byte', async (t) => {
  const db = openCorpusDatabase()
  t.teardown(() => db.close())
  const search = new ArticleSearch(db)
  let hits = 0
  let differ = 0
  for (const { q, locale } of queries) {
    for (const [envelope, limit] of [
      [{ query: q, locale: { requested: locale.slice(0, 2), served: locale, fallback: true, available: ['de-DE', 'en-US', 'ja-JP'] } }, 5],
      [{ query: q, locale: { requested: null, served: 'en-US', fallback: false, available: ['en-US'] } }, 2]
    ] as Array<[SearchEnvelope, number]>) {
      const page = search.search({ q, locale: envelope.locale.served, limit })
      const answer = searchAnswer(page, envelope)
      if (answer.body !== schemaSerializer(routeObject(page, envelope))) differ++
      t.equal(answer.nextCursor, page.nextCursor)
      hits += page.results.length
    }
  }
  t.equal(differ, 0, `${queries.length * 2} answers, none differs`)
  t.ok(hits > 0, 'and the pages held hits')
})

t.test('text JSON must escape, numbers, and fields the schema does not have: as the schema serializer writes them', async (t) => {
  const text = 'quote " backslash \\ newline \n tab \t control \u0001 line separator \u2028 lone \ud800 surrogate, emoji 😀 ライセンス'
  const locale = { requested: null, served: 'en-US', fallback: false, available: ['en-US'] }
  const snippet = { locale: 'en-US', text, marked: text, highlights: [[0, 5] as [number, number]], extra: 'not in the schema' }
  const hit = { id: 'a', title: text, score: -0.12345, match: 'all' as const, locale, matchedLocale: 'en-US', matchedLocales: ['en-US'], snippet, stepIds: ['s1'], internal: 42 }
  const page = { truncated: true, corrections: [{ term: text, suggestions: [text] }], nextCursor: 'abc', results: [hit, { ...hit, score: 1e21 }] }
  const envelope = { query: text, locale: { ...locale, requested: 'en' } }
  const body = searchAnswer(page, envelope).body
  t.equal(body, schemaSerializer(routeObject(page, envelope)))
  t.notMatch(body, /internal|not in the schema/, 'fields outside the schema are left out')
  t.equal(JSON.parse(body).results[0].title, text, 'the text comes back intact')
})
