// Shared by the fault tests (kill, shutdown, backup): two versions of a corpus copy, what each
// file must look like once stored, a consistency check of a database against them, and the
// CLI and the server as child processes (the real processes, so they can really be killed).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { createServer } from 'node:net'
import { join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Database } from 'better-sqlite3'
import { parseArticle } from '../../src/ingest/parse-article.ts'
import type { Translation } from '../../src/ingest/model.ts'
import { ArticleStore, sha256 } from '../../src/db/article-store.ts'
import { flattenBlocks } from '../../src/db/block-rows.ts'
import { storedSteps } from './db.ts'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const corpusDir = join(repoRoot, 'test/fixtures/corpus')

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
/** `promise`, or `fallback` after `ms` — without a timer left behind to hold the process open. */
export async function within<T, F> (promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<F>((resolve) => { timer = setTimeout(() => resolve(fallback), ms) })])
  } finally {
    clearTimeout(timer)
  }
}
export const randomInt = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1))
const hash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16)

/**
 * The changed version of a file: every list item starts with a marker word (outside the spans,
 * so both sides of a side-by-side file change), and one more paragraph with a link ends the
 * file, so block, link and segment counts differ from the original as well.
 */
export function changedVersion (text: string, marker = 'v2'): string {
  // Only the body: the front matter's lists (ms.custom: the scenario ids) stay as they are.
  const head = /^\uFEFF?---\r?\n[\s\S]*?\r?\n---\r?\n/.exec(text)?.[0] ?? ''
  const items = head + text.slice(head.length).replace(/^(\s*(?:\d+\.|[-*+])\s+)(?=\S)/gm, `$1${marker} `)
  const sideBySide = text.includes('data-ttu-id=')
  const extra = sideBySide
    ? `<span data-ttu-id="zz${marker}-1">Geändert: [${marker}](https://example.com/${marker}).</span><span class="sxs-lookup"><span data-stu-id="zz${marker}-1">Changed: [${marker}](https://example.com/${marker}).</span></span>`
    : `Changed: [${marker}](https://example.com/${marker}).`
  return `${items.replace(/\s*$/, '')}\n\n${extra}\n`
}

/** Copies corpus folders into `dir/name/<folder>`, each file through `transform`. */
export function copyCorpus (dir: string, name: string, folders: readonly string[], transform?: (text: string) => string): string {
  const root = join(dir, name)
  for (const folder of folders) {
    const target = join(root, folder)
    if (!transform) {
      cpSync(join(corpusDir, folder), target, { recursive: true })
      continue
    }
    mkdirSync(target, { recursive: true })
    for (const file of readdirSync(join(corpusDir, folder))) {
      const from = join(corpusDir, folder, file)
      if (!statSync(from).isFile()) continue
      const text = readFileSync(from, 'utf8')
      writeFileSync(join(target, file), file.endsWith('.md') ? transform(text) : text)
    }
  }
  return root
}

/** What one stored translation must hold: the counts and the step texts of one parse. */
export interface Signature {
  blocks: number
  steps: number
  links: number
  stepText: string
}

export function signatureOf (t: Translation): Signature {
  return {
    blocks: flattenBlocks(t.blocks).length,
    steps: t.steps.length,
    links: t.links.length,
    stepText: hash(t.steps.map((s) => s.text).join('\n'))
  }
}

/** source key (`id|form|locale`) → locale → signature: what each file of a version stores. */
export type Expected = Map<string, Map<string, Signature>>

function addParsed (expected: Expected, text: string, path: string): { id: string, key: string } | null {
  const result = parseArticle(text, { path })
  if (result.kind !== 'article') return null
  const key = ArticleStore.sourceKey(result.article)
  expected.set(key, new Map(result.article.translations.map((t) => [t.locale, signatureOf(t)])))
  return { id: result.article.id, key }
}

/** Parses every Markdown file under `root` as `kb import root` does (path relative to root). */
export function expectedOfFolder (root: string): Expected {
  const expected: Expected = new Map()
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name)
      if (statSync(full).isDirectory()) walk(full)
      else if (/\.md$/i.test(name) && name.toLowerCase() !== 'readme.md') {
        try {
          addParsed(expected, readFileSync(full, 'utf8'), relative(root, full).split(sep).join('/'))
        } catch {
          // a file the importer rejects is stored by no version
        }
      }
    }
  }
  walk(root)
  return expected
}

