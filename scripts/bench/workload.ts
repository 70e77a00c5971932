// The request mixes: what clients of this API send, drawn (with a seeded PRNG) from what the
// imported database holds. Popular articles and scenarios are asked for more (a Zipf law over
// a shuffled list), in many locales, some with ?locale= and some with Accept-Language.
import Database from 'better-sqlite3'
import { Random } from '../generate-corpus.ts'
import type { Target } from './load.ts'

/** Requests per mix: enough that a response cache must hold many entries to serve them all. */
export const MIX_SIZE = 4096

/** Locales clients ask for, with weights: English most, then the big markets, then the rest. */
export const REQUESTED_LOCALES: Array<[string, number]> = [
  ['en-US', 24], ['en', 6], ['ja', 8], ['ja-JP', 3], ['de', 6], ['de-DE', 2], ['fr', 5], ['fr-FR', 2], ['es', 5],
  ['zh-CN', 4], ['zh-Hans', 1], ['pt-BR', 4], ['it', 3], ['ko', 3], ['nl', 2], ['ru', 2], ['pl', 2], ['sv', 2],
  ['tr', 2], ['zh-TW', 2], ['cs', 1], ['da', 1], ['fi', 1], ['nb', 1], ['hu', 1], ['el', 1], ['ar', 1], ['he', 1],
  ['th', 1], ['uk', 1], ['vi', 1], ['id', 1], ['pt-PT', 1], ['ro', 1], ['sk', 1], ['hr', 1], ['de-CH', 1], ['es-MX', 1]
]

/** Accept-Language as browsers send it for a wanted tag. */
function acceptLanguageOf (tag: string): string {
  const language = tag.split('-')[0]!
  return tag === language ? `${tag},en;q=0.8` : `${tag},${language};q=0.9,en;q=0.8`
}

/** Quoted error messages and phrases users paste (the sample's and the generator's). */
export const PHRASE_QUERIES = [
  '"another account from your organization is already signed in"',
  '"Unlicensed Product"',
  '"You currently have not been assigned an Office license"',
  '"Something went wrong"',
  '"We couldn\'t sign you in"',
  '"Your mailbox is full"',
  '"Access denied"',
  '"The message could not be delivered"',
  '"This product is unlicensed"',
  '"Installation failed"',
  '"Your password has expired"',
  '"The operation timed out"',
  'outlook "keeps asking for password"',
  '"shared mailbox" permissions',
  '"reset Office activation state"',
  '"Microsoft Support and Recovery Assistant"'
]

/** Japanese queries as typed: words with and without spaces, a whole sentence, mixed with English. */
export const JAPANESE_QUERIES = [
  'ライセンスのない製品',
  '組織内の別のアカウントが既にサインインしています',
  '現在 Office ライセンスが割り当てられていません',
  'ライセンス認証 エラー',
  'サインイン できない',
  'メール 配信 エラー',
  'パスワード リセット',
  'OneDrive 同期',
  'Teams 会議',
  '共有メールボックス',
  'アクティブ化 失敗',
  'アカウント ロック',
  '迷惑メール フィルター',
  'インストール エラー',
  'メールボックス 容量',
  '多要素認証'
]

/**
 * A user's words, as typed into a support search box: no quotes, no code, common words, a
 * typo now and then. Each also goes with a product name in front.
 */
export const WORD_QUERIES = [
  'cant activate', 'activation failed', 'keeps asking for password', 'reset my password', 'cannot sign in',
  'sign in loop', 'not syncing', 'files not syncing', 'mailbox full', 'mailbox is almost full', 'cant send email',
  'email stuck in outbox', 'unlicensed product', 'license expired', 'remove a license', 'how do I add a user',
  'account locked', 'shared mailbox permissions', 'meeting link not working', 'recover deleted files',
  'storage full', 'spam filter', 'update failed', 'crashes when opening', 'install stuck', 'slow to open',
  'calendar missing', 'cannot open attachment', 'product activation', 'subscription expired', 'licence', 'pasword reset',
  'multi factor authentication', 'something went wrong', 'error when installing', 'office wont start'
]

