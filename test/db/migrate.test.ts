// The migrations runner and the connection settings, on real SQLite files.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { DatabaseTooNewError, latestVersion, loadMigrations, migrate, schemaVersion } from '../../src/db/migrate.ts'
import { openDatabase } from '../../src/db/connection.ts'
import { openTestDb, storedSteps } from '../helpers/db.ts'
import { ensureSearchIndex, localeToken } from '../../src/search/search-index.ts'
import { importPaths } from '../../src/import/import-paths.ts'
import { ArticleSearch } from '../../src/search/search-articles.ts'
import { PARSER_VERSION } from '../../src/ingest/parse-article.ts'

const tablesOf = (db: ReturnType<typeof openDatabase>): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name)

/** An article's translation as the store writes it since migration 004; returns its id. */
function insertTranslation (db: ReturnType<typeof openDatabase>, articleId: string, locale: string): number {
  const now = new Date().toISOString()
  db.prepare('INSERT OR IGNORE INTO articles (id, slug, created_at, updated_at) VALUES (?, ?, ?, ?)').run(articleId, articleId, now, now)
  return Number(db.prepare(`INSERT INTO translations (article_id, locale, title, translation_type, derived, source_key, content_hash, updated_at)
    VALUES (?, ?, ?, 'human', 0, ?, 'h', ?)`).run(articleId, locale, `${articleId} ${locale}`, `${articleId}/${locale}`, now).lastInsertRowid)
}

/** Applies the migrations before number `version` (`'005'`), as a database of the version before it. */
function migrateUpTo (t: Test, db: ReturnType<typeof openDatabase>, version: string): void {
  const all = loadMigrations()
  const at = all.findIndex((m) => m.name.startsWith(`${version}-`))
  t.ok(at > 0, `there is a migration ${version}`)
  migrate(db, all.slice(0, at))
}

/**
 * importPaths into a database before migration 010: today's store also records the parser
 * version, which that schema has no column for, so the column is there only while it runs.
 */
function importBefore010 (db: ReturnType<typeof openDatabase>, paths: string[]): ReturnType<typeof importPaths> {
  db.exec('ALTER TABLE source_files ADD COLUMN parser_version INTEGER NOT NULL DEFAULT 0')
  try {
    return importPaths(db, paths)
  } finally {
    db.exec('ALTER TABLE source_files DROP COLUMN parser_version')
  }
}

t.test('migrations apply on an empty database and record user_version', async (t) => {
  const db = openTestDb(t, t.testdir())
  t.equal(schemaVersion(db), 0, 'an empty file is at version 0')
  t.same(tablesOf(db), [])
  const applied = migrate(db)
  t.same(applied, loadMigrations().map((m) => m.name), 'every migration applied, in order')
  t.ok(applied.length >= 1)
  t.equal(schemaVersion(db), latestVersion(), 'user_version is the latest migration')
  t.equal(db.pragma('user_version', { simple: true }), applied.length)
  for (const table of ['articles', 'article_scenarios', 'source_files', 'translations', 'blocks', 'links', 'changes']) {
    t.ok(tablesOf(db).includes(table), `table ${table}`)
  }
})

t.test('a second run applies nothing', async (t) => {
  const dir = t.testdir()
  const first = openTestDb(t, dir)
  migrate(first)
  first.close()
  const db = openTestDb(t, dir)
  const before = db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all()
  t.same(migrate(db), [], 'nothing to apply')
  t.same(migrate(db), [], 'still nothing')
  t.equal(schemaVersion(db), latestVersion())
  t.same(db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all(), before, 'the schema is untouched')
})

t.test('a database newer than the code is refused', async (t) => {
  const db = openTestDb(t, t.testdir())
  migrate(db)
  db.pragma(`user_version = ${latestVersion() + 1}`)
  t.throws(() => migrate(db), DatabaseTooNewError)
  t.throws(() => migrate(db), { name: 'DatabaseTooNewError', message: /newer than this code/ })
  t.equal(schemaVersion(db), latestVersion() + 1, 'the version is left alone')
})

