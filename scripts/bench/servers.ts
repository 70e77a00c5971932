// Child processes for the benchmark: the API server and the fastify hello-world baseline each
// run in their own process, so the load generator (autocannon, in the bench process) and the
// server never share an event loop. Also: start-up timing and resident-memory sampling.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** What `npm start` runs: the bundle `npm run build` makes (run.ts builds it first). */
export const SERVER_ENTRY = 'dist/server.js'
export const BASELINE_ENTRY = 'scripts/bench/baseline-server.ts'

/**
 * The Node flags `npm start` gives the server (package.json `scripts.start`, `node <flags>
 * dist/server.js`): the bench and the soak measure the server as it is started.
 */
export function startFlags (root: string = ROOT): string[] {
  const start = (JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start
  const words = start.trim().split(/\s+/)
  if (words[0] !== 'node' || words[words.length - 1] !== SERVER_ENTRY) throw new Error(`scripts.start is not "node <flags> ${SERVER_ENTRY}": ${start}`)
  return words.slice(1, -1)
}

export interface NodeChild {
  proc: ChildProcess
  pid: number
  /** The last lines it wrote (stdout and stderr), for error reports. */
  tail: string[]
}

/** `node <entry>` in the project root (through tsx for a .ts entry), with the given environment on top of ours. */
export function spawnNode (entry: string, env: Record<string, string>, nodeArgs: string[] = []): NodeChild {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : []
  const proc = spawn(process.execPath, [...nodeArgs, ...loader, entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  if (proc.pid === undefined) throw new Error(`could not start ${entry}`)
  const child: NodeChild = { proc, pid: proc.pid, tail: [] }
  const keep = (chunk: Buffer): void => {
    child.tail.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''))
    if (child.tail.length > 40) child.tail.splice(0, child.tail.length - 40)
  }
  proc.stdout!.on('data', keep)
  proc.stderr!.on('data', keep)
  return child
}

/** Resolves when a line of the child's output matches, with that line; rejects if it exits or times out. */
export function waitForLine (child: NodeChild, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8')
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      const line = lines.find((l) => pattern.test(l))
      if (line !== undefined) finish(null, line)
    }
    const onExit = (code: number | null): void => finish(new Error(`exited (${code}) before printing ${pattern}:\n${child.tail.join('\n')}`))
    const timer = setTimeout(() => finish(new Error(`no ${pattern} within ${timeoutMs} ms:\n${child.tail.join('\n')}`)), timeoutMs)
    const finish = (err: Error | null, line?: string): void => {
      clearTimeout(timer)
      child.proc.stdout!.off('data', onData)
      child.proc.stderr!.off('data', onData)
      child.proc.off('exit', onExit)
      if (err) reject(err)
      else resolve(line!)
    }
    child.proc.stdout!.on('data', onData)
    child.proc.stderr!.on('data', onData)
    child.proc.once('exit', onExit)
  })
}

