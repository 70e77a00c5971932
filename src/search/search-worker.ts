// A search thread: its own read-only connection to the database file, queries in, response bodies out.
// Searching is CPU-bound (FTS5 ranking, snippets); here it leaves the server's event loop free.
import { readlinkSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { openDatabase, type Database } from '../db/connection.ts'
import { ArticleSearch, type SearchOptions } from './search-articles.ts'
import { searchAnswer, type SearchEnvelope } from './search-response.ts'

export interface SearchJob {
  id: number
  options: SearchOptions
  envelope: SearchEnvelope
}

export interface SearchWorkerData {
  dbFile: string
  /** How much lower this thread's scheduling priority is than the event loop's. */
  niceness: number
}

const { dbFile, niceness } = workerData as SearchWorkerData
lowerPriority(niceness)
const db = open()
// better-sqlite3's default page cache is 16 MiB per connection; 4 MiB searches as fast at 100k
// documents (the file's pages stay in the OS cache) and keeps ~12 MiB per thread off the RSS.
db.pragma('cache_size = -4000')
const search = new ArticleSearch(db)
// The pool counts a thread that dies before this as one that could not start
parentPort?.postMessage({ ready: true })

/** The database, or an Error that says why not (SqliteError reaches the pool without its message). */
function open (): Database {
  try {
    return openDatabase(dbFile, { readonly: true })
  } catch (err) {
    throw new Error(`cannot open ${dbFile}: ${(err as Error).message}`)
  }
}

parentPort?.on('message', (job: SearchJob) => {
  try {
    parentPort!.postMessage({ id: job.id, ok: true, answer: searchAnswer(search.search(job.options), job.envelope) })
  } catch (err) {
    const e = err as Error
    parentPort!.postMessage({ id: job.id, ok: false, error: { name: e.name, message: e.message } })
  }
})

/**
 * Lowers this thread's priority, and only this thread's: on Linux a thread is a task of its own
 * (its id in /proc/thread-self), and setpriority() on it leaves the process's other threads as
 * they are. With searches busy on every core, the event loop then still gets a core's worth
 * for the cheap requests in between (articles answered at 10 connections while 10 others
 * search, alternated: 6,053-6,769 against 8,368-8,923 /s, p99 6.9-8.4 against 5.4-5.7 ms),
 * and searches alone run as fast as before. Elsewhere (no /proc) it does nothing: there the
 * call would lower the whole process. Relative to the thread's own (the process's) priority.
 */
function lowerPriority (by: number): void {
  if (by === 0) return
  let thread: number
  try {
    thread = Number(readlinkSync('/proc/thread-self').split('/').pop())
  } catch {
    return
  }
  if (!Number.isInteger(thread) || thread <= 0) return
  try {
    setPriority(thread, Math.min(19, getPriority(thread) + by))
  } catch {
    // Not allowed here: the thread keeps its priority
  }
}
