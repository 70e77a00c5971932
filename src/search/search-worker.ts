// A search thread: its own read-only connection to the database file, queries in, response bodies out.
// Searching is CPU-bound (FTS5 ranking, snippets); here it leaves the server's event loop free.
import { parentPort, workerData } from 'node:worker_threads'
import { openDatabase, type Database } from '../db/connection.ts'
import { ArticleSearch, type SearchOptions } from './search-articles.ts'
import { searchAnswer, type SearchEnvelope } from './search-response.ts'

export interface SearchJob {
  id: number
  options: SearchOptions
  envelope: SearchEnvelope
}

const { dbFile } = workerData as { dbFile: string }
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
