// kb_rank() (src/search/kb-rank.c): bm25() with the documents of each phrase counted by the
// caller. Its scores must be bm25()'s to the last bit, the counts it is given must be what it
// uses, and a search must answer the same pages with it as with bm25(), before and after the
// content changes.
import t from 'tap'
import type { Database } from 'better-sqlite3'
import { openCorpusDatabase, loadQueries } from '../../scripts/eval-search.ts'
import { importPaths } from '../../src/import/import-paths.ts'
import { ArticleSearch, COLUMN_WEIGHTS } from '../../src/search/search-articles.ts'
import { localeToken } from '../../src/search/search-index.ts'
import { loadRankFunction, phrasesOf, RANK_LIBRARY } from '../../src/search/rank-function.ts'
import { memoryDb } from './fixtures/search-db.ts'
import { openDatabase } from '../../src/db/connection.ts'
import { migrate } from '../../src/db/migrate.ts'

const WEIGHTS = Object.values(COLUMN_WEIGHTS).join(', ')

const db = openCorpusDatabase()
t.teardown(() => db.close())

function scores (db: Database, match: string, counts: string | null): Array<{ rowid: number, bm25: number, kb: number }> {
  return db.prepare(`SELECT rowid, bm25(search_docs, ${WEIGHTS}) AS bm25, kb_rank(search_docs, ?, ${WEIGHTS}) AS kb
    FROM search_docs WHERE search_docs MATCH ? ORDER BY rowid`).all(counts, match) as Array<{ rowid: number, bm25: number, kb: number }>
}

const countsOf = (db: Database, match: string): string =>
  phrasesOf(match).map((phrase) => db.prepare('SELECT count(*) FROM search_docs WHERE search_docs MATCH ?').pluck().get(phrase)).join(' ')

t.test('the library is built and loads: search ranks with kb_rank()', async (t) => {
  const search = new ArticleSearch(db)
  t.equal(search.ranking, 'kb_rank', search.rankingNote ?? '')
  t.equal(search.rankingNote, null)
  t.same(loadRankFunction(db), { ok: true }, 'a second load is a no-op')
})

t.test('a library that is not there: bm25() ranks, and the reason is given', async (t) => {
  const other = memoryDb()
  t.teardown(() => other.close())
  const loaded = loadRankFunction(other, `${RANK_LIBRARY}.missing`)
  t.equal(loaded.ok, false)
  t.match(!loaded.ok && loaded.reason, /not built/)
  t.equal(new ArticleSearch(other, { ranking: 'bm25' }).ranking, 'bm25')
})

t.test('phrasesOf lists the quoted strings in the order they are written', async (t) => {
  t.same(phrasesOf('("a b" OR "c") AND "say ""hi""" AND locale : ("l10n\uE000jajp" OR "l10n\uE000enus")'),
    ['"a b"', '"c"', '"say ""hi"""', '"l10n\uE000jajp"', '"l10n\uE000enus"'])
  t.same(phrasesOf('"커넥터" * AND ("activ" * OR "office")'), ['"커넥터" *', '"activ" *', '"office"'], 'a prefix phrase with its *')
  t.same(phrasesOf(''), [])
})

// Phrases of very different document counts, so a count given to the wrong phrase shows
const EXPRESSIONS = [
  '"office"',
  '"office" AND "activate"',
  '"office" OR "0x8004de40" OR "license"',
  '("office" AND "sign") OR ("office" AND "account") OR ("sign" AND "account")',
  '"another account from your organization"',
  '"ライセンス" AND "office"',
  '"activ" * AND "office"',
  '("licen" * OR "0x8004de40") AND "office" *',
  `("office" AND "error") AND locale : (${['ja-JP', 'en-US'].map((l) => `"${localeToken(l)}"`).join(' OR ')})`
]

t.test('given each phrase\'s documents, kb_rank() scores every document as bm25() does', async (t) => {
  for (const match of EXPRESSIONS) {
    const rows = scores(db, match, countsOf(db, match))
    t.ok(rows.length > 0, `${match}: ${rows.length} documents`)
    t.same(rows.map((r) => r.kb), rows.map((r) => r.bm25), `${match}: the same scores`)
  }
})

