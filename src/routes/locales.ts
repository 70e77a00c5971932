// /v1/locales: which locales exist and how many articles each has.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problemResponses } from '../schemas/common.ts'

export default async function localeRoutes (fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { repo } = app.kb

  app.get('/locales', {
    schema: {
      tags: ['locales'],
      summary: 'List locales',
      description: 'Every locale with at least one article, and how many articles it has. en-US is the source locale.',
      querystring: Type.Object({}, { additionalProperties: false }),
      response: {
        200: Type.Object({
          sourceLocale: Type.String(),
          items: Type.Array(Type.Object({ locale: Type.String(), articles: Type.Integer() }))
        }, { description: 'The locales', examples: [{ sourceLocale: 'en-US', items: [{ locale: 'en-US', articles: 73 }, { locale: 'ja-JP', articles: 73 }] }] }),
        ...problemResponses
      }
    }
  }, async () => ({ sourceLocale: 'en-US', items: repo.locales() }))
}
