// `kb` as a user runs it: a child process with tsx, on a database file in the test's temp dir.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { corpusDir, repoRoot, seedFile } from '../helpers/corpus.ts'

interface Run { status: number | null, stdout: string, stderr: string }

function kb (...args: string[]): Run {
  const env = { ...process.env }
  delete env.KB_DB
  delete env.KB_DOCS_BASE
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/kb.ts', ...args], { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

const SUMMARY = /^files (\d+), parsed (\d+), articles (\d+), translations (\d+), steps (\d+), links (\d+), unchanged (\d+), superseded (\d+), skipped (\d+), failed (\d+), seconds [\d.]+$/m

/** The numbers of the summary line; throws (failing the test) when there is none. */
function summaryOf (run: Run): Record<string, number> {
  const m = SUMMARY.exec(run.stdout)
  if (!m) throw new Error(`no summary line in stdout: ${JSON.stringify(run.stdout)}, stderr: ${JSON.stringify(run.stderr)}`)
  const [files, parsed, articles, translations, steps, links, unchanged, superseded, skipped, failed] = m.slice(1).map(Number)
  return { files: files!, parsed: parsed!, articles: articles!, translations: translations!, steps: steps!, links: links!, unchanged: unchanged!, superseded: superseded!, skipped: skipped!, failed: failed! }
}

function counts (file: string): { articles: number, translations: number } {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare('SELECT (SELECT count(*) FROM articles) AS articles, (SELECT count(*) FROM translations) AS translations').get() as { articles: number, translations: number }
  } finally {
    db.close()
  }
}

t.test('import prints a summary and exits 0', async (t) => {
  const db = join(t.testdir(), 'kb.sqlite')
  const run = kb('import', '--db', db, join(corpusDir, 'ja-JP'), join(corpusDir, 'fr-FR'))
  t.equal(run.status, 0, run.stderr)
  t.equal(run.stderr, '', 'nothing on stderr')
  t.match(summaryOf(run), { files: 75, parsed: 74, articles: 73, unchanged: 0, skipped: 1, failed: 0 }, 'the .png is skipped unread')
  t.same(counts(db), { articles: 73, translations: 73 + 73 + 1 }, 'ja-JP and en-US for each, fr-FR for the seed')

  const again = kb('import', '--db', db, join(corpusDir, 'ja-JP'), join(corpusDir, 'fr-FR'))
  t.equal(again.status, 0)
  t.match(summaryOf(again), { files: 75, parsed: 0, articles: 0, unchanged: 74, skipped: 1, failed: 0 }, 'a second run parses nothing and changes nothing')
})

t.test('a run with a broken file exits non-zero and names the file', async (t) => {
  const dir = t.testdir({
    'good.md': '---\nms.contentlocale: en-US\n---\n# Good\n\nFine.\n',
    'broken.md': '---\nms.contentlocale: ja-JP\n---\n# <span data-ttu-id="x-1">壊れた</span><span class="sxs-lookup"><span data-stu-id="x-1">Broken</span></span>\n\n<span data-ttu-id="x-2">閉じていない\n'
  })
  const db = join(dir, 'kb.sqlite')
  const run = kb('import', '--db', db, join(dir, 'good.md'), join(dir, 'broken.md'))
  t.equal(run.status, 1)
  t.match(run.stderr, `failed: ${join(dir, 'broken.md')}:6: span x-2 is never closed`, 'stderr names the path, the line and why')
  t.match(summaryOf(run), { files: 2, articles: 1, failed: 1 })
  t.same(counts(db), { articles: 1, translations: 1 }, 'the good file was imported')
})

t.test('migrate applies once, then says up to date', async (t) => {
  const db = join(t.testdir(), 'kb.sqlite')
  const first = kb('migrate', '--db', db)
  t.equal(first.status, 0, first.stderr)
  t.match(first.stdout, /^applied 001-initial\.sql/)
  const second = kb('migrate', '--db', db)
  t.equal(second.status, 0)
  t.equal(second.stdout.trim(), 'up to date')
})

