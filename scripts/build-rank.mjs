// Compiles src/search/kb-rank.c into build/kb-rank.so, the SQLite extension with kb_rank()
// (bm25 with the caller's phrase counts), against the SQLite headers better-sqlite3 builds
// with. Run on `npm install` (postinstall), `npm run build` and `npm test`; it compiles only
// when the library is missing or older than its source. Plain Node, no dependencies: it runs
// before anything else is built.
//
// Without a C compiler (`$CC`, else `cc`) it says so and exits 0: search then ranks with
// SQLite's own bm25(), same scores, slower on common words. better-sqlite3 itself compiles
// with the same toolchain on a machine with no prebuilt binary.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const RANK_SOURCE = join(root, 'src', 'search', 'kb-rank.c')
export const RANK_LIBRARY = join(root, 'build', 'kb-rank.so')

function sqliteHeaders () {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('better-sqlite3/package.json')), 'deps', 'sqlite3')
}

/** Compiles when needed; true if the library is there and current afterwards. */
export function buildRank ({ force = false, quiet = false } = {}) {
  const upToDate = existsSync(RANK_LIBRARY) && statSync(RANK_LIBRARY).mtimeMs >= statSync(RANK_SOURCE).mtimeMs
  if (upToDate && !force) return true
  mkdirSync(dirname(RANK_LIBRARY), { recursive: true })
  const compiler = process.env.CC || 'cc'
  const args = ['-O2', '-fPIC', '-shared', '-Wall', '-I', sqliteHeaders(), '-o', RANK_LIBRARY, RANK_SOURCE, '-lm']
  try {
    execFileSync(compiler, args, { stdio: ['ignore', 'inherit', 'inherit'] })
    if (!quiet) console.log(`kb_rank: built ${RANK_LIBRARY}`)
    return true
  } catch (error) {
    console.warn(`kb_rank: not built (${compiler}: ${error.message.split('\n')[0]}); search ranks with SQLite's bm25(), slower on common words`)
    return false
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildRank({ force: process.argv.includes('--force'), quiet: process.argv.includes('--quiet') })
}
