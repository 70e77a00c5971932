// Every article of the corpus through every article endpoint in several locales: each answer is
// a 200 that matches its declared schema and says its locale, its steps are numbered in order
// and its links point where they say. A shape the serializer or the schema cannot take, on any
// real article, shows up here rather than as a 500 in production.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, getJson } from '../helpers/build-app.ts'

let app: FastifyInstance
let ids: string[]
t.before(async () => {
  app = await buildTestApp(t, { corpus: true })
  const res = await app.inject({ url: '/v1/articles?limit=100' })
  ids = res.json().items.map((item: { id: string }) => item.id)
})

interface Step { id: string, position: number, depth: number, parentId: string | null, steps: Step[], links: Array<{ stepId: string | null }> }
const flatten = (steps: Step[]): Step[] => steps.flatMap((s) => [s, ...flatten(s.steps)])

const LOCALES = [undefined, 'ja', 'de', 'zh-Hans', 'fr']

/**
 * Steps a translation has that its English source lacks, because the text itself differs: the
 * Japanese writes `1. ` (a list) where the English writes `1.Log in` (a paragraph).
 */
const EXTRA_STEPS: Record<string, Record<string, string[]>> = {
  'billing-for-reserved-instance-purchase': { 'ja-JP': ['s11.1', 's11.2'] }
}

t.test('the corpus holds 73 articles', async (t) => {
  t.equal(ids.length, 73)
})

t.test('every article, every endpoint, several locales', async (t) => {
  for (const id of ids) {
    const { body: translations } = await getJson(t, app, `/v1/articles/${id}/translations`)
    const available = translations.translations.map((tr: { locale: string }) => tr.locale)
    t.ok(available.includes('en-US'), `${id}: has its en-US source`)
    for (const locale of LOCALES) {
      const query = locale === undefined ? '' : `?locale=${locale}`
      const { res, body: article } = await getJson(t, app, `/v1/articles/${id}${query}`)
      t.equal(res.headers['content-language'], article.locale.served, `${id}${query}: Content-Language`)
      t.same(article.locale.available, available, `${id}${query}: available = its translations`)
      t.equal(article.translation.locale, article.locale.served, `${id}${query}: the translation served`)

      const { body: steps } = await getJson(t, app, `/v1/articles/${id}/steps${query}`)
      const all = flatten(steps.groups.flatMap((g: { steps: Step[] }) => g.steps))
      t.equal(steps.count, all.length, `${id}${query}: count = steps, sub-steps included`)
      t.same(all.map((s) => s.position), all.map((_, i) => i + 1), `${id}${query}: positions 1..n in order`)
      t.equal(new Set(all.map((s) => s.id)).size, all.length, `${id}${query}: unique step ids`)

      const { body: links } = await getJson(t, app, `/v1/articles/${id}/links${query}`)
      const stepIds = new Set(all.map((s) => s.id))
      // Absolute: a URL without a base (https:, and the odd ms-settings: of a Windows settings page)
      const relative = links.links.map((l: { href: string }) => l.href).filter((href: string) => !URL.canParse(href))
      t.same(relative, [], `${id}${query}: every href is absolute`)
      const orphans = links.links.filter((l: { context: string, stepId: string | null }) => l.context === 'step' && !stepIds.has(l.stepId ?? ''))
      t.same(orphans, [], `${id}${query}: every step link is in a step of the article`)
    }
    // Step ids are the same in every locale of the article
    const idsIn = new Map<string, string[]>()
    for (const locale of available) {
      const res = await app.inject({ url: `/v1/articles/${id}/steps?locale=${locale}` })
      idsIn.set(locale, flatten(res.json().groups.flatMap((g: { steps: Step[] }) => g.steps)).map((s) => s.id))
    }
    for (const [locale, stepIds] of idsIn) {
      const extra = EXTRA_STEPS[id]?.[locale] ?? []
      t.same(stepIds.filter((s) => !extra.includes(s)), idsIn.get('en-US'), `${id}: the step ids of ${locale} are those of en-US`)
      for (const s of extra) t.ok(stepIds.includes(s), `${id}: ${locale} has the extra step ${s} (else drop it from EXTRA_STEPS)`)
    }
  }
})
