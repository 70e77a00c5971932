// HTTP caching for content GETs: a strong ETag from the bytes sent (prefixed with the article's
// revision where there is one, for If-Match on writes), If-None-Match → 304, Last-Modified
// and a configurable Cache-Control.
import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'

declare module 'fastify' {
  interface FastifyReply {
    /** Set by article routes: the revision the response shows, and when it last changed. */
    contentVersion: { revision: number, updatedAt: string } | null
  }
}

/** `"r3-<hash>"`: the revision part lets a writer check If-Match against the article itself. */
export function revisionOfEtag (etag: string): number | null {
  const m = /^(?:W\/)?"r(\d+)(?:-[^"]*)?"$/.exec(etag.trim())
  return m ? Number(m[1]) : null
}

function matches (header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  const bare = etag.replace(/^W\//, '')
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare)
}

export function setVersion (reply: FastifyReply, revision: number, updatedAt: string): void {
  reply.contentVersion = { revision, updatedAt }
}

async function caching (app: FastifyInstance, options: { cacheControl: string }): Promise<void> {
  app.decorateReply('contentVersion', null)
  app.addHook('onSend', async (request, reply, payload) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200 || typeof payload !== 'string') return payload
    if (!request.url.startsWith('/v1/')) return payload
    const digest = createHash('sha256').update(payload).digest('base64url').slice(0, 22)
    const version = reply.contentVersion
    const etag = version ? `"r${version.revision}-${digest}"` : `"${digest}"`
    reply.header('ETag', etag)
    if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', options.cacheControl)
    if (version) reply.header('Last-Modified', new Date(version.updatedAt).toUTCString())
    const inm = request.headers['if-none-match']
    if (typeof inm === 'string' && matches(inm, etag)) {
      reply.code(304)
      reply.removeHeader('Content-Type')
      reply.removeHeader('Content-Length')
      return ''
    }
    return payload
  })
}

export default fp(caching, { name: 'caching' })
