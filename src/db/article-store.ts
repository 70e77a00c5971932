// The one writer: stores a parsed article (one file's worth) in a single transaction.
import { createHash } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { ParsedArticle, Translation } from '../ingest/model.ts'
import { PARSER_VERSION, SOURCE_LOCALE } from '../ingest/parse-article.ts'
import { flattenBlocks } from './block-rows.ts'
import { SearchIndexWriter } from '../search/search-index.ts'
import type { HeldWrites } from './write-retry.ts'

export interface SourceFile {
  /** Where the file came from, for reports. */
  path: string
  /** Hash of the file's bytes: an unchanged file is not written again. */
  contentHash: string
}

export interface StoreResult {
  /** 'superseded': the file is new, but a better source already gives every translation it has. */
  status: 'created' | 'updated' | 'unchanged' | 'superseded'
  translations: number
  steps: number
  links: number
}

interface ExistingTranslation {
  id: number
  source_key: string
  content_hash: string
  derived: number
  translation_type: string
  handoff_date: string | null
  source_hash: string | null
  blocks_hash: string | null
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

function prepareStatements (db: Database) {
  return {
    sourceFile: db.prepare('SELECT content_hash, parser_version FROM source_files WHERE key = ?'),
    sameFile: db.prepare(`SELECT 1 FROM source_files WHERE path = ? AND content_hash = ? AND parser_version = ${PARSER_VERSION} LIMIT 1`),
    article: db.prepare('SELECT slug, audience, service, topic, collection, priority, author, manager, ms_date, revision FROM articles WHERE id = ?'),
    insertArticle: db.prepare(`INSERT INTO articles (id, slug, audience, service, topic, collection, priority, author, manager, ms_date, revision, created_at, updated_at)
      VALUES (@id, @slug, @audience, @service, @topic, @collection, @priority, @author, @manager, @date,
        -- A re-created article continues the revisions of the one deleted before, so the feed never goes back.
        (SELECT coalesce(max(revision), 0) + 1 FROM changes WHERE article_id = @id), @now, @now) RETURNING revision`),
    updateArticle: db.prepare(`UPDATE articles SET slug = @slug, audience = @audience, service = @service, topic = @topic, collection = @collection,
      priority = @priority, author = @author, manager = @manager, ms_date = @date WHERE id = @id`),
    bumpArticle: db.prepare('UPDATE articles SET revision = revision + 1, updated_at = ? WHERE id = ? RETURNING revision'),
    deleteScenarios: db.prepare('DELETE FROM article_scenarios WHERE article_id = ?'),
    insertScenario: db.prepare('INSERT OR IGNORE INTO article_scenarios (scenario_id, article_id, position) VALUES (?, ?, ?)'),
    scenarios: db.prepare('SELECT scenario_id FROM article_scenarios WHERE article_id = ? ORDER BY position'),
    translation: db.prepare('SELECT id, source_key, content_hash, derived, translation_type, handoff_date, source_hash, blocks_hash FROM translations WHERE article_id = ? AND locale = ?'),
    deleteTranslation: db.prepare('DELETE FROM translations WHERE id = ?'),
    insertTranslation: db.prepare(`INSERT INTO translations (article_id, locale, title, translation_type, handoff_date, source_hash, derived, source_key, content_hash, blocks_hash, updated_at)
      VALUES (@articleId, @locale, @title, @translationType, @handoffDate, @sourceHash, @derived, @sourceKey, @contentHash, @blocksHash, @now)`),
    insertBlock: db.prepare('INSERT INTO blocks (translation_id, block_id, parent_id, position, type, data) VALUES (?, ?, ?, ?, ?, ?)'),
    insertLink: db.prepare(`INSERT INTO links (translation_id, position, href, text, title, kind, target_key, block_id, step_id, context)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    upsertSource: db.prepare(`INSERT INTO source_files (key, article_id, path, content_hash, parser_version, imported_at) VALUES (?, ?, ?, ?, ${PARSER_VERSION}, ?)
      ON CONFLICT (key) DO UPDATE SET article_id = excluded.article_id, path = excluded.path, content_hash = excluded.content_hash,
        parser_version = excluded.parser_version, imported_at = excluded.imported_at`),
    locales: db.prepare('SELECT locale FROM translations WHERE article_id = ?'),
    deleteArticle: db.prepare('DELETE FROM articles WHERE id = ?'),
    insertChange: db.prepare('INSERT INTO changes (article_id, locale, kind, revision, at) VALUES (?, ?, ?, ?, ?)')
  }
}

export class ArticleStore {
  private readonly db: Database
  private readonly s: ReturnType<typeof prepareStatements>
  // search: the full-text index is written in the same transaction as the article
  private readonly search: SearchIndexWriter

  /**
   * `holdFullText`: for a bulk writer that stores each article in a savepoint of one larger
   * transaction (WriteBatch): the full-text rows wait for the batch to write them before it
   * commits (`heldFullText`, see SearchIndexWriter).
   */
  constructor (db: Database, options: { holdFullText?: boolean } = {}) {
    this.db = db
    this.s = prepareStatements(db)
    this.search = new SearchIndexWriter(db, options)
  }

  /** The full-text rows held back (with holdFullText), for WriteBatch's `held`. */
  get heldFullText (): HeldWrites {
    return this.search
  }

  /** Files are told apart by article, form and locale: the ja-JP side-by-side and plain files are two sources. */
  static sourceKey (article: ParsedArticle): string {
    return `${article.id}|${article.form}|${article.locale}`
  }

  /** True when this very file, byte for byte, was imported before by this parser: no need to parse it. */
  isKnownFile (file: SourceFile): boolean {
    return this.s.sameFile.get(file.path, file.contentHash) !== undefined
  }

  isUnchanged (article: ParsedArticle, file: SourceFile): boolean {
    const row = this.s.sourceFile.get(ArticleStore.sourceKey(article)) as { content_hash: string, parser_version: number } | undefined
    return row?.content_hash === file.contentHash && row.parser_version === PARSER_VERSION
  }

  store (article: ParsedArticle, file: SourceFile, now: string = new Date().toISOString()): StoreResult {
    // A failed store rolls its savepoint back, and the full-text rows it held or dropped with it.
    const mark = this.search.mark()
    try {
      return this.storeInTransaction(article, file, now)
    } catch (err) {
      this.search.rollbackTo(mark)
      throw err
    }
  }

  private storeInTransaction (article: ParsedArticle, file: SourceFile, now: string): StoreResult {
    return this.db.transaction((): StoreResult => {
      if (this.isUnchanged(article, file)) return { status: 'unchanged', translations: 0, steps: 0, links: 0 }
      const key = ArticleStore.sourceKey(article)
      const params = { id: article.id, slug: article.slug, ...article.meta, now }
      const before = this.s.article.get(article.id) as Record<string, unknown> | undefined
      let changed = false
      let created = 1
      let superseded = 0
      if (!before) {
        created = (this.s.insertArticle.get(params) as { revision: number }).revision
        article.scenarioIds.forEach((sid, i) => this.s.insertScenario.run(sid, article.id, i))
        changed = true
      }

      const result: StoreResult = { status: before ? 'updated' : 'created', translations: 0, steps: 0, links: 0 }
      const events: Array<{ locale: string, kind: 'created' | 'updated' }> = []
      for (const parsed of article.translations) {
        const blocksHash = sha256(JSON.stringify(parsed.blocks))
        const existing = this.s.translation.get(article.id, parsed.locale) as ExistingTranslation | undefined
        // A source file without ms.openlocfilehash that says exactly what the stored English side
        // says is that same revision: it keeps the hash, so staleness stays known.
        const t = parsed.sourceHash === null && existing?.source_hash && existing.blocks_hash === blocksHash
          ? { ...parsed, sourceHash: existing.source_hash }
          : parsed
        const contentHash = sha256(JSON.stringify(t))
        if (existing && existing.content_hash === contentHash) continue
        if (existing && !this.replaces(existing, t, key, blocksHash)) { superseded++; continue }
        if (existing) {
          this.search.remove(existing.id) // search
          this.s.deleteTranslation.run(existing.id)
        }
        this.insertTranslation(article.id, t, key, contentHash, blocksHash, now)
        events.push({ locale: t.locale, kind: existing ? 'updated' : 'created' })
        result.translations++
        result.steps += t.steps.length
        result.links += t.links.length
        changed = true
      }
      // The article's own fields (slug, scenario ids, audience, priority, ...) come from the file
      // that gives its en-US text: locale files copy them from the English revision they
      // translate, and in the real corpus different locales translate different revisions. Set
      // by whichever file came last, they changed back and forth with the order of an import,
      // and every locale of the article got an `updated` event each time.
      if (before && this.ownsArticleFields(article.id, key) && this.setArticleFields(article, before, params)) changed = true
      if (changed && before) {
        const { revision } = this.s.bumpArticle.get(now, article.id) as { revision: number }
        if (events.length === 0) for (const { locale } of this.s.locales.all(article.id) as Array<{ locale: string }>) events.push({ locale, kind: 'updated' })
        for (const e of events) this.s.insertChange.run(article.id, e.locale, e.kind, revision, now)
      } else if (changed) {
        for (const e of events) this.s.insertChange.run(article.id, e.locale, e.kind, created, now)
      }
      this.s.upsertSource.run(key, article.id, file.path, file.contentHash, now)
      if (!changed) result.status = superseded === article.translations.length ? 'superseded' : 'unchanged'
      return result
    }).immediate()
  }

  /**
   * Whether the file with this source key decides the article's own fields: it gives the
   * stored en-US translation, or the article has none (then the last file stored decides).
   */
  private ownsArticleFields (articleId: string, key: string): boolean {
    const english = this.s.translation.get(articleId, SOURCE_LOCALE) as ExistingTranslation | undefined
    return english === undefined || english.source_key === key
  }

  /** Writes the file's article fields and scenario ids where they differ; true when any did. */
  private setArticleFields (article: ParsedArticle, before: Record<string, unknown>, params: Record<string, unknown>): boolean {
    let changed = false
    const same = before.slug === article.slug && (['audience', 'service', 'topic', 'collection', 'priority', 'author', 'manager'] as const)
      .every((k) => before[k] === article.meta[k]) && before.ms_date === article.meta.date
    if (!same) { this.s.updateArticle.run(params); changed = true }
    const scenarios = (this.s.scenarios.all(article.id) as Array<{ scenario_id: string }>).map((r) => r.scenario_id)
    if (scenarios.join('\n') !== article.scenarioIds.join('\n')) {
      this.s.deleteScenarios.run(article.id)
      article.scenarioIds.forEach((sid, i) => this.s.insertScenario.run(sid, article.id, i))
      changed = true
    }
    return changed
  }

  /**
   * Which text wins when two files give the same article and locale: the same file always
   * replaces itself; a real (non-derived) source is never replaced by the English side of a
   * side-by-side file; between side-by-side English sides, the newer handoff wins, between two
   * of one handoff the smaller source hash, then blocks hash, and one of the same handoff,
   * source hash and text (the English side of the article's next locale file) changes nothing.
   */
  private replaces (existing: ExistingTranslation, incoming: Translation, key: string, blocksHash: string): boolean {
    if (existing.source_key === key) return true
    // The side-by-side text of a locale carries its segments and the English structure; a plain
    // file of the same source revision says nothing more, so it does not replace it.
    if (!incoming.derived && existing.derived === 1 && existing.translation_type !== 'source' && incoming.sourceHash !== null && incoming.sourceHash === existing.source_hash) return false
    if (incoming.derived && incoming.translationType === 'source') {
      if (!existing.derived) return false
      if (existing.translation_type === 'source') {
        const incomingDate = incoming.handoffDate ?? ''
        const existingDate = existing.handoff_date ?? ''
        if (incomingDate !== existingDate) return incomingDate > existingDate
        // One handoff date, two English texts (the real corpus has such pairs, of one source hash
        // and of two): the smaller source hash, then blocks hash, wins, so that the order the
        // files come in does not decide (it did: the later one won). The same text changes nothing.
        return `${incoming.sourceHash ?? ''}\n${blocksHash}` < `${existing.source_hash ?? ''}\n${existing.blocks_hash ?? ''}`
      }
    }
    return true
  }

  private insertTranslation (articleId: string, t: Translation, sourceKey: string, contentHash: string, blocksHash: string, now: string): void {
    const { lastInsertRowid } = this.s.insertTranslation.run({
      articleId,
      locale: t.locale,
      title: t.title,
      translationType: t.translationType,
      handoffDate: t.handoffDate,
      sourceHash: t.sourceHash,
      derived: t.derived ? 1 : 0,
      sourceKey,
      contentHash,
      blocksHash,
      now
    })
    const tid = Number(lastInsertRowid)
    this.search.index(tid, articleId, t) // search
    flattenBlocks(t.blocks).forEach((b, i) => this.s.insertBlock.run(tid, b.id, b.parent, i, b.type, b.data))
    t.links.forEach((l, i) => this.s.insertLink.run(tid, i, l.href, l.text, l.title, l.kind, l.targetArticleId, l.blockId, l.stepId, l.context))
  }

  /** Removes an article and all it holds; records a deletion per locale. Returns false if absent. */
  delete (articleId: string, now: string = new Date().toISOString()): boolean {
    return this.db.transaction((): boolean => {
      const before = this.s.article.get(articleId) as { revision: number } | undefined
      if (!before) return false
      const locales = this.s.locales.all(articleId) as Array<{ locale: string }>
      this.search.removeArticle(articleId) // search
      this.s.deleteArticle.run(articleId)
      for (const { locale } of locales) this.s.insertChange.run(articleId, locale, 'deleted', before.revision + 1, now)
      return true
    }).immediate()
  }
}
