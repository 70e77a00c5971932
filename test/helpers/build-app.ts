// An app on its own SQLite file for route tests: seeded (the app seeds an empty database
// itself) or holding the whole test corpus; a check of a response body against the schema
// the route declares in the OpenAPI document; and assertions for JSON and problem responses.
import { join, resolve } from 'node:path'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { buildApp } from '../../src/app.ts'
import { resolveConfig, type Config } from '../../src/config.ts'
import { openDatabase } from '../../src/db/connection.ts'
import { migrate } from '../../src/db/migrate.ts'
import { importPaths } from '../../src/import/import-paths.ts'
import { CORPUS_FOLDERS, corpusDir } from './corpus.ts'
import type { TestContext } from './db.ts'

export const SEED_ID = 'fixing-office-apps-message-unlicensed-product'

export interface TestAppOptions {
  /** Import the six corpus folders (~4 s); otherwise the app seeds the empty database itself. */
  corpus?: boolean
  /** Files to write into the test's temp dir first (a `t.testdir` fixture), for `paths` to import. */
  fixture?: Record<string, unknown>
  /** Import these files or folders instead (relative ones from the temp dir); the app then seeds nothing. */
  paths?: string[]
  /**
   * Config on top of the test defaults: rate limiting off (tests send thousands of requests),
   * load shedding off (a test's synchronous import blocks the event loop the app measures) and
   * searches on the event loop (test/search/search-pool.test.ts shows threads give the same pages).
   */
  config?: Partial<Config>
  /** Wait for `ready()` (default). Pass false to add routes first; `inject` readies the app. */
  ready?: boolean
}

/**
 * An app on a fresh SQLite file in the test's temp dir, closed at teardown. One app per test
 * (the temp dir is the test's). Importing the corpus takes seconds: build one app per test
 * file (in a top-level `t.before`) and share it.
 */
export async function buildTestApp (t: TestContext, options: TestAppOptions = {}): Promise<FastifyInstance> {
  const dir = t.testdir(options.fixture ?? {})
  const dbFile = join(dir, 'kb.sqlite')
  const db = openDatabase(dbFile)
  try {
    migrate(db)
    const paths = options.paths?.map((p) => resolve(dir, p)) ?? (options.corpus ? CORPUS_FOLDERS.map((folder) => join(corpusDir, folder)) : [])
    if (paths.length > 0) {
      const summary = importPaths(db, paths)
      if (summary.failed > 0) {
        throw new Error(`the import failed for ${summary.failed} file(s): ${summary.failures.map((f) => `${f.path}: ${f.reason}`).join('; ')}`)
      }
    }
  } finally {
    db.close()
  }
  const app = await buildApp({ config: resolveConfig({ dbFile, rateLimit: 0, maxEventLoopDelay: 0, searchThreads: 0, ...options.config }) })
  t.teardown(() => app.close())
  if (options.ready ?? true) await app.ready()
  return app
}

interface OpenApiResponse {
  content?: Record<string, { schema?: object }>
}
interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, OpenApiResponse> }>>
  components?: { schemas?: Record<string, object> }
}

const COMPONENTS_ID = 'urn:kb-test:components'
const validators = new WeakMap<FastifyInstance, { spec: OpenApiDocument, ajv: Ajv2020, compiled: Map<string, ValidateFunction> }>()

/** `#/components/schemas/X` → `$defs/X` of the schema that holds the components, registered with ajv. */
function rebaseRefs (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebaseRefs)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([key, v]) => {
    if (key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) return [key, `${COMPONENTS_ID}#/$defs/${v.slice('#/components/schemas/'.length)}`]
    // Component names are their former $id; the refs above point at them by path instead
    if (key === '$id') return [key, undefined]
    return [key, rebaseRefs(v)]
  }).filter(([, v]) => v !== undefined))
}

function stateOf (app: FastifyInstance) {
  let state = validators.get(app)
  if (!state) {
    const spec = app.swagger() as unknown as OpenApiDocument
    const ajv = new Ajv2020({ strict: true, allErrors: true, keywords: ['example'] })
    addFormats.default(ajv)
    ajv.addSchema({ $id: COMPONENTS_ID, $defs: rebaseRefs(spec.components?.schemas ?? {}) })
    state = { spec, ajv, compiled: new Map() }
    validators.set(app, state)
  }
  return state
}

function check (state: ReturnType<typeof stateOf>, key: string, schema: object, body: unknown): string[] {
  let validate = state.compiled.get(key)
  if (!validate) {
    validate = state.ajv.compile(rebaseRefs(schema) as object)
    state.compiled.set(key, validate)
  }
  if (validate(body)) return []
  return (validate.errors ?? []).map((e) => `${key}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`)
}

/** The OpenAPI path template a request path answers to (`/v1/articles/x/steps` → `/v1/articles/{id}/steps`). */
export function specPath (paths: string[], url: string): string | undefined {
  let path = url.split('?')[0] ?? ''
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
  if (paths.includes(path)) return path
  const segments = path.split('/')
  return paths.find((template) => {
    const parts = template.split('/')
    return parts.length === segments.length && parts.every((part, i) => /^\{[^}]+\}$/.test(part) || part === segments[i])
  })
}

