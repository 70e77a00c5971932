// The search answer's body, serialized where the search ran (a search thread): every field of
// the page in its envelope, in the response schema's shape.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { openCorpusDatabase } from '../../scripts/eval-search.ts'
import { ArticleSearch } from '../../src/search/search-articles.ts'
import { searchAnswer, type SearchEnvelope } from '../../src/search/search-response.ts'

interface EvalQuery { q: string, locale: string }
const queries = (JSON.parse(readFileSync(new URL('../fixtures/search-queries.json', import.meta.url), 'utf8')) as { queries: EvalQuery[] }).queries

t.test('the body holds the whole page in its envelope, each hit with what was asked', async (t) => {
  const db = openCorpusDatabase()
  t.teardown(() => db.close())
  const search = new ArticleSearch(db)
  let hits = 0
  let mismatched = 0
  for (const { q, locale } of queries) {
    const envelope: SearchEnvelope = { query: q, locale: { requested: locale.slice(0, 2), served: locale, fallback: true, available: ['de-DE', 'en-US', 'ja-JP'] } }
    const page = search.search({ q, locale, limit: 5 })
    const answer = searchAnswer(page, envelope)
    // What the route returned for fastify to serialize before searches were serialized here
    const expected = {
      query: q,
      truncated: page.truncated,
      corrections: page.corrections,
      results: page.results.map((hit) => ({ ...hit, locale: { ...hit.locale, requested: envelope.locale.requested } })),
      next: page.nextCursor,
      locale: envelope.locale
    }
    if (JSON.stringify(JSON.parse(answer.body)) !== JSON.stringify(expected)) mismatched++
    t.equal(answer.nextCursor, page.nextCursor)
    hits += page.results.length
  }
  t.equal(mismatched, 0, `${queries.length} queries: every field, in order, no field left out or added`)
  t.ok(hits > 0, 'and the pages held hits')
})

t.test('text that JSON must escape comes through intact', async (t) => {
  const text = 'quote " backslash \\ newline \n tab \t control \u0001 line separator \u2028 emoji 😀 ライセンス'
  const snippet = { locale: 'en-US', text, marked: text, highlights: [[0, 5] as [number, number]] }
  const locale = { requested: null, served: 'en-US', fallback: false, available: ['en-US'] }
  const page = { truncated: false, corrections: [{ term: text, suggestions: [text] }], nextCursor: null, results: [{ id: 'a', title: text, score: 1.5, match: 'all' as const, locale, matchedLocale: 'en-US', matchedLocales: ['en-US'], snippet, stepIds: [] }] }
  const body = JSON.parse(searchAnswer(page, { query: text, locale }).body)
  t.equal(body.query, text)
  t.equal(body.results[0].title, text)
  t.equal(body.results[0].snippet.marked, text)
  t.same(body.corrections, [{ term: text, suggestions: [text] }])
  t.equal(body.next, null)
})
