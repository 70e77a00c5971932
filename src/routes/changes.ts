// /v1/changes: the change feed, so an integration can mirror the KB without missing or repeating an event.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { CursorQuery, problemResponses } from '../schemas/common.ts'
import { decodeCursor, encodeCursor } from '../http/cursor.ts'
import { setNextLink } from '../http/link-header.ts'

export default async function changeRoutes (fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { repo, config } = app.kb

  app.get('/changes', {
    schema: {
      tags: ['sync'],
      summary: 'Read the change feed',
      description: 'Events (created, updated, deleted) per article and locale, in commit order, after the cursor (from the start without one). ' +
        '`next` is always set: store it and poll with it; `hasMore` says whether to fetch again right away. Deletions are included.',
      querystring: Type.Object({
        cursor: CursorQuery,
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Events per page (1-1000)' }))
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          items: Type.Array(Type.Object({
            seq: Type.Integer({ description: 'Position in the feed; strictly increasing' }),
            articleId: Type.String(),
            locale: Type.String(),
            type: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted')]),
            revision: Type.Integer({ description: 'The article revision the event produced' }),
            at: Type.String({ format: 'date-time' })
          })),
          next: Type.String({ description: 'Cursor to poll from next' }),
          hasMore: Type.Boolean()
        }, {
          description: 'A page of the change feed',
          examples: [{
            items: [{ seq: 1, articleId: 'fixing-office-apps-message-unlicensed-product', locale: 'ja-JP', type: 'created', revision: 1, at: '2026-11-25T18:00:00.000Z' }],
            next: 'eyJrIjoiY2hhbmdlcyIsInMiOjF9.abc',
            hasMore: false
          }]
        }),
        ...problemResponses
      }
    }
  }, async (request, reply) => {
    const limit = request.query.limit ?? 100
    const after = request.query.cursor === undefined ? 0 : Number(decodeCursor(request.query.cursor, config.cursorSecret, 'changes').s)
    const rows = repo.changes(after, limit + 1)
    const page = rows.slice(0, limit)
    const last = page.at(-1)?.seq ?? after
    const next = encodeCursor({ k: 'changes', s: last }, config.cursorSecret)
    const hasMore = rows.length > limit
    // A shared cache must not hold a feed page: pollers revalidate with the ETag instead.
    reply.header('Cache-Control', 'no-cache')
    if (hasMore) setNextLink(request, reply, next)
    return {
      items: page.map((r) => ({ seq: r.seq, articleId: r.article_id, locale: r.locale, type: r.kind, revision: r.revision, at: r.at })),
      next,
      hasMore
    }
  })
}
