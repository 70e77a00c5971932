// Atomic imports, tested by killing the importer: `kb import` (a real child process) is
// SIGKILLed at random moments of changed-content runs; every time, the database must pass
// SQLite's own checks and hold every file either whole at its previous content or whole at
// its new content — never a mix, never a translation without its blocks.
import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openDatabase } from '../../src/db/connection.ts'
import { migrate } from '../../src/db/migrate.ts'
import { changedVersion, checkConsistency, copyCorpus, exited, expectedInChild, importWithExpected, kbSpawn, randomInt, sleep, type Expected } from '../helpers/faults.ts'

const FOLDERS = ['ja-JP', 'de-DE'] as const

interface Run { code: number | null, signal: NodeJS.Signals | null, stderr: string }

/** Runs `kb import --db dbFile folder` to its end. */
async function importAll (dbFile: string, folder: string): Promise<Run> {
  const child = kbSpawn(['import', '--db', dbFile, folder])
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  child.stdout!.resume()
  const { code, signal } = await exited(child)
  return { code, signal, stderr }
}

/**
 * Starts `kb import`, waits until it has committed something (PRAGMA data_version moves), then
 * SIGKILLs it after `delay` ms. The watching connection is closed before the kill, so the
 * check afterwards opens the files exactly as the dead process left them.
 */
async function importAndKill (dbFile: string, folder: string, delay: number): Promise<Run & { waitedMs: number }> {
  const watcher = new Database(dbFile)
  const version = (): number => watcher.pragma('data_version', { simple: true }) as number
  const before = version()
  const child = kbSpawn(['import', '--db', dbFile, folder])
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  child.stdout!.resume()
  const started = Date.now()
  while (child.exitCode === null && version() === before && Date.now() - started < 60_000) await sleep(10)
  const waitedMs = Date.now() - started
  watcher.close()
  await sleep(delay)
  child.kill('SIGKILL')
  const { code, signal } = await exited(child)
  return { code, signal, stderr, waitedMs }
}

function check (dbFile: string, versions: Expected[]): ReturnType<typeof checkConsistency> {
  const db = openDatabase(dbFile)
  try {
    return checkConsistency(db, versions)
  } finally {
    db.close()
  }
}

t.test('kb import killed at random moments leaves every file whole at its old or new content', async (t) => {
  const dir = t.testdir()
  const a = copyCorpus(dir, 'a', FOLDERS)
  const b = copyCorpus(dir, 'b', FOLDERS, (text) => changedVersion(text))
  // The new version is parsed in a child process while the previous content is imported here.
  const newExpected = expectedInChild(b)
  const dbFile = join(dir, 'kb.sqlite')
  const setup = openDatabase(dbFile)
  migrate(setup)
  const ea = importWithExpected(setup, a)
  setup.close()
  const eb = await newExpected
  t.equal(ea.size, eb.size, 'both versions have the same files')
  t.ok(ea.size > 100, `many files (${ea.size})`)
  const initial = check(dbFile, [ea, eb])
  t.same(initial.problems, [], 'the previous content is consistent')
  t.same(initial.filesPerVersion, [ea.size, 0], 'every file at the previous content')

  // Changed-content runs, each killed at a random moment after its first commit: a run resumes
  // where the killed one stopped (files already at the new content are skipped as unchanged),
  // and one run goes back to the old content.
  const plan: Array<[string, string]> = [['b', b], ['b', b], ['a', a], ['b', b]]
  let midImport = 0
  for (const [name, folder] of plan) {
    const delay = randomInt(50, 1500)
    const run = await importAndKill(dbFile, folder, delay)
    const killed = run.signal === 'SIGKILL'
    const walLeft = existsSync(`${dbFile}-wal`)
    const state = check(dbFile, [ea, eb])
    t.comment(`import of version ${name}: first commit after ${run.waitedMs} ms, ${killed ? `killed ${delay} ms later` : `finished before the kill (${run.code})`}; ` +
      `files at a/b: ${state.filesPerVersion.join('/')}, -wal left behind: ${walLeft}`)
    t.same(state.problems, [], `after the kill during version ${name}: integrity ok, no foreign key violation, every translation whole`)
    t.equal(state.filesPerVersion[0]! + state.filesPerVersion[1]!, ea.size, 'every file is still there, at one version or the other')
    t.equal(state.articles, initial.articles, 'no article lost or half-created')
    if (killed && state.filesPerVersion[0]! > 0 && state.filesPerVersion[1]! > 0) midImport++
  }
  t.ok(midImport >= 1, `at least one kill landed in the middle of an import (${midImport} of ${plan.length})`)

  // After the kills, a complete run brings everything to the new content.
  const last = await importAll(dbFile, b)
  t.equal(last.code, 0, `a run after the kills completes ${last.stderr}`)
  const final = check(dbFile, [ea, eb])
  t.same(final.problems, [], 'consistent at the end')
  t.same(final.filesPerVersion, [0, eb.size], 'every file at the new content')
  t.equal(final.perVersion[0], 0, 'no translation left at the old content')
})
