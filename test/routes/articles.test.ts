// /v1/articles and one article's resources on a database holding the whole test corpus:
// the list (filters, limit, cursor paging), the article, its steps, links and translations.
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, getJson, validateAgainstSpec, SEED_ID } from '../helpers/build-app.ts'
import { corpusDir } from '../helpers/corpus.ts'

const SEED_HASH = '81941d84127a096c3bd588dafc61b492ab6d6458'
/** Articles in the corpus, and how many of them are for each audience. */
const ARTICLES = 73
const AUDIENCES = { Admin: 60, ITPro: 13 }

let app: FastifyInstance
t.before(async () => {
  app = await buildTestApp(t, { corpus: true })
})

interface Summary { id: string, slug: string, title: string, locale: string, scenarioIds: string[], locales: string[], updatedAt: string }
interface Step { id: string, position: number, depth: number, parentId: string | null, text: string, markdown: string, callouts: Array<{ kind: string, text: string }>, links: Array<{ href: string, stepId: string | null, context: string }>, steps: Step[] }
interface Steps { articleId: string, title: string, count: number, groups: Array<{ id: string, intro: { text: string, markdown: string } | null, steps: Step[] }> }

/** Every page of a list from `url` on, following `next`; fails the test on a repeated cursor. */
interface Page { items: Summary[], next: string | null }

async function allPages (t: Test, url: string): Promise<Page[]> {
  const pages: Page[] = []
  const seen = new Set<string>()
  let next: string | null = null
  do {
    const sep = url.includes('?') ? '&' : '?'
    const { body }: { body: Page } = await getJson<Page>(t, app, next === null ? url : `${url}${sep}cursor=${encodeURIComponent(next)}`)
    pages.push(body)
    next = body.next
    if (next !== null) {
      if (seen.has(next)) { t.fail(`cursor ${next} came twice`); break }
      seen.add(next)
    }
  } while (next !== null && pages.length < 100)
  return pages
}

/** Steps in document order, sub-steps after their parent. */
function flatten (steps: Step[]): Step[] {
  return steps.flatMap((s) => [s, ...flatten(s.steps)])
}
const stepsOf = (body: Steps) => body.groups.flatMap((g) => flatten(g.steps))

t.test('GET /v1/articles pages through every article once, in id order', async (t) => {
  const pages = await allPages(t, '/v1/articles?limit=10')
  t.equal(pages.length, Math.ceil(ARTICLES / 10), 'ceil(73 / 10) pages')
  for (const [i, page] of pages.entries()) {
    t.equal(page.items.length, i < pages.length - 1 ? 10 : ARTICLES % 10, `page ${i + 1} holds limit items, the last the rest`)
  }
  t.equal(pages.at(-1)?.next, null, 'the last page has no next cursor')
  const ids = pages.flatMap((p) => p.items.map((item) => item.id))
  t.equal(new Set(ids).size, ARTICLES, 'no article repeats and none is missing')
  t.same(ids, [...ids].sort(), 'ordered by id')
  t.ok(ids.includes(SEED_ID), 'the seed is listed')

  const { body: one } = await getJson(t, app, '/v1/articles?limit=100')
  t.same(one.items.map((item: Summary) => item.id), ids, 'one page of 100 lists the same articles')
  t.equal(one.next, null)
})

t.test('GET /v1/articles: limit', async (t) => {
  const { body: byDefault } = await getJson(t, app, '/v1/articles')
  t.equal(byDefault.items.length, 20, 'the default page size is 20')
  t.type(byDefault.next, 'string')
  const { body: single } = await getJson(t, app, '/v1/articles?limit=1')
  t.equal(single.items.length, 1)
  t.equal(single.items[0].id, byDefault.items[0].id, 'the first page starts with the first article whatever its size')
  const { body: second } = await getJson(t, app, `/v1/articles?limit=1&cursor=${single.next}`)
  t.equal(second.items[0].id, byDefault.items[1].id, 'the cursor of a 1-item page leads to the second article')
})

