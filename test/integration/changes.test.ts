// GET /v1/changes: the seed's import, PUTs and DELETEs as ordered events per article and locale;
// paging with `next` sees every event exactly once; polling from the last `next` sees new ones.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { allChanges, bearer, changedSeedMarkdown, createKey, expectProblem, integrationApp, publish, putArticle, seedMarkdown, SEED_ID, simpleArticle, type ChangeEvent } from '../helpers/integration-app.ts'

interface Page { items: ChangeEvent[], next: string, hasMore: boolean }

async function page (t: Test, app: FastifyInstance, url: string): Promise<Page> {
  const res = await app.inject(url)
  t.equal(res.statusCode, 200, `GET ${url.slice(0, 60)}`, { body: res.body.slice(0, 300) })
  const body = res.json() as Page
  t.type(body.next, 'string', 'next is always set')
  t.type(body.hasMore, 'boolean')
  if (body.hasMore) t.match(res.headers.link, /^<\/v1\/changes\?[^>]*cursor=[^>]+>; rel="next"$/, 'a Link header while there is more')
  else t.equal(res.headers.link, undefined, 'no Link header on the last page')
  return body
}

const since = (cursor: string, limit = 100) => `/v1/changes?limit=${limit}&cursor=${encodeURIComponent(cursor)}`

t.test('the seed\'s import: a created event for each of its locales', async (t) => {
  const { app } = await integrationApp(t)
  const body = await page(t, app, '/v1/changes')
  t.equal(body.hasMore, false)
  t.same(body.items.map((e) => [e.articleId, e.type, e.revision]), [[SEED_ID, 'created', 1], [SEED_ID, 'created', 1]], 'two created events at revision 1')
  t.same(body.items.map((e) => e.locale).sort(), ['en-US', 'ja-JP'], 'one per locale')
  t.ok(body.items[0]!.seq < body.items[1]!.seq, 'increasing seq')
  for (const e of body.items) t.ok(!Number.isNaN(Date.parse(e.at)), `at is a date: ${e.at}`)
})

t.test('a PUT of the changed seed is an updated event for ja-JP only; an unchanged PUT adds none', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['write'])
  const start = await page(t, app, '/v1/changes')

  const unchanged = await putArticle(app, SEED_ID, seedMarkdown(), token)
  t.equal(unchanged.json().status, 'unchanged')
  t.same((await page(t, app, since(start.next))).items, [], 'no event for an unchanged PUT')

  const changed = await putArticle(app, SEED_ID, changedSeedMarkdown(), token)
  t.equal(changed.statusCode, 200)
  t.equal(changed.json().status, 'updated')
  const after = await page(t, app, since(start.next))
  t.same(after.items.map((e) => [e.articleId, e.locale, e.type, e.revision]), [[SEED_ID, 'ja-JP', 'updated', 2]], 'one updated event for ja-JP at revision 2')
  t.ok(after.items[0]!.seq > start.items.at(-1)!.seq, 'after the import events')
  t.equal(changed.json().revision, 2, 'the PUT reports the same revision')
})

t.test('a DELETE is a deleted event for each locale; a re-created article shows up as created', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['write'])
  const start = await page(t, app, '/v1/changes')
  const del = await app.inject({ method: 'DELETE', url: `/v1/articles/${SEED_ID}`, headers: bearer(token) })
  t.equal(del.statusCode, 204)
  const after = await page(t, app, since(start.next))
  t.same(after.items.map((e) => [e.articleId, e.type]), [[SEED_ID, 'deleted'], [SEED_ID, 'deleted']], 'two deleted events')
  t.same(after.items.map((e) => e.locale).sort(), ['en-US', 'ja-JP'], 'one per locale')
  t.ok(after.items.every((e) => e.revision > 1), 'the deletion has a revision after the import\'s')

  const again = await publish(app, SEED_ID, seedMarkdown(), token)
  t.equal(again.status, 'created', 'PUT re-creates it')
  const recreated = await page(t, app, since(after.next))
  t.same(recreated.items.map((e) => e.type), ['created', 'created'], 'created again, per locale')
  const all = await allChanges(app)
  const revisions = all.filter((e) => e.articleId === SEED_ID).map((e) => e.revision)
  t.same(revisions, [...revisions].sort((a, b) => a - b), 'an article\'s revisions never go back in the feed (a client keeping the highest revision must not miss the re-creation)')
})

