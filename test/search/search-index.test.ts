// The search index writer: what goes in which column, and that the index follows the article
// store through imports, replacements, deletions and a rebuild.
import t, { type Test } from 'tap'
import type { Database } from 'better-sqlite3'
import { ArticleStore } from '../../src/db/article-store.ts'
import { ensureSearchIndex, indexColumnsOf, keywordsOf, searchDocumentOf } from '../../src/search/search-index.ts'
import { ArticleSearch, searchArticles, type SearchPage } from '../../src/search/search-articles.ts'
import { openCorpusDatabase } from '../../scripts/eval-search.ts'
import { extractErrorCodes, extractQuotedMessages, normalizeText } from '../../src/search/analyze.ts'
import { corpusTranslations, parseCorpusFile, translationIn } from '../helpers/corpus.ts'
import { dbWith, memoryDb } from './fixtures/search-db.ts'
import { importPaths } from '../../src/import/import-paths.ts'

const SEED = 'fixing-office-apps-message-unlicensed-product.md'
const count = (db: Database, table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number

t.test('searchDocumentOf puts each block where it belongs', async (t) => {
  const en = translationIn(parseCorpusFile('en-US.derived', SEED), 'en-US')
  const doc = searchDocumentOf(en)
  t.equal(doc.title, 'Unable to activate Office')
  t.notOk(doc.headings.includes('Unable to activate Office'), 'the H1 is not repeated as a heading')
  t.same(doc.steps.map(([id]) => id), en.steps.map((s) => s.id), 'one entry per step, in order')
  t.match(doc.steps[0]![1], /subscription status has expired/)
  t.ok(doc.callouts.some((c) => /TLS 1\.2/.test(c)), '**Note**: is a callout')
  t.ok(doc.body.includes('Use the following troubleshooting actions:'))
  t.ok(doc.body.some((line) => /Unlicensed Product and activation errors/.test(line)), 'a links-only list is body text')
  t.notOk(doc.body.some((line) => /subscription status has expired/.test(line)), 'steps are not repeated in the body')
  for (const line of [...doc.headings, ...doc.callouts, ...doc.body, ...doc.steps.map(([, x]) => x)]) t.notOk(line.includes('\n'), 'one line per entry')
})

t.test('indexColumnsOf: codes, quoted messages and keywords get their own columns', async (t) => {
  const doc = {
    title: 'Error 0x8004DE40',
    headings: [],
    steps: [['s1', 'If you see "Unlicensed Product", run it.']] as Array<[string, string]>,
    callouts: [],
    body: ['Then 550 5.7.501 appears.', 'See "Office activation errors" and 「ライセンスのない製品」.'],
    linkTexts: ['Office activation errors']
  }
  const [title, keywords, codes, messages] = indexColumnsOf(doc, 'error-when-logging-into-onedrive')
  t.equal(title, 'Error 0x8004DE40')
  t.equal(keywords, 'error when logging into onedrive')
  t.same(codes!.split('\n'), ['0x8004de40', '550 5 7 501', '5 7 501'])
  t.equal(messages, 'Unlicensed Product\nライセンス の ない 製品', 'a quoted link text is no message')
  t.equal(keywordsOf('commercial-dialogues__configure-quarantine'), 'commercial dialogues configure quarantine')
})

t.test('indexColumnsOf normalizes each line once: the columns of normalizing each column whole, over the corpus', async (t) => {
  // The way the columns were built before: every column normalized whole, and each line again for its codes
  const reference = (doc: ReturnType<typeof searchDocumentOf>, articleId: string): string[] => {
    const lines = [doc.title, ...doc.headings, ...doc.steps.map(([, text]) => text), ...doc.callouts, ...doc.body]
    const codes = new Set(lines.flatMap((line) => extractErrorCodes(line)))
    const cited = new Set(doc.linkTexts.filter(Boolean))
    const messages = new Set(lines.flatMap((line) => extractQuotedMessages(line)).filter((m) => !cited.has(m.replace(/\s+/g, ' ').trim())))
    const column = (texts: Iterable<string>): string => normalizeText([...texts].join('\n')).text
    return [column([doc.title]), keywordsOf(articleId), [...codes].join('\n'), column(messages), column(doc.headings),
      column(doc.steps.map(([, text]) => text)), column(doc.callouts), column(doc.body)]
  }
  let documents = 0
  let cjk = 0
  const differ: string[] = []
  for (const { folder, file, translation: tr } of corpusTranslations()) {
    const doc = searchDocumentOf(tr)
    documents++
    if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(doc.body.join(''))) cjk++
    if (JSON.stringify(indexColumnsOf(doc, file)) !== JSON.stringify(reference(doc, file))) differ.push(`${folder}/${file} ${tr.locale}`)
  }
  t.same(differ, [], `${documents} documents (${cjk} with Japanese or Chinese text), the same columns`)
  t.ok(documents > 100 && cjk > 20, 'the corpus has both kinds')
})

