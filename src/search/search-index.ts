// The search index writer: turns one translation into its search document (title, headings,
// steps, callouts, body, error codes, quoted messages) and writes it to the FTS5 tables of
// migrations/002-search.sql. Called by the article store inside the article's transaction.
import type { Database, Statement } from 'better-sqlite3'
import type { Block, Link, Step, Translation } from '../ingest/model.ts'
import { extractSteps } from '../ingest/steps.ts'
import { errorCodesOfNormalized, extractQuotedMessages, normalizeText } from './analyze.ts'
import { blockTree, type BlockRow } from '../db/block-rows.ts'

/** What the index needs of a translation. */
export type IndexableTranslation = Pick<Translation, 'locale' | 'title' | 'blocks'> & {
  steps: Array<Pick<Step, 'id' | 'blocks'>>
  links: Array<Pick<Link, 'text'>>
}

/** A translation's searchable text by column, as written (one entry per line, no line breaks). */
export interface SearchDocument {
  title: string
  headings: string[]
  steps: Array<[stepId: string, text: string]>
  callouts: string[]
  body: string[]
  /** Texts of the links: a quoted link text names another page, it is no error message. */
  linkTexts: string[]
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim()

/** The text of a leaf block; lists and callouts are walked by the callers. */
function leafText (block: Block): string {
  switch (block.type) {
    case 'heading':
    case 'paragraph':
      return block.text
    case 'table':
      return [block.header, ...block.rows].map((row) => row.map((cell) => cell.text).join(' ')).join(' ')
    case 'code':
      return block.value
    case 'image':
      return block.alt
    default:
      return ''
  }
}

/**
 * The search document of a translation. Items of step lists are indexed once, as steps (every
 * non-related list item is a step, see extractSteps); everything else goes to headings,
 * callouts or body by what it is.
 */
export function searchDocumentOf (t: IndexableTranslation): SearchDocument {
  const doc: SearchDocument = { title: oneLine(t.title), headings: [], steps: [], callouts: [], body: [], linkTexts: t.links.map((l) => oneLine(l.text)) }
  const push = (list: string[], text: string): void => {
    const line = oneLine(text)
    if (line !== '') list.push(line)
  }
  const walk = (blocks: Block[], inCallout: boolean, stepText: string[] | null): void => {
    for (const block of blocks) {
      if (block.type === 'list') {
        // Step lists are their own steps; a links-only list is text of where it stands
        if (block.related) for (const item of block.items) walk(item.blocks, inCallout, stepText)
      } else if (block.type === 'callout') {
        walk(block.blocks, true, null)
      } else if (block.type === 'heading') {
        // The H1 repeats the title
        if (!(block.level === 1 && oneLine(block.text) === doc.title)) push(doc.headings, block.text)
      } else if (inCallout) {
        push(doc.callouts, leafText(block))
      } else if (stepText !== null) {
        stepText.push(leafText(block))
      } else {
        push(doc.body, leafText(block))
      }
    }
  }
  walk(t.blocks, false, null)
  for (const step of t.steps) {
    const text: string[] = []
    walk(step.blocks, false, text)
    doc.steps.push([step.id, oneLine(text.join(' '))])
  }
  return doc
}

/**
 * The `locale` column's one token: `ja-JP` → `l10n\uE000jajp`, as migrations/006-search-locale.sql
 * writes it. U+E000 (private use) is a word character to the FTS5 tokenizer but not to the
 * query analyzer (TOKEN in analyze.ts), so no word a user types is ever a locale token.
 */
export function localeToken (locale: string): string {
  return `l10n\uE000${locale.toLowerCase().replaceAll('-', '')}`
}

/** `fix-you-currently-have-not-been-assigned-an-office-license` → its words. */
export function keywordsOf (articleId: string): string {
  return articleId.split(/[^\p{L}\p{N}]+/u).filter(Boolean).join(' ')
}

/**
 * The columns of search_docs, in its order, normalized for FTS5. Each line is normalized once
 * (segmenting Japanese and Chinese is most of the cost) and serves both its column and the
 * error codes: normalization never joins or splits lines, so a column is its lines' join.
 */
export function indexColumnsOf (doc: SearchDocument, articleId: string): string[] {
  const normalized = (lines: string[]): string[] => lines.map((line) => normalizeText(line).text)
  const columns = {
    title: normalized([doc.title]),
    headings: normalized(doc.headings),
    steps: normalized(doc.steps.map(([, text]) => text)),
    callouts: normalized(doc.callouts),
    body: normalized(doc.body)
  }
  const codes = new Set<string>()
  for (const line of [columns.title, columns.headings, columns.steps, columns.callouts, columns.body].flat()) {
    for (const code of errorCodesOfNormalized(line)) codes.add(code)
  }
  const messages = new Set<string>()
  // 「[Title](url)」 and "[Title](url)" cite a page (mostly in Japanese): not what a user sees
  const cited = new Set(doc.linkTexts.filter(Boolean))
  for (const line of [doc.title, ...doc.headings, ...doc.steps.map(([, text]) => text), ...doc.callouts, ...doc.body]) {
    for (const message of extractQuotedMessages(line)) if (!cited.has(oneLine(message))) messages.add(message)
  }
  return [
    columns.title.join('\n'),
    keywordsOf(articleId),
    [...codes].join('\n'),
    normalizeText([...messages].join('\n')).text,
    columns.headings.join('\n'),
    columns.steps.join('\n'),
    columns.callouts.join('\n'),
    columns.body.join('\n')
  ]
}

interface MissingRow { id: number, article_id: string, locale: string, title: string }

/** A translation's full-text rows, held back until the batch it belongs to commits (see SearchIndexWriter). */
interface HeldRows { doc: unknown[], words: string }

export class SearchIndexWriter {
  private readonly db: Database
  /**
   * With `holdFullText` (imports): the FTS5 rows of each translation wait here and are written
   * by `flush()` just before the batch commits, with no savepoint open. FTS5 writes its
   * pending terms to disk as a new segment whenever a savepoint opens or is released after a
   * write (its xSavepoint/xRelease), and every document of a batch is stored in a savepoint of
   * its own: written at once, each document became a segment of its own and FTS5 merged them
   * all the time (3,000 documents into one FTS5 table: 627 ms with a savepoint each, 86 ms in
   * one go). search_sources, an ordinary table, is written at once.
   */
  private readonly held: Map<number, HeldRows> | null
  private readonly insertDoc: Statement
  private readonly insertSource: Statement
  private readonly insertWords: Statement
  private readonly deleteDoc: Statement
  private readonly deleteSource: Statement
  private readonly deleteWords: Statement
  private readonly translationIds: Statement

