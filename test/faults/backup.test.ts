// `kb backup` while the server runs and writes: the copy is whole (integrity, foreign keys,
// every translation with its blocks), migrated like the source, holds at least everything that
// existed when it started, and restoring it (server stopped, file copied to KB_DB) serves it.
import t from 'tap'
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openDatabase } from '../../src/db/connection.ts'
import { migrate } from '../../src/db/migrate.ts'
import { importPaths } from '../../src/import/import-paths.ts'
import { checkConsistency, corpusDir, createKeyWithCli, exited, kbSpawn, kbSync, sleep, startServer, type ServerProcess } from '../helpers/faults.ts'

const articleMarkdown = (n: number): string => [
  '---',
  `title: Written during the backup ${n}`,
  'ms.contentlocale: en-US',
  '---',
  `# Written during the backup ${n}`,
  '',
  'Use the following steps:',
  '',
  ...Array.from({ length: 12 }, (_, i) => `${i + 1}. Step ${i + 1} of article ${n}, with [a link](https://example.com/${n}/${i}).`),
  ''
].join('\n')

const count = (file: string): number => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare('SELECT count(*) FROM articles').pluck().get() as number
  } finally {
    db.close()
  }
}

async function stop (server: ServerProcess): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
  server.child.kill('SIGTERM')
  return exited(server.child)
}