t.test('paging with limit=1 through next yields every event exactly once, in increasing seq', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['write'])
  await publish(app, 'feed-a', simpleArticle({ title: 'Feed A' }), token)
  await publish(app, SEED_ID, changedSeedMarkdown(), token)
  await publish(app, 'feed-a', simpleArticle({ title: 'Feed A, again' }), token)
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/articles/feed-a', headers: bearer(token) })).statusCode, 204)
  await publish(app, 'feed-b', simpleArticle({ title: 'Feed B', locale: 'de-DE' }), token)

  const everything = await allChanges(app)
  t.same(everything.map((e) => `${e.articleId}/${e.locale}/${e.type}`), [
    `${SEED_ID}/ja-JP/created`, `${SEED_ID}/en-US/created`,
    'feed-a/en-US/created',
    `${SEED_ID}/ja-JP/updated`,
    'feed-a/en-US/updated',
    'feed-a/en-US/deleted',
    'feed-b/de-DE/created'
  ], 'the events in commit order')

  const seen: ChangeEvent[] = []
  let body = await page(t, app, '/v1/changes?limit=1')
  let pages = 1
  seen.push(...body.items)
  while (body.hasMore && pages < 50) {
    t.equal(body.items.length, 1, 'one event per page')
    body = await page(t, app, since(body.next, 1))
    seen.push(...body.items)
    pages++
  }
  t.same(seen, everything, 'the pages together are the whole feed, nothing missed or repeated')
  t.equal(new Set(seen.map((e) => e.seq)).size, seen.length, 'no seq twice')
  t.ok(seen.every((e, i) => i === 0 || e.seq > seen[i - 1]!.seq), 'strictly increasing seq')

  // After the last page: polling from `next` is empty until something happens.
  const last = body.next
  const empty = await page(t, app, since(last, 1))
  t.same(empty.items, [], 'nothing new')
  t.equal(empty.hasMore, false)
  const stillEmpty = await page(t, app, since(empty.next, 1))
  t.same(stillEmpty.items, [], 'polling with the empty page\'s next is empty too')

  await publish(app, 'feed-c', simpleArticle({ title: 'Feed C' }), token)
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/articles/feed-b', headers: bearer(token) })).statusCode, 204)
  const fresh = await page(t, app, since(last))
  t.same(fresh.items.map((e) => `${e.articleId}/${e.locale}/${e.type}`), ['feed-c/en-US/created', 'feed-b/de-DE/deleted'], 'the new events appear from the saved cursor')
  t.ok(fresh.items[0]!.seq > everything.at(-1)!.seq, 'after everything seen before')
  const fromEmpty = await page(t, app, since(empty.next))
  t.same(fromEmpty.items, fresh.items, 'the same from the empty page\'s cursor')
  const drained = await page(t, app, since(fresh.next))
  t.same(drained.items, [], 'and nothing after them')
})

t.test('polling the feed is cheap: an unchanged page is a 304', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['write'])
  const first = await page(t, app, '/v1/changes')
  const url = since(first.next)
  const res = await app.inject(url)
  const etag = res.headers.etag as string
  t.match(etag, /^"[^"]+"$/, 'a strong ETag')
  t.equal((await app.inject({ url, headers: { 'if-none-match': etag } })).statusCode, 304, 'nothing new: 304')
  await publish(app, 'poll-a', simpleArticle(), token)
  const changed = await app.inject({ url, headers: { 'if-none-match': etag } })
  t.equal(changed.statusCode, 200, 'something new: 200')
  t.equal(changed.json().items.length, 1)
})

t.test('bad parameters of /v1/changes are 400 problems', async (t) => {
  const { app } = await integrationApp(t)
  const next = (await app.inject('/v1/changes?limit=1')).json().next as string
  for (const limit of ['0', '1001', '-5', 'x']) expectProblem(t, await app.inject(`/v1/changes?limit=${limit}`), 400, 'KB_VALIDATION', `limit=${limit}`)
  t.equal((await app.inject('/v1/changes?limit=1000')).statusCode, 200, 'limit=1000 is fine')
  const dot = next.indexOf('.')
  const flipped = next.slice(0, dot - 2) + (next[dot - 2] === 'A' ? 'B' : 'A') + next.slice(dot - 1)
  expectProblem(t, await app.inject(`/v1/changes?cursor=${encodeURIComponent(flipped)}`), 400, 'KB_INVALID_CURSOR', 'a tampered cursor')
  expectProblem(t, await app.inject('/v1/changes?cursor=nope'), 400, 'KB_INVALID_CURSOR', 'garbage')
  expectProblem(t, await app.inject('/v1/changes?since=3'), 400, 'KB_VALIDATION', 'an unknown parameter')
})