  constructor (db: Database, options: { holdFullText?: boolean } = {}) {
    this.db = db
    this.held = options.holdFullText === true ? new Map() : null
    this.insertDoc = db.prepare('INSERT INTO search_docs (rowid, title, keywords, codes, messages, headings, steps, callouts, body, locale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    this.insertSource = db.prepare('INSERT INTO search_sources (translation_id, title, headings, steps, callouts, body) VALUES (?, ?, ?, ?, ?, ?)')
    this.insertWords = db.prepare('INSERT INTO search_words (rowid, words) VALUES (?, ?)')
    // CAST: a JS number is bound as a REAL, and FTS5 may then not use it as a rowid
    this.deleteDoc = db.prepare('DELETE FROM search_docs WHERE rowid = CAST(? AS INTEGER)')
    this.deleteSource = db.prepare('DELETE FROM search_sources WHERE translation_id = ?')
    this.deleteWords = db.prepare('DELETE FROM search_words WHERE rowid = CAST(? AS INTEGER)')
    this.translationIds = db.prepare('SELECT id FROM translations WHERE article_id = ?').pluck()
  }

  /** Indexes one translation of an article under its translations.id (replacing what was there). */
  index (translationId: number, articleId: string, t: IndexableTranslation): void {
    this.remove(translationId)
    const doc = searchDocumentOf(t)
    const columns = indexColumnsOf(doc, articleId)
    this.insertSource.run(translationId, doc.title, doc.headings.join('\n'), JSON.stringify(doc.steps), doc.callouts.join('\n'), doc.body.join('\n'))
    const rows: HeldRows = { doc: [translationId, ...columns, localeToken(t.locale)], words: columns.join('\n') }
    if (this.held) this.held.set(translationId, rows)
    else this.write(translationId, rows)
  }

  private write (translationId: number, rows: HeldRows): void {
    this.insertDoc.run(...rows.doc)
    this.insertWords.run(translationId, rows.words)
  }

  /** Call before the translation row goes: FTS5 tables know nothing of foreign keys. */
  remove (translationId: number): void {
    // Rows still held were never written; index() removed any older ones before holding them.
    if (!this.held?.delete(translationId)) {
      this.deleteDoc.run(translationId)
      this.deleteWords.run(translationId)
    }
    this.deleteSource.run(translationId)
  }

  /** Writes the held full-text rows: call in the batch's transaction, with no savepoint open, before COMMIT. */
  flush (): void {
    if (!this.held) return
    for (const [id, rows] of this.held) this.write(id, rows)
    this.held.clear()
  }

  /** Forgets the held rows: their transaction was rolled back. */
  discard (): void {
    this.held?.clear()
  }

  /** The rows held now, to go back to when a savepoint that holds more or fewer is rolled back. */
  mark (): Map<number, HeldRows> | null {
    return this.held && new Map(this.held)
  }

  rollbackTo (mark: Map<number, HeldRows> | null): void {
    if (!this.held || !mark) return
    this.held.clear()
    for (const [id, rows] of mark) this.held.set(id, rows)
  }

  removeArticle (articleId: string): void {
    for (const id of this.translationIds.all(articleId) as number[]) this.remove(id)
  }

  /**
   * Indexes the translations that have no search document yet (a database imported before the
   * search migration) and those listed in search_reindex (the analysis changed since they were
   * indexed), from the stored block tree. Returns how many were indexed.
   */
  indexMissing (): number {
    // The store writes a translation and its document in one transaction, so documents are
    // missing only for translations stored before the search migration: the oldest ones (and
    // then every one, until a first import). When the first and the last translation both have
    // their document and none is to be indexed again (index lookups), the scan below (0.3 s at
    // 100k) is skipped. Prepared here: the writer also serves databases before search_reindex.
    const ends = this.db.prepare(`SELECT (SELECT min(id) FROM translations) AS firstTranslation, (SELECT max(id) FROM translations) AS lastTranslation,
      (SELECT min(translation_id) FROM search_sources) AS firstDocument, (SELECT max(translation_id) FROM search_sources) AS lastDocument,
      EXISTS (SELECT 1 FROM search_reindex) AS again`).get() as { firstTranslation: number | null, lastTranslation: number | null, firstDocument: number | null, lastDocument: number | null, again: number }
    if (ends.firstTranslation === ends.firstDocument && ends.lastTranslation === ends.lastDocument && ends.again === 0) return 0
    return this.db.transaction((): number => {
      const rows = this.db.prepare(`SELECT t.id, t.article_id, t.locale, t.title FROM translations t
        WHERE NOT EXISTS (SELECT 1 FROM search_sources s WHERE s.translation_id = t.id) OR t.id IN (SELECT translation_id FROM search_reindex)
        ORDER BY t.id`).all() as MissingRow[]
      const blocksOf = this.db.prepare('SELECT block_id, parent_id, type, data FROM blocks WHERE translation_id = ? ORDER BY position')
      const linksOf = this.db.prepare('SELECT text FROM links WHERE translation_id = ? ORDER BY position')
      for (const row of rows) {
        const blocks = blockTree(blocksOf.all(row.id) as BlockRow[])
        const links = linksOf.all(row.id) as Array<{ text: string }>
        this.index(row.id, row.article_id, { locale: row.locale, title: row.title, blocks, steps: extractSteps(blocks), links })
      }
      this.db.prepare('DELETE FROM search_reindex').run()
      return rows.length
    }).immediate()
  }
}

/** An import that wrote at least this many documents leaves the full-text indexes optimized. */
export const OPTIMIZE_AFTER_DOCUMENTS = 1000

/**
 * Merges each full-text index into one b-tree segment. Imports leave FTS5 with a segment per
 * level of its incremental merging (16 at 100k documents), and every query reads the doclists
 * of all of them: merged, searches at 100k take about a third less time. Costs ~3 s at 100k,
 * in one transaction (server writes wait for it, within KB_WRITE_WAIT_MS).
 */
export function optimizeSearchIndex (db: Database): void {
  db.transaction(() => {
    db.prepare("INSERT INTO search_docs (search_docs) VALUES ('optimize')").run()
    db.prepare("INSERT INTO search_words (search_words) VALUES ('optimize')").run()
  }).immediate()
}

/** Indexes whatever the database holds without a search document; see indexMissing. */
export function ensureSearchIndex (db: Database): number {
  return new SearchIndexWriter(db).indexMissing()
}
