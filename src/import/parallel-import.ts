// Large imports: files are parsed in worker threads (the parser is the cost) and stored in
// this thread, in the order of the files, so the outcome is the same as importPaths'. This
// thread parses too, whenever it would otherwise wait: one worker per core but this one, and
// no core is shared by two busy threads.
import { Worker } from 'node:worker_threads'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { availableParallelism } from 'node:os'
import type { Database } from 'better-sqlite3'
import { sleepSync } from '../db/write-retry.ts'
import { ParseError, SourceSideCache } from '../ingest/parse-article.ts'
import { collectFiles, ImportTally, importPaths, prepareFile, type ImportOptions, type ImportSummary, type Prepared } from './import-paths.ts'
import { parseOutcome, type ParseJob, type ParseOutcome } from './parse-worker.ts'

type WorkerReply = ParseOutcome & { id: number }

const WORKER_URL = new URL('./parse-worker.ts', import.meta.url).href

/** The worker is TypeScript: it registers tsx's loader in its own thread before loading the parser. */
export function startParseWorker (): Worker {
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

/**
 * Parse threads besides this one: a core each, and this thread (which stores, and parses while
 * it would wait) has the last. Before, two workers and this thread shared two cores: a parallel
 * import of 15,520 files, six alternated pairs, took 45.2-51.0 s and 5.5-6.2 ms of CPU a
 * document; one worker, this thread parsing too: 43.0-48.3 s, 5.2-5.8 ms.
 */
function defaultParseThreads (): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1))
}

/** Files a worker is given at once: the next wait in its port, so it never idles between two. */
const QUEUED_PER_WORKER = 8
/**
 * Files read ahead of the one being stored, at most (their texts and parse results are held).
 * This thread parses only when the next file to store is not parsed yet, so it takes its share
 * by itself; with this many ahead it can fall behind the workers without making them wait.
 */
const AHEAD = 256
/**
 * Larger files always go to a worker. While this thread parses, the batch it has open keeps the
 * write lock, and an article (4-20 KB; the sample corpus's largest is 29 KB) parses in a few
 * milliseconds. A hostile file under this size can take up to about a second (PARSE_LIMITS),
 * which a server's write then waits on top of the batch: within its KB_WRITE_WAIT_MS.
 */
const PARSE_HERE_MAX_CHARS = 32 * 1024

interface ParseThread {
  worker: Worker
  /** The files it was given and has not answered, in the order it parses them. */
  given: Set<number>
  answered: number
  /** What it threw before it stopped. */
  error: Error | null
}

type ParseWanted = Extract<Prepared, { kind: 'parse' }>

export interface ParallelImportOptions extends ImportOptions {
  /** Parse workers (default: one per core but one, 1-4); 0 imports in this thread only. */
  threads?: number
  /** Starts a parse worker (tests: one that fails). */
  startWorker?: () => Worker
}

/**
 * importPaths with the parsing spread over worker threads. A worker that stops (it ran out of
 * memory, or threw) fails the file it was parsing, if it had answered before (else it stopped
 * while starting, and no file is to blame); the files it held go to another thread, and without
 * workers this thread parses the rest itself.
 */