/**
 * Validates a response body against the schema the route declares for that status in the
 * app's OpenAPI document. `path` is a request path (query allowed) or a path template.
 * Returns the violations, so `t.same(validateAgainstSpec(...), [])` shows them on failure.
 */
export function validateAgainstSpec (app: FastifyInstance, method: string, path: string, status: number, body: unknown): string[] {
  const state = stateOf(app)
  const template = specPath(Object.keys(state.spec.paths), path)
  if (template === undefined) return [`no path of the OpenAPI document matches ${path}`]
  const operation = state.spec.paths[template]?.[method.toLowerCase()]
  if (!operation) return [`${method} ${template} is not in the OpenAPI document`]
  const response = operation.responses?.[String(status)]
  if (!response) return [`${method} ${template} declares no ${status} response (it declares ${Object.keys(operation.responses ?? {}).join(', ')})`]
  const media = status >= 400 ? 'application/problem+json' : 'application/json'
  const schema = response.content?.[media]?.schema
  if (!schema) return [`${method} ${template} ${status} declares no ${media} schema (it declares ${Object.keys(response.content ?? {}).join(', ') || 'none'})`]
  return check(state, `${method} ${template} ${status}`, schema, body)
}

/** Validates a body against the `Problem` component (for requests that match no route). */
export function validateProblem (app: FastifyInstance, body: unknown): string[] {
  const state = stateOf(app)
  return check(state, 'Problem', { $ref: '#/components/schemas/Problem' }, body)
}

/** GETs `url`, asserts a 200 JSON body valid against the route's declared schema, and returns it. */
export async function getJson<T = any> (t: Test, app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<{ res: LightMyRequestResponse, body: T }> {
  const res = await app.inject({ method: 'GET', url, headers })
  t.equal(res.statusCode, 200, `GET ${url} answers 200`, { body: res.body.slice(0, 500) })
  t.match(res.headers['content-type'], /^application\/json/, `GET ${url} is JSON`)
  const body = res.json() as T
  t.same(validateAgainstSpec(app, 'GET', url, res.statusCode, body), [], `GET ${url} matches its declared ${res.statusCode} schema`)
  return { res, body }
}

export interface ExpectedProblem {
  status: number
  code: string
  /** The request path the problem names; defaults to the request's path. */
  instance?: string
  /** Check the body against the route's declared schema (default); false: against the Problem component. */
  declared?: boolean
}

/** `KB_ARTICLE_NOT_FOUND` → `urn:kb:problem:article-not-found`, as the contract names problem types. */
const typeOf = (code: string) => `urn:kb:problem:${code.replace(/^KB_/, '').toLowerCase().replace(/_/g, '-')}`

/**
 * Asserts an RFC 9457 problem: status, media type, every member, the code, `errors` for
 * validation problems, and the schema the route declares for the status (or the Problem
 * component for a request no route matches). Returns the body.
 */
export function expectProblem (t: Test, app: FastifyInstance, res: LightMyRequestResponse, expected: ExpectedProblem): Record<string, any> {
  const { method, url } = { method: res.raw.req.method ?? 'GET', url: res.raw.req.url ?? '' }
  const label = `${method} ${url.length > 80 ? `${url.slice(0, 80)}…` : url}`
  const statusOk = t.equal(res.statusCode, expected.status, `${label}: status ${expected.status}`, { body: res.body.slice(0, 500) })
  const typeOk = t.match(res.headers['content-type'], /^application\/problem\+json(;|$)/, `${label}: application/problem+json`)
  // Not a problem at all: the members below would only repeat the failure
  if (!statusOk || !typeOk) return {}
  let body: Record<string, any>
  try {
    body = res.json()
  } catch {
    t.fail(`${label}: the body is not JSON`, { body: res.body.slice(0, 500) })
    return {}
  }
  t.equal(body.status, expected.status, `${label}: body.status`)
  t.equal(body.code, expected.code, `${label}: body.code`)
  t.equal(body.type, typeOf(expected.code), `${label}: body.type`)
  t.ok(typeof body.title === 'string' && body.title.length > 0, `${label}: body.title`)
  t.ok(typeof body.detail === 'string' && body.detail.length > 0, `${label}: body.detail`)
  t.equal(body.instance, expected.instance ?? url.split('?')[0], `${label}: body.instance`)
  if (expected.code === 'KB_VALIDATION') {
    t.ok(Array.isArray(body.errors) && body.errors.length > 0, `${label}: validation errors listed`)
  }
  // A request no route of the document matches can only be held to the Problem component
  const declared = validateAgainstSpec(app, method, url, expected.status, body)
  const unrouted = declared.length === 1 && /^no path of the OpenAPI document|is not in the OpenAPI document$/.test(declared[0]!)
  t.same(expected.declared === false || unrouted ? validateProblem(app, body) : declared, [], `${label}: matches the declared problem schema`)
  return body
}
