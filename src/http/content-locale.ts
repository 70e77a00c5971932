// Per-request locale: negotiates ?locale= and Accept-Language against what a resource has,
// and sets Content-Language and Vary on the reply.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { negotiateLocale } from '../locale/negotiate.ts'
import { Errors } from '../errors.ts'
import type { LocaleInfo } from '../schemas/common.ts'

export function serveLocale (request: FastifyRequest, reply: FastifyReply, available: string[], query: string | undefined): LocaleInfo {
  const result = negotiateLocale({ query: query === '' ? undefined : query, acceptLanguage: request.headers['accept-language'], available })
  if (!result.ok) throw new Errors.MalformedLocale(result.detail)
  reply.header('Content-Language', result.served)
  reply.header('Vary', 'Accept-Language')
  return { requested: result.requested, served: result.served, fallback: result.fallback, available: result.available }
}
