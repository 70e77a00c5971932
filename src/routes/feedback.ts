// Feedback: which step resolved an incident (or did not), and the counts per article. Scope `feedback`.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import { ArticleIdParam, problemResponse, problemResponses } from '../schemas/common.ts'
import { Errors } from '../errors.ts'
import { FeedbackStore, OUTCOMES } from '../db/feedback-store.ts'
import { sha256 } from '../db/article-store.ts'
import { parseLocaleTag } from '../locale/negotiate.ts'

const Outcome = Type.Union(OUTCOMES.map((o) => Type.Literal(o)), { description: 'What happened' })
const Counts = Type.Object(Object.fromEntries(OUTCOMES.map((o) => [o, Type.Integer()])))

const FeedbackAccepted = Type.Object({
  id: Type.Integer(),
  articleId: Type.String(),
  locale: Type.String(),
  stepId: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  receivedAt: Type.String({ format: 'date-time' })
}, { description: 'Accepted (also the answer to a retried post with the same Idempotency-Key)' })

export default async function feedbackRoutes (fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { repo, db, write } = app.kb
  const feedback = new FeedbackStore(db)
  // Feedback is JSON only: without this, fastify's own text/plain parser would hand the schema a string (a 400, not a 415)
  app.removeContentTypeParser('text/plain')

  app.post('/articles/:id/feedback', {
    config: { scope: 'feedback' },
    schema: {
      tags: ['feedback'],
      summary: 'Report an outcome',
      description: 'Reports which step resolved an incident (or failed), or whether the article helped. ' +
        'Send an `Idempotency-Key` to make retries safe: a retried post with the same key and body is counted once and answered as the first time; ' +
        'the same key with another body is a 422. Scope: `feedback`.',
      security: [{ bearerAuth: [] }],
      params: ArticleIdParam,
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
      body: Type.Object({
        locale: Type.String({ maxLength: 64, description: 'The locale the article was shown in', examples: ['ja-JP'] }),
        stepId: Type.Optional(Type.String({ maxLength: 100, description: 'The step the outcome is about', examples: ['s5.2'] })),
        outcome: Outcome,
        comment: Type.Optional(Type.String({ maxLength: 2000 })),
        ticket: Type.Optional(Type.String({ maxLength: 200, description: 'The incident or ticket reference', examples: ['INC0012345'] }))
      }, { additionalProperties: false, examples: [{ locale: 'ja-JP', stepId: 's5.2', outcome: 'resolved', ticket: 'INC0012345' }] }),
      response: {
        202: FeedbackAccepted,
        ...problemResponses,
        401: problemResponse('No API key, or an invalid one'),
        403: problemResponse('The key lacks the feedback scope'),
        415: problemResponse('Body is not application/json'),
        422: problemResponse('Unknown step, or an Idempotency-Key reused with another body'),
        503: problemResponse('Another writer (an import) held the database too long; nothing was stored, retry after Retry-After')
      }
    }
  }, async (request, reply) => {
    const { id } = request.params
    const body = request.body
    if (!repo.article(id)) throw new Errors.ArticleNotFound(id)
    const locale = parseLocaleTag(body.locale)
    if (locale === null) throw new Errors.MalformedLocale(`locale "${body.locale.slice(0, 40)}" is not a BCP 47 language tag`)
    if (body.stepId !== undefined && !repo.hasStep(id, body.stepId)) throw new Errors.UnknownStep(id, body.stepId)
    const key = request.headers['idempotency-key']
    const idempotency = key === undefined
      ? null
      : { scope: request.apiKey?.id ?? `ip:${request.ip}`, key, requestHash: sha256(JSON.stringify([id, body])) }
    const result = await write(() => feedback.record({
      articleId: id, locale, stepId: body.stepId ?? null, outcome: body.outcome, comment: body.comment ?? null, ticket: body.ticket ?? null, keyId: request.apiKey?.id ?? null
    }, idempotency))
    if (result === null) throw new Errors.IdempotencyConflict(key)
    if (result.replayed) reply.header('Idempotent-Replayed', 'true')
    return reply.code(202).send(result.body as Static<typeof FeedbackAccepted>)
  })

  app.get('/articles/:id/stats', {
    schema: {
      tags: ['feedback'],
      summary: 'Get feedback counts',
      description: 'Counts of reported outcomes for the article, in total and per step.',
      params: ArticleIdParam,
      response: {
        200: Type.Object({
          articleId: Type.String(),
          total: Type.Integer(),
          outcomes: Counts,
          steps: Type.Array(Type.Object({ stepId: Type.String(), total: Type.Integer(), outcomes: Counts }))
        }, { description: 'Feedback counts' }),
        ...problemResponses
      }
    }
  }, async (request, reply) => {
    const article = repo.article(request.params.id)
    if (!article) throw new Errors.ArticleNotFound(request.params.id)
    reply.header('Cache-Control', 'no-cache')
    return { articleId: article.id, ...feedback.stats(article.id) }
  })
}