t.test('seed imports the seed article', async (t) => {
  const db = join(t.testdir(), 'kb.sqlite')
  const run = kb('seed', '--db', db)
  t.equal(run.status, 0, run.stderr)
  t.match(summaryOf(run), { articles: 1, translations: 2, failed: 0 })
  const conn = new Database(db, { readonly: true })
  t.teardown(() => conn.close())
  t.same(conn.prepare('SELECT a.id, t.locale, t.title FROM articles a JOIN translations t ON t.article_id = a.id ORDER BY t.locale').all(), [
    { id: 'fixing-office-apps-message-unlicensed-product', locale: 'en-US', title: 'Unable to activate Office' },
    { id: 'fixing-office-apps-message-unlicensed-product', locale: 'ja-JP', title: 'Office をライセンス認証することができない' }
  ])
  t.ok(readFileSync(seedFile, 'utf8').includes('c8bfe-121'), 'the seed file is the one shipped')
})

t.test('usage errors exit 2', async (t) => {
  const db = join(t.testdir(), 'kb.sqlite')
  const noPaths = kb('import', '--db', db)
  t.equal(noPaths.status, 2)
  t.match(noPaths.stderr, /needs at least one file or folder/)
  const badLocale = kb('import', '--db', db, '--locale', 'not a tag!', corpusDir)
  t.equal(badLocale.status, 2)
  t.match(badLocale.stderr, /not a valid locale tag/)
  const unknown = kb('frobnicate', '--db', db)
  t.equal(unknown.status, 2)
  t.match(unknown.stderr, /unknown command "frobnicate"/)
})

t.test('vacuum returns free pages to the file system and keeps every row', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'kb.sqlite')
  t.equal(kb('import', '--db', file, join(corpusDir, 'ja-JP')).status, 0)
  // Free pages, as a dropped table leaves them (migrations 007 and 008 on a large database)
  const setup = new Database(file)
  setup.exec('CREATE TABLE junk (x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO junk SELECT hex(randomblob(2000)) FROM n; DROP TABLE junk')
  setup.pragma('wal_checkpoint(TRUNCATE)')
  const free = setup.pragma('freelist_count', { simple: true }) as number
  setup.close()
  t.ok(free > 500, `${free} free pages before`)
  const before = { size: statSync(file).size, rows: counts(file) }

  const run = kb('vacuum', '--db', file)
  t.equal(run.status, 0, run.stderr)
  t.match(run.stdout, /^vacuumed .*kb\.sqlite: [\d.]+ MB → [\d.]+ MB \(\d+ free pages before\), seconds [\d.]+$/m)
  const db = new Database(file, { readonly: true })
  t.teardown(() => db.close())
  t.equal(db.pragma('freelist_count', { simple: true }), 0, 'no free page left')
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok')
  t.ok(statSync(file).size < before.size - free * 4096 * 0.9, `the file shrank by about the free pages (${before.size} → ${statSync(file).size} bytes)`)
  t.same(counts(file), before.rows, 'the same articles and translations')
})

t.test('vacuum of a SQLite file that is no knowledge base fails and leaves it as it was', async (t) => {
  const file = join(t.testdir(), 'other.sqlite')
  const other = new Database(file)
  other.exec("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep'); CREATE TABLE junk (x TEXT); INSERT INTO junk SELECT hex(randomblob(2000)) FROM notes; DROP TABLE junk")
  other.close()
  const before = readFileSync(file)
  const run = kb('vacuum', '--db', file)
  t.equal(run.status, 1)
  t.match(run.stderr, /vacuum failed: .*other\.sqlite is not a migrated knowledge base \(schema version 0\)/)
  t.ok(readFileSync(file).equals(before), 'the file is byte for byte as it was (not vacuumed, not switched to WAL)')
  t.notOk(existsSync(`${file}-wal`), 'no WAL made')
})

t.test('vacuum of a missing database fails and creates nothing', async (t) => {
  const file = join(t.testdir(), 'nope', 'kb.sqlite')
  const run = kb('vacuum', '--db', file)
  t.equal(run.status, 1)
  t.match(run.stderr, /vacuum failed: no database at .*nope/)
  t.notOk(existsSync(file), 'no file made')
})
