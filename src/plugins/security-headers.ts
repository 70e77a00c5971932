// Security headers on every response, from helmet, in two sets: the JSON API's (what OWASP's
// REST Security Cheat Sheet asks of an API: no content of its own to load, never framed,
// nosniff, HSTS) and the HTML pages' (/docs: helmet's whole set, with a CSP the Swagger UI page
// can live with). Helmet's other headers govern HTML documents (opener windows, DNS prefetching,
// IE's download prompt, Flash's policy files, the old XSS auditor); on a JSON body they are ~400
// bytes of every response that no client reads.
// They depend on nothing in the request but its path, so helmet runs once, at start-up, and each
// request only copies the finished headers: @fastify/helmet builds its middleware (and parses the
// CSP directives again) on every request, about a sixth of the server time of a cached read.
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'

export interface SecurityHeadersOptions {
  /** Helmet's options for every response but the pages'. */
  api: HelmetOptions
  /** Helmet's options for the HTML pages (and their assets) under `pagesPrefix`. */
  pages: HelmetOptions
  /** Where the pages are: `/docs` holds `/docs`, `/docs/…` and `/docs?…`. */
  pagesPrefix: string
}

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

/** Whether a request URL (path and query) is `prefix` or under it. */
function isUnder (url: string, prefix: string): boolean {
  if (!url.startsWith(prefix)) return false
  const next = url.charCodeAt(prefix.length)
  // the end, `/`, `?`
  return Number.isNaN(next) || next === 47 || next === 63
}

async function securityHeaders (app: FastifyInstance, options: SecurityHeadersOptions): Promise<void> {
  const api = helmetHeaders(options.api)
  const pages = helmetHeaders(options.pages)
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(isUnder(request.url, options.pagesPrefix) ? pages : api)
    done()
  })
}

export default fp(securityHeaders, { name: 'security-headers' })
