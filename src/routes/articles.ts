// /v1/articles: the list, one article, its steps, its links and its translations.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ArticleIdParam, CursorQuery, LimitQuery, LocaleQuery, problemResponses } from '../schemas/common.ts'
import { ArticleListSchema, ArticleSchema, FormatQuery, LinksResponseSchema, StepsResponseSchema, TranslationsResponseSchema } from '../schemas/article.ts'
import { Errors } from '../errors.ts'
import { serveLocale } from '../http/content-locale.ts'
import { decodeCursor, pageOf } from '../http/cursor.ts'
import { articleView, linkView, renderSteps, stepGroups, summaryView, translationInfo } from '../views/article-views.ts'
import { renderArticle, renderLinks } from '../render/formats.ts'
import { SOURCE_LOCALE } from '../db/article-repository.ts'
import { extractSteps } from '../ingest/steps.ts'
import { setVersion } from '../plugins/caching.ts'
import { setNextLink } from '../http/link-header.ts'

const SEED_ID = 'fixing-office-apps-message-unlicensed-product'

export default async function articleRoutes (fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { repo, config, db } = app.kb
  // One read transaction per request: a commit by another process between its statements
  // (an import next to the server) cannot show half of a change.
  const read = <T>(fn: () => T): T => db.transaction(fn)()

  /** The article and the translation to serve, or a 404. */
  const load = (id: string) => {
    const article = repo.article(id)
    if (!article) throw new Errors.ArticleNotFound(id)
    const translations = repo.translations(id)
    return { article, translations, available: translations.map((t) => t.locale) }
  }

  app.get('/articles', {
    config: { cache: true },
    schema: {
      tags: ['articles'],
      summary: 'List articles',
      description: 'Articles ordered by id, filtered by scenario id, audience or available locale; titles in the negotiated locale (each article falls back on its own).',
      querystring: Type.Object({
        scenario: Type.Optional(Type.String({ maxLength: 100, description: 'Only articles with this in-product scenario id', examples: ['3509'] })),
        audience: Type.Optional(Type.String({ maxLength: 100, description: 'Only articles for this audience (case-insensitive)', examples: ['Admin'] })),
        available: Type.Optional(Type.String({ maxLength: 64, description: 'Only articles that have a translation in this exact locale', examples: ['de-DE'] })),
        locale: LocaleQuery,
        limit: LimitQuery,
        cursor: CursorQuery
      }, { additionalProperties: false }),
      response: { 200: ArticleListSchema, ...problemResponses }
    }
  }, async (request, reply) => {
    const q = request.query
    const locale = serveLocale(request, reply, repo.allLocales(), q.locale)
    const limit = q.limit ?? 20
    const after = q.cursor === undefined ? undefined : String(decodeCursor(q.cursor, config.cursorSecret, 'articles').a)
    const rows = repo.list({ scenario: q.scenario, audience: q.audience, available: q.available, afterId: after, limit: limit + 1 })
    const { page, next } = pageOf(rows, limit, (last) => ({ k: 'articles', a: last.id }), config.cursorSecret)
    const items = page.map((r) => summaryView(r, locale.served, repo.title))
    setNextLink(request, reply, next)
    return { items, next, locale }
  })

  app.get('/articles/:id', {
    config: { cache: true },
    schema: {
      tags: ['articles'],
      summary: 'Get an article',
      description: 'The whole article in the negotiated locale: metadata, translation info (type, handoff date, source hash, derived, stale) and its blocks. A missing translation falls back (language, then en-US, then any); never a 404 for it.',
      params: ArticleIdParam,
      querystring: Type.Object({ locale: LocaleQuery, format: FormatQuery }, { additionalProperties: false }),
      response: { 200: ArticleSchema, ...problemResponses }
    }
  }, async (request, reply) => read(() => {
    const { article, translations, available } = load(request.params.id)
    const locale = serveLocale(request, reply, available, request.query.locale)
    const t = translations.find((x) => x.locale === locale.served)!
    setVersion(reply, article.revision, article.updated_at)
    const blocks = repo.blocks(t.id)
    const format = request.query.format
    return {
      ...articleView(article, repo.scenarioIds(article.id), t, translations, locale, blocks),
      ...(format ? { rendered: { format, content: renderArticle(t.title, blocks, format) } } : {})
    }
  }))

  app.get('/articles/:id/steps', {
    config: { cache: true },
    schema: {
      tags: ['articles'],
      summary: 'Get the steps of an article',
      description: `Every list item that is a step, in order, grouped by the list it comes from under that list's intro; sub-steps nested. Step ids are the same in every locale. Example: \`/v1/articles/${SEED_ID}/steps?locale=ja\`.`,
      params: ArticleIdParam,
      querystring: Type.Object({ locale: LocaleQuery, format: FormatQuery }, { additionalProperties: false }),
      response: { 200: StepsResponseSchema, ...problemResponses }
    }
  }, async (request, reply) => read(() => {
    const { article, translations, available } = load(request.params.id)
    const locale = serveLocale(request, reply, available, request.query.locale)
    const t = translations.find((x) => x.locale === locale.served)!
    setVersion(reply, article.revision, article.updated_at)
    const blocks = repo.blocks(t.id)
    // A step is a list item of the blocks (extractSteps, as the importer finds them)
    const steps = extractSteps(blocks)
    const format = request.query.format
    const groups = stepGroups(steps, repo.links(t.id), format)
    return {
      articleId: request.params.id,
      title: t.title,
      locale,
      count: steps.length,
      groups,
      ...(format ? { rendered: { format, content: renderSteps(blocks, groups.map((g) => g.id), format) } } : {})
    }
  }))

  app.get('/articles/:id/links', {
    config: { cache: true },
    schema: {
      tags: ['articles'],
      summary: 'Get the links of an article',
      description: 'Every link in document order with where it occurs (a step, a related-links list or another block), its kind, and for links to another article of this KB that article\'s id.',
      params: ArticleIdParam,
      querystring: Type.Object({ locale: LocaleQuery, format: FormatQuery }, { additionalProperties: false }),
      response: { 200: LinksResponseSchema, ...problemResponses }
    }
  }, async (request, reply) => read(() => {
    const { article, translations, available } = load(request.params.id)
    const locale = serveLocale(request, reply, available, request.query.locale)
    const t = translations.find((x) => x.locale === locale.served)!
    setVersion(reply, article.revision, article.updated_at)
    const links = repo.links(t.id).map(linkView)
    const format = request.query.format
    return { articleId: request.params.id, locale, links, ...(format ? { rendered: { format, content: renderLinks(links, format) } } : {}) }
  }))

  app.get('/articles/:id/translations', {
    config: { cache: true },
    schema: {
      tags: ['articles'],
      summary: 'List the translations of an article',
      description: 'The locales the article exists in, with translation type, handoff date, source hash, whether derived from a side-by-side file and whether stale.',
      params: ArticleIdParam,
      querystring: Type.Object({}, { additionalProperties: false }),
      response: { 200: TranslationsResponseSchema, ...problemResponses }
    }
  }, async (request, reply) => read(() => {
    const { article, translations } = load(request.params.id)
    setVersion(reply, article.revision, article.updated_at)
    return { articleId: request.params.id, sourceLocale: SOURCE_LOCALE, translations: translations.map((t) => translationInfo(t, translations)) }
  }))
}
