// Online backup: a consistent copy of the SQLite file while the server keeps serving and
// writing. SQLite's backup API copies every page in one step, under one read transaction, so
// the copy is one snapshot of the database (WAL mode lets the server write meanwhile). The copy
// is written next to the target, checked, made a self-contained file, then renamed into place:
// the target never holds a half-written backup.
import Database from 'better-sqlite3'
import { existsSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { openDatabase } from './connection.ts'
import { fileSchemaVersion, schemaVersion } from './migrate.ts'

export interface BackupResult {
  file: string
  bytes: number
  pages: number
  /** PRAGMA user_version of the copy: the schema version it was migrated to. */
  schemaVersion: number
  articles: number
  seconds: number
}

export class BackupError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'BackupError'
  }
}

function removeWithSidecars (file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true })
}

/**
 * Copies the database in `source` (a file the server may be serving) to `target`. Throws a
 * BackupError when the source is missing or not a knowledge base, or the copy fails its check.
 */
export async function backupDatabase (source: string, target: string): Promise<BackupResult> {
  const started = performance.now()
  const from = resolve(source)
  const to = resolve(target)
  if (from === to) throw new BackupError('the backup file must not be the database itself')
  if (!existsSync(from)) throw new BackupError(`no database at ${source}`)
  if (!existsSync(dirname(to))) throw new BackupError(`the folder ${dirname(to)} does not exist`)
  if (existsSync(to) && statSync(to).isDirectory()) throw new BackupError(`${target} is a folder; name the backup file`)

  if (fileSchemaVersion(from) === 0) throw new BackupError(`${source} is not a migrated knowledge base (schema version 0)`)

  const db = openDatabase(from)
  const partial = join(dirname(to), `.${basename(to)}.partial-${process.pid}`)
  removeWithSidecars(partial)
  try {
    const version = schemaVersion(db)
    // The first step reads the size; returning the whole size makes the next step copy every
    // page at once: one read transaction, so writes by the server never restart the copy.
    let pages = 0
    await db.backup(partial, {
      progress: ({ totalPages }) => {
        pages = totalPages
        return 0x7fffffff
      }
    })

    const copy = new Database(partial)
    let result: Omit<BackupResult, 'file' | 'bytes' | 'seconds'>
    try {
      // A self-contained file (no -wal next to it); the server turns WAL on again when it opens a restored copy.
      copy.pragma('journal_mode = DELETE')
      const integrity = copy.pragma('integrity_check', { simple: true })
      if (integrity !== 'ok') throw new BackupError(`the copy failed its integrity check: ${String(integrity)}`)
      const copyVersion = schemaVersion(copy)
      if (copyVersion !== version) throw new BackupError(`the copy is at schema version ${copyVersion}, the database at ${version}`)
      const articles = copy.prepare('SELECT count(*) FROM articles').pluck().get() as number
      result = { pages: pages || (copy.pragma('page_count', { simple: true }) as number), schemaVersion: copyVersion, articles }
    } finally {
      copy.close()
    }
    removeWithSidecars(to)
    renameSync(partial, to)
    return { file: to, bytes: statSync(to).size, ...result, seconds: (performance.now() - started) / 1000 }
  } catch (err) {
    removeWithSidecars(partial)
    throw err
  } finally {
    db.close()
  }
}
