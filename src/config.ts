// Configuration resolved in one pure function: explicit option > environment > default.
import { availableParallelism } from 'node:os'
import { DEFAULT_DOCS_BASE } from './ingest/links.ts'

export interface Config {
  dbFile: string
  host: string
  port: number
  docsBase: string
  logLevel: string
  /** Cache-Control sent with content responses. */
  cacheControl: string
  /** Signs paging cursors; set it to keep cursors valid across restarts and instances. */
  cursorSecret: string
  /** Reads need an API key too (any scope). */
  readsRequireKey: boolean
  /** Requests per minute per API key (or client address without one); 0 turns limiting off. */
  rateLimit: number
  /** Origins allowed to call the API from a browser (CORS); empty: none. */
  corsOrigins: string[]
  /** Answer 503 when the event loop lags more than this many ms (0: off). */
  maxEventLoopDelay: number
  /** How long a write (feedback, PUT, DELETE) waits for another writer (an import) before a 503. */
  writeWaitMs: number
  /** Worker threads that run searches off the event loop (0: searches run on it). */
  searchThreads: number
  /** How much lower the search threads' scheduling priority is than the event loop's (a nice value, 0-19; Linux). */
  searchNiceness: number
  /** MiB of serialized responses kept in memory (0: none kept); a full cache is part of the resident size. */
  responseCacheMb: number
}

export type Env = Record<string, string | undefined>

export const DEFAULT_DB_FILE = 'data/kb.sqlite'

export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

function port (value: string | undefined): number {
  if (value === undefined || value === '') return 3000
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`PORT must be an integer 0-65535, got "${value}"`)
  return n
}

function docsBase (value: string | undefined): string {
  const base = value === undefined || value === '' ? DEFAULT_DOCS_BASE : value
  let url: URL
  try {
    url = new URL(base)
  } catch {
    throw new ConfigError(`KB_DOCS_BASE must be an absolute http(s) URL, got "${base}"`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`KB_DOCS_BASE must be http(s), got "${base}"`)
  return url.origin
}

function flag (name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === '0' || value.toLowerCase() === 'false') return false
  if (value === '1' || value.toLowerCase() === 'true') return true
  throw new ConfigError(`${name} must be true/false/1/0, got "${value}"`)
}

function count (name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${value}"`)
  return n
}

function niceness (name: string, value: string | undefined, fallback: number): number {
  const n = count(name, value, fallback)
  if (n > 19) throw new ConfigError(`${name} must be a nice value from 0 to 19, got "${value}"`)
  return n
}

function origins (value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return []
  return value.split(',').map((o) => o.trim()).filter(Boolean).map((o) => {
    let url: URL
    try {
      url = new URL(o)
    } catch {
      throw new ConfigError(`KB_CORS_ORIGINS holds "${o}", which is not an origin like https://portal.example.com`)
    }
    return url.origin
  })
}

export function resolveConfig (options: Partial<Config> = {}, env: Env = {}): Config {
  return {
    dbFile: options.dbFile ?? (env.KB_DB || DEFAULT_DB_FILE),
    host: options.host ?? (env.HOST || '127.0.0.1'),
    port: options.port ?? port(env.PORT),
    docsBase: docsBase(options.docsBase ?? env.KB_DOCS_BASE),
    logLevel: options.logLevel ?? (env.LOG_LEVEL || 'info'),
    cacheControl: options.cacheControl ?? (env.KB_CACHE_CONTROL || 'public, max-age=60'),
    cursorSecret: options.cursorSecret ?? (env.KB_CURSOR_SECRET || 'kb-cursor-v1'),
    readsRequireKey: options.readsRequireKey ?? flag('KB_READS_REQUIRE_KEY', env.KB_READS_REQUIRE_KEY),
    rateLimit: options.rateLimit ?? count('KB_RATE_LIMIT', env.KB_RATE_LIMIT, 1200),
    corsOrigins: options.corsOrigins ?? origins(env.KB_CORS_ORIGINS),
    maxEventLoopDelay: options.maxEventLoopDelay ?? count('KB_MAX_EVENT_LOOP_DELAY', env.KB_MAX_EVENT_LOOP_DELAY, 1000),
    writeWaitMs: options.writeWaitMs ?? count('KB_WRITE_WAIT_MS', env.KB_WRITE_WAIT_MS, 5000),
    searchThreads: options.searchThreads ?? count('KB_SEARCH_THREADS', env.KB_SEARCH_THREADS, Math.min(4, availableParallelism())),
    searchNiceness: options.searchNiceness ?? niceness('KB_SEARCH_NICENESS', env.KB_SEARCH_NICENESS, 5),
    responseCacheMb: options.responseCacheMb ?? count('KB_RESPONSE_CACHE_MB', env.KB_RESPONSE_CACHE_MB, 32)
  }
}
