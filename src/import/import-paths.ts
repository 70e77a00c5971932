// The import run: walks files and folders, parses each file, stores it through the one
// writer, and counts what happened. One bad file never stops the others.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import type { Database } from 'better-sqlite3'
import { parseArticle, ParseError, SourceSideCache, type ParseOptions, type ParseResult } from '../ingest/parse-article.ts'
import { ArticleStore, sha256, type SourceFile } from '../db/article-store.ts'
import { localeOfFolder } from '../ingest/article-id.ts'
import { WriteBatch } from '../db/write-retry.ts'
import { OPTIMIZE_AFTER_DOCUMENTS, optimizeSearchIndex } from '../search/search-index.ts'

export interface ImportOptions {
  locale?: string
  docsBase?: string
  /** Called after each file, for a progress bar. */
  onFile?: (done: number, total: number) => void
  /** Optimize the search index when the run wrote at least this many documents (default OPTIMIZE_AFTER_DOCUMENTS). */
  optimizeAfter?: number
}

export interface ImportFailure {
  path: string
  reason: string
}

export interface ImportSummary {
  files: number
  /**
   * Files the parser read to the end (an article, or a file it found none in: those count in
   * `skipped` too); the others were skipped unread, known (imported before, byte for byte, by
   * this parser version), or failed.
   */
  parsed: number
  articles: number
  translations: number
  steps: number
  links: number
  unchanged: number
  /** New files whose every translation a better source already gives (a plain copy of a side-by-side file). */
  superseded: number
  skipped: number
  failed: number
  failures: ImportFailure[]
  seconds: number
}

export interface Candidate {
  file: string
  /** Relative to the folder named on the command line: what the article id comes from. */
  relative: string
}

const NOT_ARTICLES = new Set(['readme.md', 'license.md', 'changelog.md', 'contributing.md'])
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Every file under the given paths, in a stable order; a missing path is a failure. */
export function collectFiles (paths: string[]): { candidates: Candidate[], missing: ImportFailure[] } {
  const candidates: Candidate[] = []
  const missing: ImportFailure[] = []
  const walk = (dir: string, root: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name)
      const st = statSync(full)
      if (st.isDirectory()) walk(full, root)
      else if (st.isFile()) candidates.push({ file: full, relative: relative(root, full).split(sep).join('/') })
    }
  }
  for (const p of paths) {
    let st
    try {
      st = statSync(p)
    } catch {
      missing.push({ path: p, reason: 'no such file or folder' })
      continue
    }
    if (st.isDirectory()) walk(p, p)
    else candidates.push({ file: p, relative: basename(p) })
  }
  return { candidates: byArticle(candidates), missing }
}

/**
 * The files of one article next to each other (`de-DE/x.md`, `en-US/x.md`, `ja-JP/x.md`),
 * each article's files in the order of the walk: the English side a parser has just read is
 * then still at hand for the article's next locale file (SourceSideCache). An article's
 * outcome depends only on the order of its own files, which stays that of the walk.
 */
function byArticle (candidates: Candidate[]): Candidate[] {
  const keyed = candidates.map((c, i) => ({ c, i, name: basename(c.relative).toLowerCase() }))
  keyed.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : a.i - b.i)
  return keyed.map((k) => k.c)
}

/** The nearest locale-named folder on the file's whole path (`corpus/ja-JP/x.md` → ja-JP). */
function folderLocale (file: string): string | null {
  for (const folder of resolve(dirname(file)).split(sep).reverse()) {
    const locale = localeOfFolder(folder)
    if (locale) return locale
  }
  return null
}

/** One file on its way in: what to parse, or why there is nothing to parse. */
export type Prepared =
  | { kind: 'skip' }
  | { kind: 'unchanged' }
  | { kind: 'parse', text: string, source: SourceFile, options: ParseOptions }

/** Reads a file and decides whether it needs parsing; throws ParseError for bytes that are no text. */
export function prepareFile (c: Candidate, store: ArticleStore, options: ImportOptions): Prepared {
  if (!/\.(md|markdown)$/i.test(c.file) || NOT_ARTICLES.has(basename(c.file).toLowerCase())) return { kind: 'skip' }
  const bytes = readFileSync(c.file)
  const source = { path: resolve(c.file), contentHash: sha256(bytes) }
  if (store.isKnownFile(source)) return { kind: 'unchanged' }
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new ParseError('the file is not valid UTF-8')
  }
  return { kind: 'parse', text, source, options: { path: c.relative, locale: folderLocale(c.file) ?? options.locale, docsBase: options.docsBase } }
}

