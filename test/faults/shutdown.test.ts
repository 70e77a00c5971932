// Shutdown and overload. On SIGTERM the real server (a child process) lets in-flight requests
// finish — here two whose bodies are still arriving — refuses new ones, closes the database
// cleanly (the WAL checkpointed away) and exits 0. Under a saturated event loop the app answers
// 503 problem+json with Retry-After, and serves again once the loop is free.
import t, { type Test } from 'tap'
import http from 'node:http'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { buildApp } from '../../src/app.ts'
import { resolveConfig } from '../../src/config.ts'
import { createKeyWithCli, exited, sleep, startServer, within } from '../helpers/faults.ts'
import { articleSteps } from '../helpers/db.ts'

interface Answer { status: number, headers: http.IncomingHttpHeaders, body: string }

/** A request whose body is sent in pieces: the first at once, the rest when `finish()` is called. */
function slowRequest (agent: http.Agent, url: string, method: string, headers: Record<string, string>, body: string) {
  const bytes = Buffer.from(body)
  const req = http.request(url, { method, agent, headers: { ...headers, 'content-length': String(bytes.length) } })
  const answer = new Promise<Answer>((resolve, reject) => {
    req.once('error', reject)
    req.once('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
      res.once('error', reject)
    })
  })
  const first = Math.min(64, bytes.length - 1)
  req.write(bytes.subarray(0, first))
  return {
    answer,
    /** Sends the rest in four chunks, 250 ms apart. */
    async finish (): Promise<void> {
      const rest = bytes.subarray(first)
      const size = Math.ceil(rest.length / 4)
      for (let at = 0; at < rest.length; at += size) {
        await sleep(250)
        req.write(rest.subarray(at, at + size))
      }
      req.end()
    }
  }
}

const ARTICLE = [
  '---',
  'title: Finished during shutdown',
  'ms.contentlocale: en-US',
  '---',
  '# Finished during shutdown',
  '',
  'Use the following steps:',
  '',
  ...Array.from({ length: 40 }, (_, i) => `${i + 1}. Step number ${i + 1} of an article whose body arrives slowly.`),
  ''
].join('\n')

