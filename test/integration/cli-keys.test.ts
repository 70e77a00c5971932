// `kb keys create|list|revoke` as an operator runs it (a child process with tsx), and the
// issue's walk-through with a key made that way: PUT a changed seed, see it in the change feed
// and in a new ETag, revalidate with a 304, report feedback once, and a 401 without a key.
import t from 'tap'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { repoRoot } from '../helpers/corpus.ts'
import { bearer, changedSeedMarkdown, expectProblem, integrationApp, putArticle, SEED_ID, testDir, type ChangeEvent } from '../helpers/integration-app.ts'

interface Run { status: number | null, stdout: string, stderr: string }

/** Runs the CLI in a child process (seconds each on a busy machine: independent runs go in parallel). */
function kb (...args: string[]): Promise<Run> {
  const env = { ...process.env }
  delete env.KB_DB
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/kb.ts', ...args], { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null
      resolve({ status, stdout, stderr })
    })
  })
}

const TOKEN = /^kb_([a-z0-9]{12})_[A-Za-z0-9_-]{43}$/m

function keyRows (db: string): Array<Record<string, unknown>> {
  const conn = new Database(db, { readonly: true })
  try {
    return conn.prepare('SELECT * FROM api_keys ORDER BY created_at').all() as Array<Record<string, unknown>>
  } finally {
    conn.close()
  }
}

t.test('keys create, list and revoke', async (t) => {
  const db = join(testDir(t), 'kb.sqlite')

  // The first run migrates the new file: the others wait for it
  const created = await kb('keys', 'create', '--name', 'x', '--scopes', 'write', '--db', db)
  t.equal(created.status, 0, created.stderr)
  const m = TOKEN.exec(created.stdout)
  t.ok(m, 'the token is printed on a line of its own')
  const token = m?.[0] ?? ''
  const id = m?.[1] ?? ''
  t.match(created.stdout, id, 'the key id is printed')
  t.match(created.stdout, /write/, 'and its scopes')
  const secret = token.slice(`kb_${id}_`.length)
  t.notOk(JSON.stringify(keyRows(db)).includes(secret), 'the database holds no secret')

  const two = await kb('keys', 'create', '--name', 'reporting bot', '--scopes', 'read,feedback', '--db', db)
  t.equal(two.status, 0, two.stderr)
  const twoId = TOKEN.exec(two.stdout)?.[1] ?? ''

  const list = await kb('keys', 'list', '--db', db)
  t.equal(list.status, 0, list.stderr)
  const lines = list.stdout.trim().split('\n')
  t.equal(lines.length, 2, 'one line per key')
  t.match(lines.find((l) => l.startsWith(id)), /^\w{12}\tx\twrite\tcreated \S+$/, 'id, name, scopes, created')
  t.match(lines.find((l) => l.startsWith(twoId)), /\treporting bot\tread,feedback\t/, 'the second key')
  t.notOk(list.stdout.includes(secret), 'list never shows a secret')
  t.notOk(/kb_\w{12}_/.test(list.stdout), 'nor a token')

  // The key works against the API until it is revoked
  const { app } = await integrationApp(t, {}, { dbFile: db })
  const put = await putArticle(app, 'cli-made', '---\ntitle: CLI made\nms.contentlocale: en-US\n---\n# CLI made\n\n1. One.\n', token)
  t.equal(put.statusCode, 201, 'the CLI-made key writes')

  const revoke = await kb('keys', 'revoke', id, '--db', db)
  t.equal(revoke.status, 0, revoke.stderr)
  t.match(revoke.stdout, `revoked ${id}`)
  expectProblem(t, await putArticle(app, 'cli-made', '---\ntitle: CLI made 2\nms.contentlocale: en-US\n---\n# CLI made 2\n\n1. One.\n', token), 401, 'KB_INVALID_KEY', 'a revoked key')

  const [listed, again, unknown] = await Promise.all([kb('keys', 'list', '--db', db), kb('keys', 'revoke', id, '--db', db), kb('keys', 'revoke', 'nosuchkey000', '--db', db)])
  t.match(listed.stdout, new RegExp(`^${id}\\t.*\\trevoked \\S+$`, 'm'), 'list shows the revocation')
  t.equal(again.status, 1, 'revoking a revoked key fails')
  t.match(again.stderr, id)
  t.equal(unknown.status, 1, 'revoking an unknown id fails')
})

