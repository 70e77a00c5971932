// Paging /v1/articles and /v1/scenarios: bounded limit, opaque signed cursors, RFC 8288 Link
// headers whose URL works, none on the last page, and a 400 for an altered or foreign cursor.
import t, { type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { createKey, expectProblem, integrationApp, publish, SEED_ID, simpleArticle } from '../helpers/integration-app.ts'

/** Six articles (the seed and five more) with eight scenario ids between them. */
const EXTRA = [
  { id: 'paging-a', scenarios: ['1001'] },
  { id: 'paging-b', scenarios: ['1002', '1003'] },
  { id: 'paging-c', scenarios: [] },
  { id: 'paging-d', scenarios: ['1004', '3509'] },
  { id: 'paging-e', scenarios: ['1005', '1006'] }
]
const ALL_IDS = [SEED_ID, ...EXTRA.map((a) => a.id)].sort()
const ALL_SCENARIOS = [...new Set(['2000023', '3509', ...EXTRA.flatMap((a) => a.scenarios)])].sort()

async function pagingApp (t: Test, config = {}): Promise<FastifyInstance> {
  const { app } = await integrationApp(t, config)
  const { token } = createKey(app, ['write'])
  for (const a of EXTRA) await publish(app, a.id, simpleArticle({ title: `Article ${a.id}`, scenarios: a.scenarios }), token)
  return app
}

/** The target of `Link: <url>; rel="next"`, or null when there is none. */
function nextLink (t: Test, res: LightMyRequestResponse): string | null {
  const header = res.headers.link
  if (header === undefined) return null
  t.type(header, 'string', 'one Link header')
  const m = /^<([^>]+)>;\s*rel="next"$/.exec(String(header))
  t.ok(m, `Link is "<url>; rel=\\"next\\"": ${String(header)}`)
  return m ? m[1]! : null
}

/** Flips one character of a cursor in its payload or its signature. */
function tamper (cursor: string, where: 'payload' | 'signature'): string {
  const dot = cursor.indexOf('.')
  const i = where === 'payload' ? Math.floor(dot / 2) : dot + 1 + Math.floor((cursor.length - dot - 1) / 2)
  const c = cursor[i]!
  const flipped = c === 'A' ? 'B' : 'A'
  return cursor.slice(0, i) + flipped + cursor.slice(i + 1)
}

for (const list of [
  { path: '/v1/articles', key: 'id', all: ALL_IDS },
  { path: '/v1/scenarios', key: 'scenarioId', all: ALL_SCENARIOS }
] as const) {
  t.test(`${list.path}: following Link rel="next" visits every item once, in order`, async (t) => {
    const app = await pagingApp(t)
    for (const limit of [1, 2, 4, list.all.length, list.all.length + 1, 100]) {
      const seen: string[] = []
      let url: string | null = `${list.path}?limit=${limit}`
      let pages = 0
      while (url !== null && pages < 50) {
        const res = await app.inject(url)
        t.equal(res.statusCode, 200, `GET ${url}`)
        const body = res.json()
        pages++
        t.ok(body.items.length <= limit, `page ${pages} holds at most ${limit}`)
        seen.push(...body.items.map((i: Record<string, string>) => i[list.key]))
        const link = nextLink(t, res)
        if (body.next === null) {
          t.equal(link, null, `limit ${limit}: no Link on the last page`)
        } else {
          t.type(body.next, 'string', 'next is a cursor')
          t.ok(link, `limit ${limit}, page ${pages}: a Link header when there is a next page`)
          if (link) {
            const target = new URL(link, 'http://localhost')
            t.equal(target.pathname, list.path, 'the Link points at the same list')
            t.equal(target.searchParams.get('cursor'), body.next, 'the Link carries the body\'s next cursor')
            t.equal(target.searchParams.get('limit'), String(limit), 'the Link keeps the limit')
          }
        }
        url = link
      }
      t.same(seen, list.all, `limit ${limit}: every item once, in order`)
      t.equal(pages, Math.max(1, Math.ceil(list.all.length / limit)), `limit ${limit}: ceil(n / limit) pages`)
    }
  })

  t.test(`${list.path}: limit is bounded (1-100)`, async (t) => {
    const { app } = await integrationApp(t)
    for (const limit of ['0', '101', '-1', '1.5', 'ten', '1000000000000']) {
      expectProblem(t, await app.inject(`${list.path}?limit=${limit}`), 400, 'KB_VALIDATION', `limit=${limit}`)
    }
    for (const limit of ['1', '100']) t.equal((await app.inject(`${list.path}?limit=${limit}`)).statusCode, 200, `limit=${limit} is fine`)
  })

  t.test(`${list.path}: an altered cursor is a 400 KB_INVALID_CURSOR`, async (t) => {
    const app = await pagingApp(t)
    const first = (await app.inject(`${list.path}?limit=2`)).json()
    t.type(first.next, 'string')
    const good = await app.inject(`${list.path}?limit=2&cursor=${encodeURIComponent(first.next)}`)
    t.equal(good.statusCode, 200, 'the cursor as issued works')
    const bad = [
      tamper(first.next, 'payload'),
      tamper(first.next, 'signature'),
      first.next.slice(0, -1),
      `${first.next}x`,
      `${first.next}.extra`,
      first.next.split('.')[0],
      Buffer.from(JSON.stringify({ k: list.path.slice(4), a: 'zzz' })).toString('base64url') + '.AAAAAAAAAAAAAAAA',
      'garbage',
      '.',
      '%00'
    ]
    for (const cursor of bad) {
      const res = await app.inject(`${list.path}?limit=2&cursor=${encodeURIComponent(cursor)}`)
      expectProblem(t, res, 400, 'KB_INVALID_CURSOR', `cursor ${JSON.stringify(cursor.slice(0, 30))}`)
    }
  })
}

t.test('a cursor of one list is refused by another', async (t) => {
  const app = await pagingApp(t)
  const scenarios = (await app.inject('/v1/scenarios?limit=1')).json().next
  const articles = (await app.inject('/v1/articles?limit=1')).json().next
  const changes = (await app.inject('/v1/changes?limit=1')).json().next
  for (const c of [scenarios, articles, changes]) t.type(c, 'string')
  expectProblem(t, await app.inject(`/v1/articles?cursor=${encodeURIComponent(scenarios)}`), 400, 'KB_INVALID_CURSOR', 'a scenarios cursor on /v1/articles')
  expectProblem(t, await app.inject(`/v1/articles?cursor=${encodeURIComponent(changes)}`), 400, 'KB_INVALID_CURSOR', 'a changes cursor on /v1/articles')
  expectProblem(t, await app.inject(`/v1/scenarios?cursor=${encodeURIComponent(articles)}`), 400, 'KB_INVALID_CURSOR', 'an articles cursor on /v1/scenarios')
  expectProblem(t, await app.inject(`/v1/changes?cursor=${encodeURIComponent(articles)}`), 400, 'KB_INVALID_CURSOR', 'an articles cursor on /v1/changes')
})

t.test('the Link keeps the filters and the locale; the cursor pages the filtered list', async (t) => {
  const app = await pagingApp(t)
  const res = await app.inject('/v1/articles?limit=1&scenario=3509&locale=ja')
  t.equal(res.statusCode, 200)
  const link = nextLink(t, res)
  t.ok(link, 'two articles carry 3509: a next page')
  if (!link) return
  const target = new URL(link, 'http://localhost')
  t.equal(target.searchParams.get('scenario'), '3509', 'scenario kept')
  t.equal(target.searchParams.get('locale'), 'ja', 'locale kept')
  const second = await app.inject(link)
  t.equal(second.statusCode, 200)
  t.same([...res.json().items, ...second.json().items].map((i: { id: string }) => i.id), [SEED_ID, 'paging-d'], 'both 3509 articles')
  t.equal(second.json().next, null, 'then the end')
  t.equal(second.headers.link, undefined, 'no Link on the last page')
})

t.test('cursors are signed with cursorSecret: good across instances sharing it, refused by another', async (t) => {
  const app = await pagingApp(t, { cursorSecret: 'secret-one' })
  const next = (await app.inject('/v1/articles?limit=2')).json().next
  t.type(next, 'string')
  const same = (await integrationApp(t, { cursorSecret: 'secret-one' }, { dbFile: app.kb.config.dbFile })).app
  t.equal((await same.inject(`/v1/articles?limit=2&cursor=${encodeURIComponent(next)}`)).statusCode, 200, 'the same secret accepts it')
  const other = (await integrationApp(t, { cursorSecret: 'secret-two' }, { dbFile: app.kb.config.dbFile })).app
  expectProblem(t, await other.inject(`/v1/articles?limit=2&cursor=${encodeURIComponent(next)}`), 400, 'KB_INVALID_CURSOR', 'another secret')
})
