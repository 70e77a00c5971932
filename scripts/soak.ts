// `npm run soak -- [--minutes 2] [--connections 50]`: minutes of load against the real server
// (a child process on a temp database holding the test corpus) — mixed reads, searches when the
// route exists, feedback posts with unique Idempotency-Keys, and `kb import` of changed copies of
// the corpus running again and again meanwhile. Loopback only, bounded in time and requests.
// Passes with no 5xx (the overload guard's 503s included), every accepted feedback stored, no
// network error or unexpected status, a clean exit on SIGTERM, and — in runs of 5 minutes or
// more — flat memory after the warm-up. Prints its figures last:
//
//   5xx: N
//   feedback sent: A, stored: B
//   memory: start X MB, peak Y MB, end Z MB, slope S MB/min
//   SOAK PASSED | SOAK FAILED
import http from 'node:http'
import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import { openDatabase } from '../src/db/connection.ts'
import { migrate } from '../src/db/migrate.ts'
import { importPaths } from '../src/import/import-paths.ts'
import { ApiKeys } from '../src/auth/api-keys.ts'
import { buildServer, SERVER_BUNDLE } from './build.ts'
import { startFlags } from './bench/servers.ts'

const repoRoot = fileURLToPath(new URL('../', import.meta.url))
const corpusDir = join(repoRoot, 'test/fixtures/corpus')
const FOLDERS = ['ja-JP', 'de-DE', 'zh-CN', 'fr-FR', 'ja-JP.plain', 'en-US.derived']
const OUTCOMES = ['resolved', 'not_resolved', 'step_failed', 'helpful', 'not_helpful']
const LOCALES = ['ja-JP', 'ja', 'de-DE', 'de', 'zh-CN', 'zh-Hans', 'fr-FR', 'en-US', 'en', 'pt-BR', 'sw-KE']
const FORMATS = ['', '', '', '&format=markdown', '&format=html', '&format=text']
const QUERIES = ['office', 'activate', 'Outlook', 'sign in', 'license', 'アクティブ化', 'ライセンス', 'Konto', 'Lizenz', '激活', '0x8004de40', 'password reset', 'Teams', 'SharePoint', 'mailbox']
/** Memory is flat when the RSS after the warm-up grows slower than this. */
const MAX_SLOPE_MB_PER_MIN = 10
/**
 * The response cache (32 MB of payloads) and V8's heap take about three minutes of this load to
 * fill, so the slope is fitted to the samples after the warm-up, and judged only in runs of at
 * least JUDGE_MEMORY_MINUTES: in shorter ones RSS is still climbing to its plateau.
 */
const JUDGE_MEMORY_MINUTES = 5
/** At most this many requests in all, whatever the duration: the run stays bounded. */
const MAX_REQUESTS = 5_000_000
const REQUEST_TIMEOUT_MS = 30_000

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' }
  }
})
if (values.help) {
  console.log('usage: npm run soak -- [--minutes 2] [--connections 50] [--keep]\n  --keep  leave the temp folder (database, server log) for inspection')
  process.exit(0)
}
const minutes = Number(values.minutes)
const connections = Number(values.connections)
/** Minutes of warm-up left out of the memory slope. */
const WARM_UP_MINUTES = Math.max(minutes * 0.25, Math.min(3, minutes * 0.5))
if (!(minutes > 0 && minutes <= 120) || !Number.isInteger(connections) || connections < 1 || connections > 1000) {
  console.error('--minutes must be in (0, 120], --connections an integer 1-1000')
  process.exit(2)
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!
const log = (line: string): void => { console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`) }

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** Every list item marked, one paragraph added: a version of the corpus that differs in every file. */
function changedVersion (text: string, marker: string): string {
  // Only the body: the front matter's lists (ms.custom: the scenario ids) stay as they are.
  const head = /^\uFEFF?---\r?\n[\s\S]*?\r?\n---\r?\n/.exec(text)?.[0] ?? ''
  const items = head + text.slice(head.length).replace(/^(\s*(?:\d+\.|[-*+])\s+)(?=\S)/gm, `$1${marker} `)
  const extra = text.includes('data-ttu-id=')
    ? `<span data-ttu-id="zz${marker}-1">${marker}: [${marker}](https://example.com/${marker}).</span><span class="sxs-lookup"><span data-stu-id="zz${marker}-1">${marker}: [${marker}](https://example.com/${marker}).</span></span>`
    : `${marker}: [${marker}](https://example.com/${marker}).`
  return `${items.replace(/\s*$/, '')}\n\n${extra}\n`
}

function copyChanged (target: string, marker: string): string[] {
  return FOLDERS.map((folder) => {
    const to = join(target, folder)
    mkdirSync(to, { recursive: true })
    for (const file of readdirSync(join(corpusDir, folder))) {
      const from = join(corpusDir, folder, file)
      if (!statSync(from).isFile()) continue
      if (!file.endsWith('.md')) { cpSync(from, join(to, file)); continue }
      writeFileSync(join(to, file), changedVersion(readFileSync(from, 'utf8'), marker))
    }
    return to
  })
}

/** A line of /proc/<pid>/status in MB (VmRSS, RssAnon, RssFile, RssShmem), or null. */
function statusMb (pid: number, field = 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : null
  } catch {
    return null
  }
}
const rssMb = (pid: number): number | null => statusMb(pid)

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
function cpuSeconds (pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null
  }
}

