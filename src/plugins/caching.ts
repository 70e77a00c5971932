// HTTP caching for content GETs: a strong ETag from the bytes sent (prefixed with the article's
// revision where there is one, for If-Match on writes), If-None-Match → 304, Last-Modified,
// a configurable Cache-Control, and an in-process cache of serialized responses for routes
// with `config.cache`, keyed by the request and valid while the content revision holds. A
// response is kept from the second time its request is seen: most searches are asked once, and
// kept they would only push out the articles that integrations read again and again.
// Content bodies of 1 KiB or more are compressed for a client that accepts it (gzip or Brotli);
// a cached response keeps each compressed form it was asked in, so it is compressed once.
import fp from 'fastify-plugin'
import { negotiate } from '@fastify/accept-negotiator'
import { createHash } from 'node:crypto'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
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
  /** The payload compressed, in each coding it was asked in so far. */
  encoded: Partial<Record<Encoding, Buffer>>
}

/**
 * Content codings offered, preferred first (when a client accepts both as much). Measured here:
 * a 9 KB Japanese article is 2.8 KB in gzip (level 6, ~100 µs) and 2.4 KB in Brotli (quality
 * 5, ~130 µs); an 11 KB search page, compressed on every request since searches are seldom
 * asked twice, 1.6 KB in 65 µs and 1.4 KB in 150 µs; a 28 KB list page 2.6 KB in 125 µs and
 * 2.4 KB in 155 µs. Brotli's best quality packs ~8% more for ~70 times the time.
 */
export const ENCODINGS = ['gzip', 'br'] as const
export type Encoding = typeof ENCODINGS[number]
/** Smaller bodies are sent as they are: a problem document or a short list gains little. */
export const COMPRESS_MIN_BYTES = 1024

/**
 * The body compressed, in a buffer of its own: zlib's sync functions return a slice of their
 * 16 KiB output chunk, and a cached 2 KB slice kept the whole chunk alive (the bench's gzip
 * row, 4,096 articles cached: +40 MiB resident, the memory target missed).
 */
export function compress (body: Buffer, encoding: Encoding): Buffer {
  const out = encoding === 'gzip'
    ? gzipSync(body, { level: 6 })
    : brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
  return Buffer.from(out)
}

/** The coding to send a compressible body in, from Accept-Encoding (coding names are case-insensitive); null: as it is. */
function encodingFor (request: FastifyRequest): Encoding | null {
  const header = request.headers['accept-encoding']
  if (typeof header !== 'string' || header === '' || header.length > 500) return null
  return negotiate(header.toLowerCase(), ENCODINGS as unknown as string[]) as Encoding | null
}

/**
 * The form to send a body of `size` bytes in, and its ETag: a compressed form is another
 * representation, so it has another strong validator (the plain one's, `-gzip` or `-br` added).
 */
function formFor (request: FastifyRequest, identityEtag: string, size: number): { encoding: Encoding | null, etag: string } {
  const encoding = size >= COMPRESS_MIN_BYTES ? encodingFor(request) : null
  return { encoding, etag: encoding === null ? identityEtag : `${identityEtag.slice(0, -1)}-${encoding}"` }
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

/** Whether If-None-Match names one of the ETags (weak comparison, as RFC 9110 asks for it). */
function matches (header: string, etags: string[]): boolean {
  if (header.trim() === '*') return true
  const bare = etags.map((etag) => etag.replace(/^W\//, ''))
  return header.split(',').some((tag) => bare.includes(tag.trim().replace(/^W\//, '')))
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

/**
 * Whether the client's copy is current: If-None-Match names the ETag of the form being sent,
 * or of the uncompressed one (the same content: a client that kept the body as it came before
 * it asked for compression, or a cache that stores bodies decoded, has it).
 */
function notModified (request: FastifyRequest, etag: string, identityEtag: string): boolean {
  const inm = request.headers['if-none-match']
  return typeof inm === 'string' && matches(inm, etag === identityEtag ? [etag] : [etag, identityEtag])
}

/** Adds Accept-Encoding to the reply's Vary. */
function varyOnEncoding (reply: FastifyReply): void {
  const vary = reply.getHeader('vary')
  if (vary === undefined || vary === '') reply.header('Vary', 'Accept-Encoding')
  else if (!/(^|,)\s*accept-encoding\s*(,|$)/i.test(String(vary))) reply.header('Vary', `${String(vary)}, Accept-Encoding`)
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
    const identityEtag = hit.headers.etag!
    const { encoding, etag } = formFor(request, identityEtag, hit.payload.length)
    if (encoding !== null) reply.header('ETag', etag)
    if (notModified(request, etag, identityEtag)) {
      reply.removeHeader('content-type')
      reply.code(304).send()
      return
    }
    if (encoding === null) {
      reply.send(hit.payload)
      return
    }
    let body = hit.encoded[encoding]
    if (body === undefined) {
      body = compress(hit.payload, encoding)
      // Set again, so the cache counts the new form's bytes
      cache.set(key, { ...hit, bytes: hit.bytes + body.length, encoded: { ...hit.encoded, [encoding]: body } })
    }
    reply.header('Content-Encoding', encoding)
    reply.send(body)
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
    const identityEtag = version ? `"r${version.revision}-${digest}"` : `"${digest}"`
    reply.header('ETag', identityEtag)
    if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', options.cacheControl)
    if (version) reply.header('Last-Modified', new Date(version.updatedAt).toUTCString())
    const size = Buffer.byteLength(payload)
    if (size >= COMPRESS_MIN_BYTES) varyOnEncoding(reply)
    const { encoding, etag } = formFor(request, identityEtag, size)
    let body: Buffer | null = null
    let encoded: Buffer | null = null
    const revision = request.cacheRevision
    if (request.method === 'GET' && revision !== null) {
      const key = cacheKey(request)
      if (key !== null && seenBefore(key)) {
        const headers: Record<string, string> = {}
        for (const name of CACHED_HEADERS) {
          const value = reply.getHeader(name)
          if (value !== undefined) headers[name] = String(value)
        }
        body = Buffer.from(payload)
        if (encoding !== null) encoded = compress(body, encoding)
        const cached: CachedResponse = { bytes: size + (encoded?.length ?? 0) + 512, revision, payload: body, headers, encoded: {} }
        if (encoding !== null) cached.encoded[encoding] = encoded!
        cache.set(key, cached)
      }
    }
    if (encoding !== null) reply.header('ETag', etag)
    if (notModified(request, etag, identityEtag)) {
      reply.code(304)
      reply.removeHeader('Content-Type')
      reply.removeHeader('Content-Length')
      return done(null, '')
    }
    if (encoding === null) return done(null, payload)
    reply.header('Content-Encoding', encoding)
    done(null, encoded ?? compress(body ?? Buffer.from(payload), encoding))
  })
}

export default fp(caching, { name: 'caching' })
