// Seeding: an empty database gets the seed article(s) shipped in seeds/.
import { fileURLToPath } from 'node:url'
import type { Database } from 'better-sqlite3'
import { importPaths, type ImportSummary } from '../import/import-paths.ts'

export const SEEDS_DIR = fileURLToPath(new URL('../../seeds/', import.meta.url))

export function isEmpty (db: Database): boolean {
  return db.prepare('SELECT 1 FROM articles LIMIT 1').get() === undefined
}

export function seed (db: Database, docsBase?: string): ImportSummary {
  return importPaths(db, [SEEDS_DIR], { docsBase })
}