/** Theil–Sen slope of (minutes, MB): the median of pairwise slopes, so one GC spike does not tilt it. */
function slope (points: Array<[number, number]>): number {
  const slopes: number[] = []
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dx = points[j]![0] - points[i]![0]
      if (dx > 0) slopes.push((points[j]![1] - points[i]![1]) / dx)
    }
  }
  slopes.sort((a, b) => a - b)
  return slopes.length ? slopes[Math.floor(slopes.length / 2)]! : 0
}

interface Answer { status: number, headers: http.IncomingHttpHeaders, body: string }

// ---------------------------------------------------------------------------------------------
// Setup: a temp database with the corpus, a key, the server.

const work = mkdtempSync(join(tmpdir(), 'kb-soak-'))
const dbFile = join(work, 'kb.sqlite')
log(`temp folder ${work}`)
{
  const db = openDatabase(dbFile)
  migrate(db)
  const summary = importPaths(db, FOLDERS.map((f) => join(corpusDir, f)))
  if (summary.failed > 0) throw new Error(`the corpus import failed: ${summary.failures.map((f) => `${f.path}: ${f.reason}`).join('; ')}`)
  log(`imported the corpus: ${summary.articles} articles, ${summary.translations} translations`)
  db.close()
}
const setupDb = openDatabase(dbFile)
const token = new ApiKeys(setupDb).create('soak', ['read', 'feedback']).token
const ids = setupDb.prepare('SELECT id FROM articles ORDER BY id').pluck().all() as string[]
const scenarioIds = setupDb.prepare('SELECT DISTINCT scenario_id FROM article_scenarios').pluck().all() as string[]
const audiences = setupDb.prepare('SELECT DISTINCT audience FROM articles WHERE audience IS NOT NULL').pluck().all() as string[]
const feedbackBefore = setupDb.prepare('SELECT count(*) FROM feedback').pluck().get() as number
setupDb.close()
const versions = [copyChanged(join(work, 'version-a'), 'soak-a'), copyChanged(join(work, 'version-b'), 'soak-b')]

const port = await freePort()
const serverLog: string[] = []
// The server as `npm start` runs it: the bundle, built from this checkout
await buildServer()
const server = spawn(process.execPath, [...startFlags(repoRoot), SERVER_BUNDLE], {
  cwd: repoRoot,
  env: { ...process.env, KB_DB: dbFile, PORT: String(port), HOST: '127.0.0.1', KB_RATE_LIMIT: '0', LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'pipe']
})
const serverState: { exit: string | null } = { exit: null }
server.once('exit', (code, signal) => { serverState.exit = signal ?? String(code) })
for (const stream of [server.stdout!, server.stderr!]) {
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => { if (serverLog.length < 10_000) serverLog.push(...chunk.split('\n').filter(Boolean)) })
}

const agent = new http.Agent({ keepAlive: true, maxSockets: connections })

