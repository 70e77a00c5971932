// /v1/search: symptom search over every locale, results grouped by article, answered in the caller's language.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { CursorQuery, LocaleQuery, problemResponses } from '../schemas/common.ts'
import { Errors } from '../errors.ts'
import { serveLocale } from '../http/content-locale.ts'
import { setNextLink } from '../http/link-header.ts'
import { ArticleSearch, DEFAULT_LIMIT, MAX_LIMIT, SearchCursorError, type SearchOptions } from '../search/search-articles.ts'
import { SearchUnavailableError } from '../search/search-pool.ts'
import { searchAnswer, type SearchAnswer, type SearchEnvelope } from '../search/search-response.ts'
import { SearchResponseSchema } from '../schemas/search.ts'

export default async function searchRoutes (fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { repo, db, searchPool } = app.kb
  // With threads, the event loop prepares no search statements of its own
  const inProcess = searchPool ? null : new ArticleSearch(db)
  const search = async (options: SearchOptions, envelope: SearchEnvelope, signal: AbortSignal): Promise<SearchAnswer> =>
    inProcess ? searchAnswer(inProcess.search(options), envelope) : await searchPool!.search(options, envelope, signal)

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
        // Serialized by searchAnswer() where the search ran, with this schema
        200: SearchResponseSchema,
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
    let answer
    try {
      answer = await search({ q: q.q, locale: locale.served, limit: q.limit, cursor: q.cursor, scenario: q.scenario, audience: q.audience }, { query: q.q, locale }, left.signal)
    } catch (err) {
      if (err instanceof SearchCursorError) throw new Errors.InvalidCursor()
      if (err instanceof SearchUnavailableError) {
        if (err.cause !== undefined) request.log.error({ err: err.cause }, err.message)
        throw Object.assign(new Errors.Overloaded(err.message), { headers: { 'Retry-After': '1' } })
      }
      throw err
    }
    setNextLink(request, reply, answer.nextCursor)
    // Already JSON: fastify sends a string of this type as it is
    reply.type('application/json; charset=utf-8')
    return answer.body
  })
}
