// Seeding: an empty database gets the seed article(s) shipped in seeds/.
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { importPaths, type ImportSummary } from '../import/import-paths.ts'
import { PACKAGE_ROOT } from '../package-root.ts'

export const SEEDS_DIR = join(PACKAGE_ROOT, 'seeds')

export function isEmpty (db: Database): boolean {
  return db.prepare('SELECT 1 FROM articles LIMIT 1').get() === undefined
}

export function seed (db: Database, docsBase?: string): ImportSummary {
  return importPaths(db, [SEEDS_DIR], { docsBase })
}
