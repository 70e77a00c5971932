// Readers during an import: while `kb import` (a child process) replaces an article, a second
// connection reading it sees it whole at the old content or whole at the new, never a mix, and
// never the old again once the new is there. Then the same question asked of the API: a
// commit by another process between the statements of one request.
import t, { type Test } from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openDatabase } from '../../src/db/connection.ts'
import { migrate } from '../../src/db/migrate.ts'
import { importPaths } from '../../src/import/import-paths.ts'
import { parseArticle } from '../../src/ingest/parse-article.ts'
import type { ParsedArticle } from '../../src/ingest/model.ts'
import { ArticleStore, sha256 } from '../../src/db/article-store.ts'
import { buildApp } from '../../src/app.ts'
import { resolveConfig } from '../../src/config.ts'
import { storedSteps } from '../helpers/db.ts'
import { changedVersion, copyCorpus, exited, kbSpawn, signatureOf, type Signature } from '../helpers/faults.ts'

const LOCALE = 'ja-JP'

function parsed (text: string, path: string): ParsedArticle {
  const result = parseArticle(text, { path })
  if (result.kind !== 'article') throw new Error(`${path} is not an article`)
  return result.article
}

const sameSignature = (a: Signature, b: Signature): boolean => JSON.stringify(a) === JSON.stringify(b)

