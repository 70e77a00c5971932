// The answer of GET /v1/search. src/search/search-response.ts writes it (on a search thread) in
// this shape; test/search/search-response.test.ts holds the two together.
import { Type } from 'typebox'
import { LocaleInfoRef } from './common.ts'

export const SearchHitSchema = Type.Object({
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

/** The 200 answer of GET /v1/search: the route documents it, searchAnswer() writes bodies in its shape. */
export const SearchResponseSchema = Type.Object({
  query: Type.String(),
  truncated: Type.Boolean({ description: 'The query was longer than the search takes and was cut' }),
  corrections: Type.Array(Type.Object({ term: Type.String(), suggestions: Type.Array(Type.String()) })),
  results: Type.Array(SearchHitSchema),
  next: Type.Union([Type.String(), Type.Null()]),
  locale: LocaleInfoRef
}, { description: 'The best articles first' })
