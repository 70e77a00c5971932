// Large imports: files are parsed in worker threads (the parser is the cost) and stored in
// this thread, in the order of the files, so the outcome is the same as importPaths'.
import { Worker } from 'node:worker_threads'
import { setTimeout as delay } from 'node:timers/promises'
import { availableParallelism } from 'node:os'
import type { Database } from 'better-sqlite3'
import { WRITE_GAP_MS } from '../db/write-retry.ts'
import { ParseError, type ParseResult } from '../ingest/parse-article.ts'
import { collectFiles, ImportTally, importPaths, prepareFile, type ImportOptions, type ImportSummary, type Prepared } from './import-paths.ts'

type WorkerReply = { id: number, ok: true, result: ParseResult } | { id: number, ok: false, error: { name: string, message: string, line: number | null } }

const WORKER_URL = new URL('./parse-worker.ts', import.meta.url).href

/** The worker is TypeScript: it registers tsx's loader in its own thread before loading the parser. */
function startWorker (): Worker {
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL)}) })`
  return new Worker(boot, { eval: true })
}

const TIMED_OUT = Symbol('timed out')

/** The promise's value, or TIMED_OUT when it takes longer than `ms`. */
async function within<T> (promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => { timer = setTimeout(resolve, ms, TIMED_OUT) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Below this many files, threads cost more than they save. */
const MIN_FILES = 200

export async function importPathsParallel (db: Database, paths: string[], options: ImportOptions & { threads?: number } = {}): Promise<ImportSummary> {
  const threads = options.threads ?? Math.max(1, Math.min(4, availableParallelism()))
  const { candidates, missing } = collectFiles(paths)
  if (threads < 2 || candidates.length < MIN_FILES) return importPaths(db, paths, options)

  const tally = new ImportTally(db, candidates.length, missing, options.optimizeAfter)
  const store = tally.writer
  const workers = Array.from({ length: threads }, () => startWorker())
  const pending = new Map<number, { resolve: (r: WorkerReply) => void }>()
  for (const w of workers) {
    w.on('message', (reply: WorkerReply) => {
      pending.get(reply.id)?.resolve(reply)
      pending.delete(reply.id)
    })
  }
  // Each file's outcome, as a promise, so results are stored strictly in file order.
  const outcomes: Array<Promise<WorkerReply> | null> = []
  const prepared: Array<Prepared | Error> = []
  let next = 0
  const WINDOW = threads * 8
  const dispatch = (): void => {
    while (next < candidates.length && next - stored < WINDOW) {
      const i = next++
      let p: Prepared | Error
      try {
        p = prepareFile(candidates[i]!, store, options)
      } catch (err) {
        p = err as Error
      }
      prepared[i] = p
      if (!(p instanceof Error) && p.kind === 'parse') {
        const job = { id: i, text: p.text, options: p.options }
        outcomes[i] = new Promise((resolve) => pending.set(i, { resolve }))
        workers[i % threads]!.postMessage(job)
      } else {
        outcomes[i] = null
      }
    }
  }
  let stored = 0
  try {
    dispatch()
    while (stored < candidates.length) {
      const i = stored
      const c = candidates[i]!
      const p = prepared[i]!
      try {
        if (p instanceof Error) throw p
        tally.prepared(p)
        if (p.kind === 'parse') {
          // While the workers catch up, the batch holds the lock no longer than it would anyway:
          // committed when its time is up before the file's parse is (one commit per file, as
          // when committing before every wait, was ~15% of this thread's time).
          const left = pending.has(i) ? tally.batch.holdLeft() : null
          if (left !== null && await within(outcomes[i]!, left) === TIMED_OUT) {
            tally.batch.commit()
            // As after any batch, the lock stays free a moment for a server's write
            await Promise.all([outcomes[i], delay(WRITE_GAP_MS)])
          }
          const reply = await outcomes[i]!
          if (!reply.ok) {
            const err = reply.error.name === 'ParseError' ? new ParseError(reply.error.message, reply.error.line) : new Error(reply.error.message)
            throw err
          }
          tally.store(reply.result, p.source)
        }
      } catch (err) {
        tally.failed(c, err)
      } finally {
        prepared[i] = new Error('done') // let the text go
        outcomes[i] = null
        stored++
        options.onFile?.(stored, candidates.length)
        dispatch()
      }
    }
  } finally {
    tally.release()
    await Promise.all(workers.map((w) => w.terminate()))
  }
  return tally.finish()
}
