// Helpers for the integration-surface tests (test/integration): an app on its own SQLite file,
// API keys, writes through PUT, problem assertions, and small Markdown articles to publish.
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { resolveConfig, type Config } from '../../src/config.ts'
import { ApiKeys, type Scope } from '../../src/auth/api-keys.ts'
import { seedFile } from './corpus.ts'

export { seedFile }

export const SEED_ID = 'fixing-office-apps-message-unlicensed-product'
/** The seed's checks (the first list) and actions (the list after "Use the following troubleshooting actions:"). */
export const SEED_CHECKS = ['s2.1', 's2.2', 's2.3', 's2.4', 's2.5']
export const SEED_ACTIONS = ['s5.1', 's5.2', 's5.3', 's5.4']

/** The parts of a tap test the helpers use. */
export interface Ctx {
  testdir: Test['testdir']
  teardown: Test['teardown']
}

export interface IntegrationApp {
  app: FastifyInstance
  /** The SQLite file the app serves. */
  dbFile: string
  /** The test's temp dir. */
  dir: string
}

/**
 * The config the tests run with: rate limiting and the event-loop guard off (a test process
 * blocks its loop for seconds while it compiles and seeds, which the guard answers with 503s),
 * searches on the event loop (no threads started per app; test/search/search-pool.test.ts
 * compares the two).
 */
export function testConfig (config: Partial<Config> & { dbFile: string }): Config {
  return resolveConfig({ rateLimit: 0, maxEventLoopDelay: 0, searchThreads: 0, ...config })
}

const dirs = new WeakMap<Ctx, { dir: string, files: number }>()

/**
 * The test's temp dir, made once: `t.testdir()` empties the folder each time it is called, so a
 * second app (or a copy of a database) in the same test must not call it again.
 */
export function testDir (t: Ctx): string {
  let entry = dirs.get(t)
  if (!entry) {
    entry = { dir: t.testdir(), files: 0 }
    dirs.set(t, entry)
  }
  return entry.dir
}

/** `kb.sqlite`, then `kb-2.sqlite`, … : a new database file name in the test's dir. */
function nextName (t: Ctx): string {
  testDir(t)
  const entry = dirs.get(t)!
  entry.files++
  return entry.files === 1 ? 'kb.sqlite' : `kb-${entry.files}.sqlite`
}

/**
 * A ready app on `kb.sqlite` in a fresh temp dir (or on `dbFile`), seeded by the app itself when
 * empty, rate limiting off unless `config` says otherwise; closed at teardown.
 */
export async function integrationApp (t: Ctx, config: Partial<Config> = {}, options: { dbFile?: string } = {}): Promise<IntegrationApp> {
  const dir = testDir(t)
  const dbFile = options.dbFile ?? join(dir, nextName(t))
  const app = await buildApp({ config: testConfig({ dbFile, ...config }), logger: false })
  t.teardown(() => app.close())
  await app.ready()
  return { app, dbFile, dir }
}

/** A new API key with these scopes; returns the bearer token (shown once) and the key's id. */
export function createKey (app: FastifyInstance, scopes: Scope[], name = `test-${scopes.join('-')}`): { token: string, id: string } {
  const { key, token } = new ApiKeys(app.kb.db).create(name, scopes)
  return { token, id: key.id }
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

/** The seed article's Markdown (side-by-side, ja-JP + en-US). */
export function seedMarkdown (): string {
  return readFileSync(seedFile, 'utf8')
}

/** The seed with one Japanese sentence (of step s2.1) changed: only the ja-JP translation differs. */
export function changedSeedMarkdown (replacement = 'サブスクリプションの有効期限を確認してください。'): string {
  const seed = seedMarkdown()
  const original = 'サブスクリプションが期限切れの状態であるかどうかを確認します。'
  if (!seed.includes(original)) throw new Error('the seed no longer holds the sentence changedSeedMarkdown replaces')
  return seed.replace(original, replacement)
}

export interface SimpleArticle {
  title?: string
  locale?: string
  scenarios?: string[]
  /** Ordered steps (Markdown); default: two plain steps. */
  steps?: string[]
  /** Extra Markdown after the title, before the steps. */
  intro?: string
}

/** A small plain-Markdown article with front matter, an H1 and an ordered list of steps. */
export function simpleArticle (options: SimpleArticle = {}): string {
  const title = options.title ?? 'A test article'
  const scenarios = options.scenarios ?? []
  const steps = options.steps ?? ['Open the admin center.', 'Check the license.']
  return [
    '---',
    `title: ${title}`,
    `ms.contentlocale: ${options.locale ?? 'en-US'}`,
    'ms.audience: Admin',
    ...(scenarios.length ? ['ms.custom:', ...scenarios.map((s) => `- "${s}"`)] : []),
    '---',
    `# ${title}`,
    '',
    ...(options.intro ? [options.intro, ''] : []),
    'Use the following steps:',
    '',
    ...steps.map((s, i) => `${i + 1}. ${s}`),
    ''
  ].join('\n')
}

/** PUT /v1/articles/:id with a Markdown body. */
export function putArticle (app: FastifyInstance, id: string, markdown: string, token: string | null, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'PUT',
    url: `/v1/articles/${id}`,
    headers: { 'content-type': 'text/markdown; charset=utf-8', ...(token ? bearer(token) : {}), ...headers },
    payload: markdown
  })
}

