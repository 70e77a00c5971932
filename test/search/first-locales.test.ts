// Search ranks the served locale's and en-US's documents first, and every locale's only for
// the articles those do not find: a page in the user's language needs a few percent of the
// index ranked, and an article that answers only in another language still comes, after.
import t, { type Test } from 'tap'
import { ArticleSearch, SearchCursorError, type SearchPage } from '../../src/search/search-articles.ts'
import { importPaths } from '../../src/import/import-paths.ts'
import { memoryDb } from './fixtures/search-db.ts'

const article = (title: string, body: string): string => `---\ntitle: ${title}\n---\n# ${title}\n\n${body}\n`

// `spooler` matches 13 documents: below SPLIT_BELOW, one ranking over every locale would be
// split by locale in JavaScript. The tests of the rankings themselves turn that off.
function corpus (t: Test, options: { splitBelow?: number } = { splitBelow: 0 }): { db: ReturnType<typeof memoryDb>, search: ArticleSearch, ranked: Array<string[] | null> } {
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
  const search = new ArticleSearch(db, options)
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
  t.ok(page.results.every((r) => r.matchedLocale !== 'en-US'), 'found through the other locales')
  t.same(ranked, [['en-US'], null], 'en-US found nothing: every locale')
})

t.test('a cursor holds for the served locale it was issued for: the order depends on it', async (t) => {
  const { search } = corpus(t)
  const first = search.search({ q: 'spooler', locale: 'ja-JP', limit: 5 })
  t.ok(first.nextCursor)
  t.equal(search.search({ q: 'spooler', locale: 'ja-JP', limit: 5, cursor: first.nextCursor }).results.length, 5, 'same locale: the next page')
  t.throws(() => search.search({ q: 'spooler', locale: 'de-DE', limit: 5, cursor: first.nextCursor }), SearchCursorError, 'another locale: refused')
})

t.test('the locale tokens are not words a query finds', async (t) => {
  const { search } = corpus(t)
  for (const q of ['l10njajp', 'l10nenus spooler']) {
    const page = search.search({ q, locale: 'ja-JP', limit: 50 })
    t.ok(page.results.every((r) => r.snippet.highlights.length > 0 && !/l10n/i.test(r.snippet.text)), `${q}: nothing found through a token`)
  }
  t.same(search.search({ q: 'l10njajp', locale: 'ja-JP' }).results, [], 'a token alone finds nothing')
})

t.test("the served locale's language is a first locale: an article not in pt-BR is answered in pt-PT", async (t) => {
  const files: Record<string, Record<string, string>> = { 'en-US': {}, 'pt-BR': {}, 'pt-PT': {}, 'de-DE': {} }
  files['en-US']!['portugal-only.md'] = article('Printer setup', 'Set the printer up.')
  files['pt-PT']!['portugal-only.md'] = article('Configurar a impressora', 'Configure a impressora e o spooler.')
  files['en-US']!['german-title.md'] = article('Print queue stalled', 'Restart the print service.')
  files['de-DE']!['german-title.md'] = article('Spooler angehalten', 'Starten Sie den Druckdienst neu.')
  for (let i = 0; i < 3; i++) {
    files['en-US']![`other-${i}.md`] = article(`Other ${i}`, `Other text ${i}.`)
    files['pt-BR']![`other-${i}.md`] = article(`Outro ${i}`, `Outro texto ${i}.`)
  }
  const db = memoryDb()
  t.teardown(() => db.close())
  t.equal(importPaths(db, [t.testdir(files)]).failed, 0)
  const page = new ArticleSearch(db).search({ q: 'spooler', locale: 'pt-BR' })
  t.same(page.results.map((r) => [r.id, r.matchedLocale, r.locale.served]), [['portugal-only', 'pt-PT', 'pt-PT'], ['german-title', 'de-DE', 'en-US']],
    'the pt-PT text counts as the served language; the German title comes after')
})

t.test('one locale in the database: a short page ranks it once', async (t) => {
  const files = { 'en-US': { 'a.md': article('Spooler stopped', 'Restart it.'), 'b.md': article('Printer', 'The spooler queue.') } }
  const db = memoryDb()
  t.teardown(() => db.close())
  t.equal(importPaths(db, [t.testdir(files)]).failed, 0)
  const search = new ArticleSearch(db)
  const ranked: Array<string[] | null> = []
  const spied = search as unknown as { rankArticles: (match: string, scope: unknown, articles: number, locales: string[] | null) => unknown }
  const rank = spied.rankArticles.bind(search)
  spied.rankArticles = (match, scope, articles, locales) => { ranked.push(locales); return rank(match, scope, articles, locales) }
  t.equal(search.search({ q: 'spooler', locale: 'en-US' }).results.length, 2)
  t.same(ranked, [['en-US']], 'no second ranking over the same documents')
})

t.test('words found, but never in one document: the tiers that need them together rank nothing', async (t) => {
  // `spooler` is in the Japanese texts and a German title, `Druckertipps` in other German texts
  const { search, ranked } = corpus(t)
  const page = search.search({ q: 'spooler Druckertipps', locale: 'ja-JP', limit: 10 })
  t.equal(page.results.length, 10)
  t.ok(page.results.every((r) => r.match === 'any'), 'every result holds one of the words')
  t.same(ranked, [['ja-JP', 'en-US']], 'only the any-word tier ranked: neither the text as typed nor every word was ranked in any locale')
})

t.test('few documents in all: one ranking over every locale, split by locale, gives the filtered rankings\' pages', async (t) => {
  const filtered = corpus(t)
  const split = corpus(t, {})
  const view = (page: SearchPage): unknown[] => page.results.map((r) => [r.id, r.score, r.match, r.matchedLocale, r.locale.served, r.title])
  for (const [q, locale] of [['spooler', 'ja-JP'], ['spooler', 'de-DE'], ['spooler', 'en-US'], ['spooler Druckertipps', 'ja-JP'], ['Druckertipps', 'fr-FR']] as const) {
    let cursor: string | null = null
    let pages = 0
    do {
      const expected: SearchPage = filtered.search.search({ q, locale, limit: 4, cursor })
      const got: SearchPage = split.search.search({ q, locale, limit: 4, cursor })
      t.same(view(got), view(expected), `${q} (${locale}), page ${++pages}`)
      got.results.forEach((r, i) => t.ok(expected.results[i]!.matchedLocales.every((l) => r.matchedLocales.includes(l)), `${r.id}: the locales found, and maybe more`))
      cursor = expected.nextCursor
      t.equal(got.nextCursor, cursor)
    } while (cursor !== null)
  }
  t.ok(filtered.ranked.length > 0, 'the filtered side ranked with the locale filter')
  t.same(split.ranked, [], 'the split side never did')
})

t.test('many documents in all: the locale filter ranks as before', async (t) => {
  const { search, ranked } = corpus(t, { splitBelow: 12 })
  search.search({ q: 'spooler', locale: 'ja-JP', limit: 10 })
  t.same(ranked, [['ja-JP', 'en-US']], '13 documents may match, more than 12')
})
