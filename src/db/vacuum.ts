// Returning a database's free pages to the file system: what imports and migrations freed
// (007 and 008 free ~780 MiB of a 100k database) stays in the file, reused by later writes,
// until a VACUUM rewrites it. Readers (servers) keep reading their snapshot meanwhile; writers
// wait for it like for any import batch, so run it in a quiet moment.
import { existsSync, statSync } from 'node:fs'
import { openDatabase } from './connection.ts'
import { fileSchemaVersion } from './migrate.ts'

export interface VacuumResult {
  bytesBefore: number
  bytesAfter: number
  freePagesBefore: number
  /** False when a reader kept the WAL from being folded back: the file shrinks at a later checkpoint. */
  checkpointed: boolean
  seconds: number
}

const sizeOf = (file: string): number =>
  ['', '-wal'].reduce((sum, suffix) => sum + (existsSync(file + suffix) ? statSync(file + suffix).size : 0), 0)

/**
 * VACUUMs the database in `file` (which must exist and be a knowledge base) and folds the WAL
 * back into it.
 */
export function vacuumDatabase (file: string): VacuumResult {
  if (!existsSync(file)) throw new Error(`no database at ${file}`)
  if (fileSchemaVersion(file) === 0) throw new Error(`${file} is not a migrated knowledge base (schema version 0)`)
  const started = performance.now()
  const db = openDatabase(file)
  try {
    const bytesBefore = sizeOf(file)
    const freePagesBefore = db.pragma('freelist_count', { simple: true }) as number
    db.exec('VACUUM')
    const [checkpoint] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>
    return { bytesBefore, bytesAfter: sizeOf(file), freePagesBefore, checkpointed: checkpoint?.busy === 0, seconds: (performance.now() - started) / 1000 }
  } finally {
    db.close()
  }
}