t.test('the import writes one search document per translation, in its transaction', async (t) => {
  const db = dbWith(SEED)
  t.teardown(() => db.close())
  const translations = count(db, 'translations')
  t.equal(translations, 3, 'ja-JP, de-DE, en-US')
  t.equal(count(db, 'search_docs'), translations)
  t.equal(count(db, 'search_sources'), translations)
  const orphans = db.prepare('SELECT count(*) FROM search_docs d WHERE NOT EXISTS (SELECT 1 FROM translations t WHERE t.id = d.rowid)').pluck().get()
  t.equal(orphans, 0, 'every document is a translation')
})

t.test('a changed translation replaces its document; a deleted article leaves none', async (t) => {
  const db = memoryDb()
  t.teardown(() => db.close())
  const store = new ArticleStore(db)
  const article = parseCorpusFile('en-US.derived', SEED)
  store.store(article, { path: 'a.md', contentHash: 'one' })
  t.equal(searchArticles(db, { q: 'Unable to activate Office' }).results[0]?.id, article.id)

  const changed = structuredClone(article)
  changed.translations[0]!.title = 'Zebra crossing'
  store.store(changed, { path: 'a.md', contentHash: 'two' })
  t.equal(count(db, 'search_docs'), 1, 'still one document')
  t.equal(searchArticles(db, { q: 'zebra' }).results[0]?.id, article.id, 'the new text is found')
  t.same(searchArticles(db, { q: '"Unable to activate Office"' }).results.filter((r) => r.match !== 'any'), [], 'the old title is gone')

  t.ok(store.delete(article.id))
  t.equal(count(db, 'search_docs'), 0)
  t.equal(count(db, 'search_sources'), 0)
  t.equal(count(db, 'search_words_vocab'), 0, 'no word left in the typo vocabulary')
  t.same(searchArticles(db, { q: 'zebra' }).results, [])
})

t.test('ensureSearchIndex rebuilds what a database lacks, from the stored blocks', async (t) => {
  const db = dbWith(SEED)
  t.teardown(() => db.close())
  const before = searchArticles(db, { q: 'Unlicensed Product', locale: 'ja' })
  const columns = db.prepare('SELECT * FROM search_docs ORDER BY rowid').all()
  db.exec("DELETE FROM search_docs; DELETE FROM search_sources; DELETE FROM search_words; INSERT INTO search_docs (search_docs) VALUES ('optimize')")
  t.same(searchArticles(db, { q: 'Unlicensed Product' }).results, [], 'empty index')
  t.equal(ensureSearchIndex(db), 3)
  t.same(db.prepare('SELECT * FROM search_docs ORDER BY rowid').all(), columns, 'the same documents as the import wrote')
  t.same(searchArticles(db, { q: 'Unlicensed Product', locale: 'ja' }), before)
  t.equal(ensureSearchIndex(db), 0, 'nothing left to do')
})

t.test('ensureSearchIndex also finds the older translations of a database imported into after the search migration', async (t) => {
  const db = dbWith(SEED)
  t.teardown(() => db.close())
  // Translations stored before the search migration are the oldest: here the first one
  const first = db.prepare('SELECT min(id) FROM translations').pluck().get() as number
  db.prepare('DELETE FROM search_sources WHERE translation_id = ?').run(first)
  db.prepare('DELETE FROM search_docs WHERE rowid = ?').run(first)
  db.prepare('DELETE FROM search_words WHERE rowid = ?').run(first)
  t.equal(ensureSearchIndex(db), 1, 'the one without a document is indexed')
  t.equal(count(db, 'search_sources'), count(db, 'translations'))
  t.equal(ensureSearchIndex(db), 0)
})

