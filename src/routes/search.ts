// /v1/search: symptom search over every locale, results grouped by article, answered in the caller's language.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { CursorQuery, LocaleInfoRef, LocaleQuery, problemResponses } from '../schemas/common.ts'
import { Errors } from '../errors.ts'
import { serveLocale } from '../http/content-locale.ts'
import { setNextLink } from '../http/link-header.ts'
import { ArticleSearch, DEFAULT_LIMIT, MAX_LIMIT, SearchCursorError, type SearchOptions, type SearchPage } from '../search/search-articles.ts'
import { SearchUnavailableError } from '../search/search-pool.ts'

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

export default async function searchRoutes (fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { repo, db, searchPool } = app.kb
  // With threads, the event loop prepares no search statements of its own
  const inProcess = searchPool ? null : new ArticleSearch(db)
  const search = async (options: SearchOptions, signal: AbortSignal): Promise<SearchPage> => inProcess ? inProcess.search(options) : await searchPool!.search(options, signal)

  app.get('/search', {
    config: { cache: true },
    schema: {
      tags: ['search'],
      summary: 'Search by symptom',
      description: 'What the user typed or the error they saw: an error code (`0xc004b100`, `AADSTS50076`, `550 5.7.501`), a `"quoted message"` (a phrase query), ' +
        'or their own words, in any language. Every other character is plain text. Articles are found through any of their locales and answered in the negotiated one ' +
        '(within each match kind, those whose text in the served locale, its language or en-US matches come first, then those found in other locales only); ' +
        'each article appears once, with a snippet (marked text and offsets) and the ids of the steps that match. Typos are corrected when the exact search finds little.',
      querystring: Type.Object({
        q: Type.String({ maxLength: 10_000, description: 'The query (cut at 512 characters)', examples: ['0xc004b100', '"Unlicensed Product"', 'ライセンスのない製品'] }),
        locale: LocaleQuery,
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: `Results per page (1-${MAX_LIMIT})`, examples: [10] })),
        cursor: CursorQuery,
        scenario: Type.Optional(Type.String({ maxLength: 100, description: 'Only articles with this scenario id' })),
        audience: Type.Optional(Type.String({ maxLength: 100, description: 'Only articles for this audience' }))
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          query: Type.String(),
          truncated: Type.Boolean({ description: 'The query was longer than the search takes and was cut' }),
          corrections: Type.Array(Type.Object({ term: Type.String(), suggestions: Type.Array(Type.String()) })),
          results: Type.Array(SearchHitSchema),
          next: Type.Union([Type.String(), Type.Null()]),
          locale: LocaleInfoRef
        }, { description: 'The best articles first' }),
        ...problemResponses
      }
    }
  }, async (request, reply) => {
    const q = request.query
    const locale = serveLocale(request, reply, repo.allLocales(), q.locale)
    // A client that leaves before its search ran frees the thread for the next one
    const left = new AbortController()
    if (reply.raw.destroyed) left.abort()
    else reply.raw.once('close', () => { if (!reply.raw.writableEnded) left.abort() })
    let page
    try {
      page = await search({ q: q.q, locale: locale.served, limit: q.limit, cursor: q.cursor, scenario: q.scenario, audience: q.audience }, left.signal)
    } catch (err) {
      if (err instanceof SearchCursorError) throw new Errors.InvalidCursor()
      if (err instanceof SearchUnavailableError) {
        if (err.cause !== undefined) request.log.error({ err: err.cause }, err.message)
        throw Object.assign(new Errors.Overloaded(err.message), { headers: { 'Retry-After': '1' } })
      }
      throw err
    }
    setNextLink(request, reply, page.nextCursor)
    return {
      query: q.q,
      truncated: page.truncated,
      corrections: page.corrections,
      // Each hit's own locale block says what was asked, not just the page's served locale.
      results: page.results.map((hit) => ({ ...hit, locale: { ...hit.locale, requested: locale.requested } })),
      next: page.nextCursor,
      locale
    }
  })
}