t.test('GET /v1/articles: each item', async (t) => {
  const { body } = await getJson(t, app, '/v1/articles?limit=100')
  const seed = body.items.find((item: Summary) => item.id === SEED_ID)
  t.match(seed, {
    id: SEED_ID,
    slug: 'unable-to-activate-office',
    title: 'Unable to activate Office',
    locale: 'en-US',
    scenarioIds: ['2000023', '3509'],
    locales: ['de-DE', 'en-US', 'fr-FR', 'ja-JP', 'zh-CN']
  })
  for (const item of body.items as Summary[]) {
    t.ok(item.title.length > 0, `${item.id} has a title`)
    t.ok(item.locales.includes(item.locale), `${item.id}: the title's locale is one the article has`)
    t.same(item.locales, [...item.locales].sort(), `${item.id}: locales sorted`)
    t.notOk(Number.isNaN(Date.parse(item.updatedAt)), `${item.id}: updatedAt is a date`)
  }
  const { body: ja } = await getJson(t, app, '/v1/articles?limit=100&locale=ja')
  t.match(ja.items.find((item: Summary) => item.id === SEED_ID), { title: 'Office をライセンス認証することができない', locale: 'ja-JP' }, 'titles in the served locale')
})

t.test('GET /v1/articles?scenario=', async (t) => {
  const { body: seedOnly } = await getJson(t, app, '/v1/articles?scenario=3509')
  t.same(seedOnly.items.map((item: Summary) => item.id), [SEED_ID], 'scenario 3509: only the seed')
  t.equal(seedOnly.next, null)

  const { body: shared } = await getJson(t, app, '/v1/articles?scenario=2000023')
  t.equal(shared.items.length, 6, 'scenario 2000023 is on six articles')
  for (const item of shared.items as Summary[]) t.ok(item.scenarioIds.includes('2000023'), `${item.id} carries it`)

  const { body: none } = await getJson(t, app, '/v1/articles?scenario=no-such-scenario')
  t.same(none.items, [], 'a filter nothing matches is an empty page, not an error')
  t.equal(none.next, null)
})

t.test('GET /v1/articles?audience=', async (t) => {
  let total = 0
  for (const [audience, count] of Object.entries(AUDIENCES)) {
    const pages = await allPages(t, `/v1/articles?audience=${audience}&limit=25`)
    const ids = pages.flatMap((p) => p.items.map((item) => item.id))
    t.equal(ids.length, count, `${count} ${audience} articles`)
    t.equal(new Set(ids).size, ids.length, 'paging with a filter repeats nothing')
    total += ids.length
    const { body } = await getJson(t, app, `/v1/articles/${ids[0]}`)
    t.equal(body.metadata.audience, audience, `${ids[0]} is for ${audience}`)
  }
  t.equal(total, ARTICLES, 'the audiences partition the corpus')

  const { body: lower } = await getJson(t, app, '/v1/articles?audience=itpro&limit=100')
  t.equal(lower.items.length, AUDIENCES.ITPro, 'the audience matches case-insensitively')
})

t.test('GET /v1/articles?available=', async (t) => {
  const { body: fr } = await getJson(t, app, '/v1/articles?available=fr-FR')
  t.same(fr.items.map((item: Summary) => item.id), [SEED_ID], 'only the seed has fr-FR')
  const { body: de } = await getJson(t, app, '/v1/articles?available=de-DE&limit=100')
  t.equal(de.items.length, ARTICLES, 'every article has de-DE')
  for (const item of de.items as Summary[]) t.ok(item.locales.includes('de-DE'), `${item.id} lists de-DE`)
  const { body: none } = await getJson(t, app, '/v1/articles?available=pt-BR')
  t.same(none.items, [], 'no article has pt-BR')

  const { body: both } = await getJson(t, app, '/v1/articles?available=fr-FR&scenario=2000023&audience=Admin')
  t.same(both.items.map((item: Summary) => item.id), [SEED_ID], 'filters combine')
  const { body: neither } = await getJson(t, app, '/v1/articles?available=fr-FR&scenario=2000021')
  t.same(neither.items, [], 'filters combine with AND')
})

