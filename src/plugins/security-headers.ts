// Security headers (helmet's set, with a CSP that lets the /docs page work) on every response.
// They depend on nothing in the request, so helmet runs once, at start-up, and each request
// only copies the finished headers: @fastify/helmet builds its middleware (and parses the CSP
// directives again) on every request, about a sixth of the server time of a cached read.
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'

/** The headers helmet sets for these options, as name → value. */
export function helmetHeaders (options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: unknown) => { headers[name.toLowerCase()] = String(value) },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()] }
  }
  let failure: unknown = null
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => { failure = err ?? null })
  if (failure) throw failure
  return headers
}

async function securityHeaders (app: FastifyInstance, options: HelmetOptions): Promise<void> {
  const headers = helmetHeaders(options)
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
}

export default fp(securityHeaders, { name: 'security-headers' })
