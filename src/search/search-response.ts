// The body of a /v1/search answer, serialized where the search ran. A search thread posts it as
// one string and the event loop sends it as it is: cloning the page object across threads, then
// serializing it on the event loop, cost more than making the JSON. (A string also posts faster
// than UTF-8 bytes in a transferred buffer: ~8 against ~28 µs for 10 KB, measured here.)
import fastJson from 'fast-json-stringify'
import { Type } from 'typebox'
import { LocaleInfoRef, LocaleInfoSchema, type LocaleInfo } from '../schemas/common.ts'
import type { SearchPage } from './search-articles.ts'

const SearchHitSchema = Type.Object({
  id: Type.String(),
  title: Type.String({ description: 'In the served locale' }),
  score: Type.Number({ description: 'bm25 relevance (higher is better), comparable within one match kind (in `any`, the articles with two of the words come first, on a scale of their own). Not in order within a kind: the articles found in other locales only come after the others and may score higher' }),
  match: Type.Union([Type.Literal('phrase'), Type.Literal('all'), Type.Literal('corrected'), Type.Literal('any')], {
    description: 'phrase: the text as typed; all: every term; corrected: every term after typo correction; any: some terms (for three or four words, all common or found nowhere, the articles with two of them or more first). Results come in that order.'
  }),
  locale: LocaleInfoRef,
  matchedLocale: Type.String({ description: 'The locale whose text matched best and gave the snippet' }),
  matchedLocales: Type.Array(Type.String(), { description: 'Locales whose text matched, best first: of the served locale, its language and en-US, or for an article found in other locales only, of every locale' }),
  snippet: Type.Object({
    locale: Type.String(),
    text: Type.String({ description: 'Plain text; … where the passage was cut' }),
    marked: Type.String({ description: 'The same text, HTML-escaped, with every match in <mark>' }),
    highlights: Type.Array(Type.Array(Type.Integer(), { minItems: 2, maxItems: 2 }), { description: '[start, end) offsets of the matches in `text` (UTF-16 code units)' })
  }),
  stepIds: Type.Array(Type.String(), { description: 'Steps whose text holds a match' })
})

/** The 200 answer of GET /v1/search, for the route's documentation and for the serializer here. */
export const SearchResponseSchema = Type.Object({
  query: Type.String(),
  truncated: Type.Boolean({ description: 'The query was longer than the search takes and was cut' }),
  corrections: Type.Array(Type.Object({ term: Type.String(), suggestions: Type.Array(Type.String()) })),
  results: Type.Array(SearchHitSchema),
  next: Type.Union([Type.String(), Type.Null()]),
  locale: LocaleInfoRef
}, { description: 'The best articles first' })

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

/** Compiled on first use, as fastify compiles the route's: a thread that never searches does not pay. */
let serialize: ((body: object) => string) | null = null

export function searchAnswer (page: SearchPage, envelope: SearchEnvelope): SearchAnswer {
  // The schemas referred to, by the names their references give (LocaleInfoRef's)
  serialize ??= fastJson(SearchResponseSchema, { schema: { LocaleInfo: LocaleInfoSchema } })
  const body = serialize({
    query: envelope.query,
    truncated: page.truncated,
    corrections: page.corrections,
    // Each hit's own locale block says what was asked, not just the page's served locale
    results: page.results.map((hit) => ({ ...hit, locale: { ...hit.locale, requested: envelope.locale.requested } })),
    next: page.nextCursor,
    locale: envelope.locale
  })
  return { body, nextCursor: page.nextCursor }
}
