// The response cache reads the content revision at most once a millisecond: the requests of
// that time share it, a write through this server is seen by the next request at once, and a
// change made elsewhere once the millisecond is over.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import caching, { REVISION_REUSE_MS } from '../../src/plugins/caching.ts'

interface Fixture {
  app: FastifyInstance
  /** Reads of the revision by the plugin, and handler runs of the GET. */
  counts: { revisionReads: number, reads: number }
  /** A change made elsewhere: the revision moves without a request to this server. */
  changeElsewhere: () => void
}

async function fixture (t: Test, revisionReuseMs: number): Promise<Fixture> {
  let revision = 1
  const counts = { revisionReads: 0, reads: 0 }
  const app = Fastify()
  await app.register(caching, { cacheControl: 'no-cache', contentRevision: () => { counts.revisionReads++; return revision }, revisionReuseMs })
  app.get('/v1/thing', { config: { cache: true } }, async () => { counts.reads++; return { revision } })
  // A write through this server: the revision moves as the handler commits
  app.post('/v1/thing', async () => { revision++; return { revision } })
  await app.ready()
  t.teardown(() => app.close())
  return { app, counts, changeElsewhere: () => { revision++ } }
}

const wait = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

t.test('the requests of one reuse time read the revision once; the next one reads it again', async (t) => {
  const { app, counts } = await fixture(t, 1000)
  await app.inject('/v1/thing')
  await app.inject('/v1/thing')
  await wait(1050)
  counts.revisionReads = 0
  counts.reads = 0
  const answers = await Promise.all(Array.from({ length: 8 }, async () => await app.inject('/v1/thing')))
  t.same(answers.map((res) => res.json()), Array(8).fill({ revision: 1 }))
  t.equal(counts.revisionReads, 1, 'eight cached reads, one read of the revision')
  t.equal(counts.reads, 0, 'all from the cache')
  await wait(1050)
  await app.inject('/v1/thing')
  t.equal(counts.revisionReads, 2, 'read again once the time is over')
})

t.test('a write through this server is seen by the next request at once', async (t) => {
  const { app, counts } = await fixture(t, 60_000)
  await app.inject('/v1/thing')
  t.same((await app.inject('/v1/thing')).json(), { revision: 1 }, 'kept at the second request')
  t.same((await app.inject({ method: 'POST', url: '/v1/thing' })).json(), { revision: 2 })
  counts.reads = 0
  t.same((await app.inject('/v1/thing')).json(), { revision: 2 }, 'the new revision, not the cached copy')
  t.equal(counts.reads, 1)
})

t.test('a change made elsewhere is seen once the reuse time is over (1 ms by default)', async (t) => {
  const { app, changeElsewhere } = await fixture(t, REVISION_REUSE_MS)
  await app.inject('/v1/thing')
  await app.inject('/v1/thing')
  changeElsewhere()
  await wait(5)
  t.same((await app.inject('/v1/thing')).json(), { revision: 2 })
})
