// HTTP caching for content GETs: a strong ETag from the bytes sent (prefixed with the article's
// revision where there is one, for If-Match on writes), If-None-Match → 304, Last-Modified,
// a configurable Cache-Control, and an in-process cache of serialized responses for routes
// with `config.cache`, keyed by the request and valid while the content revision holds. A
// response is kept from the second time its request is seen: most searches are asked once, and
// kept they would only push out the articles that integrations read again and again.
import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Lru } from '../http/lru.ts'

declare module 'fastify' {
  interface FastifyReply {
    /** Set by article routes: the revision the response shows, and when it last changed. */
    contentVersion: { revision: number, updatedAt: string } | null
  }
  interface FastifyRequest {
    /** The content revision read before the handler ran: what a cached copy is valid for. */
    cacheRevision: number | null
  }
  interface FastifyContextConfig {
    /** Serve repeated requests from the response cache (GET routes whose body depends only on URL, Accept-Language and content). */
    cache?: boolean
  }
}

interface CachedResponse {
  bytes: number
  revision: number
  /** UTF-8, as sent: half the memory of the string for mostly-ASCII JSON, and not encoded again per response. */
  payload: Buffer
  headers: Record<string, string>
}

export interface CachingOptions {
  cacheControl: string
  /** Returns a number that changes whenever any content changes (the change feed's last seq). */
  contentRevision: () => number
  /** Bytes of responses kept (default 32 MiB); 0 keeps none, and reads skip the cache altogether. */
  maxBytes?: number
  /** How long a content revision read is used for (default REVISION_REUSE_MS). */
  revisionReuseMs?: number
}

export const REVISION_REUSE_MS = 1

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

const CACHED_HEADERS = ['content-type', 'content-language', 'vary', 'etag', 'last-modified', 'cache-control', 'link']

/** Only ordinary requests are cached: a huge or odd Accept-Language is served, just not kept. */
function cacheKey (request: FastifyRequest): string | null {
  const lang = request.headers['accept-language'] ?? ''
  if (lang.length > 200 || request.url.length > 500) return null
  return `${request.url}\n${lang}`
}

function notModified (request: FastifyRequest, etag: string): boolean {
  const inm = request.headers['if-none-match']
  return typeof inm === 'string' && matches(inm, etag)
}

/** Requests remembered as seen once, and their keys' characters: all forgotten together at either bound. */
const SEEN_ONCE = 20_000
const SEEN_ONCE_CHARS = 2_000_000

async function caching (app: FastifyInstance, options: CachingOptions): Promise<void> {
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024
  const cache = new Lru<CachedResponse>(20_000, maxBytes)
  const seenOnce = new Set<string>()
  let seenChars = 0
  /** True when the request was seen before (a stale copy in the cache counts); else remembers it. */
  const seenBefore = (key: string): boolean => {
    if (seenOnce.delete(key)) {
      seenChars -= key.length
      return true
    }
    if (cache.has(key)) return true
    if (seenOnce.size >= SEEN_ONCE || seenChars + key.length > SEEN_ONCE_CHARS) {
      seenOnce.clear()
      seenChars = 0
    }
    seenOnce.add(key)
    seenChars += key.length
    return false
  }
  app.decorateReply('contentVersion', null)
  app.decorateRequest('cacheRevision', null)

  // The content revision is read at most once a millisecond (REVISION_REUSE_MS), and the
  // requests of that millisecond share it: reading it (a read transaction of its own) was ~15%
  // of the server's time for a cached article. A commit by another process is seen a
  // millisecond later at most; a write through this server at once, as its answer is sent.
  const reuseMs = options.revisionReuseMs ?? REVISION_REUSE_MS
  let revisionRead: { revision: number, at: number } | null = null
  const forgetRevision = (): void => { revisionRead = null }
  const contentRevision = (): number => {
    const now = performance.now()
    if (revisionRead === null || now - revisionRead.at >= reuseMs) revisionRead = { revision: options.contentRevision(), at: now }
    return revisionRead.revision
  }

  // Callback-style hooks: a cached read creates no promise of its own.
  const serveCached = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    if (request.method !== 'GET' || !request.routeOptions.config.cache) return done()
    const key = cacheKey(request)
    if (key === null) return done()
    const revision = contentRevision()
    const hit = cache.get(key)
    if (!hit || hit.revision !== revision) {
      request.cacheRevision = revision
      return done()
    }
    // Answered from the cache: the lifecycle goes on from send, not from done.
    reply.headers(hit.headers)
    if (notModified(request, hit.headers.etag!)) {
      reply.removeHeader('content-type')
      reply.code(304).send()
      return
    }
    reply.send(hit.payload)
  }
  if (maxBytes > 0) app.addHook('preHandler', serveCached)

  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      // A write: the next read checks the revision again
      forgetRevision()
      return done(null, payload)
    }
    if (reply.statusCode !== 200 || typeof payload !== 'string') return done(null, payload)
    if (!request.url.startsWith('/v1/') || reply.hasHeader('etag')) return done(null, payload)
    const digest = createHash('sha256').update(payload).digest('base64url').slice(0, 22)
    const version = reply.contentVersion
    const etag = version ? `"r${version.revision}-${digest}"` : `"${digest}"`
    reply.header('ETag', etag)
    if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', options.cacheControl)
    if (version) reply.header('Last-Modified', new Date(version.updatedAt).toUTCString())
    const revision = request.cacheRevision
    if (request.method === 'GET' && revision !== null) {
      const key = cacheKey(request)
      if (key !== null && seenBefore(key)) {
        const headers: Record<string, string> = {}
        for (const name of CACHED_HEADERS) {
          const value = reply.getHeader(name)
          if (value !== undefined) headers[name] = String(value)
        }
        const body = Buffer.from(payload)
        cache.set(key, { bytes: body.length + 512, revision, payload: body, headers })
      }
    }
    if (notModified(request, etag)) {
      reply.code(304)
      reply.removeHeader('Content-Type')
      reply.removeHeader('Content-Length')
      return done(null, '')
    }
    done(null, payload)
  })
}

export default fp(caching, { name: 'caching' })
