// Server writes next to an import in another process: the feedback post or PUT waits for the
// write lock between event-loop turns (reads go on meanwhile), is stored once the lock is
// free, and is a 503 KB_BUSY with Retry-After, storing nothing, when the lock stays taken
// past the budget. And the importer's write batches leave the lock free at regular intervals.
import t from 'tap'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/connection.ts'
import { ApiKeys } from '../../src/auth/api-keys.ts'
import { WRITE_GAP_MS, WRITE_HOLD_MS, WriteBatch, writeWhenFree, WriteLockTimeout } from '../../src/db/write-retry.ts'
import { buildTestApp, SEED_ID } from '../helpers/build-app.ts'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

t.test('a feedback post waits for another writer without holding up reads', async (t) => {
  const app = await buildTestApp(t, { config: { writeWaitMs: 3000 } })
  const dbFile = app.kb.config.dbFile
  const token = new ApiKeys(app.kb.db).create('t', ['feedback', 'write']).token
  const count = (): number => app.kb.db.prepare('SELECT count(*) FROM feedback').pluck().get() as number
  const importer = openDatabase(dbFile)
  t.teardown(() => importer.close())

  importer.exec('BEGIN IMMEDIATE')
  const before = count()
  const post = app.inject({
    method: 'POST',
    url: `/v1/articles/${SEED_ID}/feedback`,
    headers: { authorization: `Bearer ${token}` },
    payload: { locale: 'ja-JP', outcome: 'resolved' }
  })
  // While the post waits, reads are answered: the event loop is not stuck in SQLite.
  const started = performance.now()
  const read = await app.inject({ url: `/v1/articles/${SEED_ID}?locale=ja-JP` })
  t.equal(read.statusCode, 200, 'a read is served while the write waits')
  t.ok(performance.now() - started < 1000, 'and promptly')
  let settled = false
  post.then(() => { settled = true }, () => {})
  await sleep(100)
  t.notOk(settled, 'the post is still waiting while the lock is held')
  importer.exec('COMMIT')
  const res = await post
  t.equal(res.statusCode, 202, 'stored once the lock is free')
  t.equal(count(), before + 1, 'exactly one row')
})

t.test('a write that waits past the budget is a 503 KB_BUSY with Retry-After and stores nothing', async (t) => {
  const app = await buildTestApp(t, { config: { writeWaitMs: 150 } })
  const token = new ApiKeys(app.kb.db).create('t', ['feedback', 'write']).token
  const importer = openDatabase(app.kb.config.dbFile)
  t.teardown(() => importer.close())
  const feedbackRows = (): number => app.kb.db.prepare('SELECT count(*) FROM feedback').pluck().get() as number
  const etag = (await app.inject({ url: `/v1/articles/${SEED_ID}` })).headers.etag

  importer.exec('BEGIN IMMEDIATE')
  t.teardown(() => { if (importer.inTransaction) importer.exec('ROLLBACK') })
  const before = feedbackRows()
  const post = await app.inject({
    method: 'POST',
    url: `/v1/articles/${SEED_ID}/feedback`,
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'busy-1' },
    payload: { locale: 'en-US', outcome: 'helpful' }
  })
  t.equal(post.statusCode, 503)
  t.equal(post.headers['retry-after'], '1')
  t.match(post.headers['content-type'], /^application\/problem\+json/)
  t.equal(post.json().code, 'KB_BUSY')
  t.equal(feedbackRows(), before, 'nothing stored')

  const del = await app.inject({ method: 'DELETE', url: `/v1/articles/${SEED_ID}`, headers: { authorization: `Bearer ${token}` } })
  t.equal(del.statusCode, 503, 'DELETE too')
  t.equal(del.json().code, 'KB_BUSY')
  importer.exec('ROLLBACK')

  t.equal((await app.inject({ url: `/v1/articles/${SEED_ID}` })).headers.etag, etag, 'the article is unchanged')
  // The retry with the same Idempotency-Key is now stored, once.
  const retry = await app.inject({
    method: 'POST',
    url: `/v1/articles/${SEED_ID}/feedback`,
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'busy-1' },
    payload: { locale: 'en-US', outcome: 'helpful' }
  })
  t.equal(retry.statusCode, 202)
  t.equal(retry.headers['idempotent-replayed'], undefined, 'a first store, not a replay of the 503')
  t.equal(feedbackRows(), before + 1)
})

