// The OpenAPI 3.1 document (@fastify/swagger) and the interactive reference at /docs.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../package-root.ts'

const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }

/** Where the interactive reference (an HTML page and its assets) is served. */
export const DOCS_PREFIX = '/docs'

async function openapi (app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Troubleshooting knowledge API',
        version,
        description: 'Microsoft 365 admin-help troubleshooting articles (steps, links, metadata) served per locale. ' +
          'Locale: `?locale=` wins over `Accept-Language`, which wins over en-US; a missing translation falls back, never 404s. ' +
          'Errors are RFC 9457 `application/problem+json` with a stable `code`. ' +
          'Content GETs carry a strong `ETag` (`If-None-Match` → 304); with `Accept-Encoding: gzip` (or `br`) a body of 1 KiB or more comes compressed, with an ETag of its own.',
        license: { name: 'Code: MIT; content: CC BY 4.0 (Microsoft)' }
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key made with `npm run kb -- keys create`; scopes read, feedback, write' }
        }
      },
      tags: [
        { name: 'articles', description: 'Articles, their steps, links and translations' },
        { name: 'search', description: 'Symptom search' },
        { name: 'scenarios', description: 'In-product scenario ids' },
        { name: 'locales', description: 'Locales and their article counts' },
        { name: 'sync', description: 'The change feed' },
        { name: 'feedback', description: 'Outcomes reported by integrations' },
        { name: 'write', description: 'Publishing articles (API key with the write scope)' },
        { name: 'health', description: 'Liveness and readiness' }
      ]
    },
    // Shared schemas become components named by their $id.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) }
  })
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { docExpansion: 'list', deepLinking: true } })
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}

export default fp(openapi, { name: 'openapi' })
