// kb_rank(), SQLite's bm25() with the documents of each phrase counted by the caller
// (src/search/kb-rank.c, built into build/kb-rank.so by scripts/build-rank.mjs), loaded into
// a connection. bm25() counts them on every ranking by reading each phrase's whole doclist:
// for a common word at 100k documents, most of the ranking's cost.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { PACKAGE_ROOT } from '../package-root.ts'

export const RANK_LIBRARY = join(PACKAGE_ROOT, 'build', 'kb-rank.so')

const loaded = new WeakSet<Database>()

/**
 * Loads kb_rank() into `db` once; false (and the reason) when the library is not built or does
 * not load, and bm25() is what ranks.
 */
export function loadRankFunction (db: Database, library: string = RANK_LIBRARY): { ok: true } | { ok: false, reason: string } {
  if (loaded.has(db)) return { ok: true }
  if (!existsSync(library)) return { ok: false, reason: `${library} is not built (npm run build)` }
  try {
    // SQLite finds the entry point by the file's name: kb-rank.so → sqlite3_kbrank_init
    db.loadExtension(library)
  } catch (err) {
    return { ok: false, reason: `${library}: ${(err as Error).message}` }
  }
  loaded.add(db)
  return { ok: true }
}

/**
 * The phrases of a MATCH expression in FTS5's order (as written), for kb_rank()'s counts. Every
 * phrase this code writes is a double-quoted string (analyze.ts `quoted`), a prefix phrase with
 * ` *` after it (counted with it: the documents of every word it begins); a `""` inside one is a
 * quote character.
 */
export function phrasesOf (expression: string): string[] {
  return expression.match(/"(?:[^"]|"")*"(?: \*)?/g) ?? []
}