async function shutdownScenario (t: Test, keepAlive: boolean): Promise<void> {
  const dir = t.testdir()
  const dbFile = join(dir, 'kb.sqlite')
  const token = createKeyWithCli(dbFile, 'write,feedback')
  const server = await startServer(dbFile, { LOG_LEVEL: 'info' })
  t.teardown(() => { if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL') })
  const auth = { authorization: `Bearer ${token}` }
  // With keep-alive (as most clients connect), the connections must not hold the process open after their response.
  const agent = new http.Agent({ keepAlive })
  t.teardown(() => agent.destroy())

  const seed = await fetch(`${server.base}/v1/articles/fixing-office-apps-message-unlicensed-product`)
  t.equal(seed.status, 200, 'the server serves before the signal')

  const slowPut = slowRequest(agent, `${server.base}/v1/articles/finished-during-shutdown`, 'PUT', { ...auth, 'content-type': 'text/markdown' }, ARTICLE)
  const slowPost = slowRequest(agent, `${server.base}/v1/articles/fixing-office-apps-message-unlicensed-product/feedback`, 'POST',
    { ...auth, 'content-type': 'application/json', 'idempotency-key': 'shutdown-1' },
    JSON.stringify({ locale: 'ja-JP', stepId: 's5.2', outcome: 'resolved', ticket: 'INC-SHUTDOWN', comment: 'x'.repeat(400) }))
  // Both requests have reached the server (fastify logs them as they arrive, before their bodies).
  await server.waitForOutput(/"url":"\/v1\/articles\/finished-during-shutdown"/)
  await server.waitForOutput(/"url":"\/v1\/articles\/fixing-office-apps-message-unlicensed-product\/feedback"/)

  server.child.kill('SIGTERM')
  await server.waitForOutput(/closing: finishing in-flight requests/)

  // A new connection is refused (or, if it still gets in, answered 503).
  const refusal = await new Promise<string>((resolve) => {
    const req = http.get(`${server.base}/v1/articles`, { agent: false, timeout: 10_000 }, (res) => {
      res.resume()
      resolve(`HTTP ${res.statusCode}`)
    })
    req.once('timeout', () => req.destroy(new Error('timeout')))
    req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
  t.match(refusal, /^(ECONNREFUSED|ECONNRESET|HTTP 503)$/, `a new request after SIGTERM is refused (${refusal})`)

  // The in-flight requests finish, though their bodies arrive after the signal.
  await Promise.all([slowPut.finish(), slowPost.finish()])
  const [put, post] = await Promise.all([slowPut.answer, slowPost.answer])
  t.equal(put.status, 201, `the in-flight PUT completes after SIGTERM ${put.body.slice(0, 300)}`)
  t.equal(post.status, 202, `the in-flight feedback POST completes after SIGTERM ${post.body.slice(0, 300)}`)

  const started = Date.now()
  const exit = await within(exited(server.child), 15_000, null)
  t.ok(exit, `the process exits (after ${Date.now() - started} ms)`)
  t.same(exit, { code: 0, signal: null }, 'with code 0')
  t.notMatch(server.output(), /close failed|"level":50/, 'no error logged while closing')

  // Closed cleanly: the last connection checkpointed and removed the WAL.
  const wal = `${dbFile}-wal`
  t.ok(!existsSync(wal) || statSync(wal).size === 0, 'the -wal file is gone (checkpointed)')
  const db = new Database(dbFile, { readonly: true })
  t.teardown(() => db.close())
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'integrity ok')
  t.equal(articleSteps(db, 'finished-during-shutdown').length, 40, 'the PUT finished during shutdown is stored whole')
  t.equal(db.prepare("SELECT count(*) FROM feedback WHERE ticket = 'INC-SHUTDOWN'").pluck().get(), 1, 'the feedback finished during shutdown is stored')
}

t.test('SIGTERM: in-flight requests finish, new ones are refused, the database closes cleanly, exit 0', async (t) => {
  await shutdownScenario(t, false)
})

t.test('SIGTERM with keep-alive clients: the process exits as soon as the in-flight requests are answered', async (t) => {
  await shutdownScenario(t, true)
})

/** Blocks the event loop, as a runaway request would. */
function busyWait (ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) { /* saturate the loop */ }
}

t.test('a saturated event loop answers 503 problem+json with Retry-After, then recovers', async (t) => {
  const dir = t.testdir()
  // A 1 ms limit: an idle loop stays far below it (the guard subtracts its 10 ms sampling
  // resolution), a loop blocked for longer than one sampling interval (1 s) is far above it.
  const app = await buildApp({ config: resolveConfig({ dbFile: join(dir, 'kb.sqlite'), rateLimit: 0, maxEventLoopDelay: 1 }) })
  t.teardown(() => app.close())
  await app.ready()

  busyWait(1500)
  // The guard's timer, overdue, runs before this one and samples the delay.
  await sleep(20)
  const res = await app.inject('/v1/articles')
  t.equal(res.statusCode, 503, 'overloaded: 503')
  t.equal(res.headers['retry-after'], '5', 'Retry-After: 5')
  t.match(res.headers['content-type'], /^application\/problem\+json/, 'problem+json')
  const problem = res.json() as { status: number, code: string, detail: string }
  t.equal(problem.status, 503)
  t.equal(problem.code, 'KB_OVERLOADED')
  t.match(problem.detail, /eventLoopDelay/, `says why: ${problem.detail}`)
  t.notMatch(res.body, /at .*\.ts:\d+/, 'no stack trace')

  // One quiet sampling interval later (a few on a loaded machine), requests are served again.
  let status = 0
  for (let i = 0; i < 30 && status !== 200; i++) {
    await sleep(500)
    status = (await app.inject('/v1/articles')).statusCode
  }
  t.equal(status, 200, 'served again once the loop is free')
})

t.test('a start that blocks the event loop for seconds (a migration, a first indexing) serves its first requests', async (t) => {
  const dir = t.testdir()
  // The database plugin's first indexing, made to take 1.5 s, as migration 009's scan does at 100k documents
  const searchIndex = await import('../../src/search/search-index.ts')
  const { buildApp: buildSlowApp } = await t.mockImport<typeof import('../../src/app.ts')>('../../src/app.ts', {
    '../../src/search/search-index.ts': { ...searchIndex, ensureSearchIndex: (db: Parameters<typeof searchIndex.ensureSearchIndex>[0]) => { busyWait(1500); return searchIndex.ensureSearchIndex(db) } }
  })
  const app = await buildSlowApp({ config: resolveConfig({ dbFile: join(dir, 'kb.sqlite'), rateLimit: 0, maxEventLoopDelay: 1 }) })
  t.teardown(() => app.close())
  await app.ready()
  await sleep(20)
  const res = await app.inject('/v1/articles')
  t.equal(res.statusCode, 200, 'not 503: the load guard measures from when the database is ready')
})