function request (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { accept: 'application/json', ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
      res.once('error', reject)
    })
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms`)))
    req.once('error', reject)
    req.end(body)
  })
}

{
  const deadline = Date.now() + 120_000
  for (;;) {
    if (serverState.exit !== null) throw new Error(`the server exited (${serverState.exit}):\n${serverLog.join('\n')}`)
    try {
      if ((await request('GET', '/health')).status === 200) break
    } catch {}
    if (Date.now() > deadline) throw new Error('the server did not answer /health within 120 s')
    await sleep(200)
  }
}
log(`server pid ${server.pid} on 127.0.0.1:${port}`)

const searchProbe = await request('GET', '/v1/search?q=office')
const searchRouted = !(searchProbe.status === 404 && searchProbe.body.includes('KB_ROUTE_NOT_FOUND'))
log(searchRouted
  ? `search: GET /v1/search answers ${searchProbe.status}; included in the mix`
  : 'search: GET /v1/search is not routed (404 KB_ROUTE_NOT_FOUND); searches skipped')

// ---------------------------------------------------------------------------------------------
// The run.

const started = Date.now()
const runMs = minutes * 60_000
const deadline = started + runMs
const statuses = new Map<string, number>()
const unexpected: string[] = []
const errors: string[] = []
const latencies: number[] = []
let requests = 0
let fiveXx = 0
let feedbackAccepted = 0
let feedbackSeq = 0
const runId = Date.now().toString(36)

const cpuAtStart = cpuSeconds(server.pid!)
const memory: Array<[number, number]> = []
const startRss = rssMb(server.pid!)
if (startRss !== null) memory.push([0, startRss])
const sampler = setInterval(() => {
  const rss = rssMb(server.pid!)
  if (rss !== null) memory.push([(Date.now() - started) / 60_000, rss])
}, 3000)

type Op = () => Promise<{ answer: Answer, expect: number[], label: string }>
const get = (label: string, path: string, headers: Record<string, string> = {}, expect = [200]): Op => async () => ({ answer: await request('GET', path, headers), expect, label })
const readOps: Array<[number, () => Op]> = [
  [20, () => get('article', `/v1/articles/${encodeURIComponent(pick(ids))}?locale=${pick(LOCALES)}${pick(FORMATS)}`)],
  [25, () => get('steps', `/v1/articles/${encodeURIComponent(pick(ids))}/steps?locale=${pick(LOCALES)}${pick(FORMATS)}`)],
  [8, () => get('steps (Accept-Language)', `/v1/articles/${encodeURIComponent(pick(ids))}/steps`, { 'accept-language': `${pick(LOCALES)};q=0.9, en;q=0.5` })],
  [8, () => get('links', `/v1/articles/${encodeURIComponent(pick(ids))}/links?locale=${pick(LOCALES)}`)],
  [6, () => get('translations', `/v1/articles/${encodeURIComponent(pick(ids))}/translations`)],
  [8, () => get('list', `/v1/articles?limit=${pick([10, 50, 100])}${pick(['', `&available=${pick(['ja-JP', 'de-DE', 'zh-CN'])}`, audiences.length ? `&audience=${encodeURIComponent(pick(audiences))}` : ''])}&locale=${pick(LOCALES)}`)],
  [6, () => get('scenario', scenarioIds.length ? `/v1/scenarios/${encodeURIComponent(pick(scenarioIds))}?locale=${pick(LOCALES)}` : '/v1/scenarios')],
  [3, () => get('scenarios', '/v1/scenarios?limit=100')],
  [2, () => get('locales', '/v1/locales')],
  [2, () => get('changes', '/v1/changes?limit=100')],
  [2, () => get('stats', `/v1/articles/${encodeURIComponent(pick(ids))}/stats`)],
  ...(searchRouted ? [[12, () => get('search', `/v1/search?q=${encodeURIComponent(pick(QUERIES))}&locale=${pick(LOCALES)}`)]] as Array<[number, () => Op]> : []),
  [12, () => async () => {
    const key = `soak-${runId}-${++feedbackSeq}`
    const body = JSON.stringify({ locale: pick(['ja-JP', 'de-DE', 'en-US']), outcome: pick(OUTCOMES), ticket: key })
    const answer = await request('POST', `/v1/articles/${encodeURIComponent(pick(ids))}/feedback`,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key }, body)
    if (answer.status === 202 && answer.headers['idempotent-replayed'] === undefined) feedbackAccepted++
    return { answer, expect: [202], label: 'feedback' }
  }]
]
const totalWeight = readOps.reduce((s, [w]) => s + w, 0)
function nextOp (): Op {
  let r = Math.random() * totalWeight
  for (const [w, make] of readOps) {
    if ((r -= w) < 0) return make()
  }
  return readOps[0]![1]()
}

/** Connections open one after another over the first RAMP_MS: the server warms up (JIT, caches) before the full load. */
const RAMP_MS = Math.min(20_000, runMs * 0.1)

async function worker (index: number): Promise<void> {
  await sleep((index * RAMP_MS) / connections)
  while (Date.now() < deadline && requests < MAX_REQUESTS && serverState.exit === null) {
    requests++
    const op = nextOp()
    const t0 = performance.now()
    try {
      const { answer, expect, label } = await op()
      latencies.push(performance.now() - t0)
      const key = `${label} ${answer.status}`
      statuses.set(key, (statuses.get(key) ?? 0) + 1)
      if (answer.status >= 500) fiveXx++
      if (!expect.includes(answer.status) && unexpected.length < 20) unexpected.push(`${label} → ${answer.status}: ${answer.body.slice(0, 200)}`)
      else if (!expect.includes(answer.status)) unexpected.push('')
    } catch (err) {
      errors.push((err as Error).message)
    }
  }
}

// The concurrent re-import loop: `kb import` of the changed copies, versions alternating.
const imports = { done: 0, failed: 0, cutShort: false, seconds: [] as number[] }
let importer: ChildProcess | null = null
const importLoop = (async () => {
  for (let i = 0; Date.now() < deadline && i < 1000 && serverState.exit === null; i++) {
    const t0 = Date.now()
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/kb.ts', 'import', '--db', dbFile, ...versions[i % 2]!], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    importer = child
    let out = ''
    child.stdout!.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr!.on('data', (c: Buffer) => { out += c.toString() })
    const code = await new Promise<number | string>((resolve) => child.once('exit', (c, s) => resolve(s ?? c ?? -1)))
    importer = null
    if (code === 0) {
      imports.done++
      imports.seconds.push((Date.now() - t0) / 1000)
    } else if (code === 'SIGKILL' && imports.cutShort) {
      // stopped at the end of the run
    } else {
      imports.failed++
      log(`an import exited ${code}: ${out.trim().split('\n').slice(-3).join(' | ')}`)
    }
  }
})()

const progress = setInterval(() => {
  const rss = memory.at(-1)?.[1]
  log(`${Math.round((Date.now() - started) / 1000)} s: ${requests} requests, 5xx ${fiveXx}, errors ${errors.length}, feedback accepted ${feedbackAccepted}, imports ${imports.done}, RSS ${rss?.toFixed(0)} MB`)
}, 15_000)

await Promise.all(Array.from({ length: connections }, (_, i) => worker(i)))
const loadSeconds = (Date.now() - started) / 1000
// The import under way may finish (it is atomic per file either way); it is stopped after 90 s.
const grace = setTimeout(() => { imports.cutShort = true; (importer as ChildProcess | null)?.kill('SIGKILL') }, 90_000)
await importLoop
clearTimeout(grace)
clearInterval(progress)
clearInterval(sampler)
const endRss = rssMb(server.pid!)
if (endRss !== null) memory.push([(Date.now() - started) / 60_000, endRss])
const serverCpu = (cpuSeconds(server.pid!) ?? 0) - (cpuAtStart ?? 0)
const breakdown = ['RssAnon', 'RssFile', 'RssShmem'].map((f) => `${f} ${statusMb(server.pid!, f)?.toFixed(0)} MB`).join(', ')

// ---------------------------------------------------------------------------------------------
// The figures.

const reader = new Database(dbFile, { readonly: true })
const stored = (reader.prepare('SELECT count(*) FROM feedback').pluck().get() as number) - feedbackBefore
const integrity = reader.pragma('quick_check', { simple: true })
reader.close()

agent.destroy() // idle keep-alive connections would hold the server's close open
server.kill('SIGTERM')
const exitCode = await Promise.race([new Promise<string>((resolve) => { if (serverState.exit !== null) resolve(serverState.exit); else server.once('exit', (c, s) => resolve(s ?? String(c))) }), sleep(30_000).then(() => 'still running after 30 s')])
if (exitCode === 'still running after 30 s') server.kill('SIGKILL')
const serverErrors = serverLog.filter((line) => /"level":(50|60)/.test(line))

latencies.sort((a, b) => a - b)
const pct = (p: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0).toFixed(1)
const warm = memory.filter(([m]) => m >= WARM_UP_MINUTES)
const mb = memory.map(([, y]) => y)
const memSlope = slope(warm.length >= 3 ? warm : memory)
const peak = mb.length ? Math.max(...mb) : 0

const byLabel = [...statuses].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}: ${n}`).join(', ')
log(`${requests} requests in ${loadSeconds.toFixed(0)} s over ${connections} connections (${(requests / loadSeconds).toFixed(0)}/s), latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms`)
log(`statuses: ${byLabel}`)
log(`server CPU: ${serverCpu.toFixed(0)} s in ${loadSeconds.toFixed(0)} s (${((serverCpu / loadSeconds) * 100).toFixed(0)}% of one core; its event loop is one core at most); machine load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} CPUs`)
log(`imports during the run: ${imports.done} completed (${imports.seconds.map((s) => s.toFixed(0)).join(', ')} s), ${imports.failed} failed${imports.cutShort ? ', the last one stopped at the end' : ''}`)
log(`network errors: ${errors.length}${errors.length ? ` (${[...new Set(errors)].slice(0, 3).join('; ')})` : ''}; unexpected statuses: ${unexpected.length}${unexpected.length ? ` (${unexpected.filter(Boolean).slice(0, 5).join(' || ')})` : ''}`)
log(`server: exit ${exitCode} on SIGTERM, ${serverErrors.length} error lines logged${serverErrors.length ? `: ${serverErrors.slice(0, 3).join(' | ')}` : ''}; database quick_check ${String(integrity)}`)
log(`memory: ${memory.length} RSS samples (at the end ${breakdown}); the slope is fitted to those after the first ${WARM_UP_MINUTES.toFixed(1)} min` +
  (minutes >= JUDGE_MEMORY_MINUTES ? ` and must stay under ${MAX_SLOPE_MB_PER_MIN} MB/min` : `; not judged in a run under ${JUDGE_MEMORY_MINUTES} min (caches still filling): use --minutes ${JUDGE_MEMORY_MINUTES} or more for a memory verdict`))
