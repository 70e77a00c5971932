// Every operation of the integration surface is in the OpenAPI document, the write and feedback
// ones with the bearer security scheme, and the served document says the same as app.swagger().
import t from 'tap'
import { integrationApp } from '../helpers/integration-app.ts'

interface Operation {
  security?: Array<Record<string, string[]>>
  parameters?: Array<{ name: string, in: string, schema?: Record<string, unknown>, required?: boolean }>
  requestBody?: { content?: Record<string, unknown>, required?: boolean }
  responses?: Record<string, { content?: Record<string, unknown> }>
  tags?: string[]
  summary?: string
}
interface Document {
  paths: Record<string, Record<string, Operation>>
  components?: { securitySchemes?: Record<string, Record<string, unknown>> }
}

const SECURED = [
  { method: 'put', path: '/v1/articles/{id}', scope: 'write', statuses: ['200', '201', '400', '401', '403', '412', '415', '422'] },
  { method: 'delete', path: '/v1/articles/{id}', scope: 'write', statuses: ['204', '401', '403', '404', '412'] },
  { method: 'post', path: '/v1/articles/{id}/feedback', scope: 'feedback', statuses: ['202', '400', '401', '403', '404', '422'] }
]
const OPEN = [
  { method: 'get', path: '/v1/changes', statuses: ['200', '400'] },
  { method: 'get', path: '/v1/articles/{id}/stats', statuses: ['200', '404'] }
]

t.test('the document holds every new operation with its security scheme', async (t) => {
  const { app } = await integrationApp(t)
  const doc = app.swagger() as unknown as Document

  t.same(doc.components?.securitySchemes?.bearerAuth && { type: doc.components.securitySchemes.bearerAuth.type, scheme: doc.components.securitySchemes.bearerAuth.scheme }, { type: 'http', scheme: 'bearer' }, 'components.securitySchemes.bearerAuth is http bearer')

  for (const op of SECURED) {
    const o = doc.paths[op.path]?.[op.method]
    t.ok(o, `${op.method.toUpperCase()} ${op.path} is documented`)
    if (!o) continue
    t.same(o.security, [{ bearerAuth: [] }], `${op.method.toUpperCase()} ${op.path}: security bearerAuth`)
    t.ok(o.summary, 'a summary')
    for (const status of op.statuses) t.ok(o.responses?.[status], `${op.method.toUpperCase()} ${op.path} declares ${status}`)
    for (const status of ['401', '403']) {
      t.ok(o.responses?.[status]?.content?.['application/problem+json'], `${op.method.toUpperCase()} ${op.path}: ${status} is application/problem+json`)
    }
  }

  const put = doc.paths['/v1/articles/{id}']?.put
  t.ok(put?.requestBody?.content?.['text/markdown'], 'PUT takes text/markdown')
  t.notOk(put?.requestBody?.content?.['application/json'], 'PUT does not claim to take JSON')
  t.ok(put?.parameters?.some((p) => p.in === 'header' && p.name.toLowerCase() === 'if-match'), 'PUT documents If-Match')
  t.ok(doc.paths['/v1/articles/{id}']?.delete?.parameters?.some((p) => p.in === 'header' && p.name.toLowerCase() === 'if-match'), 'DELETE documents If-Match')
  const feedback = doc.paths['/v1/articles/{id}/feedback']?.post
  t.ok(feedback?.requestBody?.content?.['application/json'], 'feedback takes JSON')
  t.ok(feedback?.parameters?.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key'), 'feedback documents Idempotency-Key')

  for (const op of OPEN) {
    const o = doc.paths[op.path]?.[op.method]
    t.ok(o, `${op.method.toUpperCase()} ${op.path} is documented`)
    if (!o) continue
    for (const status of op.statuses) t.ok(o.responses?.[status], `${op.method.toUpperCase()} ${op.path} declares ${status}`)
  }
  const changes = doc.paths['/v1/changes']?.get
  t.same(changes?.parameters?.filter((p) => p.in === 'query').map((p) => p.name).sort(), ['cursor', 'limit'], '/v1/changes takes cursor and limit')

  for (const path of ['/v1/articles/{id}', '/v1/articles/{id}/steps', '/v1/articles/{id}/links']) {
    const format = doc.paths[path]?.get?.parameters?.find((p) => p.in === 'query' && p.name === 'format')
    t.ok(format, `GET ${path} documents ?format=`)
    t.match(JSON.stringify(format?.schema), /markdown[\s\S]*html[\s\S]*text/, `GET ${path}: format is markdown, html or text`)
  }
  for (const path of ['/v1/articles', '/v1/scenarios', '/v1/scenarios/{scenarioId}']) {
    const names = doc.paths[path]?.get?.parameters?.filter((p) => p.in === 'query').map((p) => p.name) ?? []
    t.ok(names.includes('cursor') && names.includes('limit'), `GET ${path} documents cursor and limit`)
  }
})

t.test('the served document is app.swagger()', async (t) => {
  const { app } = await integrationApp(t)
  const res = await app.inject('/v1/openapi.json')
  t.equal(res.statusCode, 200)
  t.same(res.json(), JSON.parse(JSON.stringify(app.swagger())), 'the same document')
})