/** Polls a URL until it answers 200. */
export async function waitForHttp (url: string, child: NodeChild, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`${url}: the server exited (${child.proc.exitCode}):\n${child.tail.join('\n')}`)
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      if (res.status === 200) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${child.tail.join('\n')}`)
}

/** SIGTERM (the server closes gracefully), SIGKILL after the timeout. Resolves with the exit code. */
export function stopChild (child: NodeChild, timeoutMs = 10_000): Promise<number | null> {
  const proc = child.proc
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode)
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
    proc.kill('SIGTERM')
  })
}

/** A port free right now on 127.0.0.1. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** VmRSS of a process in bytes, or null when it is gone (or not on Linux). */
export function residentBytes (pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}

/** CPU seconds (user + system) a process has used so far, or null when it is gone (or not on Linux). */
export function cpuSeconds (pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // After "pid (comm) ": state is field 3, utime 14 and stime 15, in clock ticks (USER_HZ, 100 on Linux)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return null
  }
}

/**
 * Bytes the process (all its threads) has had read from storage so far (`read_bytes` of
 * /proc/PID/io): pages the page cache did not hold. Null where /proc does not say.
 */
export function storageReadBytes (pid: number): number | null {
  try {
    const match = /^read_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))
    return match === null ? null : Number(match[1])
  } catch {
    return null
  }
}

/** Samples a process's resident memory on an interval; `take()` gives the peak since the last take. */
export class RssSampler {
  private readonly timer: NodeJS.Timeout
  private windowPeak = 0
  peak = 0
  samples = 0

  constructor (private readonly pid: number, intervalMs = 100) {
    this.timer = setInterval(() => this.sample(), intervalMs)
    this.timer.unref()
    this.sample()
  }

  sample (): number | null {
    const rss = residentBytes(this.pid)
    if (rss === null) return null
    this.samples++
    if (rss > this.windowPeak) this.windowPeak = rss
    if (rss > this.peak) this.peak = rss
    return rss
  }

  /** The peak since the previous take (sampling once more first). */
  take (): number {
    this.sample()
    const peak = this.windowPeak
    this.windowPeak = 0
    return peak
  }

  stop (): void {
    clearInterval(this.timer)
  }
}

export interface StartedServer {
  child: NodeChild
  url: string
}

/** The baseline process: fastify at `url`, Node's own HTTP server replaying the same shape at `plainUrl`. */
export interface BaselineServer extends StartedServer {
  plainUrl: string
}

/** The API server as it runs in production, on an existing database, rate limiting off, quiet logs. */
export async function startApiServer (dbFile: string, options: { nodeArgs?: string[], timeoutMs?: number } = {}): Promise<StartedServer> {
  const port = await freePort()
  const child = spawnNode(SERVER_ENTRY, {
    KB_DB: dbFile,
    PORT: String(port),
    HOST: '127.0.0.1',
    KB_RATE_LIMIT: '0',
    LOG_LEVEL: 'warn'
  }, [...startFlags(), ...(options.nodeArgs ?? [])])
  const url = `http://127.0.0.1:${port}`
  await waitForHttp(`${url}/health`, child, options.timeoutMs ?? 60_000)
  return { child, url }
}

export async function startBaselineServer (): Promise<BaselineServer> {
  const child = spawnNode(BASELINE_ENTRY, { PORT: '0' })
  const line = await waitForLine(child, /baseline listening on /, 30_000)
  const url = /listening on (http:\/\/[^\s]+)/.exec(line)![1]!
  const plainUrl = /replaying on (http:\/\/[^\s)]+)/.exec(line)![1]!
  await waitForHttp(url, child, 10_000)
  return { child, url, plainUrl }
}

export interface StartupRun {
  /** Spawn to the "listening on" log line. */
  listeningMs: number
  /** Spawn to the first article answered (200). */
  firstResponseMs: number | null
  /** The status of that first article request. */
  firstStatus: number | null
}

/**
 * Start-up time on an existing database: spawn `node dist/server.js`, as `npm start` does (PORT=0,
 * LOG_LEVEL=info so the listening line is logged) and time the "listening on" line, then the
 * first article response; then stop it.
 */
export async function measureStartup (dbFile: string, articlePath: string | null): Promise<StartupRun> {
  const started = performance.now()
  const child = spawnNode(SERVER_ENTRY, { KB_DB: dbFile, PORT: '0', HOST: '127.0.0.1', KB_RATE_LIMIT: '0', LOG_LEVEL: 'info' }, startFlags())
  try {
    const line = await waitForLine(child, /listening on/, 60_000)
    const listeningMs = performance.now() - started
    let firstResponseMs: number | null = null
    let firstStatus: number | null = null
    const url = /listening on (http:\/\/[^\s"]+)/.exec(line)?.[1]
    if (url !== undefined && articlePath !== null) {
      const res = await fetch(url + articlePath, { headers: { accept: 'application/json' } })
      await res.arrayBuffer()
      firstStatus = res.status
      if (res.status === 200) firstResponseMs = performance.now() - started
    }
    return { listeningMs, firstResponseMs, firstStatus }
  } finally {
    await stopChild(child)
  }
}
