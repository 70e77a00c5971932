// Search over the whole test corpus: the README's example queries in English and Japanese,
// error codes, cross-locale answers, typos, grouping, paging, filters and matching steps.
import t from 'tap'
import { openCorpusDatabase } from '../../scripts/eval-search.ts'
import { searchArticles, SearchCursorError, type SearchOptions } from '../../src/search/search-articles.ts'
import { articleSteps } from '../helpers/db.ts'

const db = openCorpusDatabase()
t.teardown(() => db.close())
const ids = (options: SearchOptions): string[] => searchArticles(db, options).results.map((r) => r.id)

// ../shared/corpus/README.md: the articles that should come first
const EXAMPLES = [
  { en: 'Unlicensed Product', ja: 'ライセンスのない製品', expected: ['solving-unlicensed-product-errors', 'suggestions-for-solving-unlicensed-product-errors', 'fixing-office-apps-message-unlicensed-product'] },
  { en: 'another account from your organization is already signed in', ja: '組織内の別のアカウントが既にサインインしています', expected: ['activation-sign-in-issue-another-account-is-already-signed-in', 'office-message-another-account-from-your-org-is-already-signed-in'] },
  { en: 'You currently have not been assigned an Office license', ja: '現在 Office ライセンスが割り当てられていません', expected: ['fix-you-currently-have-not-been-assigned-an-office-license'] },
  { en: '0x8004de40', ja: '0x8004de40', expected: ['error-when-logging-into-onedrive'] }
]

t.test('the README examples return their expected articles in the top 3', async (t) => {
  for (const { en, ja, expected } of EXAMPLES) {
    for (const [q, locale] of [[en, 'en-US'], [ja, 'ja-JP'], [en, 'ja-JP'], [ja, 'en-US']] as const) {
      const top3 = ids({ q, locale }).slice(0, 3)
      t.same(top3.filter((id) => expected.includes(id)).sort(), [...expected].sort(), `${JSON.stringify(q)} (locale ${locale}): ${top3.join(', ')}`)
    }
  }
})

t.test('error codes rank first, in any case and width, and are marked', async (t) => {
  const codes: Array<[string, string, string]> = [
    ['0x8004de40', 'error-when-logging-into-onedrive', '0x8004de40'],
    ['0X8004DE40', 'error-when-logging-into-onedrive', '0x8004de40'],
    ['０ｘ８００４ＤＥ４０', 'error-when-logging-into-onedrive', '0x8004de40'],
    ['8004de40', 'error-when-logging-into-onedrive', '0x8004de40'],
    ['0x80070005', 'steps-to-resolve-office-activation-error-0x80070005', '0x80070005'],
    ['0xd000000c', 'resolve-office-activation-error-0xd000000c', '0xd000000c'],
    ['30068-39', 'solutions-for-error-30068-39', '30068-39'],
    ['30174-4', 'solutions-for-error-30174-4', '30174-4'],
    ['5.7.23', 'antispam-5-7-23', '5.7.23'],
    ['aadsts70011', 'troubleshoot-aad-authentication-and-authorization-error-codes', 'aadsts70011'],
    ['I get error 0x80070005 when I activate Office', 'steps-to-resolve-office-activation-error-0x80070005', '0x80070005'],
    ['Office activation error 0xD000000C on my Mac', 'resolve-office-activation-error-0xd000000c', '0xd000000c']
  ]
  for (const [q, expected, marked] of codes) {
    const [first] = searchArticles(db, { q, locale: 'en-US' }).results
    t.equal(first?.id, expected, q)
    const s = first!.snippet
    t.ok(s.highlights.some(([a, b]) => s.text.slice(a, b).toLowerCase().replace(/[^0-9a-z]/g, '') === marked.replace(/[^0-9a-z]/g, '')), `${q}: the code is marked in ${JSON.stringify(s.text)}`)
  }
  t.equal(ids({ q: '550 5.7.501' })[0], 'outlook-com-error-550', 'an SMTP code not in the corpus finds its reply code')
})

