// The "any word" tier leaves out words most documents hold while a rarer term stands for them:
// a product name next to an error code does not pull in every document of the product.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { importPaths } from '../../src/import/import-paths.ts'
import { ArticleSearch, searchArticles } from '../../src/search/search-articles.ts'
import { memoryDb } from './fixtures/search-db.ts'

const article = (title: string, body: string): string => `---\ntitle: ${title}\n---\n# ${title}\n\n${body}\n`

function corpus (t: Test): ReturnType<typeof memoryDb> {
  const files: Record<string, string> = {
    'widget-and-code.md': article('Widget sync fails', 'Widget shows error 0x80041234 while syncing.'),
    'code-alone.md': article('Sync stops', 'Error 0x80041234 appears when the folder is full.'),
    'rare-word.md': article('Quarantine notices', 'Quarantine notices explain why a message was held.')
  }
  for (let i = 0; i < 40; i++) files[`widget-guide-${i}.md`] = article(`Widget guide ${i}`, `Widget setup, part ${i}.`)
  const dir = t.testdir({ 'en-US': files })
  const db = memoryDb()
  const summary = importPaths(db, [join(dir, 'en-US')])
  if (summary.failed > 0) throw new Error(JSON.stringify(summary.failures))
  return db
}

t.test('a common word next to a code: every-term matches, then the code without the word', async (t) => {
  const db = corpus(t)
  t.teardown(() => db.close())
  const page = searchArticles(db, { q: 'widget 0x80041234', locale: 'en-US' })
  t.same(page.results.map((r) => [r.id, r.match]), [['widget-and-code', 'all'], ['code-alone', 'any']],
    'the 40 documents that only say "widget" are not ranked')
})

t.test('a common word next to a rare word, or next to words found nowhere', async (t) => {
  const db = corpus(t)
  t.teardown(() => db.close())
  const rare = searchArticles(db, { q: 'widget quarantine', locale: 'en-US' })
  t.same(rare.results.map((r) => r.id), ['rare-word'], 'the rare word stands for the common one')
  const nowhere = searchArticles(db, { q: 'widget zqxjv', locale: 'en-US' })
  t.equal(nowhere.results.length, 10, 'with nothing rarer found, the common word still finds its documents')
  t.ok(nowhere.results.every((r) => r.id.includes('widget')))
  const alone = searchArticles(db, { q: 'widget', locale: 'en-US' })
  t.equal(alone.results.length, 10, 'a single common word is searched as it is')
})

t.test('a tier whose expression an earlier tier ran is not run again, and finds the same', async (t) => {
  const db = corpus(t)
  t.teardown(() => db.close())
  const search = new ArticleSearch(db)
  // rankArticles is private: counted here from outside, as the profile scripts do.
  const ranked: string[] = []
  const spied = search as unknown as { rankArticles: (match: string, ...rest: unknown[]) => unknown }
  const rank = spied.rankArticles.bind(search)
  // The same expression is ranked in the first locales, then maybe in all: once each
  spied.rankArticles = (match, ...rest) => { ranked.push(`${match} in ${JSON.stringify(rest[2])}`); return rank(match, ...rest) }
  const page = search.search({ q: '"widget shows" sync', locale: 'en-US' })
  t.same(page.results[0] && [page.results[0].id, page.results[0].match], ['widget-and-code', 'phrase'], 'the phrase and the word found the article')
  t.ok(ranked.length >= 2, `tiers run: ${ranked.join(' | ')}`)
  t.equal(new Set(ranked).size, ranked.length, 'no expression ranked twice')
  t.same(searchArticles(db, { q: '"widget shows" sync', locale: 'en-US' }).results.map((r) => [r.id, r.match]), page.results.map((r) => [r.id, r.match]), 'the same page as a fresh search')
})

t.test('the document count behind the common-word share is read once per content revision', async (t) => {
  const db = corpus(t)
  t.teardown(() => db.close())
  const search = new ArticleSearch(db)
  const counted = search as unknown as { documentCount: { get: () => unknown } }
  const statement = counted.documentCount
  let reads = 0
  counted.documentCount = { get: () => { reads++; return statement.get() } }
  search.search({ q: 'widget 0x80041234', locale: 'en-US' })
  search.search({ q: 'widget quarantine', locale: 'en-US' })
  t.equal(reads, 1, 'two searches, one count')
  const dir = t.testdir({ 'en-US': { 'later.md': article('Later widget', 'Widget news.') } })
  t.equal(importPaths(db, [join(dir, 'en-US')]).failed, 0)
  search.search({ q: 'widget quarantine', locale: 'en-US' })
  t.equal(reads, 2, 'counted again after an import')
})

t.test('what a search keeps between searches (word counts, an article\'s locales) follows the content', async (t) => {
  const db = corpus(t)
  t.teardown(() => db.close())
  const search = new ArticleSearch(db)
  const first = search.search({ q: 'quarantine', locale: 'en-US' })
  t.same(first.results.map((r) => [r.id, r.title]), [['rare-word', 'Quarantine notices']])
  const typo = search.search({ q: 'widgit', locale: 'en-US' })
  t.same(typo.corrections.map((c) => [c.term, c.suggestions[0]]), [['widgit', 'widget']], 'a word found nowhere is corrected')

  const dir = t.testdir({
    'en-US': {
      'rare-word.md': article('Quarantine notices explained', 'Quarantine notices explain why a message was held.'),
      'spelling-a.md': article('Spelling one', 'The widgit folder.'),
      'spelling-b.md': article('Spelling two', 'Another widgit folder.')
    }
  })
  t.equal(importPaths(db, [join(dir, 'en-US')]).failed, 0)
  t.same(search.search({ q: 'quarantine', locale: 'en-US' }).results.map((r) => r.title)[0], 'Quarantine notices explained', 'the new title')
  // A translation added: the article's locales are read again
  const before = search.search({ q: 'quarantine', locale: 'ja-JP' }).results[0]!.locale
  t.same([before.served, before.fallback, before.available], ['en-US', true, ['en-US']], 'no ja-JP translation yet')
  const ja = t.testdir({ 'ja-JP': { 'rare-word.md': article('検疫の通知', 'Quarantine 検疫の通知。') } })
  t.equal(importPaths(db, [join(ja, 'ja-JP')]).failed, 0)
  const after = search.search({ q: 'quarantine', locale: 'ja-JP' }).results[0]!
  t.same([after.locale.served, after.locale.fallback, after.locale.available, after.title], ['ja-JP', false, ['en-US', 'ja-JP'], '検疫の通知'], 'the new translation is served')
  const spelled = search.search({ q: 'widgit', locale: 'en-US' })
  t.same(spelled.results.map((r) => r.id), ['spelling-a', 'spelling-b'])
  t.same(spelled.corrections, [], 'a word two documents now hold is not corrected')
})

