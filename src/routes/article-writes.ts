// The write side: PUT an article's Markdown (either form) and DELETE an article. Scope `write`.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { LocaleQuery, problemResponse, problemResponses } from '../schemas/common.ts'
import { Errors } from '../errors.ts'
import { parseArticle, ParseError } from '../ingest/parse-article.ts'
import { ArticleStore, sha256 } from '../db/article-store.ts'
import { revisionOfEtag } from '../plugins/caching.ts'
import { parseLocaleTag } from '../locale/negotiate.ts'

const WritableId = Type.Object({
  id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,199}$', description: 'Article id: lowercase a-z, 0-9, `_` and `-` (the id rule of the importer)', examples: ['fixing-office-apps-message-unlicensed-product'] })
})

const security = [{ bearerAuth: [] }]

export default async function articleWriteRoutes (fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { repo, db, config, write } = app.kb
  const store = new ArticleStore(db)

  /** If-Match holds when absent, `*` with an existing article, or an ETag of the current revision. */
  const checkIfMatch = (header: string | undefined, id: string): void => {
    if (header === undefined) return
    const current = repo.article(id)
    if (header.trim() === '*') {
      if (!current) throw new Errors.PreconditionFailed('*', 'none (no such article)')
      return
    }
    const revisions = header.split(',').map(revisionOfEtag)
    if (!current || !revisions.includes(current.revision)) throw new Errors.PreconditionFailed(header.slice(0, 100), current ? `r${current.revision}` : 'none (no such article)')
  }

  // Only Markdown is a body here: JSON (fastify's default parser) would be a 415, not an import.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(['text/markdown', 'text/plain', 'text/x-markdown'], { parseAs: 'string', bodyLimit: 2 * 1024 * 1024 }, (_request, body, done) => {
    done(null, body)
  })

  app.put('/articles/:id', {
    config: { scope: 'write' },
    bodyLimit: 2 * 1024 * 1024,
    schema: {
      tags: ['write'],
      summary: 'Import or replace an article',
      description: 'The body is the article\'s Markdown (`text/markdown`), plain or side-by-side, parsed and stored exactly as the importer does, in one transaction. ' +
        'The locale comes from the front matter, else `?locale=`. `If-Match` (an ETag of any representation of the article, or `*`) guards against lost updates: 412 when the article changed since. ' +
        'The article\'s own fields (scenario ids, audience, priority, ...) follow the file that gives its en-US text: a localized body changes them only while the article has no en-US text. ' +
        'The write appears in the change feed. Scope: `write`.',
      security,
      consumes: ['text/markdown', 'text/plain', 'text/x-markdown'],
      params: WritableId,
      querystring: Type.Object({ locale: LocaleQuery }, { additionalProperties: false }),
      headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 1000 })) }),
      body: Type.String({ minLength: 1, description: 'The article as Markdown', examples: ['---\ntitle: Unable to activate Office\nms.custom:\n- "3509"\n---\n# Unable to activate Office\n\n- Check if your subscription status has expired.\n'] }),
      response: {
        200: Type.Ref('WriteResult'),
        201: Type.Ref('WriteResult'),
        ...problemResponses,
        401: problemResponse('No API key, or an invalid one'),
        403: problemResponse('The key lacks the write scope'),
        412: problemResponse('If-Match does not match the current revision'),
        413: problemResponse('Body too large (2 MiB at most)'),
        415: problemResponse('Body is not text/markdown'),
        422: problemResponse('The Markdown is not an importable article'),
        503: problemResponse('Another writer (an import) held the database too long; nothing was written, retry after Retry-After')
      }
    }
  }, async (request, reply) => {
    const { id } = request.params
    let locale: string | undefined
    if (request.query.locale !== undefined) {
      const tag = parseLocaleTag(request.query.locale)
      if (tag === null) throw new Errors.MalformedLocale(`locale "${request.query.locale.slice(0, 40)}" is not a BCP 47 language tag`)
      locale = tag
    }
    let result
    try {
      result = parseArticle(request.body, { path: `${id}.md`, locale, docsBase: config.docsBase })
    } catch (err) {
      if (err instanceof ParseError) throw new Errors.InvalidArticle(err.line ? `line ${err.line}: ${err.message}` : err.message)
      throw err
    }
    if (result.kind === 'skipped') throw new Errors.InvalidArticle(result.reason)
    if (result.article.id !== id) throw new Errors.IdMismatch(`"${id}" is not an id the importer would give; use "${result.article.id}"`)
    // The precondition is checked inside the write's transaction, so no other writer slips in between.
    const stored = await write(() => db.transaction(() => {
      checkIfMatch(request.headers['if-match'], id)
      return store.store(result.article, { path: `api:/v1/articles/${id}`, contentHash: sha256(request.body) })
    }).immediate())
    const article = repo.article(id)!
    reply.code(stored.status === 'created' ? 201 : 200)
    if (stored.status === 'created') reply.header('Location', `/v1/articles/${id}`)
    return { id, status: stored.status, revision: article.revision, locales: repo.translations(id).map((t) => t.locale) }
  })

  app.delete('/articles/:id', {
    config: { scope: 'write' },
    schema: {
      tags: ['write'],
      summary: 'Delete an article',
      description: 'Removes the article in every locale; each locale gets a `deleted` event in the change feed. `If-Match` as for PUT. Scope: `write`.',
      security,
      params: WritableId,
      headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 1000 })) }),
      response: {
        204: Type.Null({ description: 'Deleted' }),
        ...problemResponses,
        401: problemResponse('No API key, or an invalid one'),
        403: problemResponse('The key lacks the write scope'),
        412: problemResponse('If-Match does not match the current revision'),
        503: problemResponse('Another writer (an import) held the database too long; nothing was written, retry after Retry-After')
      }
    }
  }, async (request, reply) => {
    const { id } = request.params
    const deleted = await write(() => db.transaction(() => {
      checkIfMatch(request.headers['if-match'], id)
      return store.delete(id)
    }).immediate())
    if (!deleted) throw new Errors.ArticleNotFound(id)
    return reply.code(204).send(null)
  })
}
