// RFC 8288 Link headers for paged lists: rel="next" carries the next page's URL.
import type { FastifyReply, FastifyRequest } from 'fastify'

export function setNextLink (request: FastifyRequest, reply: FastifyReply, cursor: string | null): void {
  if (cursor === null) return
  const url = new URL(request.url, 'http://x')
  url.searchParams.set('cursor', cursor)
  reply.header('Link', `<${url.pathname}${url.search}>; rel="next"`)
}
