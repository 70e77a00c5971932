// One autocannon run, in this process, against a server in another: the connections share a
// rotating list of requests (many article ids, locales, queries), not one URL. Latencies are
// recorded from every response at full resolution (autocannon's own histogram keeps whole ms).
import autocannon from 'autocannon'

export interface Target {
  /** Path and query, already encoded. */
  path: string
  headers?: Record<string, string>
}

export interface LatencySummary {
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

export interface LoadResult {
  /** 2xx responses received (a fast 503 is no answer: it counts in non2xx only). */
  requests: number
  seconds: number
  /** 2xx responses per second over the run. */
  rps: number
  /** Of the 2xx responses. */
  latencyMs: LatencySummary
  statuses: Record<string, number>
  non2xx: number
  errors: number
  timeouts: number
  /** Response bytes per second. */
  bytesPerSecond: number
  /** Mean size of a response, headers included. */
  bytesPerResponse: number
}

export interface LoadOptions {
  connections: number
  /** Seconds. */
  duration: number
  /** Send this many requests instead (then `duration` only caps the run). */
  amount?: number
  title?: string
}

export function percentile (sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))
  return sorted[rank]!
}

export function summarize (latencies: Float64Array): LatencySummary {
  const sorted = Float64Array.from(latencies).sort()
  let sum = 0
  for (const v of sorted) sum += v
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
    mean: sorted.length === 0 ? 0 : sum / sorted.length
  }
}

/** A growable list of latencies. */
class Samples {
  private data = new Float64Array(1 << 16)
  length = 0
  push (v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2)
      bigger.set(this.data)
      this.data = bigger
    }
    this.data[this.length++] = v
  }

  values (): Float64Array { return this.data.subarray(0, this.length) }
}

export function runLoad (baseUrl: string, targets: Target[], options: LoadOptions): Promise<LoadResult> {
  if (targets.length === 0) throw new Error('no requests to send')
  // One request whose setupRequest takes the next target of a list shared by all connections,
  // so they spread over the whole mix instead of marching through it in step.
  let next = 0
  const request: autocannon.Request = {
    method: 'GET',
    setupRequest: (req) => {
      const t = targets[next++ % targets.length]!
      return { ...req, path: t.path, headers: { ...req.headers, ...t.headers } }
    }
  }
  const latencies = new Samples()
  const statuses: Record<string, number> = {}
  let bytes = 0
  let responses = 0
  let started = 0
  let lastResponse = 0
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: baseUrl,
      connections: options.connections,
      duration: options.duration,
      title: options.title,
      headers: { accept: 'application/json' },
      requests: [request],
      timeout: 10,
      ...(options.amount === undefined ? {} : { amount: options.amount })
    }, (err: Error | null, result: autocannon.Result) => {
      clearTimeout(cap)
      if (err) return reject(err)
      // autocannon ends a run of `amount` requests at its next 1-second tick after the last
      // response, and reports that as the duration (a 4.2 s run reads 5.01 s): such a run is
      // timed from its start to its last response instead
      const seconds = options.amount !== undefined && responses > 0 && lastResponse > started ? (lastResponse - started) / 1000 : result.duration
      const non2xx = Object.entries(statuses).filter(([status]) => !status.startsWith('2')).reduce((n, [, c]) => n + c, 0)
      resolve({
        requests: latencies.length,
        seconds,
        rps: latencies.length / seconds,
        latencyMs: summarize(latencies.values()),
        statuses,
        non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        bytesPerSecond: bytes / seconds,
        bytesPerResponse: responses === 0 ? 0 : bytes / responses
      })
    })
    started = performance.now()
    const cap = setTimeout(() => instance.stop(), options.amount === undefined ? options.duration * 1000 + 30_000 : options.duration * 1000)
    instance.on('response', (_client: unknown, statusCode: number, resBytes: number, responseTime: number) => {
      lastResponse = performance.now()
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1
      bytes += resBytes
      responses++
    })
  })
}