t.test('a word inside a run of Thai is found, and marked in the snippet', async (t) => {
  const db = importedDb(t, {
    'th-TH': {
      'calendar-sync.md': '---\ntitle: ปัญหาการซิงค์ปฏิทิน\nms.contentlocale: th-TH\n---\n# ปัญหาการซิงค์ปฏิทิน\n\nปฏิทินของคุณไม่ซิงค์กับโทรศัพท์มือถือ\n\n1. เปิดการตั้งค่าบัญชี\n2. ลบบัญชีแล้วเพิ่มบัญชีใหม่\n'
    }
  }, 1)
  foundAsTyped(t, db, ['ปฏิทิน', 'โทรศัพท์', 'ซิงค์ปฏิทิน', 'บัญชีใหม่'].map((q) => [q, 'th-TH', 'calendar-sync']))
  t.same(markedIn(searchArticles(db, { q: 'โทรศัพท์', locale: 'th-TH' })), ['โทรศัพท์'], 'the word is marked, in the text as written')
  t.same(searchArticles(db, { q: 'บัญชีใหม่', locale: 'th-TH' }).results[0]!.stepIds, ['s2.2'], 'the step it is in')
})

t.test('a Korean word is found whatever particle follows it, in the text or in the query', async (t) => {
  const db = importedDb(t, {
    'ko-KR': {
      'connector.md': '---\ntitle: 커넥터 오류\nms.contentlocale: ko-KR\n---\n# 커넥터 오류\n\n인증서 기반 커넥터를 사용하거나 테넌트에 도메인을 추가합니다.\n\n1. 커넥터를 엽니다.\n'
    }
  }, 1)
  foundAsTyped(t, db, ['테넌트', '테넌트가', '도메인', '도메인에서', '커넥터 테넌트', '인증서의'].map((q) => [q, 'ko-KR', 'connector']))
  t.same(markedIn(searchArticles(db, { q: '테넌트', locale: 'ko-KR' })), ['테넌트에'], 'the word is marked with its particle, as written')
  t.same(searchArticles(db, { q: '게이트웨이', locale: 'ko-KR' }).results, [], 'a word the text does not hold finds nothing')
})

t.test('a Hebrew or Arabic word is found with the article, a preposition or an ending written onto it', async (t) => {
  const db = importedDb(t, {
    'he-IL': { 'errors.md': '---\ntitle: שגיאות סנכרון\nms.contentlocale: he-IL\n---\n# שגיאות סנכרון\n\nאם מופיעה השגיאה, פתח את תיבת הדואר.\n' },
    'ar-SA': { 'mail.md': '---\ntitle: مشكلات البريد\nms.contentlocale: ar-SA\n---\n# مشكلات البريد\n\nأرسل الرسالة للمسؤول.\n' }
  }, 2)
  foundAsTyped(t, db, [['שגיאה', 'he-IL', 'errors'], ['השגיאה', 'he-IL', 'errors'], ['דואר', 'he-IL', 'errors'], ['بريد', 'ar-SA', 'mail'], ['رسالة', 'ar-SA', 'mail'], ['المسؤول', 'ar-SA', 'mail']])
  t.same(markedIn(searchArticles(db, { q: 'דואר', locale: 'he-IL' })), ['הדואר'], 'the word is marked as written')
  t.same(searchArticles(db, { q: 'סיסמה', locale: 'he-IL' }).results, [], 'a word the text does not hold finds nothing')
})