t.test('cross-locale: English words answer in Japanese, Japanese words in English', async (t) => {
  const [ja] = searchArticles(db, { q: 'Unlicensed Product', locale: 'ja' }).results
  t.match(ja, { locale: { requested: 'ja', served: 'ja-JP', fallback: false }, matchedLocale: 'en-US' })
  t.match(ja!.title, /ライセンス/, 'the title in Japanese')
  t.equal(ja!.snippet.locale, 'en-US', 'the snippet shows where the words matched')
  t.ok(ja!.snippet.highlights.length > 0)

  const [en] = searchArticles(db, { q: 'スクロール バーが表示されない', locale: 'en' }).results
  t.match(en, { id: 'cannot-see-the-scroll-bar', title: 'Cannot see the scroll bar', locale: { served: 'en-US', fallback: false }, matchedLocale: 'ja-JP' })

  // A message quoted in a Japanese title is also searched as the English message it translates
  const message = searchArticles(db, { q: 'ライセンスのない製品', locale: 'en' }).results
  t.match(message[0], { matchedLocale: 'en-US', snippet: { marked: /<mark>Unlicensed Product<\/mark>/ } })
  t.match(message[0]!.title, /^[\x20-\x7e]+$/, 'the title in English')

  const [ownLocale] = searchArticles(db, { q: 'ライセンスのない製品', locale: 'ja-JP' }).results
  t.equal(ownLocale!.matchedLocale, 'ja-JP', 'the served locale gives the snippet when it matched')
  t.match(ownLocale!.snippet.marked, /<mark>ライセンスのない製品<\/mark>/)

  const fr = searchArticles(db, { q: 'Unable to activate Office', locale: 'fr' }).results
  t.match(fr.find((r) => r.id === 'fixing-office-apps-message-unlicensed-product'), { locale: { served: 'fr-FR', fallback: false } })
  t.match(fr.find((r) => r.id !== 'fixing-office-apps-message-unlicensed-product'), { locale: { served: 'en-US', fallback: true } }, 'no French: en-US')

  const zh = searchArticles(db, { q: '0x8004de40', locale: 'zh-Hans' }).results[0]
  t.equal(zh!.locale.served, 'zh-CN')
  t.equal(searchArticles(db, { q: 'Unlicensed Product', acceptLanguage: 'de-CH, de;q=0.9' }).results[0]!.locale.served, 'de-DE', 'Accept-Language')
})

t.test('typos: a fallback when the words find little', async (t) => {
  const window = searchArticles(db, { q: 'ウィドウ', locale: 'ja' })
  t.same(window.corrections, [{ term: 'ウィドウ', suggestions: ['ウィンドウ'] }])
  t.equal(window.results[0]?.id, 'cannot-see-the-scroll-bar')
  t.equal(window.results[0]?.match, 'corrected')

  const licence = searchArticles(db, { q: 'licence disabled' })
  t.match(licence.corrections, [{ term: 'licence', suggestions: ['license'] }])
  t.equal(licence.results[0]?.id, 'license-or-account-disabled')

  const activate = searchArticles(db, { q: 'actvate office' })
  t.match(activate.corrections, [{ term: 'actvate', suggestions: ['activate'] }])
  t.ok(ids({ q: 'actvate office' }).slice(0, 5).includes('how-to-activate-office'))

  t.ok(ids({ q: 'unlicenced product' }).slice(0, 3).includes('solving-unlicensed-product-errors'))
  t.same(searchArticles(db, { q: 'license' }).corrections, [], 'no correction for words that are found')
  t.same(searchArticles(db, { q: 'qqqqxzz' }).results, [], 'nothing near: nothing found')
})

t.test('grouped by article, paged by cursor', async (t) => {
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const page = searchArticles(db, { q: 'office', limit: 7, cursor })
    t.ok(page.results.length <= 7)
    seen.push(...page.results.map((r) => r.id))
    cursor = page.nextCursor
    pages++
  } while (cursor !== null && pages < 50)
  t.equal(new Set(seen).size, seen.length, 'never the same article twice, across pages')
  t.ok(pages > 3, `${pages} pages`)
  t.same(seen, ids({ q: 'office', limit: 50 }).slice(0, seen.length), 'pages follow the ranking')

  const first = searchArticles(db, { q: 'office', limit: 2 })
  t.throws(() => searchArticles(db, { q: 'license', cursor: first.nextCursor }), SearchCursorError, 'a cursor of another query')
  t.throws(() => searchArticles(db, { q: 'office', cursor: 'bm90IGEgY3Vyc29y' }), SearchCursorError)
})

t.test('filters: scenario and audience', async (t) => {
  const scenario = ids({ q: 'office', scenario: '2000023', limit: 50 })
  t.ok(scenario.length > 0)
  const inScenario = db.prepare("SELECT article_id FROM article_scenarios WHERE scenario_id = '2000023'").pluck().all() as string[]
  t.ok(scenario.every((id) => inScenario.includes(id)), 'only the scenario\'s articles')
  const itpro = ids({ q: 'office', audience: 'itpro', limit: 50 })
  t.ok(itpro.length > 0, 'case-insensitive audience')
  const audiences = db.prepare(`SELECT DISTINCT audience FROM articles WHERE id IN (${itpro.map(() => '?').join(',')})`).pluck().all(...itpro)
  t.same(audiences, ['ITPro'])
  t.same(ids({ q: 'office', audience: 'nobody' }), [])
})

t.test('matching steps are named by their ids', async (t) => {
  const [hit] = searchArticles(db, { q: '"sign out of any existing user accounts"', locale: 'en-US' }).results
  t.ok(hit && hit.stepIds.length > 0, 'steps found')
  const steps = articleSteps(db, hit!.id, 'en-US')
  for (const id of hit!.stepIds) {
    const step = steps.find((s) => s.id === id)
    t.ok(step, `${id} is a step of ${hit!.id}`)
    t.match(step!.text, /sign out of any existing user accounts/i)
  }
})

t.test('an empty query is no query', async (t) => {
  for (const q of ['', '   ', '""', '***']) t.same(searchArticles(db, { q }), { results: [], nextCursor: null, corrections: [], truncated: false })
})