log(`RSS by minute: ${Array.from({ length: Math.ceil(memory.at(-1)?.[0] ?? 0) + 1 }, (_, m) => memory.filter(([x]) => x >= m - 0.05 && x < m + 0.05).map(([, y]) => y.toFixed(0))[0]).filter(Boolean).join(' → ')} MB`)

const failures: string[] = []
if (fiveXx > 0) failures.push(`${fiveXx} responses were 5xx`)
if (feedbackAccepted !== stored) failures.push(`feedback accepted ${feedbackAccepted} ≠ stored ${stored}`)
if (minutes >= JUDGE_MEMORY_MINUTES && memSlope > MAX_SLOPE_MB_PER_MIN) failures.push(`memory grows ${memSlope.toFixed(1)} MB/min`)
if (errors.length > 0) failures.push(`${errors.length} requests failed at the network level`)
if (unexpected.length > 0) failures.push(`${unexpected.length} unexpected statuses`)
if (imports.failed > 0) failures.push(`${imports.failed} imports failed`)
if (imports.done === 0) failures.push('no import completed during the run')
if (exitCode !== '0') failures.push(`the server exited ${exitCode} on SIGTERM`)
if (serverErrors.length > 0) failures.push(`${serverErrors.length} errors in the server log`)
if (integrity !== 'ok') failures.push(`quick_check: ${String(integrity)}`)
if (requests === 0) failures.push('no requests were made')
for (const f of failures) log(`FAILED: ${f}`)

if (values.keep) log(`kept ${work}`)
else rmSync(work, { recursive: true, force: true })

console.log(`5xx: ${fiveXx}`)
console.log(`feedback sent: ${feedbackAccepted}, stored: ${stored}`)
console.log(`memory: start ${(startRss ?? 0).toFixed(1)} MB, peak ${peak.toFixed(1)} MB, end ${(endRss ?? mb.at(-1) ?? 0).toFixed(1)} MB, slope ${memSlope.toFixed(2)} MB/min`)
console.log(failures.length === 0 ? 'SOAK PASSED' : 'SOAK FAILED')
process.exit(failures.length === 0 ? 0 : 1)