/**
 * Imports `root` as `kb import root` does (same source paths and hashes, so a later `kb import`
 * of the folder sees these files as known) and returns what it stored: one parse for both.
 */
export function importWithExpected (db: Database, root: string): Expected {
  const store = new ArticleStore(db)
  const expected: Expected = new Map()
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name)
      if (statSync(full).isDirectory()) { walk(full); continue }
      if (!/\.md$/i.test(name) || name.toLowerCase() === 'readme.md') continue
      const bytes = readFileSync(full)
      const result = parseArticle(bytes.toString('utf8'), { path: relative(root, full).split(sep).join('/') })
      if (result.kind !== 'article') continue
      store.store(result.article, { path: resolve(full), contentHash: sha256(bytes) })
      expected.set(ArticleStore.sourceKey(result.article), new Map(result.article.translations.map((t) => [t.locale, signatureOf(t)])))
    }
  }
  walk(root)
  return expected
}

/** expectedOfFolder in a child process, so that several versions parse in parallel with other work. */
export function expectedInChild (root: string): Promise<Expected> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/helpers/faults-expected.ts'), root], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let err = ''
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr!.on('data', (chunk: Buffer) => { err += chunk.toString() })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code !== 0) { reject(new Error(`faults-expected.ts ${root} exited ${code}: ${err}`)); return }
      const entries = JSON.parse(Buffer.concat(out).toString('utf8')) as Array<[string, Array<[string, Signature]>]>
      resolve(new Map(entries.map(([key, locales]) => [key, new Map(locales)])))
    })
  })
}

/** Parses a body as PUT /v1/articles/:id does; returns the source key it is stored under. */
export function addPutBody (expected: Expected, id: string, body: string): string {
  const got = addParsed(expected, body, `${id}.md`)
  if (got?.id !== id) throw new Error(`the body does not give article ${id} (gives ${got?.id})`)
  return got.key
}

export interface StoredTranslation extends Signature {
  id: number
  articleId: string
  locale: string
  sourceKey: string
}

export function storedTranslations (db: Database): StoredTranslation[] {
  const rows = db.prepare(`SELECT t.id, t.article_id AS articleId, t.locale, t.source_key AS sourceKey,
      (SELECT count(*) FROM blocks b WHERE b.translation_id = t.id) AS blocks,
      (SELECT count(*) FROM links l WHERE l.translation_id = t.id) AS links
    FROM translations t ORDER BY t.id`).all() as Array<Omit<StoredTranslation, 'steps' | 'stepText'>>
  return rows.map((r) => {
    const steps = storedSteps(db, r.id)
    return { ...r, steps: steps.length, stepText: hash(steps.map((s) => s.text).join('\n')) }
  })
}

const same = (a: Signature, b: Signature): boolean =>
  a.blocks === b.blocks && a.steps === b.steps && a.links === b.links && a.stepText === b.stepText

export interface Consistency {
  problems: string[]
  /** Stored translations matching each version (index into `versions`). */
  perVersion: number[]
  /** Source files whose stored translations are all from one version, per version. */
  filesPerVersion: number[]
  /** The version each source file is at (source key → index into `versions`). */
  fileVersion: Map<string, number>
  translations: number
  articles: number
}

/**
 * The database is whole: SQLite's own checks pass, every article has translations, every
 * translation has blocks, and every translation a known file gave equals that file's parse in
 * one of the versions — never a mix — with all translations of one file from the same version.
 */