t.test('bad keys commands exit 2 and create nothing', async (t) => {
  const db = join(testDir(t), 'kb.sqlite')
  // Each run is a process with tsx (seconds on a busy machine): a few telling cases only
  const cases: Array<[string[], RegExp]> = [
    [['keys', 'create', '--name', 'x', '--scopes', 'write,admin'], /unknown scope "admin"/],
    [['keys', 'create', '--scopes', 'write'], /--name/],
    [['keys', 'rotate'], /usage/]
  ]
  // The database file exists and is migrated first, so the parallel runs do not race to create it
  t.equal((await kb('keys', 'list', '--db', db)).status, 0)
  const runs = await Promise.all(cases.map(([args]) => kb(...args, '--db', db)))
  for (const [i, [args, message]] of cases.entries()) {
    const run = runs[i]!
    t.equal(run.status, 2, `${args.join(' ')}: exit 2`)
    t.match(run.stderr, message, `${args.join(' ')}: says why`)
    t.notMatch(run.stdout, /kb_\w{12}_/, `${args.join(' ')}: prints no token`)
  }
  t.same(keyRows(db), [], 'no key was created')
})

t.test('the issue\'s walk-through, with a key made by the CLI', async (t) => {
  const db = join(testDir(t), 'kb.sqlite')
  const token = TOKEN.exec((await kb('keys', 'create', '--name', 'itsm', '--scopes', 'write,feedback', '--db', db)).stdout)?.[0] ?? ''
  t.ok(token, 'a key')
  const write = token
  const feedback = token
  const { app } = await integrationApp(t, {}, { dbFile: db })

  const url = `/v1/articles/${SEED_ID}/steps?locale=ja-JP&format=text`
  const first = await app.inject(url)
  t.equal(first.statusCode, 200)
  const etag = first.headers.etag as string
  t.equal((await app.inject({ url, headers: { 'if-none-match': etag } })).statusCode, 304, 'a second GET with If-None-Match is a 304')
  const feed = (await app.inject('/v1/changes')).json()

  expectProblem(t, await putArticle(app, SEED_ID, changedSeedMarkdown(), null), 401, 'KB_UNAUTHENTICATED', 'no key on a write route')
  t.equal((await putArticle(app, SEED_ID, changedSeedMarkdown(), write)).statusCode, 200, 'the PUT of the changed seed')

  const events = (await app.inject(`/v1/changes?cursor=${encodeURIComponent(feed.next)}`)).json().items as ChangeEvent[]
  t.same(events.map((e) => [e.articleId, e.locale, e.type]), [[SEED_ID, 'ja-JP', 'updated']], 'it shows up in /v1/changes')
  const after = await app.inject({ url, headers: { 'if-none-match': etag } })
  t.equal(after.statusCode, 200, 'the old ETag no longer matches')
  t.not(after.headers.etag, etag, 'the ETag changed')

  const post = () => app.inject({
    method: 'POST',
    url: `/v1/articles/${SEED_ID}/feedback`,
    headers: { ...bearer(feedback), 'idempotency-key': 'INC0012345-1' },
    payload: { locale: 'ja-JP', stepId: 's5.2', outcome: 'resolved', ticket: 'INC0012345' }
  })
  const a = await post()
  const b = await post()
  t.equal(a.statusCode, 202)
  t.equal(b.statusCode, 202)
  t.equal(b.body, a.body, 'the retry gets the same answer')
  const stats = (await app.inject(`/v1/articles/${SEED_ID}/stats`)).json()
  t.equal(stats.total, 1, 'counted once')
  t.same(stats.steps, [{ stepId: 's5.2', total: 1, outcomes: { resolved: 1, not_resolved: 0, step_failed: 0, helpful: 0, not_helpful: 0 } }])
})
