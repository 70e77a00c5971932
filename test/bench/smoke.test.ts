// The benchmark script still runs end to end: `--quick` (200 documents, 1-second runs) prints
// the table and a line per target, and writes JSON. It checks that figures exist, never how
// good they are: speed is measured by `npm run bench`, not in tests.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

function run (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    proc.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    proc.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

t.test('npm run bench -- --quick', { timeout: 150_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-bench-smoke-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const json = join(dir, 'results.json')
  const { code, stdout, stderr } = await run(['--quick', '--cache-dir', join(dir, 'cache'), '--json', json])
  t.equal(code, 0, `exits 0\n${stderr}`)

  // The table: its header and a row per operation
  t.match(stdout, /operation\s+via\s+conn\s+req\/s\s+p50 ms\s+p99 ms\s+× baseline/)
  for (const label of ['baseline (hello world)', 'baseline, article replayed', 'node http, article replayed', 'article', 'steps (Accept-Language)', 'scenario lookup', 'list page', 'baseline (again)']) {
    t.match(stdout, new RegExp(`^${label.replace(/[()]/g, '\\$&')}\\s+http\\s+10\\s+[\\d,]+\\s`, 'm'), `a row for ${label}`)
  }
  t.match(stdout, /^search: error code.*\s[\d,]+\s/m, 'a search row (over HTTP or direct)')
  t.match(stdout, /^import: +200 documents/m)
  t.match(stdout, /^start-up: median [\d,]+ ms/m)

  // One line per target, each met or missed
  const targets = stdout.slice(stdout.indexOf('Targets:'))
  for (const name of ['article ≥ 0.8× baseline', 'steps ≥ 0.8× baseline', 'search p99 ≤ 10 ms', 'import ≥ 2,000 documents/s', 'start-up < 1,000 ms', 'resident memory < 300 MiB']) {
    t.match(targets, new RegExp(`^  (MET|MISSED|NOT MEASURED) +${name.replace(/[().]/g, '\\$&')}`, 'm'), `a target line for ${name}`)
  }

  const results = JSON.parse(readFileSync(json, 'utf8'))
  t.equal(results.version, 1)
  t.equal(results.import.documents, 200, 'the corpus imported as 200 documents')
  t.equal(results.import.failed, 0, 'no file failed to import')
  t.ok(results.import.documentsPerSecond > 0)
  t.ok(results.startup.medianMs > 0)
  t.ok(results.memory.peakRssBytes > 0)
  t.equal(results.targets.length, 6)
  for (const target of results.targets) t.match(target.status, /^(MET|MISSED|NOT MEASURED)$/)
  const article = results.rows.find((r: { operation: string }) => r.operation === 'article')
  t.ok(article.requests > 0 && article.rps > 0 && article.p99Ms >= article.p50Ms, 'article figures')
  t.equal(article.non2xx, 0, 'the article mix answers 200')
  t.ok(article.serverCpuMsPerRequest > 0, `the server's CPU per article (${article.serverCpuMsPerRequest} ms)`)
  // Linux counts it in /proc/PID/io; a run on a cached database reads little or nothing
  t.ok(Number.isInteger(article.serverReadBytes) && article.serverReadBytes >= 0, `the server's reads from storage (${article.serverReadBytes} bytes)`)
  t.match(stdout, /peak RSS\s+disk read/, 'a column in the table')
  t.match(stdout, /server CPU\s+CPU\/req\s+client CPU/, 'and in the table')
  t.type(article.ratio, 'number')
  const replayed = results.rows.find((r: { operation: string }) => r.operation === 'baseline-replayed')
  t.ok(replayed, 'a replayed-article row')
  t.ok(replayed?.requests > 0 && replayed?.non2xx === 0, 'the baseline replays an article response, answering 200')
  t.ok(replayed?.bytesPerResponse > 1000, `the replayed response is an article (${replayed?.bytesPerResponse} bytes)`)
  t.match(targets, /fastify replaying an article response: [\d.]+×/, 'the article target says what fastify reaches with its responses')
  const plain = results.rows.find((r: { operation: string }) => r.operation === 'node-replayed')
  t.ok(plain?.requests > 0 && plain?.non2xx === 0, 'node:http replays it too, answering 200')
  // Headers and body alike; only the per-connection headers each server writes itself differ
  t.ok(Math.abs(plain?.bytesPerResponse - replayed?.bytesPerResponse) < 40, `the same response (${plain?.bytesPerResponse} and ${replayed?.bytesPerResponse} bytes)`)
  t.match(targets, /node:http replaying it: [\d.]+×/, 'and says what plain node reaches')
  t.ok(results.machine.nproc >= 1 && typeof results.machine.cpuModel === 'string')
})
