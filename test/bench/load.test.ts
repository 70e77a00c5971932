// The load generator's own arithmetic: how long a run of a fixed number of requests took.
import t from 'tap'
import Fastify from 'fastify'
import { runLoad } from '../../scripts/bench/load.ts'

t.test('a run of a fixed number of requests is timed to its last response', async (t) => {
  const app = Fastify()
  app.get('/', async () => ({ hello: 'world' }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const result = await runLoad(`http://127.0.0.1:${address.port}`, [{ path: '/' }], { connections: 2, duration: 10, amount: 40 })
  t.equal(result.requests, 40)
  // autocannon itself reports such a run at its next whole-second tick (1.01 s or more): 40 local
  // requests take a few milliseconds
  t.ok(result.seconds > 0 && result.seconds < 0.9, `timed ${result.seconds} s`)
  t.equal(result.rps, result.requests / result.seconds)
})
