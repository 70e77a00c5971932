// Search ranks the served locale's and en-US's documents first, and every locale's only for
// the articles those do not find: a page in the user's language needs a few percent of the
// index ranked, and an article that answers only in another language still comes, after.
import t, { type Test } from 'tap'
import { ArticleSearch } from '../../src/search/search-articles.ts'
import { importPaths } from '../../src/import/import-paths.ts'
import { memoryDb } from './fixtures/search-db.ts'

const article = (title: string, body: string): string => `---\ntitle: ${title}\n---\n# ${title}\n\n${body}\n`

function corpus (t: Test): { db: ReturnType<typeof memoryDb>, search: ArticleSearch, ranked: Array<string[] | null> } {
  const files: Record<string, Record<string, string>> = { 'en-US': {}, 'ja-JP': {}, 'de-DE': {} }
  // The word is in one article's German title only: its best match anywhere
  files['en-US']!['german-only.md'] = article('Print queue stalled', 'Restart the print service.')
  files['ja-JP']!['german-only.md'] = article('印刷キューの停止', '印刷サービスを再起動します。')
  files['de-DE']!['german-only.md'] = article('Spooler angehalten', 'Starten Sie den Druckdienst neu.')
  // and in twelve articles' Japanese body, once among other words
  for (let i = 0; i < 12; i++) {
    files['en-US']![`japanese-${i}.md`] = article(`Printer tips ${i}`, `Printer tips, part ${i}.`)
    files['ja-JP']![`japanese-${i}.md`] = article(`プリンターのヒント ${i}`, `プリンターのヒント、その ${i}。詳しくは spooler の設定とドライバーの更新を確認してください。`)
    files['de-DE']![`japanese-${i}.md`] = article(`Druckertipps ${i}`, `Druckertipps, Teil ${i}.`)
  }
  const dir = t.testdir(files)
  const db = memoryDb()
  t.teardown(() => db.close())
  const summary = importPaths(db, [dir])
  if (summary.failed > 0) throw new Error(JSON.stringify(summary.failures))
  const search = new ArticleSearch(db)
  // rankArticles is private: the locales each ranking ran in are counted from outside
  const ranked: Array<string[] | null> = []
  const spied = search as unknown as { rankArticles: (match: string, scope: unknown, articles: number, locales: string[] | null) => unknown }
  const rank = spied.rankArticles.bind(search)
  spied.rankArticles = (match, scope, articles, locales) => { ranked.push(locales); return rank(match, scope, articles, locales) }
  return { db, search, ranked }
}

t.test('the served locale and en-US first: a full page from them ranks no other locale', async (t) => {
  const { search, ranked } = corpus(t)
  const first = search.search({ q: 'spooler', locale: 'ja-JP', limit: 10 })
  t.equal(first.results.length, 10)
  t.ok(first.results.every((r) => r.id.startsWith('japanese-') && r.matchedLocale === 'ja-JP'), 'the Japanese matches fill the page')
  t.same(first.results[0]!.matchedLocales, ['ja-JP'], 'matched locales are those searched')
  t.same(ranked, [['ja-JP', 'en-US']], 'only the first locales were ranked')

  ranked.length = 0
  const second = search.search({ q: 'spooler', locale: 'ja-JP', limit: 10, cursor: first.nextCursor })
  t.same(second.results.map((r) => r.matchedLocale), ['ja-JP', 'ja-JP', 'de-DE'], 'the page goes on with the last two Japanese matches')
  t.same(second.results.map((r) => r.id).slice(-1), ['german-only'], 'then the article found in another locale only')
  t.match(second.results.at(-1), { matchedLocale: 'de-DE', matchedLocales: ['de-DE'], locale: { served: 'ja-JP' }, title: '印刷キューの停止' })
  t.same(ranked, [['ja-JP', 'en-US'], null], 'every locale was ranked for what the first ones did not find')
  t.equal(second.nextCursor, null, 'the last page')
  const ids = [...first.results, ...second.results].map((r) => r.id)
  t.equal(new Set(ids).size, 13, 'every article once')
})

t.test('from a German page the German title comes first', async (t) => {
  const { search, ranked } = corpus(t)
  const page = search.search({ q: 'spooler', locale: 'de-DE', limit: 5 })
  t.match(page.results[0], { id: 'german-only', matchedLocale: 'de-DE', title: 'Spooler angehalten' })
  t.ok(page.results.slice(1).every((r) => r.matchedLocale === 'ja-JP'), 'then the Japanese matches, from every locale')
  t.same(ranked, [['de-DE', 'en-US'], null])
})

t.test('without a locale asked, en-US is the first locale', async (t) => {
  const { search, ranked } = corpus(t)
  const page = search.search({ q: 'spooler', limit: 3 })
  t.equal(page.results.length, 3)
  t.same(ranked, [['en-US'], null], 'en-US found nothing: every locale')
})
