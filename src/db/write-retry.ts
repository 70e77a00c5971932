// Writes from the server next to another writer (an import in another process): the write lock
// is waited for between event-loop turns, never inside SQLite's busy handler, which would hold
// every other request still for as long as the import keeps the lock.
import type { Database } from 'better-sqlite3'

/** SQLite's answers when another connection holds the write lock. */
export function isBusy (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
}

export class WriteLockTimeout extends Error {
  constructor (readonly waitedMs: number) {
    super(`another writer held the database for ${Math.round(waitedMs)} ms`)
    this.name = 'WriteLockTimeout'
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs `write` (a synchronous transaction that begins IMMEDIATE) once the write lock is free:
 * each attempt fails at once when it is taken (busy timeout 0 for the attempt), and the next
 * comes a millisecond or a few later, so other requests are served meanwhile. Importers leave
 * the lock free for a few milliseconds at least every WRITE_HOLD_MS (see ImportPacer), which
 * this polling cadence is short enough to notice. Throws WriteLockTimeout after `budgetMs`.
 */
export async function writeWhenFree<T> (db: Database, write: () => T, budgetMs: number): Promise<T> {
  const started = performance.now()
  const restore = db.pragma('busy_timeout', { simple: true }) as number
  for (let delay = 1; ; delay = Math.min(delay * 2, 4)) {
    db.pragma('busy_timeout = 0')
    try {
      return write()
    } catch (err) {
      if (!isBusy(err)) throw err
    } finally {
      db.pragma(`busy_timeout = ${restore}`)
    }
    const waited = performance.now() - started
    if (waited >= budgetMs) throw new WriteLockTimeout(waited)
    await sleep(delay)
  }
}

/** How long an importer may hold the write lock before it lets waiting writers in. */
export const WRITE_HOLD_MS = 50
/** How long it leaves the lock free then: longer than writeWhenFree's longest pause. */
export const WRITE_GAP_MS = 5

/**
 * A bulk writer's transactions, grouped: each write (a transaction function, which nests as a
 * savepoint) runs inside one open transaction that is committed once it has been open for
 * WRITE_HOLD_MS; the next batch begins WRITE_GAP_MS after a commit at the earliest, so a
 * server's feedback post or PUT waits tens of milliseconds, not until the import ends. A failed
 * write rolls back its own savepoint only. Fewer commits are most of an import's store time
 * saved: SQLite writes each changed page once per commit, and FTS5 flushes and merges its
 * pending terms once per commit when the full-text rows are written at the batch's top level
 * (`held`), not in the savepoints. Call `commit()` before waiting for anything else and at the end.
 */
export class WriteBatch {
  private openedAt: number | null = null
  /** When the last batch committed: the lock stays free WRITE_GAP_MS from then. */
  private freedAt: number | null = null
  private readonly db: Database
  private readonly now: () => number
  private readonly pause: (ms: number) => void
  private readonly held: HeldWrites | null

  /**
   * `pause`: waits out what is left of the gap before a batch begins (a sleep by default; an
   * importer may do other work meanwhile). `held`: what the batch's writes held back
   * (ArticleStore's full-text rows), made just before it commits.
   */
  constructor (db: Database, options: { now?: () => number, pause?: (ms: number) => void, held?: HeldWrites } = {}) {
    this.db = db
    this.now = options.now ?? (() => performance.now())
    this.pause = options.pause ?? sleepSync
    this.held = options.held ?? null
  }

  write<T> (write: () => T): T {
    if (this.openedAt === null) {
      // Inside a caller's own transaction, the write is simply part of it, held writes included.
      if (this.db.inTransaction) {
        const result = write()
        this.held?.flush()
        return result
      }
      const gapLeft = this.freedAt === null ? 0 : WRITE_GAP_MS - (this.now() - this.freedAt)
      if (gapLeft > 0) this.pause(gapLeft)
      this.db.exec('BEGIN IMMEDIATE')
      this.openedAt = this.now()
    }
    try {
      return write()
    } finally {
      if (this.now() - this.openedAt >= WRITE_HOLD_MS) this.commit()
    }
  }

  /** How much longer the open batch may hold the lock (ms, at least 0); null when none is open. */
  holdLeft (): number | null {
    return this.openedAt === null ? null : Math.max(0, WRITE_HOLD_MS - (this.now() - this.openedAt))
  }

  /** Commits the open batch, if any, with the writes it held back. */
  commit (): void {
    if (this.openedAt === null) return
    this.openedAt = null
    // An error SQLite rolls a whole transaction back for leaves nothing to commit.
    if (!this.db.inTransaction) {
      this.held?.discard()
      return
    }
    try {
      this.held?.flush()
    } catch (err) {
      // Committed without them, the batch's articles would be missing from the search index
      this.held?.discard()
      this.db.exec('ROLLBACK')
      throw err
    }
    this.db.exec('COMMIT')
    this.freedAt = this.now()
  }
}

/** Writes held back until a batch commits: made at its top level, or forgotten with it. */
export interface HeldWrites {
  flush: () => void
  discard: () => void
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))
/** Blocks this thread for `ms`. */
export function sleepSync (ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms)
}