t.test('writeWhenFree: errors other than a busy lock pass through at once; the busy timeout is restored', async (t) => {
  const db = openDatabase(join(t.testdir(), 'x.sqlite'))
  t.teardown(() => db.close())
  db.pragma('busy_timeout = 250')
  await t.rejects(writeWhenFree(db, () => { throw new TypeError('boom') }, 1000), TypeError)
  t.equal(db.pragma('busy_timeout', { simple: true }), 250)
  db.exec('CREATE TABLE x (n INTEGER)')
  const other = openDatabase(db.name)
  t.teardown(() => other.close())
  other.exec('BEGIN IMMEDIATE')
  const started = performance.now()
  await t.rejects(writeWhenFree(db, () => db.transaction(() => db.prepare('INSERT INTO x VALUES (1)').run()).immediate(), 60), WriteLockTimeout)
  t.ok(performance.now() - started >= 60, 'waited the budget')
  t.equal(db.pragma('busy_timeout', { simple: true }), 250, 'restored after busy attempts')
  other.exec('COMMIT')
  await writeWhenFree(db, () => db.transaction(() => db.prepare('INSERT INTO x VALUES (1)').run()).immediate(), 60)
  t.equal(db.prepare('SELECT count(*) FROM x').pluck().get(), 1)
})

t.test('WriteBatch: writes share one transaction for WRITE_HOLD_MS, then the lock is free for WRITE_GAP_MS', async (t) => {
  const dir = t.testdir()
  const db = openDatabase(join(dir, 'batch.sqlite'))
  const other = openDatabase(join(dir, 'batch.sqlite'))
  other.pragma('busy_timeout = 0')
  t.teardown(() => { db.close(); other.close() })
  db.exec('CREATE TABLE x (v INTEGER)')
  let clock = 0
  const pauses: number[] = []
  const batch = new WriteBatch(db, { now: () => clock, pause: (ms) => { pauses.push(ms); clock += ms } })
  const insert = db.transaction((v: number) => { db.prepare('INSERT INTO x VALUES (?)').run(v) })
  const seen = (): number => other.prepare('SELECT count(*) FROM x').pluck().get() as number
  const write = (v: number, ms: number): void => batch.write(() => { insert(v); clock += ms })

  t.equal(batch.holdLeft(), null, 'no batch open: nothing held')
  write(1, 10)
  t.ok(db.inTransaction, 'the batch stays open after a write')
  t.equal(batch.holdLeft(), WRITE_HOLD_MS - 10, 'it may hold the lock for the rest of WRITE_HOLD_MS')
  clock += WRITE_HOLD_MS
  t.equal(batch.holdLeft(), 0, 'and no less than nothing once that is past')
  clock -= WRITE_HOLD_MS
  t.equal(seen(), 0, 'another connection does not see it yet')
  t.throws(() => other.exec('BEGIN IMMEDIATE'), { code: 'SQLITE_BUSY' }, 'and cannot write meanwhile')
  for (let v = 2; v <= 5; v++) write(v, 10)
  t.notOk(db.inTransaction, 'committed once the batch had been open WRITE_HOLD_MS: the lock is free')
  t.equal(seen(), 5, 'all five writes committed together')
  t.same(pauses, [], 'nothing waits yet')
  clock += 2
  // A write that fails rolls back its own savepoint; the others of the batch stay.
  write(6, 1)
  t.same(pauses, [WRITE_GAP_MS - 2], 'the next batch began WRITE_GAP_MS after the commit, not before')
  t.throws(() => batch.write(() => db.transaction(() => { insert(7); throw new Error('boom') })()), /boom/)
  write(8, 1)
  batch.commit()
  clock += WRITE_GAP_MS
  write(10, 1)
  t.same(pauses, [WRITE_GAP_MS - 2], 'a batch WRITE_GAP_MS after the last one begins at once')
  batch.commit()
  t.same(other.prepare('SELECT v FROM x WHERE v > 5 ORDER BY v').pluck().all(), [6, 8, 10], 'the failed write left nothing, its neighbours are stored')
  t.notOk(db.inTransaction)
  batch.commit()
  t.pass('a second commit is a no-op')

  // Inside a transaction of the caller's own, a write is just part of it.
  db.exec('BEGIN')
  write(9, 100)
  t.same(pauses, [WRITE_GAP_MS - 2], 'no batch of its own, no pause')
  db.exec('ROLLBACK')
  t.equal(seen(), 8)
  t.ok(WRITE_GAP_MS > 4 && WRITE_HOLD_MS >= 10 * WRITE_GAP_MS, 'the gap outlasts writeWhenFree\'s longest pause and costs ≤ 10% of the hold')
})
