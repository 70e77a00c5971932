// The body of a /v1/search answer, serialized where the search ran. A search thread posts it as
// one string and the event loop sends it as it is: cloning the page object across threads, then
// serializing it on the event loop, cost more than making the JSON. (A string also posts faster
// than UTF-8 bytes in a transferred buffer: ~8 against ~28 µs for 10 KB, measured here.)
//
// The body is the route's response schema (src/schemas/search.ts) to the byte, as fastify's
// serializer would write it: its properties in the schema's order and nothing else, through
// JSON.stringify. fast-json-stringify here would have put it, ajv and typebox into each search
// thread: +10 MiB of resident memory with two threads. The test compares the two.
import type { LocaleInfo } from '../schemas/common.ts'
import type { SearchHit, SearchPage } from './search-articles.ts'

/** What the body holds besides the page: the query as asked and the caller's locale block. */
export interface SearchEnvelope {
  query: string
  locale: LocaleInfo
}

export interface SearchAnswer {
  /** The JSON body. */
  body: string
  /** The page's next cursor, for the Link header; null on the last page. */
  nextCursor: string | null
}

/** The locale block in the schema's order, with what this caller asked for. */
const localeBlock = (locale: LocaleInfo, requested: string | null): LocaleInfo => ({ requested, served: locale.served, fallback: locale.fallback, available: locale.available })

function hitOf (hit: SearchHit, requested: string | null): SearchHit {
  const { snippet } = hit
  return {
    id: hit.id,
    title: hit.title,
    score: hit.score,
    match: hit.match,
    // Each hit's own locale block says what was asked, not just the page's served locale
    locale: localeBlock(hit.locale, requested),
    matchedLocale: hit.matchedLocale,
    matchedLocales: hit.matchedLocales,
    snippet: { locale: snippet.locale, text: snippet.text, marked: snippet.marked, highlights: snippet.highlights },
    stepIds: hit.stepIds
  }
}

export function searchAnswer (page: SearchPage, envelope: SearchEnvelope): SearchAnswer {
  const body = JSON.stringify({
    query: envelope.query,
    truncated: page.truncated,
    corrections: page.corrections.map((c) => ({ term: c.term, suggestions: c.suggestions })),
    results: page.results.map((hit) => hitOf(hit, envelope.locale.requested)),
    next: page.nextCursor,
    locale: localeBlock(envelope.locale, envelope.locale.requested)
  })
  return { body, nextCursor: page.nextCursor }
}