/** More Japanese words, combined in pairs for the distinct-query mix. */
const JAPANESE_WORDS = [
  'ライセンス', 'サインイン', 'パスワード', 'メール', '同期', '会議', 'アカウント', 'エラー', 'インストール', '認証',
  '共有', 'アクティブ化', 'メールボックス', '管理者', '更新', '削除', '復元', '予定表', '通知', 'ファイル',
  'アクセス', 'セキュリティ', 'ポリシー', '容量'
]
const PRODUCTS = ['Outlook', 'Teams', 'OneDrive', 'Office', 'Excel', 'SharePoint', 'Exchange', 'Word']
const JAPANESE_LOCALES = ['ja', 'ja-JP', 'ja,en-US;q=0.5', 'ja-JP,ja;q=0.9,en;q=0.8']

/** Codes of the sample articles: there even in a corpus too small for generated ones. */
const SAMPLE_CODES = ['0x8004de40', '5.7.23', '0x15', 'AADSTS50076', '30088-4']

export interface Workloads {
  article: Target[]
  steps: Target[]
  scenario: Target[]
  list: Target[]
  /**
   * Search mixes of distinct requests (query and Accept-Language): a run that sends fewer
   * requests than its slice never asks twice, so the response cache cannot answer and the
   * search itself is measured. See `distinctSlices` in run.ts.
   */
  searchCode: Target[]
  searchPhrase: Target[]
  searchJapanese: Target[]
  /** A user's words (WORD_QUERIES, alone and after a product name), in every asked locale. */
  searchWords: Target[]
  /** The popular queries again and again (the same 96 queries): what the response cache makes of them. */
  searchPopular: Target[]
  /** Distinct searches of all three kinds, sent alongside article reads (the "while searching" row). */
  searchAlongside: Target[]
  /** One article path, for start-up's first response. */
  sampleArticlePath: string
  articles: number
  scenarios: number
}

/** The corpus generator's draws, plus weighted picks and Zipf draws from a precomputed table. */
class Draw extends Random {
  weighted<T> (items: ReadonlyArray<[T, number]>): T {
    const total = items.reduce((n, [, w]) => n + w, 0)
    let x = this.next() * total
    for (const [item, w] of items) if ((x -= w) <= 0) return item
    return items.at(-1)![0]
  }

  /** Index in [0, n) by a Zipf law (s = 1): cumulative weights precomputed by the caller. */
  zipfFrom (cumulative: Float64Array): number {
    const x = this.next() * cumulative[cumulative.length - 1]!
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid]! < x) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

function zipfTable (n: number, s = 1): Float64Array {
  const table = new Float64Array(n)
  let total = 0
  for (let i = 0; i < n; i++) {
    total += 1 / (i + 1) ** s
    table[i] = total
  }
  return table
}

