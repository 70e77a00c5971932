// Searches on worker threads, each with its own connection to the database file: a search
// costs milliseconds of CPU at 100k documents, and on the server's event loop every other
// request (a cached article takes ~0.1 ms) would wait behind it. Jobs queue here, so each goes
// to the first free thread, a full queue refuses new searches, and a search whose callers have
// all gone is dropped instead of run. A busy thread is handed one more job to start as soon as
// it posts its answer (see PER_THREAD).
import { Worker } from 'node:worker_threads'
import { SearchCursorError, type SearchOptions } from './search-articles.ts'
import type { SearchAnswer, SearchEnvelope } from './search-response.ts'
import type { SearchJob, SearchWorkerData } from './search-worker.ts'

type Reply = { ready: true } | { id: number, ok: true, answer: SearchAnswer } | { id: number, ok: false, error: { name: string, message: string } }

/** The search could not run: the queue is full, its callers left, a thread stopped, or the pool closed. */
export class SearchUnavailableError extends Error {
  /** `cause`: what went wrong inside (a path, an SQLite message): for the log, not for clients. */
  constructor (message: string, cause?: Error) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'SearchUnavailableError'
  }
}

export interface SearchPoolOptions {
  /** Worker threads (≥ 1). */
  threads: number
  /** Jobs someone still waits for, at most; more are refused at once. */
  maxQueued: number
  /** How much lower the threads' scheduling priority is than the event loop's (0-19, Linux; default 0). */
  niceness?: number
}

interface Job {
  id: number
  options: SearchOptions
  envelope: SearchEnvelope
  /** Its key in inFlight. */
  key: string
  /** Who asked (several when the same search was asked again): null for a caller that never leaves. */
  callers: Array<AbortSignal | null>
  resolve: (answer: SearchAnswer) => void
  reject: (err: Error) => void
}

interface Thread {
  worker: Worker
  /** Handed to it, in order: the first runs, the next waits in its port (at most PER_THREAD). */
  jobs: Job[]
  /** It opened the database: a thread that dies before that could not start. */
  ready: boolean
}

/**
 * A search's garbage is short-lived (rows, JSON, snippets): a small young generation keeps each
 * thread's heap, and so the server's resident memory, from growing to V8's defaults.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 96 }

/**
 * Jobs a thread holds at once. With one, a thread that has posted its answer idles until the
 * event loop (parsing requests, writing responses) gets to the answer and posts the next
 * search; with two, the next search is already in its port. Over HTTP at 10 connections,
 * alternated three times: 14% more error-code searches a second, 17% more Japanese, 5% more
 * of a user's words. The price: that second search waits for this thread even if another one
 * frees first, and it runs even if its callers leave meanwhile.
 */
const PER_THREAD = 2

/** Threads that die before their first answer, in a row, before the pool stops replacing them. */
const MAX_FAILED_STARTS = 3

/**
 * Under tsx (tests, `npm run dev`) the worker is TypeScript and registers tsx's loader in its
 * own thread first; in the bundle (`npm start`) it is dist/search/search-worker.js, built next
 * to dist/server.js by scripts/build.ts.
 */
