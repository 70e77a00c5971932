// Liveness and readiness, outside /v1: for load balancers and orchestrators.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problemResponse } from '../schemas/common.ts'
import { Errors } from '../errors.ts'
import { latestVersion, schemaVersion } from '../db/migrate.ts'

export default async function healthRoutes (fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const expected = latestVersion()

  app.get('/health', {
    schema: {
      tags: ['health'],
      summary: 'Liveness',
      description: 'Answers 200 while the process serves requests.',
      response: { 200: Type.Object({ status: Type.Literal('ok') }, { description: 'Alive', examples: [{ status: 'ok' }] }) }
    }
  }, async () => ({ status: 'ok' as const }))

  app.get('/ready', {
    schema: {
      tags: ['health'],
      summary: 'Readiness',
      description: 'Answers 200 when the database is open and migrated to the version this code expects and, where searches run on worker threads, those threads could start; 503 otherwise (for a search pool that failed, until the process restarts). ' +
        '`searchRanking` says what ranks searches: `kb_rank` (the compiled ranking function) or `bm25` (SQLite\'s own, when the function was not built: the same results, slower on common words).',
      response: {
        200: Type.Object({
          status: Type.Literal('ready'),
          schemaVersion: Type.Integer(),
          articles: Type.Integer(),
          searchRanking: Type.Union([Type.Literal('kb_rank'), Type.Literal('bm25')])
        }, { description: 'Ready to serve', examples: [{ status: 'ready', schemaVersion: 6, articles: 73, searchRanking: 'kb_rank' }] }),
        503: problemResponse('Not ready: the database is closed or not migrated, or the search threads cannot start')
      }
    }
  }, async () => {
    const { db } = app.kb
    let version: number
    try {
      version = schemaVersion(db)
    } catch {
      throw new Errors.NotReady('the database is not open')
    }
    if (version !== expected) throw new Errors.NotReady(`the database is at schema version ${version}, the code expects ${expected}`)
    const searchFailure = app.kb.searchPool?.failure ?? null
    if (searchFailure !== null) throw new Errors.NotReady(`searches cannot run: ${searchFailure}`)
    const { n } = db.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }
    return { status: 'ready' as const, schemaVersion: version, articles: n, searchRanking: app.kb.searchRanking }
  })
}
