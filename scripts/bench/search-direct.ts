// Search without HTTP, for when `GET /v1/search` is not routed yet: a child process opens the
// benchmark database read-only and calls the search module's entry point (searchArticles) in a
// loop, one query after another (concurrency 1), and prints one JSON line of figures.
//
//   node --import tsx scripts/bench/search-direct.ts --db FILE --duration S --warmup S --mixes FILE
// where the mixes file holds { "<operation>": [{ "q": "...", "acceptLanguage": "..." }, ...] }.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { openDatabase } from '../../src/db/connection.ts'
import { summarize, type LatencySummary } from './load.ts'

export interface DirectQuery { q: string, acceptLanguage?: string }

export interface DirectResult {
  operation: string
  requests: number
  seconds: number
  rps: number
  latencyMs: LatencySummary
  /** Queries that found nothing (a sign the mix does not fit the corpus). */
  empty: number
  errors: number
}

type SearchFn = (db: ReturnType<typeof openDatabase>, options: { q: string, acceptLanguage?: string | null }) => { results: unknown[] }

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '1' },
      mixes: { type: 'string' }
    }
  })
  if (values.db === undefined || values.mixes === undefined) throw new Error('--db and --mixes are required')
  const mod = await import('../../src/search/search-articles.ts') as { searchArticles?: SearchFn }
  if (typeof mod.searchArticles !== 'function') throw new Error('src/search/search-articles.ts exports no searchArticles()')
  const search = mod.searchArticles
  const db = openDatabase(values.db, { readonly: true })
  const mixes = JSON.parse(readFileSync(values.mixes, 'utf8')) as Record<string, DirectQuery[]>
  const duration = Number(values.duration) * 1000
  const warmup = Number(values.warmup) * 1000
  const results: DirectResult[] = []
  for (const [operation, queries] of Object.entries(mixes)) {
    let i = 0
    const until = (ms: number, each: (ms: number, found: number) => void): number => {
      const started = performance.now()
      let errors = 0
      while (performance.now() - started < ms) {
        const q = queries[i++ % queries.length]!
        const t0 = performance.now()
        try {
          const page = search(db, { q: q.q, acceptLanguage: q.acceptLanguage ?? null })
          each(performance.now() - t0, page.results.length)
        } catch {
          errors++
        }
      }
      return errors
    }
    until(warmup, () => {})
    const latencies: number[] = []
    let empty = 0
    const started = performance.now()
    const errors = until(duration, (ms, found) => {
      latencies.push(ms)
      if (found === 0) empty++
    })
    const seconds = (performance.now() - started) / 1000
    results.push({ operation, requests: latencies.length, seconds, rps: latencies.length / seconds, latencyMs: summarize(Float64Array.from(latencies)), empty, errors })
  }
  db.close()
  process.stdout.write(JSON.stringify(results) + '\n')
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message)
  process.exitCode = 1
})
