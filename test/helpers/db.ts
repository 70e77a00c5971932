// A migrated SQLite file in the test's own temp dir, closed when the test ends.
import { join } from 'node:path'
import type { TAP } from 'tap'
import { openDatabase, type Database } from '../../src/db/connection.ts'
import { migrate } from '../../src/db/migrate.ts'
import { ArticleRepository } from '../../src/db/article-repository.ts'
import { extractSteps } from '../../src/ingest/steps.ts'
import type { Step } from '../../src/ingest/model.ts'

/** What `t.testdir()` takes: file name → content, nested objects for folders. */
export type Fixture = Parameters<TAP['testdir']>[0]

/** The parts of a tap test these helpers use (the root `t` and subtests both fit). */
export interface TestContext {
  // Method syntax and the wider type let both tap's tests and callers holding a plain record fit.
  testdir (fixture?: Fixture | Record<string, unknown>): string
  teardown (fn: () => unknown): void
}

/** Opens (without migrating) `kb.sqlite` in `dir`, closed at teardown. */
export function openTestDb (t: TestContext, dir: string, name = 'kb.sqlite'): Database {
  const db = openDatabase(join(dir, name))
  t.teardown(() => { if (db.open) db.close() })
  return db
}

/** A fresh, migrated database file in a new temp dir; `dir` is that folder, for other files of the test. */
export function freshDb (t: TestContext, fixture: Fixture = {}): { db: Database, dir: string } {
  const dir = t.testdir(fixture)
  const db = openTestDb(t, dir)
  migrate(db)
  return { db, dir }
}

/** Row counts of every table of the article store, to see whether a run wrote anything. */
export function tableCounts (db: Database): Record<string, number> {
  const tables = ['articles', 'article_scenarios', 'source_files', 'translations', 'blocks', 'links', 'changes']
  return Object.fromEntries(tables.map((name) => [name, (db.prepare(`SELECT count(*) AS n FROM ${name}`).get() as { n: number }).n]))
}

const repositories = new WeakMap<Database, ArticleRepository>()

/** The steps of a stored translation, found in its blocks as the steps route finds them. */
export function storedSteps (db: Database, translationId: number): Step[] {
  let repo = repositories.get(db)
  if (repo === undefined) repositories.set(db, repo = new ArticleRepository(db))
  return extractSteps(repo.blocks(translationId))
}

/** The steps of an article's stored translations, of one locale or of all, in translation order. */
export function articleSteps (db: Database, articleId: string, locale?: string): Step[] {
  const ids = db.prepare('SELECT id FROM translations WHERE article_id = ? AND (? IS NULL OR locale = ?) ORDER BY id').pluck().all(articleId, locale ?? null, locale ?? null) as number[]
  return ids.flatMap((id) => storedSteps(db, id))
}