function startWorker (dbFile: string, niceness: number): Worker {
  const here = import.meta.url
  const options = { workerData: { dbFile, niceness } satisfies SearchWorkerData, resourceLimits: RESOURCE_LIMITS }
  if (here.endsWith('.ts')) {
    const url = JSON.stringify(new URL('./search-worker.ts', here).href)
    return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${url}) })`, { ...options, eval: true })
  }
  return new Worker(new URL('./search/search-worker.js', here), options)
}

export class SearchPool {
  private readonly dbFile: string
  private readonly options: SearchPoolOptions
  private readonly threads: Thread[] = []
  private readonly queue: Job[] = []
  /**
   * Queued searches by their options: the same search asked again before a thread takes it
   * joins it. Not once it runs: it may have read the content before a write the later caller
   * has seen (and caches the page under).
   */
  private readonly inFlight = new Map<string, { job: Job, answer: Promise<SearchAnswer> }>()
  private nextId = 0
  private closed = false
  private failedStarts = 0
  /** Why the threads cannot start (the database cannot be opened, …): every search is refused. */
  private broken: Error | null = null

  constructor (dbFile: string, options: SearchPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`a search pool needs at least one thread, got ${options.threads}`)
    this.dbFile = dbFile
    this.options = options
  }

  /**
   * Why no search can run (three threads in a row died before they opened the database: it is
   * missing, the worker's code is, …), for readiness; null while they can. It lasts until restart.
   */
  get failure (): string | null {
    return this.broken === null ? null : 'the search threads cannot start'
  }

  /**
   * Starts the threads (the first search does it otherwise): the server calls it once it
   * listens, so a thread's start-up neither delays the server's nor the first search.
   */
  start (): void {
    if (this.closed || this.broken || this.threads.length > 0) return
    for (let i = 0; i < this.options.threads; i++) this.threads.push(this.spawn())
  }

  /**
   * Resolves with the response body (the page in its envelope, see searchAnswer()); rejects
   * with SearchCursorError, SearchUnavailableError, or the search's own error. The same search
   * in the same envelope asked while it waits for a thread (a burst of one new error code)
   * shares its answer instead of running again; callers must not change it. `signal`: aborted
   * when the caller no longer wants the answer (its client left); a queued search all of whose
   * callers left is dropped.
   */
  search (options: SearchOptions, envelope: SearchEnvelope, signal: AbortSignal | null = null): Promise<SearchAnswer> {
    if (this.closed) return Promise.reject(new SearchUnavailableError('the server is closing'))
    if (this.broken) return Promise.reject(new SearchUnavailableError('search threads cannot start', this.broken))
    const key = JSON.stringify([options.q, options.locale, options.acceptLanguage, options.limit, options.cursor, options.scenario, options.audience, envelope])
    const joined = this.inFlight.get(key)
    if (joined !== undefined) {
      joined.job.callers.push(signal)
      return joined.answer
    }
    if (this.queue.length >= this.options.maxQueued) this.dropAbandoned()
    if (this.queue.length >= this.options.maxQueued) return Promise.reject(new SearchUnavailableError(`${this.queue.length} searches waiting`))
    this.start()
    let job!: Job
    const answer = new Promise<SearchAnswer>((resolve, reject) => {
      job = { id: this.nextId++, key, options, envelope, callers: [signal], resolve, reject }
    })
    this.inFlight.set(key, { job, answer })
    const settled = (): void => this.forget(job)
    answer.then(settled, settled)
    this.queue.push(job)
    this.dispatch()
    return answer
  }

  /** Stops the threads; waiting and running searches are refused. */
  async close (): Promise<void> {
    this.closed = true
    for (const job of this.queue.splice(0)) job.reject(new SearchUnavailableError('the server is closing'))
    const running = this.threads.splice(0)
    for (const thread of running) for (const job of thread.jobs) job.reject(new SearchUnavailableError('the server is closing'))
    await Promise.all(running.map((t) => t.worker.terminate()))
  }

  private spawn (): Thread {
    const thread: Thread = { worker: startWorker(this.dbFile, this.options.niceness ?? 0), jobs: [], ready: false }
    thread.worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        thread.ready = true
        this.failedStarts = 0
        return
      }
      const job = thread.jobs[0]
      if (job === undefined || job.id !== reply.id) return
      thread.jobs.shift()
      if (reply.ok) job.resolve(reply.answer)
      else job.reject(reply.error.name === 'SearchCursorError' ? new SearchCursorError(reply.error.message) : new Error(reply.error.message))
      this.dispatch()
    })
    // A thread that dies (it cannot open the database, runs out of memory) is replaced; its
    // search is refused rather than lost. Its error arrives as a copy (SqliteError's as a plain
    // object, without its message).
    thread.worker.on('error', (err: unknown) => {
      const { message, code } = (err ?? {}) as { message?: unknown, code?: unknown }
      this.replace(thread, new Error(String(message ?? code ?? err)))
    })
    thread.worker.on('messageerror', (err) => this.replace(thread, err))
    thread.worker.on('exit', (code) => this.replace(thread, new Error(`search thread exited with code ${code}`)))
    return thread
  }

  private replace (thread: Thread, err: Error): void {
    const index = this.threads.indexOf(thread)
    if (index === -1) return
    for (const job of thread.jobs.splice(0)) job.reject(new SearchUnavailableError('a search thread stopped', err))
    thread.worker.terminate().catch(() => {})
    if (this.closed) return
    if (!thread.ready && ++this.failedStarts >= MAX_FAILED_STARTS) {
      this.broken = err
      for (const t of this.threads.splice(0)) {
        for (const job of t.jobs.splice(0)) job.reject(new SearchUnavailableError('search threads cannot start', err))
        t.worker.terminate().catch(() => {})
      }
      for (const job of this.queue.splice(0)) job.reject(new SearchUnavailableError('search threads cannot start', err))
      return
    }
    this.threads[index] = this.spawn()
    this.dispatch()
  }

  /** Idle threads first, then a next job for each busy one, while searches wait. */
  private dispatch (): void {
    for (let held = 0; held < PER_THREAD; held++) {
      for (const thread of this.threads) {
        if (thread.jobs.length !== held) continue
        const job = this.take()
        if (job === undefined) return
        thread.jobs.push(job)
        this.forget(job)
        thread.worker.postMessage({ id: job.id, options: job.options, envelope: job.envelope } satisfies SearchJob)
      }
    }
  }

  /** The next job someone still waits for: one whose callers all left is dropped. */
  private take (): Job | undefined {
    for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
      if (abandoned(job)) {
        this.drop(job)
        continue
      }
      return job
    }
    return undefined
  }

  /** Drops the waiting jobs whose callers all left: only searches someone waits for count toward maxQueued. */
  private dropAbandoned (): void {
    const waiting: Job[] = []
    for (const job of this.queue) {
      if (abandoned(job)) this.drop(job)
      else waiting.push(job)
    }
    this.queue.splice(0, this.queue.length, ...waiting)
  }

  /** No later search joins this one: it runs, ran or was dropped. */
  private forget (job: Job): void {
    if (this.inFlight.get(job.key)?.job === job) this.inFlight.delete(job.key)
  }

  /** Refuses a job nobody waits for; at once out of inFlight, so the same search asked next starts afresh. */
  private drop (job: Job): void {
    this.forget(job)
    job.reject(new SearchUnavailableError('every caller of the search left before it ran'))
  }
}

function abandoned (job: Job): boolean {
  return job.callers.every((signal) => signal?.aborted === true)
}
