// The app factory: one fastify instance with its plugins and routes, for the server, the
// tests and the OpenAPI export alike. It reads no environment.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Database } from 'better-sqlite3'
import type { Config } from './config.ts'
import problems, { sendProblem } from './plugins/problems.ts'
import database from './plugins/database.ts'
import openapi, { DOCS_PREFIX } from './plugins/openapi.ts'
import auth from './plugins/auth.ts'
import caching from './plugins/caching.ts'
import rateLimit from '@fastify/rate-limit'
import securityHeaders from './plugins/security-headers.ts'
import cors from '@fastify/cors'
import underPressure from '@fastify/under-pressure'
import { sharedSchemas } from './schemas/common.ts'
import { articleSchemas } from './schemas/article.ts'
import { acceptsJson } from './http/accept.ts'
import { sharedSerializerFactory } from './http/serializers.ts'
import { Errors, FRAMEWORK_CODES, problemType, STATUS_TITLES } from './errors.ts'
import articleRoutes from './routes/articles.ts'
import scenarioRoutes from './routes/scenarios.ts'
import localeRoutes from './routes/locales.ts'
import healthRoutes from './routes/health.ts'
import changeRoutes from './routes/changes.ts'
import articleWriteRoutes from './routes/article-writes.ts'
import feedbackRoutes from './routes/feedback.ts'
import searchRoutes from './routes/search.ts'

export interface AppOptions {
  config: Config
  /** An open database (tests, the OpenAPI export); otherwise config.dbFile is opened. */
  db?: Database
  /** Migrate and seed an empty database on start (the server does; default true). */
  prepareDatabase?: boolean
  logger?: FastifyServerOptions['logger']
}

export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Bounded on purpose: no request needs more.
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    return503OnClosing: true,
    schemaController: { compilersFactory: { buildSerializer: sharedSerializerFactory() } },
    // Errors of Node's HTTP parser (oversized headers, a garbage request line) get the problem shape too.
    clientErrorHandler: (err, socket) => {
      const code = (err as NodeJS.ErrnoException).code
      const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
      const body = JSON.stringify({
        type: problemType(status === 431 ? 'KB_HEADERS_TOO_LARGE' : 'KB_BAD_REQUEST'),
        title: STATUS_TITLES[status],
        status,
        detail: status === 431 ? 'The request headers are too large' : 'The request is not valid HTTP',
        instance: '/',
        code: status === 431 ? 'KB_HEADERS_TOO_LARGE' : 'KB_BAD_REQUEST'
      })
      if (socket.writable) {
        socket.end(`HTTP/1.1 ${status} ${STATUS_TITLES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
      } else socket.destroy()
    },
    // Errors fastify raises before routing (a bad percent-encoding, an over-long path) get the problem shape too.
    frameworkErrors: (error, request, reply) => {
      const status = typeof error.statusCode === 'number' ? error.statusCode : 400
      sendProblem(reply, request, status, FRAMEWORK_CODES[error.code] ?? 'KB_BAD_REQUEST', error.message)
    }
  })

  await app.register(problems)
  await app.register(securityHeaders, {
    // JSON: nothing to load, never framed; other sites' tools may fetch it
    api: {
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      xFrameOptions: { action: 'deny' },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      crossOriginOpenerPolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false
    },
    // The /docs page (Swagger UI from the package's own assets) needs inline styles and data: images only.
    pages: {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"]
        }
      },
      crossOriginResourcePolicy: { policy: 'cross-origin' }
    },
    pagesPrefix: DOCS_PREFIX
  })
  await app.register(cors, {
    origin: options.config.corsOrigins.length > 0 ? options.config.corsOrigins : false,
    methods: ['GET', 'HEAD', 'PUT', 'DELETE', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'Accept-Language'],
    exposedHeaders: ['ETag', 'Link', 'Content-Language', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Location'],
    maxAge: 600
  })
  for (const schema of [...sharedSchemas, ...articleSchemas]) app.addSchema(schema)
  await app.register(database, { config: options.config, db: options.db, prepare: options.prepareDatabase ?? true })
  // After the database is ready: a migration or a first indexing blocks the event loop for seconds
  // at start, and under-pressure, measuring from its registration, answered the first requests 503.
  if (options.config.maxEventLoopDelay > 0) {
    await app.register(underPressure, {
      maxEventLoopDelay: options.config.maxEventLoopDelay,
      retryAfter: 5,
      exposeStatusRoute: false,
      pressureHandler: (_request, reply, type, value) => {
        reply.header('Retry-After', '5')
        throw new Errors.Overloaded(`${type} at ${Math.round(Number(value))}`)
      }
    })
  }
  await app.register(openapi)
  await app.register(auth, { readsRequireKey: options.config.readsRequireKey })
  if (options.config.rateLimit > 0) {
    await app.register(rateLimit, {
      max: options.config.rateLimit,
      timeWindow: 60_000,
      // Per-route onRequest hooks run after the app's own, so auth has named the key by then;
      // and before the response cache (preHandler), so cached reads count too.
      hook: 'onRequest',
      keyGenerator: (request) => request.apiKey ? `key:${request.apiKey.id}` : `ip:${request.ip}`,
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) => new Errors.RateLimited(`at most ${context.max} requests per minute; retry in ${context.after}`)
    })
  }
  await app.register(caching, {
    cacheControl: options.config.cacheControl,
    contentRevision: () => app.kb.repo.contentRevision(),
    maxBytes: options.config.responseCacheMb * 1024 * 1024
  })

  // The hooks every request passes through are callback-style: no promise per request.
  app.addHook('onRequest', (request, _reply, done) => {
    done(request.url.startsWith('/v1/') && !acceptsJson(request.headers.accept) ? new Errors.NotAcceptable() : undefined)
  })

  // While closing, answers end their connection, so idle keep-alive clients cannot hold shutdown open.
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('Connection', 'close')
    done(null, payload)
  })

  // ajv lets non-finite numbers (`?limit=1e309`) pass `integer` with coercion; refuse them here.
  app.addHook('preHandler', (request, _reply, done) => {
    const query = request.query as Record<string, unknown> | undefined
    if (!query) return done()
    for (const [key, value] of Object.entries(query)) {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        const err = new Error(`querystring/${key} must be a finite number`) as Error & { statusCode: number, code: string, validation: unknown[], validationContext: string }
        err.statusCode = 400
        err.code = 'FST_ERR_VALIDATION'
        err.validation = [{ instancePath: `/${key}`, message: 'must be a finite number', params: {} }]
        err.validationContext = 'querystring'
        return done(err)
      }
    }
    done()
  })

  await app.register(healthRoutes)
  await app.register(async (v1) => {
    await v1.register(articleRoutes)
    await v1.register(scenarioRoutes)
    await v1.register(searchRoutes)
    await v1.register(localeRoutes)
    await v1.register(changeRoutes)
    await v1.register(articleWriteRoutes)
    await v1.register(feedbackRoutes)
  }, { prefix: '/v1' })

  return app
}