/**
 * Pages the write-ahead log may grow to during an import before SQLite copies them back into
 * the database (its default: 1,000, 4 MB). Pages an import changes again and again (the tables'
 * and indexes' right edges, the search index) are then copied back once per 40 MB, not once per
 * 4 MB: parallel import of 15,520 files, three alternated pairs, 66.1 / 75.5 / 62.4 s →
 * 58.0 / 64.6 / 59.9 s, 8.06 / 8.87 / 7.60 → 7.09 / 7.73 / 7.28 ms of CPU a document. While
 * another connection keeps the database open, the log file keeps that size (SQLite reuses it).
 */
export const IMPORT_WAL_AUTOCHECKPOINT = 10_000

/** Counts for one run; `finish` turns them into the summary. */
export class ImportTally {
  readonly summary: ImportSummary
  private readonly articles = new Set<string>()
  private readonly started = performance.now()
  /** Files are committed in batches, with the write lock left free between them (see WriteBatch). */
  readonly batch: WriteBatch
  private readonly db: Database
  private readonly optimizeAfter: number

  /** The run's article store: it holds each batch's full-text rows until the batch commits. */
  readonly writer: ArticleStore
  /** The connection's wal_autocheckpoint before the run, given back by `release()`; null once given back. */
  private checkpointBefore: number | null

  /** `pause`: how the batch leaves the write lock free between batches (WriteBatch's, a sleep by default). */
  constructor (db: Database, files: number, missing: ImportFailure[], optimizeAfter = OPTIMIZE_AFTER_DOCUMENTS, options: { pause?: (ms: number) => void } = {}) {
    this.db = db
    this.optimizeAfter = optimizeAfter
    this.checkpointBefore = db.pragma('wal_autocheckpoint', { simple: true }) as number
    db.pragma(`wal_autocheckpoint = ${IMPORT_WAL_AUTOCHECKPOINT}`)
    this.writer = new ArticleStore(db, { holdFullText: true })
    this.batch = new WriteBatch(db, { held: this.writer.heldFullText, pause: options.pause })
    this.summary = { files, parsed: 0, articles: 0, translations: 0, steps: 0, links: 0, unchanged: 0, superseded: 0, skipped: 0, failed: 0, failures: [...missing], seconds: 0 }
  }

  prepared (p: Prepared): void {
    if (p.kind === 'skip') this.summary.skipped++
    else if (p.kind === 'unchanged') this.summary.unchanged++
  }

  /** Stores a parse result (in the main thread: the one writer). */
  store (parsed: ParseResult, source: SourceFile): void {
    this.summary.parsed++
    if (parsed.kind === 'skipped') {
      this.summary.skipped++
      return
    }
    const result = this.batch.write(() => this.writer.store(parsed.article, source))
    if (result.status === 'superseded') this.summary.superseded++
    else if (result.status === 'unchanged') this.summary.unchanged++
    else {
      this.articles.add(parsed.article.id)
      this.summary.translations += result.translations
      this.summary.steps += result.steps
      this.summary.links += result.links
    }
  }

  failed (c: Candidate, err: unknown): void {
    const e = err as Error & { line?: number | null }
    const where = e.name === 'ParseError' && e.line ? `:${e.line}` : ''
    this.summary.failures.push({ path: `${c.file}${where}`, reason: e.message })
  }

  /** Commits the open batch and gives the connection its checkpoint setting back; again, a no-op. */
  release (): void {
    this.batch.commit()
    if (this.checkpointBefore === null) return
    this.db.pragma(`wal_autocheckpoint = ${this.checkpointBefore}`)
    this.checkpointBefore = null
  }

  /** Commits the last batch, optimizes the search index after a large run, and returns the summary. */
  finish (): ImportSummary {
    this.release()
    if (this.summary.translations > 0 && this.summary.translations >= this.optimizeAfter) optimizeSearchIndex(this.db)
    this.summary.articles = this.articles.size
    this.summary.failed = this.summary.failures.length
    this.summary.seconds = (performance.now() - this.started) / 1000
    return this.summary
  }
}

/** Imports in this thread: parse, then store, one file after the other. */
export function importPaths (db: Database, paths: string[], options: ImportOptions = {}): ImportSummary {
  const { candidates, missing } = collectFiles(paths)
  const tally = new ImportTally(db, candidates.length, missing, options.optimizeAfter)
  const store = tally.writer
  const sourceSides = new SourceSideCache()
  try {
    candidates.forEach((c, i) => {
      try {
        const p = prepareFile(c, store, options)
        tally.prepared(p)
        if (p.kind === 'parse') tally.store(parseArticle(p.text, p.options, sourceSides), p.source)
      } catch (err) {
        tally.failed(c, err)
      } finally {
        options.onFile?.(i + 1, candidates.length)
      }
    })
  } finally {
    tally.release()
  }
  return tally.finish()
}
