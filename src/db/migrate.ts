// Migrations runner: applies migrations/NNN-*.sql in order, each in a transaction, tracked
// with PRAGMA user_version; refuses a database newer than the code.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { PACKAGE_ROOT } from '../package-root.ts'
import { openDatabase } from './connection.ts'

export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'migrations')

export interface Migration {
  version: number
  name: string
  sql: string
}

export class DatabaseTooNewError extends Error {
  constructor (found: number, known: number) {
    super(`the database is at schema version ${found}, newer than this code knows (${known}): upgrade the code`)
    this.name = 'DatabaseTooNewError'
  }
}

export function loadMigrations (dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => /^\d+-.*\.sql$/.test(f))
    .map((name) => ({ version: Number.parseInt(name, 10), name, sql: readFileSync(join(dir, name), 'utf8') }))
    .sort((a, b) => a.version - b.version)
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 1..n without gaps: ${m.name} is number ${i + 1}`)
  })
  return migrations
}

export function schemaVersion (db: Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

/**
 * The schema version of the database in `file` (0: no knowledge base), read through a read-only
 * connection: another SQLite file stays as it was (a writable open would switch it to WAL).
 */
export function fileSchemaVersion (file: string): number {
  const db = openDatabase(file, { readonly: true })
  try {
    return schemaVersion(db)
  } finally {
    db.close()
  }
}

/** Applies what is missing; returns the names applied (none when up to date). */
export function migrate (db: Database, migrations: Migration[] = loadMigrations()): string[] {
  const current = schemaVersion(db)
  const latest = migrations.length
  if (current > latest) throw new DatabaseTooNewError(current, latest)
  const applied: string[] = []
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(m.sql)
      db.pragma(`user_version = ${m.version}`)
    }).immediate()
    applied.push(m.name)
  }
  return applied
}

export function latestVersion (migrations: Migration[] = loadMigrations()): number {
  return migrations.length
}