t.test('kb backup while the server writes, then a restore from it', async (t) => {
  const dir = t.testdir()
  const dbFile = join(dir, 'kb.sqlite')
  const backupFile = join(dir, 'backups', 'kb-backup.sqlite')
  const setup = openDatabase(dbFile)
  migrate(setup)
  const imported = importPaths(setup, [join(corpusDir, 'ja-JP')])
  const schemaVersion = setup.pragma('user_version', { simple: true }) as number
  setup.close()
  t.equal(imported.failed, 0, 'a corpus folder to back up')
  const token = createKeyWithCli(dbFile, 'write,feedback')
  let server = await startServer(dbFile)
  t.teardown(() => { if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL') })

  // Writes through the running server: new articles, one after another, and feedback.
  const created: string[] = []
  const writing = { stop: false, failures: 0 }
  const writer = (async () => {
    try {
      for (let n = 1; !writing.stop && n < 100_000; n++) {
        const id = `written-${n}`
        const res = await fetch(`${server.base}/v1/articles/${id}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'text/markdown' },
          body: articleMarkdown(n)
        })
        await res.arrayBuffer()
        if (res.status === 201) created.push(id)
        else writing.failures++
        const fb = await fetch(`${server.base}/v1/articles/${id}/feedback`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `fb-${n}` },
          body: JSON.stringify({ locale: 'en-US', outcome: 'helpful' })
        })
        await fb.arrayBuffer()
        if (fb.status !== 202) writing.failures++
      }
    } catch {
      writing.failures++
    }
    writing.stop = true
  })()
  while (created.length < 5 && !writing.stop) await sleep(50)

  const before = count(dbFile)
  const createdBefore = [...created]
  mkdirSync(join(dir, 'backups'), { recursive: true })
  const backup = kbSpawn(['backup', backupFile, '--db', dbFile])
  let stdout = ''
  let stderr = ''
  backup.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  backup.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const createdAtStart = created.length
  const { code } = await exited(backup)
  const createdAtEnd = created.length
  // A little more writing after the backup: articles the backup must not have.
  const target = created.length + 3
  while (created.length < target && !writing.stop) await sleep(50)
  writing.stop = true
  await writer
  const after = count(dbFile)

  t.equal(code, 0, `kb backup exits 0 ${stderr}`)
  t.match(stdout, /backed up .* to .*kb-backup\.sqlite: \d+ articles, schema version \d+/, `it says what it copied: ${stdout.trim()}`)
  t.equal(writing.failures, 0, 'every write through the server succeeded meanwhile')
  t.ok(createdAtEnd > createdAtStart, `the server kept writing while kb backup ran (${createdAtEnd - createdAtStart} articles)`)

  t.notOk(existsSync(`${backupFile}-wal`), 'the backup is one self-contained file')
  const copy = new Database(backupFile, { readonly: true })
  const state = checkConsistency(copy, [])
  const copyVersion = copy.pragma('user_version', { simple: true }) as number
  const journal = copy.pragma('journal_mode', { simple: true }) as string
  const copied = new Set(copy.prepare('SELECT id FROM articles').pluck().all() as string[])
  const feedbackRows = copy.prepare('SELECT count(*) FROM feedback').pluck().get() as number
  copy.close()
  t.same(state.problems, [], 'the copy: integrity ok, no foreign key violation, every translation has its blocks')
  t.equal(copyVersion, schemaVersion, `migrated: user_version ${copyVersion} as the source`)
  t.equal(journal, 'delete', 'not a WAL file: nothing else needs copying with it')
  t.ok(state.articles >= before, `holds at least the ${before} articles that existed when it started (${state.articles})`)
  t.ok(state.articles <= after, `and no more than exist after it (${after})`)
  t.same(createdBefore.filter((id) => !copied.has(id)), [], 'every article written before the backup is in it')
  t.ok(feedbackRows >= createdBefore.length - 1, `feedback rows are copied too (${feedbackRows})`)
  const missing = created.filter((id) => !copied.has(id))
  t.ok(missing.length >= 3, `articles written after it are not (${missing.length})`)

  // Restore: stop the server, drop the old WAL and shared memory, copy the backup to KB_DB, start.
  const stopped = await stop(server)
  t.same(stopped, { code: 0, signal: null }, 'the server stops for the restore')
  rmSync(`${dbFile}-wal`, { force: true })
  rmSync(`${dbFile}-shm`, { force: true })
  copyFileSync(backupFile, dbFile)
  server = await startServer(dbFile)
  const ready = await (await fetch(`${server.base}/ready`)).json() as { status: string, articles: number, schemaVersion: number }
  t.match(ready, { status: 'ready', schemaVersion, articles: state.articles }, 'the restored server is ready with the backup\'s articles')
  const kept = await fetch(`${server.base}/v1/articles/${createdBefore[0]}/steps`)
  t.equal(kept.status, 200, 'an article from before the backup is served')
  t.equal(((await kept.json()) as { count: number }).count, 12, 'whole')
  const corpus = await fetch(`${server.base}/v1/articles?available=ja-JP&limit=5`)
  t.equal(corpus.status, 200, 'the corpus is listed')
  t.equal(((await corpus.json()) as { items: unknown[] }).items.length, 5)
  const gone = await fetch(`${server.base}/v1/articles/${missing.at(-1)}`)
  t.equal(gone.status, 404, 'an article written after the backup is not')
  await gone.arrayBuffer()
  const put = await fetch(`${server.base}/v1/articles/after-restore`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/markdown' },
    body: articleMarkdown(0)
  })
  await put.arrayBuffer()
  t.equal(put.status, 201, 'the restored database takes writes (and its API keys)')
  const final = await stop(server)
  t.same(final, { code: 0, signal: null }, 'and stops cleanly')
  const restored = new Database(dbFile, { readonly: true })
  t.equal(restored.pragma('journal_mode', { simple: true }), 'wal', 'the server turned WAL on again')
  restored.close()
})

t.test('kb backup refuses what it cannot copy, and creates nothing', async (t) => {
  const dir = t.testdir()
  const missing = kbSync(['backup', join(dir, 'out.sqlite'), '--db', join(dir, 'typo.sqlite')])
  t.equal(missing.status, 1, 'a missing database: exit 1')
  t.match(missing.stderr, /backup failed: no database at .*typo\.sqlite/)
  t.notOk(existsSync(join(dir, 'typo.sqlite')), 'the mistyped database is not created')
  t.notOk(existsSync(join(dir, 'out.sqlite')), 'nor a backup')
  const usage = kbSync(['backup', '--db', join(dir, 'typo.sqlite')])
  t.equal(usage.status, 2, 'no target file: exit 2')
  // Another SQLite file: refused, and left byte for byte as it was (not switched to WAL)
  const otherFile = join(dir, 'other.sqlite')
  const other = new Database(otherFile)
  other.exec("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep')")
  other.close()
  const before = readFileSync(otherFile)
  const notKb = kbSync(['backup', join(dir, 'out.sqlite'), '--db', otherFile])
  t.equal(notKb.status, 1, 'a SQLite file that is no knowledge base: exit 1')
  t.match(notKb.stderr, /backup failed: .*other\.sqlite is not a migrated knowledge base \(schema version 0\)/)
  t.ok(readFileSync(otherFile).equals(before), 'the file is as it was')
  t.notOk(existsSync(`${otherFile}-wal`), 'no WAL made')
  t.notOk(existsSync(join(dir, 'out.sqlite')), 'no backup')
})