t.test('the typo vocabulary is read once per first letter and content revision', async (t) => {
  const db = corpus(t)
  t.teardown(() => db.close())
  const search = new ArticleSearch(db)
  const listed = search as unknown as { wordsFrom: { iterate: (...args: unknown[]) => Iterable<unknown> } }
  const statement = listed.wordsFrom
  const scans: string[] = []
  listed.wordsFrom = { iterate: (first, next) => { scans.push(String(first)); return statement.iterate(first, next) } }
  const suggestions = (q: string): string[] => search.search({ q, locale: 'en-US' }).corrections.flatMap((c) => c.suggestions)
  t.same(suggestions('widgit'), ['widget'])
  t.same(suggestions('wigdet'), ['widget'], 'another typo under the same letter')
  t.same(scans, ['w'], 'the words under w were listed once')

  const dir = t.testdir({ 'en-US': { 'gadget.md': article('Wadget setup', 'Set the wadget up.') } })
  t.equal(importPaths(db, [join(dir, 'en-US')]).failed, 0)
  t.same(suggestions('wigdet'), ['widget', 'wadget'], 'after an import, its new word is a suggestion too')
  t.same(scans, ['w', 'w'], 'listed again after the import')
})

t.test('only common words: the articles with two of them come before those with one', async (t) => {
  const files: Record<string, string> = {}
  for (let i = 0; i < 2; i++) files[`all-three-${i}.md`] = article(`Printer driver ${i}`, 'The printer driver and its queue.')
  for (let i = 0; i < 3; i++) files[`two-words-${i}.md`] = article(`Printer queue ${i}`, 'A printer queue that stalls.')
  for (let i = 0; i < 30; i++) files[`printer-${i}.md`] = article(`Printer notes ${i}`, `Printer tips, part ${i}.`)
  for (let i = 0; i < 25; i++) files[`driver-${i}.md`] = article(`Driver notes ${i}`, `Driver tips, part ${i}.`)
  for (let i = 0; i < 25; i++) files[`queue-${i}.md`] = article(`Queue notes ${i}`, `Queue tips, part ${i}.`)
  const dir = t.testdir({ 'en-US': files })
  const db = memoryDb()
  t.teardown(() => db.close())
  t.equal(importPaths(db, [join(dir, 'en-US')]).failed, 0)
  const search = new ArticleSearch(db)
  const ranked: string[] = []
  const spied = search as unknown as { rankArticles: (match: string, ...rest: unknown[]) => unknown }
  const rank = spied.rankArticles.bind(search)
  spied.rankArticles = (match, ...rest) => { ranked.push(match); return rank(match, ...rest) }

  const page = search.search({ q: 'printer driver queue', locale: 'en-US', limit: 10 })
  const kinds = page.results.map((r) => [r.id.replace(/-\d+$/, ''), r.match])
  t.same(kinds.slice(0, 5), [['all-three', 'all'], ['all-three', 'all'], ['two-words', 'any'], ['two-words', 'any'], ['two-words', 'any']],
    'every word, then two of the words')
  t.equal(page.results.length, 10, 'then articles with one of the words fill the page')
  t.ok(kinds.slice(5).every(([id, match]) => ['printer', 'driver', 'queue'].includes(id!) && match === 'any'))
  t.ok(ranked.some((m) => m.includes(' AND ') && m.includes(' OR ')), 'the pairs were ranked')

  ranked.length = 0
  const short = search.search({ q: 'printer driver queue ', locale: 'en-US', limit: 3 })
  t.same(short.results.map((r) => r.id.replace(/-\d+$/, '')), ['all-three', 'all-three', 'two-words'])
  t.notOk(ranked.some((m) => !m.includes(' AND ') && m.includes(' OR ')), 'enough with two words: the documents with one are not ranked')

  ranked.length = 0
  search.search({ q: 'printer driver zqxjv', locale: 'en-US' })
  t.ok(ranked.some((m) => m.includes(' AND ') && m.includes(' OR ')), 'a word found nowhere does not stop the pairs')
  ranked.length = 0
  search.search({ q: 'printer driver stalls', locale: 'en-US' })
  t.notOk(ranked.some((m) => m.includes(' AND ') && m.includes(' OR ')), 'a rare word stands for the common ones instead: no pairs')
  for (const q of ['printer queue', 'printer driver queue notes tips']) {
    ranked.length = 0
    search.search({ q, locale: 'en-US' })
    t.notOk(ranked.some((m) => m.includes(' AND ') && m.includes(' OR ')), `${q}: no pairs for two words, nor for five`)
    t.ok(ranked.some((m) => !m.includes(' AND ') && m.includes(' OR ')), `${q}: the words are ranked one by one`)
  }
})
