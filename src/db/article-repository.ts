// The read side: prepared statements that load articles, translations, blocks, steps and links.
import type { Database } from 'better-sqlite3'
import type { Block } from '../ingest/model.ts'
import { blockTree, type BlockRow } from './block-rows.ts'
import { extractSteps } from '../ingest/steps.ts'

export interface ArticleRow {
  id: string
  slug: string
  audience: string | null
  service: string | null
  topic: string | null
  collection: string | null
  priority: string | null
  author: string | null
  ms_date: string | null
  revision: number
  created_at: string
  updated_at: string
}

export interface TranslationRow {
  id: number
  locale: string
  title: string
  translation_type: 'human' | 'machine' | 'source'
  handoff_date: string | null
  source_hash: string | null
  derived: number
  updated_at: string
}

export interface LinkRow {
  href: string
  text: string
  title: string | null
  kind: 'article' | 'docs' | 'support' | 'short' | 'external' | 'unsafe'
  article_id: string | null
  block_id: string
  step_id: string | null
  context: 'step' | 'related' | 'block'
}

export interface ListFilter {
  scenario?: string
  audience?: string
  available?: string
  afterId?: string
  limit: number
}

export interface SummaryRow {
  id: string
  slug: string
  updated_at: string
  locales: string
  scenarios: string | null
}

export interface ChangeRow {
  seq: number
  article_id: string
  locale: string
  kind: 'created' | 'updated' | 'deleted'
  revision: number
  at: string
}

export const SOURCE_LOCALE = 'en-US'

function prepare (db: Database) {
  return {
    article: db.prepare('SELECT * FROM articles WHERE id = ?'),
    scenarios: db.prepare('SELECT scenario_id FROM article_scenarios WHERE article_id = ? ORDER BY position'),
    translations: db.prepare('SELECT id, locale, title, translation_type, handoff_date, source_hash, derived, updated_at FROM translations WHERE article_id = ? ORDER BY locale'),
    blocks: db.prepare('SELECT block_id, parent_id, type, data FROM blocks WHERE translation_id = ? ORDER BY position'),
    links: db.prepare(`SELECT l.href, l.text, l.title, l.kind, a.id AS article_id, l.block_id, l.step_id, l.context
      FROM links l LEFT JOIN articles a ON a.id = l.target_key WHERE l.translation_id = ? ORDER BY l.position`),
    list: db.prepare(`SELECT a.id, a.slug, a.updated_at,
        (SELECT group_concat(locale, ',') FROM (SELECT locale FROM translations WHERE article_id = a.id ORDER BY locale)) AS locales,
        (SELECT group_concat(scenario_id, ',') FROM (SELECT scenario_id FROM article_scenarios WHERE article_id = a.id ORDER BY position)) AS scenarios
      FROM articles a
      WHERE a.id > @after
        AND (@scenario IS NULL OR a.id IN (SELECT article_id FROM article_scenarios WHERE scenario_id = @scenario))
        AND (@audience IS NULL OR a.audience = @audience COLLATE NOCASE)
        AND (@available IS NULL OR a.id IN (SELECT article_id FROM translations WHERE locale = @available))
      ORDER BY a.id LIMIT @limit`),
    title: db.prepare('SELECT title FROM translations WHERE article_id = ? AND locale = ?').pluck(),
    locales: db.prepare('SELECT locale, count(*) AS articles FROM translations GROUP BY locale ORDER BY locale'),
    allLocales: db.prepare('SELECT DISTINCT locale FROM translations ORDER BY locale'),
    scenarioList: db.prepare(`SELECT scenario_id, count(*) AS articles FROM article_scenarios
      WHERE scenario_id > @after GROUP BY scenario_id ORDER BY scenario_id LIMIT @limit`),
    contentRevision: db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM changes'),
    // The translations with a list item of that id (`s5.2` is item `b5.2`): whether it is a step, extractSteps says
    withItem: db.prepare("SELECT t.id FROM translations t JOIN blocks b ON b.translation_id = t.id AND b.block_id = ? AND b.type = 'item' WHERE t.article_id = ?").pluck(),
    changes: db.prepare('SELECT seq, article_id, locale, kind, revision, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?')
  }
}

export class ArticleRepository {
  private readonly s: ReturnType<typeof prepare>
  private localesAt: { revision: number, locales: string[] } | null = null

  constructor (db: Database) {
    this.s = prepare(db)
  }

  article (id: string): ArticleRow | undefined {
    return this.s.article.get(id) as ArticleRow | undefined
  }

  scenarioIds (id: string): string[] {
    return (this.s.scenarios.all(id) as Array<{ scenario_id: string }>).map((r) => r.scenario_id)
  }

  translations (id: string): TranslationRow[] {
    return this.s.translations.all(id) as TranslationRow[]
  }

  /** The block tree of a translation. */
  blocks (translationId: number): Block[] {
    return blockTree(this.s.blocks.all(translationId) as BlockRow[])
  }

  links (translationId: number): LinkRow[] {
    return this.s.links.all(translationId) as LinkRow[]
  }

  list (filter: ListFilter): SummaryRow[] {
    return this.s.list.all({
      after: filter.afterId ?? '',
      scenario: filter.scenario ?? null,
      audience: filter.audience ?? null,
      available: filter.available ?? null,
      limit: filter.limit
    }) as SummaryRow[]
  }

  /** One translation's title (an index lookup: a listed article reads one row, not one per locale). */
  readonly title = (id: string, locale: string): string | undefined => this.s.title.get(id, locale) as string | undefined

  locales (): Array<{ locale: string, articles: number }> {
    return this.s.locales.all() as Array<{ locale: string, articles: number }>
  }

  /** Every locale in the KB; a scan of the translations index, so kept until the content changes. */
  allLocales (): string[] {
    const revision = this.contentRevision()
    if (this.localesAt?.revision !== revision) {
      this.localesAt = { revision, locales: (this.s.allLocales.all() as Array<{ locale: string }>).map((r) => r.locale) }
    }
    return this.localesAt.locales
  }

  scenarios (afterId: string | undefined, limit: number): Array<{ scenario_id: string, articles: number }> {
    return this.s.scenarioList.all({ after: afterId ?? '', limit }) as Array<{ scenario_id: string, articles: number }>
  }

  /** Whether a translation of the article has this step (not every list item is one: see extractSteps). */
  hasStep (articleId: string, stepId: string): boolean {
    const translationIds = this.s.withItem.all(`b${stepId.slice(1)}`, articleId) as number[]
    return translationIds.some((id) => extractSteps(this.blocks(id)).some((s) => s.id === stepId))
  }

  changes (afterSeq: number, limit: number): ChangeRow[] {
    return this.s.changes.all(afterSeq, limit) as ChangeRow[]
  }

  /** The sequence number of the last change: any write moves it. */
  contentRevision (): number {
    return (this.s.contentRevision.get() as { seq: number }).seq
  }
}