export function checkConsistency (db: Database, versions: Expected[]): Consistency {
  const problems: string[] = []
  const integrity = db.pragma('integrity_check', { simple: true })
  if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`)
  const fk = db.pragma('foreign_key_check') as unknown[]
  if (fk.length > 0) problems.push(`foreign_key_check: ${JSON.stringify(fk.slice(0, 5))}`)
  const bare = db.prepare('SELECT id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM translations t WHERE t.article_id = a.id)').pluck().all()
  if (bare.length > 0) problems.push(`articles without translations: ${bare.slice(0, 5).join(', ')}`)
  const unsourced = db.prepare('SELECT count(*) FROM translations t WHERE NOT EXISTS (SELECT 1 FROM source_files f WHERE f.key = t.source_key)').pluck().get() as number
  if (unsourced > 0) problems.push(`${unsourced} translations without their source file row`)
  const stored = storedTranslations(db)
  const perVersion = versions.map(() => 0)
  const fileVersions = new Map<string, Set<number>>()
  for (const t of stored) {
    if (t.blocks === 0) problems.push(`translation ${t.articleId}/${t.locale} has no blocks`)
    const candidates = versions.map((v) => v.get(t.sourceKey)?.get(t.locale))
    if (candidates.every((c) => c === undefined)) continue // not one of the files under test (the seed)
    const matching = candidates.flatMap((c, i) => (c && same(c, t) ? [i] : []))
    if (matching.length === 0) {
      problems.push(`${t.articleId}/${t.locale} (from ${t.sourceKey}) matches no version: stored ${JSON.stringify({ ...t, id: undefined })}, ` +
        `expected one of ${JSON.stringify(candidates)}`)
      continue
    }
    // a translation the versions share says nothing about which version its file is at
    if (matching.length === 1) {
      perVersion[matching[0]!]!++
      const set = fileVersions.get(t.sourceKey) ?? new Set()
      set.add(matching[0]!)
      fileVersions.set(t.sourceKey, set)
    }
  }
  const filesPerVersion = versions.map(() => 0)
  const fileVersion = new Map<string, number>()
  for (const [key, set] of fileVersions) {
    if (set.size > 1) problems.push(`the translations of ${key} come from different versions`)
    else {
      filesPerVersion[[...set][0]!]!++
      fileVersion.set(key, [...set][0]!)
    }
  }
  const articles = db.prepare('SELECT count(*) FROM articles').pluck().get() as number
  return { problems, perVersion, filesPerVersion, fileVersion, translations: stored.length, articles }
}

/** `node --import tsx src/cli/kb.ts ...args`, run to the end. */
export function kbSync (args: string[], timeout = 60_000): { status: number | null, stdout: string, stderr: string } {
  const env = { ...process.env }
  delete env.KB_DB
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/kb.ts', ...args], { cwd: repoRoot, env, encoding: 'utf8', timeout })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

/** The CLI as a running child (to be killed). */
export function kbSpawn (args: string[]): ChildProcess {
  const env = { ...process.env }
  delete env.KB_DB
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/kb.ts', ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** A write key made with the CLI; returns the bearer token. */
export function createKeyWithCli (dbFile: string, scopes: string): string {
  const run = kbSync(['keys', 'create', '--name', `fault-${scopes}`, '--scopes', scopes, '--db', dbFile])
  const token = /^kb_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/m.exec(run.stdout)?.[0]
  if (run.status !== 0 || !token) throw new Error(`keys create failed (${run.status}): ${run.stderr}`)
  return token
}

/** Resolves with the exit code and signal of a child (at once if it has exited already). */
export function exited (child: ChildProcess): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

/** A free loopback port (asked of the OS, then released for the server to take). */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

export interface ServerProcess {
  child: ChildProcess
  base: string
  /** Everything the server wrote to stdout and stderr so far (its JSON log lines). */
  output: () => string
  /** Resolves when a line of output matches. */
  waitForOutput: (pattern: RegExp, timeoutMs?: number) => Promise<string>
}

/**
 * `node --import tsx src/server.ts` on `dbFile` and a free port; resolves once /health answers.
 * Rate limiting and the event-loop guard are off unless `env` says otherwise: a loaded CI
 * machine must not turn the fault under test into a 429 or 503.
 */
export async function startServer (dbFile: string, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ServerProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: repoRoot,
    env: { ...process.env, KB_DB: dbFile, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', KB_RATE_LIMIT: '0', KB_MAX_EVENT_LOOP_DELAY: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const waiters: Array<{ pattern: RegExp, resolve: (line: string) => void }> = []
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8')
    for (const w of [...waiters]) {
      const line = output.split('\n').find((l) => w.pattern.test(l))
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(line)
      }
    }
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const base = `http://127.0.0.1:${port}`
  const waitForOutput = (pattern: RegExp, ms = 30_000): Promise<string> => new Promise((resolve, reject) => {
    const line = output.split('\n').find((l) => pattern.test(l))
    if (line !== undefined) { resolve(line); return }
    const timer = setTimeout(() => reject(new Error(`no output matching ${pattern} within ${ms} ms; output:\n${output.slice(-2000)}`)), ms)
    waiters.push({ pattern, resolve: (l) => { clearTimeout(timer); resolve(l) } })
  })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before answering:\n${output.slice(-2000)}`)
    try {
      const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) })
      if (res.ok) break
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the server did not answer /health within ${timeoutMs} ms:\n${output.slice(-2000)}`)
    }
    await sleep(200)
  }
  return { child, base, output: () => output, waitForOutput }
}
