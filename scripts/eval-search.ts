// `npm run eval:search`: runs the queries of test/fixtures/search-queries.json over the test
// corpus and prints recall@1, recall@3 and MRR per query language and overall, and latency.
// test/search/eval.test.ts holds the figures above a threshold through evaluateSearch().
import { readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import type { Database as Db } from 'better-sqlite3'
import { migrate } from '../src/db/migrate.ts'
import { importPaths } from '../src/import/import-paths.ts'
import { searchArticles } from '../src/search/search-articles.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
export const QUERIES_FILE = `${ROOT}test/fixtures/search-queries.json`
/** Every form of the test corpus: side-by-side, plain Japanese and derived English. */
export const CORPUS_FOLDERS = ['ja-JP', 'de-DE', 'zh-CN', 'fr-FR', 'ja-JP.plain', 'en-US.derived']
  .map((folder) => `${ROOT}test/fixtures/corpus/${folder}`)

/** Runs per query whose median is its latency. */
const TIMED_RUNS = 5

export interface EvalQuery {
  q: string
  /** The language the query is written in. */
  lang: string
  /** The locale asked to answer in. */
  locale: string
  kind: string
  expected: string[]
}

export interface Figures {
  queries: number
  recallAt1: number
  recallAt3: number
  mrr: number
}

export interface QueryOutcome {
  query: EvalQuery
  /** Article ids in rank order (the first ten). */
  got: string[]
  /** 1-based rank of the first expected article; null when not in the first ten. */
  firstRank: number | null
  ms: number
}

export interface EvalReport {
  byLanguage: Record<string, Figures>
  overall: Figures
  outcomes: QueryOutcome[]
  latency: { p50: number, p95: number, max: number }
}

/** A fresh in-memory database holding the whole test corpus. */
export function openCorpusDatabase (): Db {
  const db = new Database(':memory:')
  db.pragma('foreign_keys = ON')
  migrate(db)
  const summary = importPaths(db, CORPUS_FOLDERS)
  if (summary.failed > 0) throw new Error(`corpus import failed: ${JSON.stringify(summary.failures)}`)
  return db
}

export function loadQueries (file: string = QUERIES_FILE): EvalQuery[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { queries: EvalQuery[] }).queries
}

/**
 * recall@k counts the expected articles in the first k, out of as many as fit in k (so a
 * query with three expected articles scores 1 at k = 1 when any of them comes first); MRR
 * is the mean of 1 / rank of the first expected article.
 */
function figuresOf (outcomes: QueryOutcome[]): Figures {
  const recall = (o: QueryOutcome, k: number): number =>
    o.got.slice(0, k).filter((id) => o.query.expected.includes(id)).length / Math.min(k, o.query.expected.length)
  const mean = (values: number[]): number => values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length
  return {
    queries: outcomes.length,
    recallAt1: mean(outcomes.map((o) => recall(o, 1))),
    recallAt3: mean(outcomes.map((o) => recall(o, 3))),
    mrr: mean(outcomes.map((o) => o.firstRank === null ? 0 : 1 / o.firstRank))
  }
}

export function evaluateSearch (db: Db, queries: EvalQuery[] = loadQueries()): EvalReport {
  // One untimed pass: the first search prepares statements and warms caches
  for (const query of queries) searchArticles(db, { q: query.q, locale: query.locale, limit: 10 })
  const outcomes = queries.map((query): QueryOutcome => {
    // The median of a few runs: one run is at the mercy of whatever else the machine does
    const times: number[] = []
    let page = searchArticles(db, { q: query.q, locale: query.locale, limit: 10 })
    for (let run = 0; run < TIMED_RUNS; run++) {
      const started = performance.now()
      page = searchArticles(db, { q: query.q, locale: query.locale, limit: 10 })
      times.push(performance.now() - started)
    }
    const ms = times.sort((a, b) => a - b)[Math.floor(TIMED_RUNS / 2)]!
    const got = page.results.map((r) => r.id)
    const index = got.findIndex((id) => query.expected.includes(id))
    return { query, got, firstRank: index === -1 ? null : index + 1, ms }
  })
  const byLanguage: Record<string, Figures> = {}
  for (const lang of [...new Set(queries.map((q) => q.lang))].sort()) {
    byLanguage[lang] = figuresOf(outcomes.filter((o) => o.query.lang === lang))
  }
  const times = outcomes.map((o) => o.ms).sort((a, b) => a - b)
  const at = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0
  return { byLanguage, overall: figuresOf(outcomes), outcomes, latency: { p50: at(0.5), p95: at(0.95), max: times[times.length - 1] ?? 0 } }
}

export function formatReport (report: EvalReport, verbose = false): string {
  const row = (name: string, f: Figures): string =>
    `${name.padEnd(8)} ${String(f.queries).padStart(7)} ${f.recallAt1.toFixed(3).padStart(9)} ${f.recallAt3.toFixed(3).padStart(9)} ${f.mrr.toFixed(3).padStart(7)}`
  const lines = [`${'language'.padEnd(8)} ${'queries'.padStart(7)} ${'recall@1'.padStart(9)} ${'recall@3'.padStart(9)} ${'MRR'.padStart(7)}`]
  for (const [lang, figures] of Object.entries(report.byLanguage)) lines.push(row(lang, figures))
  lines.push(row('overall', report.overall))
  const { p50, p95, max } = report.latency
  lines.push('', `latency per query (limit 10, median of ${TIMED_RUNS} runs each): p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${max.toFixed(2)} ms`)
  const misses = report.outcomes.filter((o) => o.firstRank !== 1)
  if (misses.length > 0) {
    lines.push('', 'not first:')
    for (const o of misses) {
      const shown = verbose ? o.got.slice(0, 3).join(', ') : (o.got[0] ?? '-')
      lines.push(`  [${o.query.lang}→${o.query.locale}] ${JSON.stringify(o.query.q)}: expected ${o.query.expected[0]}${o.query.expected.length > 1 ? ' …' : ''}, rank ${o.firstRank ?? '>10'}, got ${shown}`)
    }
  }
  return lines.join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const db = openCorpusDatabase()
  try {
    console.log(formatReport(evaluateSearch(db), process.argv.includes('--verbose')))
  } finally {
    db.close()
  }
}