t.test('migration files must be numbered without gaps', async (t) => {
  const dir = t.testdir({ '001-a.sql': 'CREATE TABLE a (x);', '003-c.sql': 'CREATE TABLE c (x);', 'notes.txt': 'ignored' })
  t.throws(() => loadMigrations(dir), /without gaps/)
})

t.test('a failing migration leaves the database at the version before it', async (t) => {
  const migrations = [
    { version: 1, name: '001-ok.sql', sql: 'CREATE TABLE one (x);' },
    { version: 2, name: '002-bad.sql', sql: 'CREATE TABLE two (x); CREATE TABLE one (x);' }
  ]
  const db = openTestDb(t, t.testdir())
  t.throws(() => migrate(db, migrations), /already exists/)
  t.equal(schemaVersion(db), 1, 'migration 1 stays applied')
  t.same(tablesOf(db), ['one'], 'migration 2 was rolled back as a whole')
})

t.test('a file database is in WAL mode with foreign keys on', async (t) => {
  const dir = t.testdir()
  const db = openTestDb(t, dir)
  migrate(db)
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  t.equal(db.pragma('foreign_keys', { simple: true }), 1)
  t.throws(() => db.prepare("INSERT INTO article_scenarios (scenario_id, article_id, position) VALUES ('1', 'no-such-article', 0)").run(),
    { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' }, 'a row pointing at no article is refused')

  const now = new Date().toISOString()
  db.prepare("INSERT INTO articles (id, slug, created_at, updated_at) VALUES ('a', 'a', ?, ?)").run(now, now)
  db.prepare("INSERT INTO article_scenarios (scenario_id, article_id, position) VALUES ('1', 'a', 0)").run()
  db.prepare("DELETE FROM articles WHERE id = 'a'").run()
  t.equal((db.prepare('SELECT count(*) AS n FROM article_scenarios').get() as { n: number }).n, 0, 'deletes cascade')

  const other = openDatabase(join(dir, 'kb.sqlite'))
  t.teardown(() => other.close())
  t.equal(other.pragma('journal_mode', { simple: true }), 'wal', 'WAL persists in the file')
  t.equal(other.pragma('foreign_keys', { simple: true }), 1, 'every connection turns foreign keys on')
})

t.test('005: links with script URLs become kind unsafe; every row, index and cascade stays', async (t) => {
  const db = openTestDb(t, t.testdir())
  migrateUpTo(t, db, '005')
  // Written as the importer of that version wrote them (today's writes the later schema)
  const tid = insertTranslation(db, 'a', 'en-US')
  const insert = db.prepare("INSERT INTO links (translation_id, position, href, text, title, kind, target_key, block_id, step_id, context) VALUES (?, ?, ?, 'x', NULL, ?, NULL, 'b1', NULL, 'block')")
  insert.run(tid, 0, '/microsoft-365/admin', 'docs')
  insert.run(tid, 1, 'mailto:x@example.com', 'external')
  const hostile = ['javascript:alert(1)', ' JaVaScRiPt:alert(2)', 'java\tscript:alert(3)', 'vbscript:x', 'data:text/html,x', 'file:///etc/passwd', 'blob:https://x/y']
  hostile.forEach((href, i) => insert.run(tid, 10 + i, href, 'external'))
  const before = db.prepare('SELECT position, href, kind FROM links ORDER BY position').all() as Array<{ position: number, href: string, kind: string }>

  migrate(db)
  t.equal(schemaVersion(db), latestVersion())
  const after = db.prepare('SELECT position, href, kind FROM links ORDER BY position').all() as Array<{ position: number, href: string, kind: string }>
  t.same(after.map((r) => [r.position, r.href]), before.map((r) => [r.position, r.href]), 'the same rows')
  t.same(after.filter((r) => r.position >= 10).map((r) => r.kind), hostile.map(() => 'unsafe'), 'script, data, file and blob URLs are unsafe')
  t.same(after.filter((r) => r.position < 10).map((r) => r.kind), before.filter((r) => r.position < 10).map((r) => r.kind), 'the others keep their kind')
  t.ok(after.some((r) => r.kind === 'external' && r.href.startsWith('mailto:')), 'mailto: stays external')
  t.ok(db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'links_target'").get(), 'the index is back')
  t.throws(() => db.prepare("UPDATE links SET kind = 'bogus' WHERE position = 10").run(), /CHECK/, 'the CHECK still holds')
  db.prepare('DELETE FROM translations WHERE id = ?').run(tid)
  t.equal(db.prepare('SELECT count(*) FROM links').pluck().get(), 0, 'deleting the translation still deletes its links')
})

t.test('006: every search document gets its locale token; the documents and their words stay, their scores within a token', async (t) => {
  const db = openTestDb(t, t.testdir())
  migrateUpTo(t, db, '006')
  // Search documents as the index writer of that version wrote them: eight columns
  const insertDoc = db.prepare('INSERT INTO search_docs (rowid, title, keywords, codes, messages, headings, steps, callouts, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
  const locales = ['en-US', 'ja-JP', 'de-DE', 'sr-Latn-RS', 'zh-Hans']
  for (const article of ['printer-offline', 'printer-jam']) {
    for (const locale of locales) {
      const tid = insertTranslation(db, article, locale)
      insertDoc.run(tid, `${article} ${locale}`, article.replace('-', ' '), locale === 'de-DE' ? '0x80070005' : '', '', '', `printer step ${locale}`, '', article === 'printer-jam' ? 'printer printer jam' : 'offline')
    }
  }
  const columns = 'title, keywords, codes, messages, headings, steps, callouts, body'
  const before = db.prepare(`SELECT rowid, ${columns} FROM search_docs ORDER BY rowid`).all()
  const scores = db.prepare("SELECT rowid, bm25(search_docs, 10, 4, 25, 8, 4, 1.5, 1.5, 1) AS score FROM search_docs WHERE search_docs MATCH 'printer' ORDER BY rowid").all() as Array<{ rowid: number, score: number }>

  migrate(db)
  t.same(db.prepare(`SELECT rowid, ${columns} FROM search_docs ORDER BY rowid`).all(), before, 'the same documents under the same rowids')
  const tokens = db.prepare('SELECT t.locale, d.locale AS token FROM search_docs d JOIN translations t ON t.id = d.rowid ORDER BY d.rowid').all() as Array<{ locale: string, token: string }>
  t.same(tokens.map((r) => r.token), tokens.map((r) => localeToken(r.locale)), 'the SQL token is the one the index writer writes')
  // Weighed 0, the token counts only in a document's length (bm25 reads the length of all columns)
  const after = db.prepare("SELECT rowid, bm25(search_docs, 10, 4, 25, 8, 4, 1.5, 1.5, 1, 0) AS score FROM search_docs WHERE search_docs MATCH 'printer' ORDER BY rowid").all() as typeof scores
  t.same(after.map((r) => r.rowid), scores.map((r) => r.rowid), 'the same documents match')
  t.ok(after.every((r, i) => Math.abs(r.score / scores[i]!.score - 1) < 0.01), 'bm25 with the locale weighed 0 scores within 1% of before, on documents of a few words')
  for (const locale of locales) {
    const found = db.prepare('SELECT t.locale FROM search_docs d JOIN translations t ON t.id = d.rowid WHERE search_docs MATCH ?').pluck().all(`locale : "${localeToken(locale)}"`)
    t.same(found, [locale, locale], `${locale}: its token finds its documents and only them`)
  }
  t.equal(db.prepare('SELECT count(*) FROM search_docs WHERE search_docs MATCH ?').pluck().get(`"${localeToken('ja-JP')}"`), 2, 'the token is one word')
  t.equal(db.prepare("SELECT count(*) FROM search_docs WHERE search_docs MATCH 'l10njajp'").pluck().get(), 0, 'and no word one can type')
  t.equal(db.prepare("SELECT count(*) FROM search_docs WHERE search_docs MATCH 'printers'").pluck().get(), 10, 'the tokenizer still stems')

  const page = new ArticleSearch(db).search({ q: '0x80070005', locale: 'ja-JP' })
  t.same(page.results.map((r) => [r.id, r.matchedLocale, r.locale.served]).sort(), [['printer-jam', 'de-DE', 'ja-JP'], ['printer-offline', 'de-DE', 'ja-JP']],
    'a code only the German documents hold is found from a Japanese page')
})

t.test('007: the segments table goes; the translations, their blocks and their cascades stay', async (t) => {
  const db = openTestDb(t, t.testdir())
  migrateUpTo(t, db, '007')
  // Rows as the store of that version wrote them
  const tid = insertTranslation(db, 'a', 'ja-JP')
  db.prepare("INSERT INTO blocks (translation_id, block_id, parent_id, position, type, data) VALUES (?, 'b1', NULL, 0, 'paragraph', '{}')").run(tid)
  const segment = db.prepare('INSERT INTO segments (translation_id, position, segment_id, source_text, localized_text) VALUES (?, ?, ?, ?, ?)')
  segment.run(tid, 0, 'c8bfe-102', 'Unable to activate Office', 'Office をライセンス認証することができない')
  segment.run(tid, 1, 'c8bfe-103', 'Note', '注')

  migrate(db)
  t.equal(schemaVersion(db), latestVersion())
  t.notOk(tablesOf(db).includes('segments'), 'no segments table')
  t.same(db.prepare('SELECT article_id, locale FROM translations').all(), [{ article_id: 'a', locale: 'ja-JP' }], 'the translation stays')
  t.equal(db.prepare('SELECT count(*) FROM blocks WHERE translation_id = ?').pluck().get(tid), 1, 'and its block')
  t.same(db.pragma('foreign_key_check'), [], 'no foreign key points at a table that went')
  db.prepare('DELETE FROM translations WHERE id = ?').run(tid)
  t.equal(db.prepare('SELECT count(*) FROM blocks').pluck().get(), 0, 'deleting the translation still deletes its blocks')
})

t.test('008: the steps table goes; the blocks the steps are found in stay', async (t) => {
  const db = openTestDb(t, t.testdir())
  migrateUpTo(t, db, '008')
  const tid = insertTranslation(db, 'a', 'en-US')
  db.prepare(`INSERT INTO steps (translation_id, step_id, position, depth, parent_id, group_id, intro_markdown, intro_text, markdown, text)
    VALUES (?, 's2.1', 1, 0, NULL, 'b2', NULL, NULL, 'Restart', 'Restart')`).run(tid)
  const blocks = db.prepare('INSERT INTO blocks (translation_id, block_id, parent_id, position, type, data) VALUES (?, ?, ?, ?, ?, ?)')
  blocks.run(tid, 'b2', null, 0, 'list', JSON.stringify({ type: 'list', id: 'b2', ordered: true, related: false }))
  blocks.run(tid, 'b2.1', 'b2', 1, 'item', JSON.stringify({ id: 'b2.1' }))
  blocks.run(tid, 'b2.1.1', 'b2.1', 2, 'paragraph', JSON.stringify({ type: 'paragraph', id: 'b2.1.1', markdown: 'Restart', text: 'Restart' }))

  migrate(db)
  t.notOk(tablesOf(db).includes('steps'), 'no steps table')
  t.same(storedSteps(db, tid).map((s) => [s.id, s.text]), [['s2.1', 'Restart']], 'the step is found in the blocks')
  t.same(db.pragma('foreign_key_check'), [], 'no foreign key points at a table that went')
})

t.test('009: documents with Thai, Lao, Khmer or Burmese text are indexed again, split into words; the others stay', async (t) => {
  const dir = t.testdir({
    corpus: {
      'th-TH': { 'calendar-sync.md': '---\ntitle: ปัญหาการซิงค์ปฏิทิน\n---\n# ปัญหาการซิงค์ปฏิทิน\n\nปฏิทินของคุณไม่ซิงค์กับโทรศัพท์มือถือ\n\n1. เปิดการตั้งค่าบัญชี\n' },
      'en-US': { 'calendar-sync.md': '---\ntitle: Calendar does not sync\n---\n# Calendar does not sync\n\nYour calendar does not sync with your phone.\n' }
    }
  })
  const db = openTestDb(t, dir)
  migrateUpTo(t, db, '009')
  t.match(importBefore010(db, [join(dir, 'corpus')]), { failed: 0, translations: 2 })
  // The Thai document as the index writer of that version wrote it: the text as written, unsplit
  const thai = db.prepare("SELECT id FROM translations WHERE locale = 'th-TH'").pluck().get() as number
  const source = db.prepare('SELECT title, steps, body FROM search_sources WHERE translation_id = ?').get(thai) as { title: string, steps: string, body: string }
  const steps = (JSON.parse(source.steps) as Array<[string, string]>).map(([, text]) => text).join('\n')
  db.prepare('UPDATE search_docs SET title = ?, steps = ?, body = ? WHERE rowid = ?').run(source.title, steps, source.body, thai)
  db.prepare('DELETE FROM search_words WHERE rowid = ?').run(thai)
  db.prepare('INSERT INTO search_words (rowid, words) VALUES (?, ?)').run(thai, [source.title, steps, source.body].join('\n'))
  const search = (q: string): string[] => new ArticleSearch(db).search({ q, locale: 'th-TH' }).results.map((r) => r.matchedLocale)
  t.same(search('โทรศัพท์'), [], 'before: a word inside a run of Thai is not found')
  const english = db.prepare("SELECT * FROM search_docs WHERE rowid = (SELECT id FROM translations WHERE locale = 'en-US')").get()

  migrate(db)
  t.same(db.prepare('SELECT translation_id FROM search_reindex').pluck().all(), [thai], 'the Thai document is listed, the English one is not')
  t.equal(ensureSearchIndex(db), 1, 'one document indexed again')
  t.same(search('โทรศัพท์'), ['th-TH'], 'after: found')
  t.same(db.prepare("SELECT * FROM search_docs WHERE rowid = (SELECT id FROM translations WHERE locale = 'en-US')").get(), english, 'the English document is as it was')
  t.equal(db.prepare('SELECT count(*) FROM search_reindex').pluck().get(), 0, 'the list is emptied')
  t.equal(ensureSearchIndex(db), 0, 'nothing left to do')
  db.exec("INSERT INTO search_docs (search_docs, rank) VALUES ('integrity-check', 1); INSERT INTO search_words (search_words) VALUES ('integrity-check')")
  t.pass('both full-text indexes agree with their content')
})

t.test('010: files imported before are parsed again on the next import, which writes only the parser version', async (t) => {
  const dir = t.testdir({
    corpus: {
      'en-US': {
        'a.md': '---\ntitle: A\n---\n# A\n\n1. Open the app.\n',
        'b.md': '---\ntitle: B\n---\n# B\n\nText.\n'
      }
    }
  })
  const db = openTestDb(t, dir)
  migrateUpTo(t, db, '010')
  t.match(importBefore010(db, [join(dir, 'corpus')]), { failed: 0, translations: 2 })
  const translations = db.prepare('SELECT * FROM translations ORDER BY id').all()
  const changes = db.prepare('SELECT count(*) FROM changes').pluck().get()

  migrate(db)
  t.same(db.prepare('SELECT parser_version FROM source_files').pluck().all(), [0, 0], 'read by an unknown version')
  const again = importPaths(db, [join(dir, 'corpus')])
  t.match(again, { failed: 0, parsed: 2, unchanged: 2, translations: 0 }, 'parsed again, found the same')
  t.same(db.prepare('SELECT * FROM translations ORDER BY id').all(), translations, 'no translation written')
  t.equal(db.prepare('SELECT count(*) FROM changes').pluck().get(), changes, 'no change event')
  t.same(db.prepare('SELECT parser_version FROM source_files').pluck().all(), [PARSER_VERSION, PARSER_VERSION], 'now known as read by this parser')
})