t.test('GET /v1/articles/:id', async (t) => {
  const { res, body } = await getJson(t, app, `/v1/articles/${SEED_ID}`)
  t.equal(res.headers['content-language'], 'en-US')
  t.match(body, {
    id: SEED_ID,
    slug: 'unable-to-activate-office',
    title: 'Unable to activate Office',
    scenarioIds: ['2000023', '3509'],
    metadata: { audience: 'Admin', service: 'o365-administration', topic: 'article', collection: 'Adm_O365', priority: 'Priority', author: 'pebaum' },
    translation: { locale: 'en-US', title: 'Unable to activate Office', translationType: 'source', stale: false },
    locale: { requested: null, served: 'en-US', fallback: false, available: ['de-DE', 'en-US', 'fr-FR', 'ja-JP', 'zh-CN'] }
  })
  t.ok(body.revision >= 1, 'a revision')
  t.ok(Date.parse(body.createdAt) <= Date.parse(body.updatedAt), 'created no later than updated')
  const lists = body.blocks.filter((b: { type: string }) => b.type === 'list')
  t.same(lists.map((b: { id: string }) => b.id).slice(0, 2), ['b2', 'b5'], 'the two step lists are blocks b2 and b5')
  t.equal(lists[0].items.length, 5)

  const { body: ja } = await getJson(t, app, `/v1/articles/${SEED_ID}?locale=ja`)
  t.match(ja, {
    id: SEED_ID,
    title: 'Office をライセンス認証することができない',
    translation: { locale: 'ja-JP', translationType: 'human', handoffDate: '2021-06-07', sourceHash: SEED_HASH, stale: false }
  })
  t.same(ja.blocks.map((b: { id: string, type: string }) => [b.id, b.type]), body.blocks.map((b: { id: string, type: string }) => [b.id, b.type]),
    'the same block structure in every locale')
  t.notSame(ja.blocks, body.blocks, 'with the text of each locale')

  const { body: machine } = await getJson(t, app, '/v1/articles/troubleshooting-seamless-sso-issues?locale=ja-JP')
  t.equal(machine.translation.translationType, 'machine', 'a machine translation says so')
})

t.test('GET /v1/articles/:id finds articles from awkward file names', async (t) => {
  for (const id of [
    'commercial-dialogues__configure-quarantine-notifications-sent-to-users', // a subfolder
    'restore-an-office-365-group-using-eac', // seven zero-width spaces in the file name
    'cant-access-user-data-teams', // a space in the file name
    'alchemy-insight-template' // upper case in the file name
  ]) {
    const { body } = await getJson(t, app, `/v1/articles/${id}`)
    t.equal(body.id, id)
  }
})