/** Builds every mix but the list pages (those need cursors from the server: see listTargets). */
export function buildWorkloads (dbFile: string, codes: string[], seed: string): Workloads {
  const db = new Database(dbFile, { readonly: true })
  try {
    const ids = db.prepare('SELECT id FROM articles ORDER BY id').pluck().all() as string[]
    const scenarioIds = db.prepare('SELECT scenario_id FROM article_scenarios GROUP BY scenario_id ORDER BY count(*) DESC, scenario_id').pluck().all() as string[]
    if (ids.length === 0) throw new Error(`${dbFile} holds no articles`)
    const draw = new Draw(`${seed}:workload`)
    const popular = draw.shuffle([...ids])
    const articleZipf = zipfTable(popular.length)
    const scenarioZipf = zipfTable(Math.max(1, scenarioIds.length))
    const enc = encodeURIComponent
    const article: Target[] = []
    const steps: Target[] = []
    const scenario: Target[] = []
    for (let i = 0; i < MIX_SIZE; i++) {
      const id = popular[draw.zipfFrom(articleZipf)]!
      const locale = draw.weighted(REQUESTED_LOCALES)
      // Half the clients name the locale in the query, half send Accept-Language
      article.push(draw.int(2) === 0
        ? { path: `/v1/articles/${enc(id)}?locale=${enc(locale)}` }
        : { path: `/v1/articles/${enc(id)}`, headers: { 'accept-language': acceptLanguageOf(locale) } })
      // Steps as an assistant asks for them: Accept-Language, Japanese most of all
      const stepsLocale = draw.int(3) === 0 ? 'ja' : draw.weighted(REQUESTED_LOCALES)
      steps.push({ path: `/v1/articles/${enc(popular[draw.zipfFrom(articleZipf)]!)}/steps`, headers: { 'accept-language': acceptLanguageOf(stepsLocale) } })
      if (scenarioIds.length > 0) {
        const sid = scenarioIds[draw.zipfFrom(scenarioZipf)]!
        scenario.push({ path: `/v1/scenarios/${enc(sid)}`, headers: { 'accept-language': acceptLanguageOf(draw.weighted(REQUESTED_LOCALES)) } })
      }
    }
    const codeList = [...new Set([...codes, ...SAMPLE_CODES])]
    const searchTarget = (q: string, acceptLanguage: string): Target => ({ path: `/v1/search?q=${enc(q)}`, headers: { 'accept-language': acceptLanguage } })
    /** Every query with every locale given, shuffled, without repeats. */
    const distinct = (queries: string[], locales: string[], limit: number): Target[] => {
      const pairs: Target[] = []
      for (const q of queries) for (const l of locales) pairs.push(searchTarget(q, l))
      return draw.shuffle(pairs).slice(0, limit)
    }
    const asked = REQUESTED_LOCALES.map(([tag]) => acceptLanguageOf(tag))
    const codeForms = codeList.flatMap((c) => [c, `error ${c}`, `${c} error`, ...PRODUCTS.map((p) => `${p} ${c}`)])
    const phraseForms = PHRASE_QUERIES.flatMap((q) => [q, ...PRODUCTS.map((p) => `${q} ${p}`)])
    const japaneseForms = [
      ...JAPANESE_QUERIES,
      ...JAPANESE_QUERIES.flatMap((q) => PRODUCTS.map((p) => `${p} ${q}`)),
      ...JAPANESE_WORDS.flatMap((a) => JAPANESE_WORDS.filter((b) => b !== a).map((b) => `${a} ${b}`))
    ]
    const wordForms = WORD_QUERIES.flatMap((q) => [q, ...PRODUCTS.map((p) => `${p} ${q}`)])
    const popularQueries = [...JAPANESE_QUERIES, ...PHRASE_QUERIES, ...draw.shuffle([...codeList]).slice(0, 64)]
    const DISTINCT = 3 * MIX_SIZE
    return {
      article,
      steps,
      scenario,
      list: [],
      searchCode: distinct(codeForms, asked, DISTINCT),
      searchPhrase: distinct(phraseForms, asked, DISTINCT),
      searchJapanese: distinct(japaneseForms, JAPANESE_LOCALES, DISTINCT),
      searchPopular: Array.from({ length: 1024 }, () => searchTarget(draw.pick(popularQueries), acceptLanguageOf(draw.pick(['ja', 'en-US', 'de', 'fr', 'zh-CN'])))),
      // Drawn last, so the mixes above stay what they were; the trailing space makes them other
      // URLs than the search rows' (the search trims it), so the response cache cannot answer
      searchAlongside: distinct([...codeForms, ...phraseForms, ...japaneseForms].map((q) => `${q} `), asked, DISTINCT),
      // Drawn after every other mix, which it leaves as it was
      searchWords: distinct(wordForms, asked, DISTINCT),
      sampleArticlePath: `/v1/articles/${enc(popular[0]!)}`,
      articles: ids.length,
      scenarios: scenarioIds.length
    }
  } finally {
    db.close()
  }
}

/**
 * List pages as a client pages them: first pages with and without filters, and the pages after
 * them through their `next` cursors (fetched from the running server, so they are valid).
 */
export async function listTargets (baseUrl: string, seed: string, maxPagesPerList = 25): Promise<Target[]> {
  const draw = new Draw(`${seed}:lists`)
  const starts = [
    '/v1/articles?limit=20',
    '/v1/articles?limit=50',
    '/v1/articles?limit=20&available=de-DE',
    '/v1/articles?limit=20&available=ja-JP',
    '/v1/articles?limit=20&audience=Admin',
    '/v1/articles?limit=10&available=th-TH'
  ]
  const paths: string[] = []
  for (const start of starts) {
    let path: string | null = start
    for (let page = 0; path !== null && page < maxPagesPerList; page++) {
      const res: Response = await fetch(baseUrl + path, { headers: { accept: 'application/json' } })
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
      const body = await res.json() as { next?: string | null }
      paths.push(path)
      const base = start.replace(/&cursor=.*$/, '')
      path = typeof body.next === 'string' ? `${base}&cursor=${encodeURIComponent(body.next)}` : null
    }
  }
  // First pages are asked for far more often than deep ones
  const weighted: Array<[string, number]> = paths.map((p) => [p, p.includes('cursor=') ? 1 : 12])
  return Array.from({ length: 1024 }, () => ({ path: draw.weighted(weighted), headers: { 'accept-language': acceptLanguageOf(draw.weighted(REQUESTED_LOCALES)) } }))
}