t.test('a German, Russian or Greek word is found in another form', async (t) => {
  const db = importedDb(t, {
    'de-DE': { 'sync.md': '---\ntitle: Kalender\nms.contentlocale: de-DE\n---\n# Kalender\n\nDie Synchronisierung der Postfächer zeigt Fehlermeldungen.\n' },
    'ru-RU': { 'mailbox.md': '---\ntitle: Почта\nms.contentlocale: ru-RU\n---\n# Почта\n\nРазмер почтового ящика превышен.\n' },
    'el-GR': { 'error.md': '---\ntitle: Σφάλμα\nms.contentlocale: el-GR\n---\n# Σφάλμα\n\nΟ κωδικός σφάλματος εμφανίζεται στην οθόνη.\n' }
  }, 3)
  for (const [q, locale, id] of [['synchronisieren', 'de-DE', 'sync'], ['Fehlermeldung', 'de-DE', 'sync'], ['Postfach synchronisieren', 'de-DE', 'sync'],
    ['почтовый ящик', 'ru-RU', 'mailbox'], ['ящики', 'ru-RU', 'mailbox'], ['размера', 'ru-RU', 'mailbox'], ['κωδικού σφάλματα', 'el-GR', 'error']] as const) {
    t.same(searchArticles(db, { q, locale }).results.map((r) => [r.id, r.match]), [[id, 'all']], `${q}: found, every word`)
  }
  t.same(markedIn(searchArticles(db, { q: 'Fehlermeldung', locale: 'de-DE' })), ['Fehlermeldungen'], 'the word is marked as written')
})

t.test('a common Latin word of a German query is searched as typed, without the start of every word it begins', async (t) => {
  const db = openCorpusDatabase()
  t.teardown(() => db.close())
  const matches: string[] = []
  const prepare = db.prepare.bind(db)
  // The ranking statements' MATCH expressions, as the search runs them
  db.prepare = ((sql: string) => {
    const statement = prepare(sql)
    if (!sql.includes('WITH hits')) return statement
    const all = statement.all.bind(statement)
    return Object.assign(statement, { all: (params: { match: string }) => { matches.push(params.match); return all(params) } })
  }) as typeof db.prepare
  const search = new ArticleSearch(db)
  const words = (q: string): number => wordsCount(db, q)
  t.ok(words('office') > 20, `office: in ${words('office')} documents, more than COMMON_WORD_MIN_DOCS and 1%`)
  const prefixed = (stem: string): number => db.prepare('SELECT count(*) FROM search_docs WHERE search_docs MATCH ?').pluck().get(`"${stem}" *`) as number
  t.ok(prefixed('aktivier') > 20, `aktivier…: ${prefixed('aktivier')} documents, the stemmer's instal… of German`)
  t.ok(prefixed('Anmeldung') <= 20, `Anmeldung…: ${prefixed('Anmeldung')}`)
  search.search({ q: 'Office aktivieren Anmeldungen', locale: 'de-DE' })
  t.ok(matches.length > 0)
  t.ok(matches.every((m) => !m.includes('"Office" *') && !m.includes('"Offic" *')), 'no stem for a common word')
  t.ok(matches.every((m) => !m.includes('"aktivier" *')), 'nor for a word whose stem begins common words')
  t.ok(matches.some((m) => m.includes('"Anmeldung" *')), 'a stem for Anmeldungen')
})

function wordsCount (db: Database, word: string): number {
  return (db.prepare('SELECT doc FROM search_words_vocab WHERE term = ?').pluck().get(word) as number | undefined) ?? 0
}

/** A fresh database holding `files` (locale folder → file name → text), imported: `translations` stored. */
function importedDb (t: Test, files: Record<string, Record<string, string>>, translations: number): Database {
  const db = memoryDb()
  t.teardown(() => db.close())
  t.match(importPaths(db, [t.testdir(files)]), { failed: 0, translations })
  return db
}

/** Each query ([q, locale, article id]) finds just that article, as typed: no typo correction. */
function foundAsTyped (t: Test, db: Database, cases: Array<[q: string, locale: string, id: string]>): void {
  for (const [q, locale, id] of cases) {
    const page = searchArticles(db, { q, locale })
    t.same(page.results.map((r) => r.id), [id], `${q}: found`)
    t.same(page.corrections, [], `${q}: not taken for a typo`)
  }
}

/** The marked words of the first result's snippet, as its text writes them. */
function markedIn (page: SearchPage): string[] {
  const { snippet } = page.results[0]!
  return snippet.highlights.map(([start, end]) => snippet.text.slice(start, end))
}
