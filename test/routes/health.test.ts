// /health and /ready, on a database the app migrated and seeded itself.
import t from 'tap'
import { buildTestApp, expectProblem, getJson } from '../helpers/build-app.ts'
import { latestVersion } from '../../src/db/migrate.ts'

t.test('GET /health: alive', async (t) => {
  const app = await buildTestApp(t)
  const { body } = await getJson(t, app, '/health')
  t.same(body, { status: 'ok' })
})

t.test('GET /ready: the database is open and migrated', async (t) => {
  const app = await buildTestApp(t)
  const { body } = await getJson(t, app, '/ready')
  t.same(body, { status: 'ready', schemaVersion: latestVersion(), articles: 1, searchRanking: 'kb_rank' }, 'an empty database was migrated and seeded with one article; kb_rank() ranks')
})

t.test('GET /ready: 503 when the database is closed', async (t) => {
  const app = await buildTestApp(t)
  app.kb.db.close()
  const res = await app.inject({ url: '/ready' })
  expectProblem(t, app, res, { status: 503, code: 'KB_NOT_READY' })
  const alive = await app.inject({ url: '/health' })
  t.equal(alive.statusCode, 200, 'still alive, only not ready')
})

t.test('GET /ready: 503 when the database is behind the code', async (t) => {
  const app = await buildTestApp(t)
  app.kb.db.pragma(`user_version = ${latestVersion() - 1}`)
  const res = await app.inject({ url: '/ready' })
  const problem = expectProblem(t, app, res, { status: 503, code: 'KB_NOT_READY' })
  t.match(problem.detail, /schema version/, 'says why')
})