t.test('GET /v1/articles/:id/steps: the seed in Japanese and in English', async (t) => {
  const { res, body } = await getJson<Steps>(t, app, `/v1/articles/${SEED_ID}/steps`, { 'accept-language': 'ja' })
  t.equal(res.headers['content-language'], 'ja-JP')
  t.match(res.headers.vary, /accept-language/i)
  t.equal(body.articleId, SEED_ID)
  t.equal(body.title, 'Office をライセンス認証することができない')
  t.equal(body.count, 9, '9 steps')
  t.equal(body.groups.length, 2, 'in two groups')
  const [checks, actions] = body.groups
  t.equal(checks?.steps.length, 5, '5 checks first')
  t.equal(actions?.steps.length, 4, 'then 4 troubleshooting actions')
  t.match(actions?.intro?.text, /トラブルシューティング/, 'under their intro, in Japanese')
  const steps = stepsOf(body)
  t.same(steps.map((s) => s.position), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'positions 1..9 in order')
  t.ok(steps.every((s) => s.depth === 0 && s.parentId === null && s.steps.length === 0), 'no sub-steps')
  t.equal(new Set(steps.map((s) => s.id)).size, 9, 'unique step ids')
  t.match(steps[0]?.text, /サブスクリプション/, 'the text is Japanese')

  const { res: enRes, body: en } = await getJson<Steps>(t, app, `/v1/articles/${SEED_ID}/steps?locale=en`, { 'accept-language': 'ja' })
  t.equal(enRes.headers['content-language'], 'en-US', '?locale=en beats the header')
  t.same(stepsOf(en).map((s) => s.id), steps.map((s) => s.id), 'the same step ids in English')
  t.same(en.groups.map((g) => g.id), body.groups.map((g) => g.id), 'the same groups')
  t.equal(stepsOf(en)[0]?.text, 'Check if your subscription status has expired.')
  t.match(en.groups[1]?.intro?.text, /troubleshooting actions/i, 'the intro in English')
  for (const step of stepsOf(en)) {
    t.notMatch(step.markdown, /\]\(\//, `${step.id}: no relative link left in the Markdown`)
  }

  for (const locale of ['de-DE', 'zh-CN', 'fr-FR']) {
    const { body: other } = await getJson<Steps>(t, app, `/v1/articles/${SEED_ID}/steps?locale=${locale}`)
    t.same(stepsOf(other).map((s) => s.id), steps.map((s) => s.id), `the same step ids in ${locale}`)
    t.notSame(stepsOf(other).map((s) => s.text), stepsOf(en).map((s) => s.text), `${locale} text differs from English`)
  }
})

t.test('GET /v1/articles/:id/steps: nesting, callouts and links', async (t) => {
  const { body: nested } = await getJson<Steps>(t, app, '/v1/articles/problem-resetting-password/steps')
  const all = stepsOf(nested)
  t.equal(nested.count, all.length, 'count includes sub-steps')
  t.same(all.map((s) => s.position), all.map((_, i) => i + 1), 'positions follow document order, sub-steps included')
  const children = all.filter((s) => s.depth > 0)
  t.ok(children.length > 0, 'the article has sub-steps')
  const byId = new Map(all.map((s) => [s.id, s]))
  for (const child of children) {
    const parent = byId.get(child.parentId ?? '')
    t.ok(parent?.steps.includes(child), `${child.id} is nested under its parent ${child.parentId}`)
    t.equal(child.depth, (parent?.depth ?? -2) + 1, `${child.id} is one level deeper than its parent`)
  }

  const { body: withNote } = await getJson<Steps>(t, app, '/v1/articles/license-or-account-disabled/steps')
  const step = stepsOf(withNote).find((s) => s.id === 's3.2')
  t.match(step?.callouts, [{ kind: 'note', text: /Reactivate this subscription/ }], 'a note inside a list item is the step\'s callout')
  t.equal(withNote.groups[0]?.intro?.text, 'Reactivate a subscription')

  const { body: seed } = await getJson<Steps>(t, app, `/v1/articles/${SEED_ID}/steps`)
  const { body: links } = await getJson(t, app, `/v1/articles/${SEED_ID}/links`)
  for (const s of stepsOf(seed)) {
    for (const link of s.links) t.match(link, { context: 'step', stepId: s.id }, `${s.id}: its link says where it occurs`)
  }
  t.same(
    stepsOf(seed).flatMap((s) => s.links),
    links.links.filter((l: { context: string }) => l.context === 'step'),
    'the steps hold exactly the step links of /links'
  )
})

t.test('GET /v1/articles/:id/links', async (t) => {
  const { res, body } = await getJson(t, app, `/v1/articles/${SEED_ID}/links`)
  t.equal(res.headers['content-language'], 'en-US')
  t.equal(body.articleId, SEED_ID)
  t.equal(body.links.length, 14, 'the seed has 14 links')
  const { body: steps } = await getJson<Steps>(t, app, `/v1/articles/${SEED_ID}/steps`)
  const stepIds = new Set(stepsOf(steps).map((s) => s.id))
  for (const link of body.links) {
    t.match(new URL(link.href).protocol, /^https?:$/, `${link.href} is absolute`)
    t.ok(link.text.length > 0, 'has a text')
    if (link.context === 'step') t.ok(stepIds.has(link.stepId), `step link in a step of the article (${link.stepId})`)
    else t.equal(link.stepId, null, 'a link outside steps has no stepId')
  }
  t.same([...new Set(body.links.map((l: { kind: string }) => l.kind))].sort(), ['docs', 'short', 'support'], 'docs, support and aka.ms links')
  t.match(body.links.find((l: { href: string }) => l.href.startsWith('https://aka.ms/')), { kind: 'short' })
  t.match(body.links.find((l: { title: string | null }) => l.title !== null), { title: 'Office 365 URLs and IP address ranges' }, 'link titles kept')

  const { res: jaRes, body: ja } = await getJson(t, app, `/v1/articles/${SEED_ID}/links?locale=ja`)
  t.equal(jaRes.headers['content-language'], 'ja-JP')
  t.same(ja.links.map((l: { href: string }) => l.href), body.links.map((l: { href: string }) => l.href), 'the same targets in Japanese')
  t.notSame(ja.links.map((l: { text: string }) => l.text), body.links.map((l: { text: string }) => l.text), 'with Japanese texts')

  const { body: kb } = await getJson(t, app, '/v1/articles/license-not-working/links')
  const toArticle = kb.links.find((l: { kind: string }) => l.kind === 'article')
  t.match(toArticle, { href: /alchemyinsights\/reactivate-your-subscription$/, articleId: null },
    'a link to a KB article that is not imported is kind article without an articleId')
})

t.test('GET /v1/articles/:id/translations', async (t) => {
  const { body } = await getJson(t, app, `/v1/articles/${SEED_ID}/translations`)
  t.equal(body.articleId, SEED_ID)
  t.equal(body.sourceLocale, 'en-US')
  const byLocale = new Map(body.translations.map((tr: { locale: string }) => [tr.locale, tr]))
  t.same([...byLocale.keys()], ['de-DE', 'en-US', 'fr-FR', 'ja-JP', 'zh-CN'], 'the five locales of the seed, sorted')
  t.match(byLocale.get('en-US'), { translationType: 'source', stale: false, title: 'Unable to activate Office' }, 'en-US is the source')
  for (const locale of ['de-DE', 'fr-FR', 'ja-JP', 'zh-CN']) {
    t.match(byLocale.get(locale), { translationType: 'human', handoffDate: '2021-06-07', sourceHash: SEED_HASH, stale: false },
      `${locale}: a human translation of the current source`)
  }
  for (const locale of ['de-DE', 'fr-FR', 'zh-CN']) {
    t.match(byLocale.get(locale), { derived: true }, `${locale} comes only from a side-by-side file`)
  }
  for (const tr of body.translations) {
    const { body: article } = await getJson(t, app, `/v1/articles/${SEED_ID}?locale=${tr.locale}`)
    t.equal(article.title, tr.title, `${tr.locale}: the title is the article's in that locale`)
    t.same(article.translation, tr, `${tr.locale}: the same translation info as the article shows`)
  }

  const { body: machine } = await getJson(t, app, '/v1/articles/troubleshooting-seamless-sso-issues/translations')
  t.ok(machine.translations.some((tr: { translationType: string }) => tr.translationType === 'machine'), 'machine translations are marked')
})

t.test('GET /v1/articles/:id/translations: a translation of an older source is stale', async (t) => {
  // The same article twice: de-DE translated from an older English text, ja-JP from the current one.
  const file = `${SEED_ID}.md`
  const older = 'ffffffffffffffffffffffffffffffffffffffff'
  const de = readFileSync(join(corpusDir, 'de-DE', file), 'utf8').replace(`ms.openlocfilehash: ${SEED_HASH}`, `ms.openlocfilehash: ${older}`)
  t.not(de, readFileSync(join(corpusDir, 'de-DE', file), 'utf8'), 'the fixture changes the hash')
  const stale = await buildTestApp(t, {
    fixture: { old: { 'de-DE': { [file]: de } }, current: { 'ja-JP': { [file]: readFileSync(join(corpusDir, 'ja-JP', file), 'utf8') } } },
    paths: ['old', 'current']
  })
  const { body } = await getJson(t, stale, `/v1/articles/${SEED_ID}/translations`)
  const byLocale = new Map(body.translations.map((tr: { locale: string }) => [tr.locale, tr]))
  t.match(byLocale.get('en-US'), { translationType: 'source', sourceHash: SEED_HASH, stale: false }, 'the source is never stale')
  t.match(byLocale.get('ja-JP'), { sourceHash: SEED_HASH, stale: false }, 'ja-JP translates the current source')
  t.match(byLocale.get('de-DE'), { sourceHash: older, stale: true }, 'de-DE translates an older source: stale')
})

t.test('the schema check is not vacuous: it rejects what the declared schemas do not allow', async (t) => {
  const { body } = await getJson<Steps>(t, app, `/v1/articles/${SEED_ID}/steps`)
  const url = `/v1/articles/${SEED_ID}/steps`
  t.same(validateAgainstSpec(app, 'GET', url, 200, body), [], 'the real body passes')
  const badStep = structuredClone(body) as any
  badStep.groups[0].steps[0].position = 'first'
  t.match(validateAgainstSpec(app, 'GET', url, 200, badStep), [/\/groups\/0\/steps\/0\/position must be integer/], 'a wrong type inside a $ref\'d Step')
  const badLocale = structuredClone(body) as any
  delete badLocale.locale.served
  t.match(validateAgainstSpec(app, 'GET', url, 200, badLocale), [/\/locale must have required property 'served'/], 'a missing member of the LocaleInfo component')
  const { body: article } = await getJson(t, app, `/v1/articles/${SEED_ID}`)
  t.match(validateAgainstSpec(app, 'GET', `/v1/articles/${SEED_ID}`, 200, { ...article, updatedAt: 'yesterday' }), [/\/updatedAt must match format "date-time"/], 'formats are checked')
  t.match(validateAgainstSpec(app, 'GET', `/v1/articles/${SEED_ID}`, 200, { ...article, blocks: [{ type: 'poem', id: 'b1' }] }), [/\/blocks\/0/], 'the recursive Block union is checked')
  t.match(validateAgainstSpec(app, 'GET', '/v1/articles', 418, {}), [/declares no 418 response/], 'an undeclared status is reported')
  t.match(validateAgainstSpec(app, 'GET', '/v1/nowhere', 200, {}), [/no path of the OpenAPI document/], 'an unknown path is reported')
})