/** PUT that must succeed (200 or 201); throws otherwise, so a broken setup fails loudly. */
export async function publish (app: FastifyInstance, id: string, markdown: string, token: string): Promise<{ status: string, revision: number }> {
  const res = await putArticle(app, id, markdown, token)
  if (res.statusCode !== 200 && res.statusCode !== 201) throw new Error(`PUT /v1/articles/${id} answered ${res.statusCode}: ${res.body.slice(0, 500)}`)
  return res.json()
}

export interface ChangeEvent { seq: number, articleId: string, locale: string, type: 'created' | 'updated' | 'deleted', revision: number, at: string }

/** Every event of the change feed, read in one page. */
export async function allChanges (app: FastifyInstance): Promise<ChangeEvent[]> {
  const res = await app.inject('/v1/changes?limit=1000')
  if (res.statusCode !== 200) throw new Error(`GET /v1/changes answered ${res.statusCode}: ${res.body.slice(0, 500)}`)
  return res.json().items
}

/** Row counts that tell whether a request wrote anything. */
export function snapshot (app: FastifyInstance): Record<string, number | string> {
  const db = app.kb.db
  const one = (sql: string) => (db.prepare(sql).get() as { v: number | string | null }).v ?? 0
  return {
    articles: one('SELECT count(*) AS v FROM articles'),
    translations: one('SELECT count(*) AS v FROM translations'),
    blocks: one('SELECT count(*) AS v FROM blocks'),
    changes: one('SELECT count(*) AS v FROM changes'),
    revisions: one("SELECT group_concat(id || ':' || revision, ',') AS v FROM (SELECT id, revision FROM articles ORDER BY id)"),
    titles: one("SELECT group_concat(article_id || '/' || locale || ':' || title, '|') AS v FROM (SELECT article_id, locale, title FROM translations ORDER BY article_id, locale)"),
    feedback: one('SELECT count(*) AS v FROM feedback')
  }
}

/** `KB_ARTICLE_NOT_FOUND` → `urn:kb:problem:article-not-found`. */
const typeOf = (code: string): string => `urn:kb:problem:${code.replace(/^KB_/, '').toLowerCase().replace(/_/g, '-')}`

/**
 * Asserts an RFC 9457 problem: status, media type, every member and the stable code.
 * Returns the body (an empty object when it is not JSON).
 */
export function expectProblem (t: Test, res: LightMyRequestResponse, status: number, code: string, label = ''): Record<string, any> {
  const url = res.raw.req.url ?? ''
  const name = `${label ? `${label}: ` : ''}${res.raw.req.method ?? 'GET'} ${url.length > 80 ? `${url.slice(0, 80)}…` : url}`
  t.equal(res.statusCode, status, `${name} → ${status}`, { body: res.body.slice(0, 500) })
  t.match(res.headers['content-type'], /^application\/problem\+json(;|$)/, `${name}: application/problem+json`)
  let body: Record<string, any>
  try {
    body = res.json()
  } catch {
    t.fail(`${name}: the body is not JSON`, { body: res.body.slice(0, 500) })
    return {}
  }
  t.equal(body.status, status, `${name}: body.status`)
  t.equal(body.code, code, `${name}: body.code`)
  t.equal(body.type, typeOf(code), `${name}: body.type`)
  t.ok(typeof body.title === 'string' && body.title.length > 0, `${name}: body.title`)
  t.ok(typeof body.detail === 'string' && body.detail.length > 0, `${name}: body.detail`)
  t.equal(body.instance, url.split('?')[0], `${name}: body.instance is the request path`)
  return body
}