t.test('the counts given are the ones used; without usable counts it counts as bm25() does', async (t) => {
  const match = '"office" AND "activate"'
  const [office, activate] = countsOf(db, match).split(' ').map(Number) as [number, number]
  const right = scores(db, match, `${office} ${activate}`)
  // `activate` said to be rarer than it is: a higher IDF, every score better (lower)
  const wrong = scores(db, match, `${office} ${Math.max(1, Math.floor(activate / 4))}`)
  t.ok(wrong.every((row, i) => row.kb < right[i]!.kb), 'a lower count raises every score')
  for (const counts of [null, '', `${office}`, `${office} ${activate} 7`, 'x y', `${office} -1`, `${office},${activate}`]) {
    const rows = scores(db, match, counts)
    t.same(rows.map((r) => r.kb), rows.map((r) => r.bm25), `counts ${JSON.stringify(counts)}: bm25()'s scores`)
  }
})

const pages = (search: ArticleSearch, q: string, locale: string): unknown => {
  const page = search.search({ q, locale, limit: 20 })
  return page.results.map((r) => ({ id: r.id, match: r.match, score: r.score, locale: r.locale }))
}

t.test('every eval query answers the same page with kb_rank() as with bm25()', async (t) => {
  const kb = new ArticleSearch(db)
  const bm25 = new ArticleSearch(db, { ranking: 'bm25' })
  let results = 0
  for (const { q, locale } of loadQueries()) {
    const expected = pages(bm25, q, locale)
    results += (expected as unknown[]).length
    t.same(pages(kb, q, locale), expected, `${q} (${locale})`)
  }
  t.ok(results > 100, `${results} results compared`)
})

t.test('the counts kept follow the content: after an import, still bm25()\'s pages', async (t) => {
  const own = memoryDb()
  t.teardown(() => own.close())
  const article = (title: string, body: string): string => `---\ntitle: ${title}\n---\n# ${title}\n\n${body}\n`
  const files = (printers: number): Record<string, Record<string, string>> => {
    const folder: Record<string, string> = {}
    for (let i = 0; i < 8; i++) folder[`a-${i}.md`] = article(`Spooler ${i}`, i < printers ? 'Restart the printer spooler.' : 'Restart the spooler service.')
    return { 'en-US': folder }
  }
  const kb = new ArticleSearch(own)
  const bm25 = new ArticleSearch(own, { ranking: 'bm25' })
  importPaths(own, [t.testdir(files(1))])
  const before = pages(kb, 'printer spooler', 'en-US')
  t.same(before, pages(bm25, 'printer spooler', 'en-US'))
  // `printer` goes from one document to six: its IDF, and every score with it, changes
  importPaths(own, [t.testdir(files(6))])
  const after = pages(kb, 'printer spooler', 'en-US')
  t.same(after, pages(bm25, 'printer spooler', 'en-US'))
  t.notSame(after, before, 'the scores changed with the content')
})

t.test('the document lengths kb_rank() keeps follow the content, whoever changes it', async (t) => {
  const file = `${t.testdir()}/kb.sqlite`
  const own = openDatabase(file)
  migrate(own)
  const other = openDatabase(file)
  t.teardown(() => { own.close(); other.close() })
  loadRankFunction(own)
  // Six documents of six lengths; each change below hands the bodies round, so every document's
  // length changes while the table's rows and tokens stay as they were: only the lengths kept
  // per document can go wrong
  const body = (k: number): string => `Restart the printer spooler.${' Then try again.'.repeat(k)}`
  const hand = (db: Database, shift: number): void => {
    const update = db.prepare('UPDATE search_docs SET body = ? WHERE rowid = ?')
    for (let i = 0; i < 6; i++) update.run(body((i + shift) % 6), i + 1)
  }
  const insert = own.prepare('INSERT INTO search_docs (rowid, title, body, locale) VALUES (?, ?, ?, ?)')
  for (let i = 0; i < 6; i++) insert.run(i + 1, 'Printer', body(i), 'l10nenus')
  const same = (label: string): void => {
    const rows = scores(own, '"printer" AND "spooler"', '6 6')
    t.equal(new Set(rows.map((r) => r.kb)).size, 6, `${label}: six documents, six scores`)
    t.same(rows.map((r) => r.kb), rows.map((r) => r.bm25), `${label}: bm25()'s scores`)
  }
  same('lengths read')
  same('lengths kept')
  hand(other, 1)
  same('after another connection\'s commit')
  hand(own, 2)
  same('after this connection\'s own commit')
  own.transaction(() => {
    hand(own, 3)
    same('inside this connection\'s open transaction')
  })()
  same('after it')
})
