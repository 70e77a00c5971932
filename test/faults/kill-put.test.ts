// A server SIGKILLed while PUTs are in flight: the database stays consistent, every article is
// whole at one of the versions sent, no acknowledged write is lost, and the server starts again.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/connection.ts'
import { parseArticle } from '../../src/ingest/parse-article.ts'
import { addPutBody, changedVersion, checkConsistency, corpusDir, createKeyWithCli, exited, randomInt, sleep, startServer, within, type Expected, type ServerProcess } from '../helpers/faults.ts'

const ARTICLES = 16
const ROUNDS = 2

interface Doc { id: string, key: string, bodies: [string, string] }

/** Side-by-side ja-JP files with steps, as PUT bodies in two versions (0: as in the corpus, 1: changed). */
function documents (expected: [Expected, Expected]): Doc[] {
  const docs: Doc[] = []
  for (const file of readdirSync(join(corpusDir, 'ja-JP')).filter((f) => f.endsWith('.md')).sort()) {
    if (docs.length === ARTICLES) break
    const text = readFileSync(join(corpusDir, 'ja-JP', file), 'utf8')
    const parsed = parseArticle(text, { path: file })
    if (parsed.kind !== 'article' || !parsed.article.translations.some((tr) => tr.steps.length > 0)) continue
    const id = `put-${parsed.article.id}`
    const bodies: [string, string] = [text, changedVersion(text)]
    const key = addPutBody(expected[0], id, bodies[0])
    addPutBody(expected[1], id, bodies[1])
    docs.push({ id, key, bodies })
  }
  return docs
}

async function put (server: ServerProcess, token: string, id: string, body: string): Promise<number> {
  const res = await fetch(`${server.base}/v1/articles/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/markdown; charset=utf-8' },
    body,
    signal: AbortSignal.timeout(30_000)
  })
  await res.arrayBuffer()
  return res.status
}

t.test('a server killed in the middle of PUTs leaves the database consistent and loses no acknowledged write', async (t) => {
  const dir = t.testdir()
  const dbFile = join(dir, 'kb.sqlite')
  const token = createKeyWithCli(dbFile, 'write')
  const expected: [Expected, Expected] = [new Map(), new Map()]
  const docs = documents(expected)
  t.equal(docs.length, ARTICLES, `${ARTICLES} articles to write`)

  let server = await startServer(dbFile)
  // The previous content: every article at version 0, acknowledged.
  const acked = new Map<string, number>()
  for (const doc of docs) {
    const status = await put(server, token, doc.id, doc.bodies[0])
    if (status !== 201) throw new Error(`PUT ${doc.id} answered ${status}`)
    acked.set(doc.id, 0)
  }

  for (let round = 1; round <= ROUNDS; round++) {
    // One writer per article, each flipping its article's version PUT after PUT.
    const inflight = new Map<string, number>()
    const statuses = new Map<number, number>()
    let okThisRound = 0
    const run = { stop: false }
    let enough: () => void = () => {}
    const enoughAcked = new Promise<void>((resolve) => { enough = resolve })
    const writers = docs.map(async (doc) => {
      while (!run.stop) {
        const version = 1 - acked.get(doc.id)!
        inflight.set(doc.id, version)
        let status: number
        try {
          status = await put(server, token, doc.id, doc.bodies[version]!)
        } catch {
          return // the server is gone
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        if (status !== 200) return
        acked.set(doc.id, version)
        inflight.delete(doc.id)
        if (++okThisRound === 8) enough()
      }
    })
    await within(enoughAcked, 60_000, undefined)
    const delay = randomInt(0, 300)
    await sleep(delay)
    server.child.kill('SIGKILL')
    const exit = await exited(server.child)
    run.stop = true
    await Promise.all(writers)
    t.equal(exit.signal, 'SIGKILL', `round ${round}: the server was killed ${delay} ms after ${okThisRound >= 8 ? '8' : 'fewer than 8'} acknowledged PUTs`)
    t.same([...statuses.keys()].filter((s) => s !== 200), [], `round ${round}: every PUT answered before the kill was a 200 (${JSON.stringify([...statuses])})`)
    t.ok(inflight.size > 0, `round ${round}: PUTs were in flight at the kill (${inflight.size})`)

    const db = openDatabase(dbFile)
    const state = checkConsistency(db, expected)
    db.close()
    t.same(state.problems, [], `round ${round}: integrity ok, no foreign key violation, every translation whole`)
    const lost: string[] = []
    for (const doc of docs) {
      const stored = state.fileVersion.get(doc.key)
      const allowed = [acked.get(doc.id)!, ...(inflight.has(doc.id) ? [inflight.get(doc.id)!] : [])]
      if (stored === undefined || !allowed.includes(stored)) lost.push(`${doc.id}: stored ${stored}, acknowledged ${acked.get(doc.id)}, in flight ${inflight.get(doc.id)}`)
      // What is stored is what the next round starts from.
      if (stored !== undefined) acked.set(doc.id, stored)
    }
    t.same(lost, [], `round ${round}: every article is at its acknowledged version or at the one in flight`)
    t.comment(`round ${round}: ${okThisRound} PUTs acknowledged, ${inflight.size} in flight at the kill, versions stored 0/1: ${state.filesPerVersion.join('/')}`)

    server = await startServer(dbFile)
  }

  // After the kills the server starts, serves what is stored, and stops cleanly.
  const ready = await fetch(`${server.base}/ready`)
  t.equal(ready.status, 200, 'ready after the kills')
  const doc = docs[0]!
  const steps = await fetch(`${server.base}/v1/articles/${doc.id}/steps?locale=ja-JP`)
  t.equal(steps.status, 200, 'serves an article written through the kills')
  server.child.kill('SIGTERM')
  const exit = await exited(server.child)
  t.equal(exit.code, 0, 'and exits 0 on SIGTERM')
})
