// /v1/scenarios, /v1/scenarios/:scenarioId and /v1/locales on a database holding the whole
// test corpus.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, expectProblem, getJson, SEED_ID } from '../helpers/build-app.ts'

/** Distinct scenario ids in the corpus's ms.custom values. */
const SCENARIOS = 134

let app: FastifyInstance
t.before(async () => {
  app = await buildTestApp(t, { corpus: true })
})

interface ScenarioItem { scenarioId: string, articles: number }

t.test('GET /v1/scenarios pages through every scenario id once, in order', async (t) => {
  const items: ScenarioItem[] = []
  const cursors = new Set<string>()
  let url = '/v1/scenarios?limit=50'
  let pages = 0
  for (;;) {
    const { body } = await getJson(t, app, url)
    pages++
    t.ok(body.items.length <= 50, 'at most limit items')
    items.push(...body.items)
    if (body.next === null) break
    t.notOk(cursors.has(body.next), 'a new cursor each page')
    cursors.add(body.next)
    url = `/v1/scenarios?limit=50&cursor=${encodeURIComponent(body.next)}`
    if (pages > 10) { t.fail('too many pages'); break }
  }
  t.equal(pages, Math.ceil(SCENARIOS / 50))
  const ids = items.map((i) => i.scenarioId)
  t.equal(new Set(ids).size, SCENARIOS, 'every scenario id once')
  t.same(ids, [...ids].sort(), 'ordered by id')
  t.match(items.find((i) => i.scenarioId === '2000023'), { articles: 6 })
  t.match(items.find((i) => i.scenarioId === '3509'), { articles: 1 })

  const { body: byDefault } = await getJson(t, app, '/v1/scenarios')
  t.equal(byDefault.items.length, 20, 'the default page size is 20')
  t.same(byDefault.items, items.slice(0, 20), 'the same first page')

  // Each count agrees with the scenario's own article list (at most 20 a page: none has more here)
  for (const item of items) {
    const { body } = await getJson(t, app, `/v1/scenarios/${encodeURIComponent(item.scenarioId)}`)
    t.equal(body.articles.length, item.articles, `${item.scenarioId}: ${item.articles} article(s)`)
    t.equal(body.next, null, `${item.scenarioId}: one page`)
  }
})

t.test('GET /v1/scenarios/:scenarioId', async (t) => {
  const { res, body } = await getJson(t, app, '/v1/scenarios/3509')
  t.equal(res.headers['content-language'], 'en-US')
  t.match(res.headers.vary, /accept-language/i)
  t.equal(body.scenarioId, '3509')
  t.match(body.articles, [{ id: SEED_ID, slug: 'unable-to-activate-office', title: 'Unable to activate Office', locale: 'en-US', scenarioIds: ['2000023', '3509'] }])
  t.equal(body.articles.length, 1, '3509 lists the seed only')
  t.match(body.locale, { requested: null, served: 'en-US', fallback: false })

  const { res: jaRes, body: ja } = await getJson(t, app, '/v1/scenarios/3509', { 'accept-language': 'ja' })
  t.equal(jaRes.headers['content-language'], 'ja-JP')
  t.match(ja.articles, [{ id: SEED_ID, title: 'Office をライセンス認証することができない', locale: 'ja-JP' }], 'titles in the negotiated locale')

  const { body: six } = await getJson(t, app, '/v1/scenarios/2000023?locale=de')
  t.equal(six.articles.length, 6)
  const ids = six.articles.map((a: { id: string }) => a.id)
  t.same(ids, [...ids].sort(), 'ordered by id')
  for (const article of six.articles) {
    t.ok(article.scenarioIds.includes('2000023'), `${article.id} carries the scenario id`)
    t.equal(article.locale, 'de-DE', `${article.id}: title in German`)
  }
  const { body: list } = await getJson(t, app, '/v1/articles?scenario=2000023&locale=de')
  t.same(six.articles, list.items, 'the same articles as /v1/articles?scenario=')
})

t.test('GET /v1/scenarios/:scenarioId pages through its articles', async (t) => {
  const { body: all } = await getJson(t, app, '/v1/scenarios/2000023?limit=100')
  t.equal(all.articles.length, 6)
  t.equal(all.next, null, 'no next page when all fit')

  const pages: Array<Array<{ id: string }>> = []
  let url = '/v1/scenarios/2000023?limit=4&locale=ja'
  for (;;) {
    const { res, body } = await getJson(t, app, url)
    pages.push(body.articles)
    t.ok(body.articles.length <= 4, 'at most limit articles')
    if (body.next === null) {
      t.notOk(res.headers.link, 'no Link header on the last page')
      break
    }
    t.equal(res.headers.link, `</v1/scenarios/2000023?limit=4&locale=ja&cursor=${encodeURIComponent(body.next)}>; rel="next"`, 'Link rel="next" keeps the query')
    url = `/v1/scenarios/2000023?limit=4&locale=ja&cursor=${encodeURIComponent(body.next)}`
    if (pages.length > 3) { t.fail('too many pages'); break }
  }
  t.same(pages.map((p) => p.length), [4, 2], 'two pages: 4 and 2')
  const { body: allJa } = await getJson(t, app, '/v1/scenarios/2000023?limit=100&locale=ja')
  t.same(pages.flat(), allJa.articles, 'the pages hold every article once, in order')

  const { body: first } = await getJson(t, app, '/v1/scenarios/2000023?limit=2')
  t.type(first.next, 'string')
  const cursor = encodeURIComponent(first.next)
  const other = await app.inject(`/v1/scenarios/3509?cursor=${cursor}`)
  expectProblem(t, app, other, { status: 400, code: 'KB_INVALID_CURSOR' })
  const { body: articles } = await getJson(t, app, '/v1/articles?scenario=2000023&limit=2')
  expectProblem(t, app, await app.inject(`/v1/scenarios/2000023?cursor=${encodeURIComponent(articles.next)}`), { status: 400, code: 'KB_INVALID_CURSOR' })
  expectProblem(t, app, await app.inject(`/v1/articles?cursor=${cursor}`), { status: 400, code: 'KB_INVALID_CURSOR' })
  expectProblem(t, app, await app.inject('/v1/scenarios/2000023?limit=0'), { status: 400, code: 'KB_VALIDATION' })
  expectProblem(t, app, await app.inject('/v1/scenarios/2000023?limit=101'), { status: 400, code: 'KB_VALIDATION' })
  expectProblem(t, app, await app.inject('/v1/scenarios/424242?limit=5'), { status: 404, code: 'KB_SCENARIO_NOT_FOUND' })
})

t.test('GET /v1/locales', async (t) => {
  const { body } = await getJson(t, app, '/v1/locales')
  t.equal(body.sourceLocale, 'en-US')
  t.same(body.items, [
    { locale: 'de-DE', articles: 73 },
    { locale: 'en-US', articles: 73 },
    { locale: 'fr-FR', articles: 1 },
    { locale: 'ja-JP', articles: 73 },
    { locale: 'zh-CN', articles: 73 }
  ], 'every locale with its article count, sorted')
  for (const { locale, articles } of body.items) {
    const { body: list } = await getJson(t, app, `/v1/articles?available=${locale}&limit=100`)
    t.equal(list.items.length, articles, `${locale}: the count agrees with the list filtered by it`)
  }
})