export async function importPathsParallel (db: Database, paths: string[], options: ParallelImportOptions = {}): Promise<ImportSummary> {
  const threads = options.threads ?? defaultParseThreads()
  const { candidates, missing } = collectFiles(paths)
  if (threads < 1 || candidates.length < MIN_FILES) return importPaths(db, paths, options)

  // Each file's outcome: a worker's (a promise), one parsed here, or null (nothing to parse).
  // Results are stored strictly in file order.
  const outcomes: Array<Promise<ParseOutcome> | ParseOutcome | null> = []
  const prepared: Array<Prepared | Error> = []
  const pending = new Map<number, (reply: ParseOutcome) => void>()
  const sourceSides = new SourceSideCache()
  let next = 0
  let stored = 0

  /** Reads the next file and decides what it needs: its index, or null when none is left or AHEAD are out. */
  const takeNext = (): number | null => {
    if (next >= candidates.length || next - stored >= AHEAD) return null
    const i = next++
    try {
      prepared[i] = prepareFile(candidates[i]!, tally.writer, options)
    } catch (err) {
      prepared[i] = err as Error
    }
    outcomes[i] = null
    return i
  }
  const toParse = (i: number): ParseWanted | null => {
    const p = prepared[i]!
    return !(p instanceof Error) && p.kind === 'parse' ? p : null
  }
  const send = (i: number, p: ParseWanted, thread: ParseThread): void => {
    thread.given.add(i)
    thread.worker.postMessage({ id: i, text: p.text, options: p.options } satisfies ParseJob)
  }
  const settle = (i: number, outcome: ParseOutcome): void => {
    pending.get(i)?.(outcome)
    pending.delete(i)
  }
  const leastBusy = (): ParseThread => parsers.reduce((a, b) => b.given.size < a.given.size ? b : a)
  const post = (i: number, p: ParseWanted, thread: ParseThread = leastBusy()): void => {
    outcomes[i] = new Promise((resolve) => pending.set(i, resolve))
    send(i, p, thread)
  }
  /** Gives every worker files until it holds QUEUED_PER_WORKER. */
  const dispatch = (): void => {
    for (const thread of parsers) {
      while (thread.given.size < QUEUED_PER_WORKER) {
        const i = takeNext()
        if (i === null) return
        const p = toParse(i)
        if (p !== null) post(i, p, thread)
      }
    }
  }
  /** Takes the next file no worker has and parses it here (a large one goes to a worker, if one is left); false when there is none to take. */
  const parseNextHere = (): boolean => {
    const i = takeNext()
    if (i === null) return false
    const p = toParse(i)
    if (p === null) return true
    if (p.text.length <= PARSE_HERE_MAX_CHARS || parsers.length === 0) outcomes[i] = parseOutcome(p.text, p.options, sourceSides)
    else post(i, p)
    return true
  }

  // While the write lock is left free between batches (WRITE_GAP_MS), this thread parses instead of sleeping.
  const tally = new ImportTally(db, candidates.length, missing, options.optimizeAfter, {
    pause: (ms) => {
      const until = performance.now() + ms
      while (performance.now() < until && parseNextHere());
      const left = until - performance.now()
      if (left > 0) sleepSync(left)
    }
  })
  let closing = false
  /** A worker stopped: the file it was parsing fails, the others it held go elsewhere. */
  const stopped = (thread: ParseThread, code: number): void => {
    const at = parsers.indexOf(thread)
    if (closing || at < 0) return
    parsers.splice(at, 1)
    const held = [...thread.given]
    const why = thread.error?.message ?? `it exited with code ${code}`
    if (thread.answered > 0 && held.length > 0) {
      settle(held.shift()!, { ok: false, error: { name: 'Error', message: `the parse thread stopped while parsing this file: ${why}`, line: null } })
    }
    for (const i of held) {
      const p = toParse(i)!
      if (parsers.length > 0) send(i, p, leastBusy())
      else settle(i, parseOutcome(p.text, p.options, sourceSides))
    }
    dispatch()
  }
  const startWorker = options.startWorker ?? startParseWorker
  const parsers: ParseThread[] = Array.from({ length: threads }, () => ({ worker: startWorker(), given: new Set<number>(), answered: 0, error: null }))
  for (const thread of [...parsers]) {
    thread.worker.on('message', (reply: WorkerReply) => {
      thread.given.delete(reply.id)
      thread.answered++
      settle(reply.id, reply)
      dispatch()
    })
    thread.worker.on('error', (err) => { thread.error = err })
    thread.worker.on('exit', (code) => stopped(thread, code))
  }

  try {
    dispatch()
    while (stored < candidates.length) {
      const i = stored
      const c = candidates[i]!
      try {
        // Handed out already (dispatch() after every file leaves none of the workers idle), unless no worker is left
        if (i === next) parseNextHere()
        const p = prepared[i]!
        if (p instanceof Error) throw p
        tally.prepared(p)
        if (p.kind === 'parse') {
          // Until a worker has parsed it, this thread parses the next files none has been given,
          // or else waits. The batch holds the lock no longer than it would anyway: committed
          // when its time is up, not before every wait (one commit per file was ~15% of this
          // thread's time).
          while (pending.has(i)) {
            const left = tally.batch.holdLeft()
            if (left === 0) tally.batch.commit()
            if (parseNextHere()) await nextTurn()
            else if (left === null || left === 0) await outcomes[i]
            else if (await within(outcomes[i] as Promise<ParseOutcome>, left) === TIMED_OUT) tally.batch.commit()
          }
          const outcome = (await outcomes[i])!
          if (!outcome.ok) {
            throw outcome.error.name === 'ParseError' ? new ParseError(outcome.error.message, outcome.error.line) : new Error(outcome.error.message)
          }
          tally.store(outcome.result, p.source)
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
    closing = true
    tally.release()
    await Promise.all(parsers.map((thread) => thread.worker.terminate()))
  }
  return tally.finish()
}
