// /v1/scenarios: in-product scenario ids (ms.custom) and their articles.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { CursorQuery, LimitQuery, LocaleInfoRef, LocaleQuery, problemResponses } from '../schemas/common.ts'
import { Errors } from '../errors.ts'
import { serveLocale } from '../http/content-locale.ts'
import { decodeCursor, pageOf } from '../http/cursor.ts'
import { summaryView } from '../views/article-views.ts'
import { setNextLink } from '../http/link-header.ts'

const ScenarioIdParam = Type.Object({
  scenarioId: Type.String({ minLength: 1, maxLength: 100, description: 'In-product scenario id (ms.custom)', examples: ['3509'] })
})

export default async function scenarioRoutes (fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { repo, config } = app.kb

  app.get('/scenarios', {
    schema: {
      tags: ['scenarios'],
      summary: 'List scenario ids',
      description: 'Every in-product scenario id with the number of articles that carry it, ordered by id.',
      querystring: Type.Object({ limit: LimitQuery, cursor: CursorQuery }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          items: Type.Array(Type.Object({ scenarioId: Type.String(), articles: Type.Integer() })),
          next: Type.Union([Type.String(), Type.Null()])
        }, { description: 'A page of scenario ids', examples: [{ items: [{ scenarioId: '3509', articles: 1 }], next: null }] }),
        ...problemResponses
      }
    }
  }, async (request, reply) => {
    const limit = request.query.limit ?? 20
    const after = request.query.cursor === undefined ? undefined : String(decodeCursor(request.query.cursor, config.cursorSecret, 'scenarios').a)
    const rows = repo.scenarios(after, limit + 1)
    const { page, next } = pageOf(rows, limit, (last) => ({ k: 'scenarios', a: last.scenario_id }), config.cursorSecret)
    setNextLink(request, reply, next)
    return { items: page.map((r) => ({ scenarioId: r.scenario_id, articles: r.articles })), next }
  })

  app.get('/scenarios/:scenarioId', {
    config: { cache: true },
    schema: {
      tags: ['scenarios'],
      summary: 'Get the articles of a scenario',
      description: 'The articles whose ms.custom carries this scenario id, ordered by id, a page at a time (`next`, and a Link header, while more follow), with titles in the negotiated locale. An id no article carries is a 404.',
      params: ScenarioIdParam,
      querystring: Type.Object({ locale: LocaleQuery, limit: LimitQuery, cursor: CursorQuery }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          scenarioId: Type.String(),
          locale: LocaleInfoRef,
          articles: Type.Array(Type.Ref('ArticleSummary')),
          next: Type.Union([Type.String(), Type.Null()], { description: 'Cursor of the next page; null on the last' })
        }, { description: 'A page of the articles of the scenario' }),
        ...problemResponses
      }
    }
  }, async (request, reply) => {
    const { scenarioId } = request.params
    const limit = request.query.limit ?? 20
    let after: string | undefined
    if (request.query.cursor !== undefined) {
      const cursor = decodeCursor(request.query.cursor, config.cursorSecret, 'scenario')
      // A cursor pages through the scenario it was issued for only.
      if (cursor.s !== scenarioId) throw new Errors.InvalidCursor()
      after = String(cursor.a)
    }
    const rows = repo.list({ scenario: scenarioId, afterId: after, limit: limit + 1 })
    if (rows.length === 0 && (after === undefined || repo.list({ scenario: scenarioId, limit: 1 }).length === 0)) {
      throw new Errors.ScenarioNotFound(scenarioId)
    }
    const locale = serveLocale(request, reply, repo.allLocales(), request.query.locale)
    const { page, next } = pageOf(rows, limit, (last) => ({ k: 'scenario', s: scenarioId, a: last.id }), config.cursorSecret)
    setNextLink(request, reply, next)
    const articles = page.map((r) => summaryView(r, locale.served, repo.title))
    return { scenarioId, locale, articles, next }
  })
}
