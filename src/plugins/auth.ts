// Bearer API keys: who is calling, and whether the key's scopes allow the route's `config.scope`.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiKeys, type ApiKey, type Scope } from '../auth/api-keys.ts'
import { Errors } from '../errors.ts'

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKey | null
  }
  interface FastifyContextConfig {
    /** The scope a route needs; reads need 'read' only when the API is configured key-only. */
    scope?: Scope
  }
}

export interface AuthOptions {
  /** Reads (every GET under /v1) need a key with any scope. */
  readsRequireKey: boolean
}

function bearer (request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (header === undefined) return null
  const m = /^Bearer\s+(\S{1,200})\s*$/i.exec(header)
  if (!m) throw new Errors.InvalidKey()
  return m[1]!
}

async function auth (app: FastifyInstance, options: AuthOptions): Promise<void> {
  const keys = new ApiKeys(app.kb.db)
  app.decorateRequest('apiKey', null)

  // Callback-style: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    try {
      check(request, reply)
    } catch (err) {
      return done(err as Error)
    }
    done()
  })

  function check (request: FastifyRequest, reply: FastifyReply): void {
    let token: string | null
    try {
      token = bearer(request)
    } catch (err) {
      reply.header('WWW-Authenticate', 'Bearer error="invalid_request"')
      throw err
    }
    if (token !== null) {
      const key = keys.verify(token)
      if (!key) {
        reply.header('WWW-Authenticate', 'Bearer error="invalid_token"')
        throw new Errors.InvalidKey()
      }
      request.apiKey = key
    }
    const scope = request.routeOptions.config.scope ??
      (options.readsRequireKey && request.url.startsWith('/v1/') && (request.method === 'GET' || request.method === 'HEAD') ? 'read' : undefined)
    if (scope === undefined) return
    if (!request.apiKey) {
      reply.header('WWW-Authenticate', 'Bearer')
      throw new Errors.Unauthenticated()
    }
    // Any key may read; feedback and write need their own scope.
    if (scope !== 'read' && !request.apiKey.scopes.includes(scope)) throw new Errors.Forbidden(scope)
  }
}

export default fp(auth, { name: 'auth', dependencies: ['database'] })
