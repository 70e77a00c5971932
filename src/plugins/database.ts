// The database for the app's lifetime: opened (or handed in), migrated, closed on app.close().
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Database } from 'better-sqlite3'
import { openDatabase } from '../db/connection.ts'
import { migrate } from '../db/migrate.ts'
import { isEmpty, seed } from '../db/seed.ts'
import { ArticleRepository } from '../db/article-repository.ts'
import { ensureSearchIndex } from '../search/search-index.ts'
import type { Config } from '../config.ts'
import { Errors } from '../errors.ts'
import { WriteLockTimeout, writeWhenFree } from '../db/write-retry.ts'
import { loadRankFunction } from '../search/rank-function.ts'
import { SearchPool } from '../search/search-pool.ts'

/** Searches waiting for a search thread at most; more are answered 503 at once. */
const MAX_QUEUED_SEARCHES = 500

export interface Kb {
  db: Database
  repo: ArticleRepository
  config: Config
  /**
   * Runs a write transaction (one that begins IMMEDIATE) once no other writer holds the lock,
   * waiting between event-loop turns; a 503 KB_BUSY with Retry-After after config.writeWaitMs.
   */
  write: <T>(transaction: () => T) => Promise<T>
  /**
   * Search threads with connections of their own (config.searchThreads), or null: searches then
   * run on the event loop. An in-memory database has no file for a thread to open.
   */
  searchPool: SearchPool | null
  /** What ranks searches: kb_rank() when its library loaded, else SQLite's bm25() (same scores, slower). */
  searchRanking: 'kb_rank' | 'bm25'
}

declare module 'fastify' {
  interface FastifyInstance {
    kb: Kb
  }
}

export interface DatabaseOptions {
  config: Config
  /** An open database to use instead of config.dbFile; the caller closes it. */
  db?: Database
  /** Migrate, and seed an empty database, before serving. */
  prepare: boolean
}

async function database (app: FastifyInstance, options: DatabaseOptions): Promise<void> {
  const owned = options.db === undefined
  const db = options.db ?? openDatabase(options.config.dbFile)
  if (options.prepare) {
    migrate(db)
    // A database imported before the search index existed gets its documents indexed once.
    const indexed = ensureSearchIndex(db)
    if (indexed > 0) app.log.info({ documents: indexed }, 'indexed documents for search')
    if (isEmpty(db)) {
      const summary = seed(db, options.config.docsBase)
      app.log.info({ articles: summary.articles, translations: summary.translations }, 'seeded an empty database')
    }
  }
  const write = async <T>(transaction: () => T): Promise<T> => {
    try {
      return await writeWhenFree(db, transaction, options.config.writeWaitMs)
    } catch (err) {
      if (!(err instanceof WriteLockTimeout)) throw err
      throw Object.assign(new Errors.Busy(err.message), { headers: { 'Retry-After': '1' } })
    }
  }
  // The search threads and an in-process search load the same library: if it does not load
  // here, it loads nowhere, and search ranks with bm25() (same answers, slower)
  const ranking = loadRankFunction(db)
  if (!ranking.ok) app.log.warn({ reason: ranking.reason }, 'kb_rank() did not load: search ranks with SQLite\'s bm25()')
  // Started after the migrations: the threads open the database read-only.
  const searchPool = options.config.searchThreads > 0 && !db.memory
    ? new SearchPool(db.name, { threads: options.config.searchThreads, maxQueued: MAX_QUEUED_SEARCHES, niceness: options.config.searchNiceness })
    : null
  app.decorate('kb', { db, repo: new ArticleRepository(db), config: options.config, write, searchPool, searchRanking: ranking.ok ? 'kb_rank' : 'bm25' })
  app.addHook('onClose', async () => {
    await searchPool?.close()
    if (owned) db.close()
  })
}

export default fp(database, { name: 'database' })