t.test('a reader during kb import sees the article whole-old or whole-new', async (t) => {
  const dir = t.testdir()
  const a = copyCorpus(dir, 'a', [LOCALE])
  const b = copyCorpus(dir, 'b', [LOCALE], (text) => changedVersion(text))
  // The watched article comes last in the import's order, so the reads span the whole run.
  const files = readdirSync(join(a, LOCALE)).filter((f) => f.endsWith('.md')).sort().reverse()
  let watched: { id: string, old: Signature, new: Signature } | undefined
  for (const file of files) {
    const oldArticle = parsed(readFileSync(join(a, LOCALE, file), 'utf8'), `${LOCALE}/${file}`)
    const oldT = oldArticle.translations.find((x) => x.locale === LOCALE)
    if (!oldT || oldT.steps.length === 0) continue
    const newT = parsed(readFileSync(join(b, LOCALE, file), 'utf8'), `${LOCALE}/${file}`).translations.find((x) => x.locale === LOCALE)!
    watched = { id: oldArticle.id, old: signatureOf(oldT), new: signatureOf(newT) }
    break
  }
  if (!watched) throw new Error('no article with steps in the corpus')
  t.notSame(watched.old, watched.new, 'the two versions differ')

  const dbFile = join(dir, 'kb.sqlite')
  const setup = openDatabase(dbFile)
  migrate(setup)
  const first = importPaths(setup, [a])
  setup.close()
  t.equal(first.failed, 0, 'the old content is imported')

  const reader = new Database(dbFile, { readonly: true })
  t.teardown(() => reader.close())
  const translation = reader.prepare('SELECT id FROM translations WHERE article_id = ? AND locale = ?').pluck()
  const counts = reader.prepare(`SELECT (SELECT count(*) FROM blocks WHERE translation_id = @id) AS blocks,
    (SELECT count(*) FROM links WHERE translation_id = @id) AS links`)
  // One read: several statements in one read transaction, as a reader must make them.
  const readOnce = reader.transaction((): Signature | null => {
    const id = translation.get(watched.id, LOCALE) as number | undefined
    if (id === undefined) return null
    const c = counts.get({ id }) as Pick<Signature, 'blocks' | 'links'>
    const steps = storedSteps(reader, id)
    return { blocks: c.blocks, steps: steps.length, links: c.links, stepText: sha256(steps.map((s) => s.text).join('\n')).slice(0, 16) }
  })
  t.ok(sameSignature(readOnce()!, watched.old), 'before the run: the old content')

  const child = kbSpawn(['import', '--db', dbFile, b])
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  child.stdout!.resume()
  const seen: string[] = []
  const bad: string[] = []
  let reads = 0
  while (child.exitCode === null && child.signalCode === null) {
    const got = readOnce()
    reads++
    const version = got === null ? 'none' : sameSignature(got, watched.old) ? 'old' : sameSignature(got, watched.new) ? 'new' : 'mix'
    if (version === 'none' || version === 'mix') bad.push(`read ${reads}: ${version} ${JSON.stringify(got)}`)
    if (seen.at(-1) !== version) seen.push(version)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  const { code } = await exited(child)
  t.equal(code, 0, `the import of the new content completes ${stderr}`)
  t.ok(sameSignature(readOnce()!, watched.new), 'after the run: the new content')
  t.comment(`${reads} reads during the run, versions in order: ${seen.join(' → ')}`)
  t.same(bad, [], 'no read saw a missing or mixed article')
  t.ok(reads > 20, `many reads during the run (${reads})`)
  t.equal(seen[0], 'old', 'the run starts from the old content')
  t.ok(seen.length <= 2 && seen.every((v, i) => v === ['old', 'new'][i]), `old, then new: never the old again once the new was seen (${seen.join(' → ')})`)
})

/**
 * A database whose statement for `sql` runs `before()` once, just before its first `all()`: a
 * commit by another process at the worst moment of a request, made deterministic.
 */
function interceptingDb (db: Database.Database, sqlStart: string, before: () => void): Database.Database {
  let fired = false
  return new Proxy(db, {
    get (target, prop) {
      if (prop === 'prepare') {
        return (sql: string) => {
          const statement = target.prepare(sql)
          if (!sql.trimStart().startsWith(sqlStart)) return statement
          return new Proxy(statement, {
            get (s, p) {
              const value = Reflect.get(s, p, s) as unknown
              if (p !== 'all' || typeof value !== 'function') return typeof value === 'function' ? value.bind(s) : value
              return (...args: unknown[]) => {
                if (!fired) { fired = true; before() }
                return (value as (...a: unknown[]) => unknown).apply(s, args)
              }
            }
          })
        }
      }
      const value = Reflect.get(target, prop, target) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

const stepTextsOf = (steps: Array<{ text: string, steps: unknown[] }>): string[] =>
  steps.flatMap((st) => [st.text, ...stepTextsOf(st.steps as Array<{ text: string, steps: unknown[] }>)])

/** An article with steps from the corpus copy, its changed version, and an app whose `sqlStart` statement lets `other` commit first. */
async function racedApp (t: Test, sqlStart: string, other: (store: ArticleStore, changed: ParsedArticle, text: string) => void) {
  const dir = t.testdir()
  const a = copyCorpus(dir, 'a', [LOCALE])
  const file = readdirSync(join(a, LOCALE)).filter((f) => f.endsWith('.md')).sort().find((f) => {
    const p = parsed(readFileSync(join(a, LOCALE, f), 'utf8'), `${LOCALE}/${f}`)
    return (p.translations.find((x) => x.locale === LOCALE)?.steps.length ?? 0) > 0
  })!
  const oldText = readFileSync(join(a, LOCALE, file), 'utf8')
  const newText = changedVersion(oldText)
  const oldArticle = parsed(oldText, `${LOCALE}/${file}`)
  const newArticle = parsed(newText, `${LOCALE}/${file}`)
  const dbFile = join(dir, 'kb.sqlite')
  const writer = openDatabase(dbFile)
  t.teardown(() => writer.close())
  migrate(writer)
  const store = new ArticleStore(writer)
  store.store(oldArticle, { path: `old/${file}`, contentHash: sha256(oldText) })
  // The "other process": a second connection that commits between two statements of the request.
  const served = openDatabase(dbFile)
  t.teardown(() => served.close())
  const db = interceptingDb(served, sqlStart, () => other(store, newArticle, newText))
  const app = await buildApp({ config: resolveConfig({ dbFile, rateLimit: 0, maxEventLoopDelay: 0 }), db, prepareDatabase: false })
  t.teardown(() => app.close())
  const texts = (p: ParsedArticle) => p.translations.find((x) => x.locale === LOCALE)!.steps.map((st) => st.text)
  return { app, id: oldArticle.id, oldSteps: texts(oldArticle), newSteps: texts(newArticle) }
}

t.test('GET /v1/articles/:id/steps is whole-old or whole-new when another process commits mid-request', async (t) => {
  const { app, id, oldSteps, newSteps } = await racedApp(t, 'SELECT step_id', (store, changed, text) => {
    store.store(changed, { path: 'new.md', contentHash: sha256(text) })
  })
  const res = await app.inject(`/v1/articles/${id}/steps?locale=${LOCALE}`)
  t.equal(res.statusCode, 200)
  const served = stepTextsOf((res.json() as { groups: Array<{ steps: Array<{ text: string, steps: unknown[] }> }> }).groups.flatMap((g) => g.steps))
  t.comment(`served ${served.length} steps; old ${oldSteps.length}, new ${newSteps.length}`)
  t.ok(JSON.stringify(served) === JSON.stringify(oldSteps) || JSON.stringify(served) === JSON.stringify(newSteps), 'the steps served are the old ones or the new ones')
})

t.test('GET /v1/articles/:id answers 200 or 404, never 500, when another process deletes the article mid-request', async (t) => {
  const { app, id } = await racedApp(t, 'SELECT id, locale, title', (store) => {
    store.delete(id)
  })
  const res = await app.inject(`/v1/articles/${id}?locale=${LOCALE}`)
  t.comment(`status ${res.statusCode}: ${res.body.slice(0, 200)}`)
  t.ok([200, 404].includes(res.statusCode), `200 (the article as it was) or 404 (gone), got ${res.statusCode}`)
})
