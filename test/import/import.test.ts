// The import run: the whole corpus, idempotent re-imports, replacing a changed file atomically,
// broken files, links to articles imported later, and files that are no articles.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { importPaths } from '../../src/import/import-paths.ts'
import { PARSER_VERSION } from '../../src/ingest/parse-article.ts'
import type { Database } from '../../src/db/connection.ts'
import { CORPUS_FOLDERS, corpusDir, seedFile } from '../helpers/corpus.ts'
import { articleSteps, freshDb, tableCounts } from '../helpers/db.ts'

const corpusPaths = CORPUS_FOLDERS.map((folder) => join(corpusDir, folder))
const seedText = readFileSync(seedFile, 'utf8')
const SEED_ID = 'fixing-office-apps-message-unlicensed-product'

const one = <T>(db: Database, sql: string, ...params: unknown[]): T => db.prepare(sql).get(...params) as T
const count = (db: Database, sql: string, ...params: unknown[]): number => one<{ n: number }>(db, sql, ...params).n
const totalChanges = (db: Database): number => one<{ n: number }>(db, 'SELECT total_changes() AS n').n

const stepTexts = (db: Database, articleId: string, locale: string): string[] => articleSteps(db, articleId, locale).map((s) => s.text)

/** A small plain English article. */
const plainArticle = (title: string, body: string): string =>
  `---\ntitle: ${title}\nms.contentlocale: en-US\nms.custom: "100"\n---\n# ${title}\n\n${body}\n`

t.test('importing the six corpus folders', async (t) => {
  const { db } = freshDb(t)
  const summary = importPaths(db, corpusPaths)
  t.same(summary.failures, [], 'no failures')
  t.equal(summary.failed, 0)
  t.equal(summary.files, 367, '366 Markdown files and one image')
  t.equal(summary.skipped, 1, 'the .png is skipped')
  t.equal(summary.articles, 73, '73 articles')
  t.equal(summary.unchanged, 0)
  t.equal(count(db, 'SELECT count(*) AS n FROM articles'), 73)
  const locales = db.prepare('SELECT locale, count(*) AS n FROM translations GROUP BY locale ORDER BY locale').all()
  t.same(locales, [
    { locale: 'de-DE', n: 73 }, { locale: 'en-US', n: 73 }, { locale: 'fr-FR', n: 1 }, { locale: 'ja-JP', n: 73 }, { locale: 'zh-CN', n: 73 }
  ], 'translations per locale')
  t.equal(count(db, 'SELECT count(*) AS n FROM source_files'), 366, 'one source row per article file')
  t.equal(count(db, "SELECT count(*) AS n FROM articles WHERE id NOT GLOB '*[^a-z0-9_-]*'"), 73, 'every id is URL-safe')
  t.same(db.prepare('SELECT scenario_id FROM article_scenarios WHERE article_id = ? ORDER BY position').all(SEED_ID),
    [{ scenario_id: '2000023' }, { scenario_id: '3509' }], 'the seed has its scenario ids')
  t.equal(count(db, 'SELECT count(*) AS n FROM changes'), summary.translations, 'one change event per translation written')
  t.equal(count(db, 'SELECT count(*) AS n FROM links WHERE href NOT LIKE \'http%\' AND kind <> \'external\''), 0, 'every classified link is absolute')
})

t.test('an unchanged re-import writes nothing', async (t) => {
  const { db } = freshDb(t)
  const first = importPaths(db, corpusPaths)
  t.equal(first.failed, 0)
  const rows = tableCounts(db)
  const changesBefore = db.prepare('SELECT * FROM changes ORDER BY seq').all()
  const revisions = db.prepare('SELECT id, revision, updated_at FROM articles ORDER BY id').all()
  const written = totalChanges(db)

  const again = importPaths(db, corpusPaths)
  t.equal(again.failed, 0)
  t.equal(again.unchanged, first.files - first.skipped, 'every imported file is unchanged')
  t.match(again, { articles: 0, translations: 0, steps: 0, links: 0, skipped: first.skipped })
  t.equal(totalChanges(db), written, 'total_changes() did not move: not one row written')
  t.same(tableCounts(db), rows, 'row counts are the same')
  t.same(db.prepare('SELECT * FROM changes ORDER BY seq').all(), changesBefore, 'no change events')
  t.same(db.prepare('SELECT id, revision, updated_at FROM articles ORDER BY id').all(), revisions, 'no revision bumped')

  // The same bytes from another path (the seed is a copy of ja-JP/...): parsed, found unchanged, not written.
  const seed = importPaths(db, [seedFile])
  t.match(seed, { failed: 0, unchanged: 1, articles: 0 })
  t.equal(totalChanges(db), written, 'the seed copy wrote nothing either')
})

t.test('a file an older parser read is parsed again: what it now gives differently is written, nothing else', async (t) => {
  const { db, dir } = freshDb(t, {
    'en-US': {
      'line-break.md': plainArticle('Line break', 'Line one<br>Line two'),
      'plain.md': plainArticle('Plain', 'Nothing special.')
    }
  })
  const folder = join(dir, 'en-US')
  t.match(importPaths(db, [folder]), { failed: 0, translations: 2 })
  t.same(db.prepare('SELECT DISTINCT parser_version FROM source_files').pluck().all(), [PARSER_VERSION], 'each file records the parser that read it')
  // As an older parser left them: both files read by version 0, which made of the first one's
  // break what the text now says otherwise (the stored parse differs from today's)
  db.exec('UPDATE source_files SET parser_version = 0')
  db.prepare("UPDATE translations SET content_hash = 'older parse' WHERE article_id = 'line-break'").run()
  const seqBefore = one<{ seq: number }>(db, 'SELECT max(seq) AS seq FROM changes').seq
  const rows = tableCounts(db)

  const again = importPaths(db, [folder])
  t.match(again, { failed: 0, parsed: 2, articles: 1, translations: 1, unchanged: 1 }, 'both parsed again; the one whose parse differs written')
  t.same(db.prepare('SELECT article_id, kind FROM changes WHERE seq > ?').all(seqBefore), [{ article_id: 'line-break', kind: 'updated' }], 'one updated event')
  t.same(tableCounts(db), { ...rows, changes: rows.changes! + 1 }, 'the translation replaced, no row more or less')
  t.same(db.prepare('SELECT DISTINCT parser_version FROM source_files').pluck().all(), [PARSER_VERSION], 'both files now recorded as read by this parser')

  const written = totalChanges(db)
  t.match(importPaths(db, [folder]), { failed: 0, parsed: 0, unchanged: 2, translations: 0 })
  t.equal(totalChanges(db), written, 'then they are known again: not parsed, nothing written')
})

t.test("an article's own fields come from the file that gives its en-US text, in whatever order the files come", async (t) => {
  const front = (locale: string, custom: string, priority: string, handoff: string | null, extra = ''): string =>
    `---\ntitle: Sync\nms.contentlocale: ${locale}\nms.custom: "${custom}"\nlocalization_priority: ${priority}\nms.audience: Admin\n${handoff ? `ms.lasthandoff: ${handoff}\nms.openlocfilehash: h-${handoff}\n` : ''}${extra}---\n`
  const sideBySide = (locale: string, custom: string, priority: string, handoff: string, localized: string): string =>
    `${front(locale, custom, priority, handoff)}# <span data-ttu-id="a-101">${localized}</span><span class="sxs-lookup"><span data-stu-id="a-101">Calendar sync</span></span>\n\n` +
    `1. <span data-ttu-id="a-102">${localized} 1</span><span class="sxs-lookup"><span data-stu-id="a-102">Open the calendar ${handoff}.</span></span>\n`
  const files = {
    'en-US': { 'calendar-sync.md': `${front('en-US', '100, 200', 'Normal', null)}# Calendar sync\n\n1. Open the calendar.\n` },
    // Translations of older and newer English revisions, whose front matter says other things
    'ja-JP': { 'calendar-sync.md': sideBySide('ja-JP', '100', 'Priority', '09/01/2020', '予定表の同期') },
    'de-DE': { 'calendar-sync.md': sideBySide('de-DE', '300', 'Low', '11/01/2020', 'Kalender') },
    // The same revision as the side-by-side ja-JP file, plain: superseded by it
    'ja-JP.plain': { 'calendar-sync.md': `${front('ja-JP', '999', 'High', null, 'ms.openlocfilehash: h-09/01/2020\n')}# 予定表の同期\n\n1. 予定表を開きます。\n` }
  }
  const fields = (db: Database): unknown => ({
    ...one<Record<string, unknown>>(db, "SELECT priority, audience FROM articles WHERE id = 'calendar-sync'"),
    scenarios: db.prepare("SELECT scenario_id FROM article_scenarios WHERE article_id = 'calendar-sync' ORDER BY position").pluck().all()
  })
  const importInOrder = (folders: string[]): { fields: unknown, events: unknown[] } => {
    const { db, dir } = freshDb(t, files)
    for (const folder of folders) t.match(importPaths(db, [join(dir, folder)]), { failed: 0 }, `${folders.join(', ')}: ${folder} imported`)
    return { fields: fields(db), events: db.prepare("SELECT locale, kind FROM changes WHERE article_id = 'calendar-sync' ORDER BY seq").all() }
  }

  const withSource = { priority: 'Normal', audience: 'Admin', scenarios: ['100', '200'] }
  for (const order of [['en-US', 'ja-JP', 'de-DE', 'ja-JP.plain'], ['ja-JP', 'de-DE', 'ja-JP.plain', 'en-US'], ['de-DE', 'en-US', 'ja-JP.plain', 'ja-JP']]) {
    const { fields } = importInOrder(order)
    t.same(fields, withSource, `${order.join(', ')}: the en-US file's fields`)
  }
  const first = importInOrder(['en-US', 'ja-JP', 'de-DE', 'ja-JP.plain'])
  t.same(first.events, [{ locale: 'en-US', kind: 'created' }, { locale: 'ja-JP', kind: 'created' }, { locale: 'de-DE', kind: 'created' }],
    'each locale file adds its own locale and nothing else: no `updated` events for the other locales (the plain ja-JP file is superseded)')

  // Without an en-US file, the English side of the newest handoff (de-DE's) gives the en-US text, and the fields
  const newest = { priority: 'Low', audience: 'Admin', scenarios: ['300'] }
  for (const order of [['ja-JP', 'de-DE'], ['de-DE', 'ja-JP'], ['de-DE', 'ja-JP.plain', 'ja-JP']]) {
    const { fields } = importInOrder(order)
    t.same(fields, newest, `${order.join(', ')}: the newest English side's fields`)
  }
})

t.test('two English sides of one handoff date: the same one wins in whatever order the files come', async (t) => {
  const file = (locale: string, hash: string, english: string): string =>
    `---\ntitle: Sync\nms.contentlocale: ${locale}\nms.lasthandoff: 03/01/2021\nms.openlocfilehash: ${hash}\n---\n` +
    `# <span data-ttu-id="a-101">${locale}</span><span class="sxs-lookup"><span data-stu-id="a-101">Calendar sync</span></span>\n\n` +
    `1. <span data-ttu-id="a-102">${locale} 1</span><span class="sxs-lookup"><span data-stu-id="a-102">${english}</span></span>\n`
  const pairs = {
    'one source hash': { 'ja-JP': file('ja-JP', 'aaa', 'Open the calendar.'), 'de-DE': file('de-DE', 'aaa', 'Open your calendar.') },
    'two source hashes': { 'ja-JP': file('ja-JP', 'bbb', 'Open the calendar.'), 'de-DE': file('de-DE', 'aaa', 'Open your calendar.') }
  }
  for (const [name, pair] of Object.entries(pairs)) {
    const english: string[][] = []
    for (const order of [['ja-JP', 'de-DE'], ['de-DE', 'ja-JP']]) {
      const { db, dir } = freshDb(t, { 'ja-JP': { 'calendar-sync.md': pair['ja-JP'] }, 'de-DE': { 'calendar-sync.md': pair['de-DE'] } })
      for (const folder of order) t.match(importPaths(db, [join(dir, folder)]), { failed: 0 })
      english.push(stepTexts(db, 'calendar-sync', 'en-US'))
    }
    t.equal(english[0]!.length, 1, `${name}: the en-US step`)
    t.same(english[1], english[0], `${name}: the same English text in both orders (${english[0]![0]})`)
  }
})

t.test('a changed file replaces its article atomically', async (t) => {
  const { db, dir } = freshDb(t, { 'ja-JP': { 'fixing-office-apps-message-unlicensed-product.md': seedText } })
  const folder = join(dir, 'ja-JP')
  const file = join(folder, 'fixing-office-apps-message-unlicensed-product.md')
  const first = importPaths(db, [folder])
  t.match(first, { failed: 0, articles: 1, translations: 2 })
  t.equal(one<{ revision: number }>(db, 'SELECT revision FROM articles WHERE id = ?', SEED_ID).revision, 1)
  const oldStep = 'サブスクリプションが期限切れの状態であるかどうかを確認します。'
  t.equal(stepTexts(db, SEED_ID, 'ja-JP')[0], oldStep)
  const seqBefore = one<{ seq: number }>(db, 'SELECT max(seq) AS seq FROM changes').seq

  // Reword the first check (Japanese side only) and drop the third check.
  const changed = seedText
    .replace(`${oldStep}</span>`, 'サブスクリプションの有効期限を確認します。</span>')
    .replace(/^- <span data-ttu-id="c8bfe-107">.*\n/m, '')
  t.not(changed, seedText)
  writeFileSync(file, changed)
  const second = importPaths(db, [folder])
  t.match(second, { failed: 0, articles: 1, unchanged: 0 })

  const ja = stepTexts(db, SEED_ID, 'ja-JP')
  t.equal(ja.length, 8, 'the dropped step is gone')
  t.equal(ja[0], 'サブスクリプションの有効期限を確認します。', 'the new text is served')
  t.notOk(ja.includes(oldStep), 'the old text is gone')
  t.notOk(ja.some((s) => s.startsWith('ユーザーが、ライセンスが割り当てられているアカウントと同じアカウント')), 'the removed step is gone')
  t.equal(stepTexts(db, SEED_ID, 'en-US').length, 8, 'the English side lost the step too')
  t.equal(count(db, 'SELECT count(*) AS n FROM blocks WHERE translation_id NOT IN (SELECT id FROM translations)'), 0, 'no rows of the old translations are left')
  t.equal(count(db, 'SELECT count(DISTINCT translation_id) AS n FROM blocks'), 2, 'only the two translations have blocks')
  t.equal(count(db, 'SELECT count(*) AS n FROM translations'), 2)
  t.equal(one<{ revision: number }>(db, 'SELECT revision FROM articles WHERE id = ?', SEED_ID).revision, 2, 'revision bumped once')
  t.same(db.prepare('SELECT locale, kind, revision FROM changes WHERE seq > ? ORDER BY locale').all(seqBefore),
    [{ locale: 'en-US', kind: 'updated', revision: 2 }, { locale: 'ja-JP', kind: 'updated', revision: 2 }], "change events 'updated'")

  t.test('a write that fails half way leaves the previous article whole', async (t) => {
    const rows = tableCounts(db)
    // A trigger of this test's own connection makes the store fail after it has deleted the old rows.
    db.exec("CREATE TEMP TRIGGER fail_on_boom BEFORE INSERT ON blocks WHEN NEW.data LIKE '%BOOM%' BEGIN SELECT RAISE(ABORT, 'boom'); END")
    t.teardown(() => db.exec('DROP TRIGGER IF EXISTS temp.fail_on_boom'))
    writeFileSync(file, changed.replace('サブスクリプションの有効期限を確認します。</span>', 'BOOM</span>'))
    const failed = importPaths(db, [folder])
    t.equal(failed.failed, 1)
    t.match(failed.failures[0], { path: file, reason: /boom/ })
    t.same(tableCounts(db), rows, 'no row added or removed')
    t.equal(stepTexts(db, SEED_ID, 'ja-JP')[0], 'サブスクリプションの有効期限を確認します。', 'the previous text is still served')
    t.equal(one<{ revision: number }>(db, 'SELECT revision FROM articles WHERE id = ?', SEED_ID).revision, 2, 'revision unchanged')
  })
})

t.test('a broken file fails alone and leaves the database as it was', async (t) => {
  const broken = {
    'an unclosed span': {
      bytes: Buffer.from(`${seedText}\n\n<span data-ttu-id="c8bfe-122">閉じていない\n`),
      // the span opens two lines below the seed's last line
      where: new RegExp(`:${seedText.split('\n').length + 2}$`),
      reason: /never closed/
    },
    'invalid UTF-8 bytes': {
      bytes: Buffer.concat([Buffer.from(seedText.slice(0, 200)), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(seedText.slice(200))]),
      where: /\.md$/,
      reason: /UTF-8/
    }
  }
  for (const [name, { bytes, where, reason }] of Object.entries(broken)) {
    t.test(name, async (t) => {
      const { db, dir } = freshDb(t, {
        ja: { 'fixing-office-apps-message-unlicensed-product.md': seedText },
        en: { 'a-first.md': plainArticle('A first', 'One.'), 'z-last.md': plainArticle('Z last', 'Two.') }
      })
      const jaFolder = join(dir, 'ja')
      const jaFile = join(jaFolder, 'fixing-office-apps-message-unlicensed-product.md')
      t.match(importPaths(db, [jaFolder], { locale: 'ja-JP' }), { failed: 0, articles: 1 })
      const rows = tableCounts(db)
      const article = db.prepare('SELECT * FROM articles').all()
      const written = totalChanges(db)

      writeFileSync(jaFile, bytes)
      const summary = importPaths(db, [join(dir, 'en'), jaFolder], { locale: 'en-US' })
      t.equal(summary.failed, 1, 'one failure')
      t.equal(summary.failures.length, 1)
      const failure = summary.failures[0]!
      t.ok(failure.path.startsWith(jaFile), `the failure names the file: ${failure.path}`)
      t.match(failure.path, where)
      t.match(failure.reason, reason, `and why: ${failure.reason}`)
      t.equal(summary.articles, 2, 'the other files of the run still import')
      t.same(db.prepare('SELECT id FROM articles ORDER BY id').all().map((r) => (r as { id: string }).id), ['a-first', SEED_ID, 'z-last'])
      t.same(db.prepare('SELECT * FROM articles WHERE id = ?').all(SEED_ID), article, 'the broken file\'s article is as it was')
      t.equal(stepTexts(db, SEED_ID, 'ja-JP').length, 9, 'with all its steps')
      const added = tableCounts(db)
      t.equal(added.articles, rows.articles! + 2, 'only the two good articles were added')
      t.equal(added.changes, rows.changes! + 2)
      t.ok(totalChanges(db) > written)
    })
  }
})

t.test('a link to an article resolves when the target is imported after the source', async (t) => {
  const { db, dir } = freshDb(t, {
    'a.md': plainArticle('A', 'See [article B](https://learn.microsoft.com/alchemyinsights/b) and [elsewhere](https://example.org/).'),
    'b.md': plainArticle('B', 'The target.')
  })
  const resolved = () => db.prepare('SELECT l.text, a.id FROM links l JOIN articles a ON a.id = l.target_key ORDER BY l.position').all()
  t.match(importPaths(db, [join(dir, 'a.md')]), { failed: 0, articles: 1 })
  t.same(db.prepare('SELECT text, kind, target_key FROM links ORDER BY position').all(), [
    { text: 'article B', kind: 'article', target_key: 'b' },
    { text: 'elsewhere', kind: 'external', target_key: null }
  ], 'A links to b, which does not exist yet')
  t.same(resolved(), [], 'nothing to join yet')
  t.match(importPaths(db, [join(dir, 'b.md')]), { failed: 0, articles: 1 })
  t.same(resolved(), [{ text: 'article B', id: 'b' }], 'the link now finds B')
})

t.test('files that are no articles are skipped', async (t) => {
  const { db, dir } = freshDb(t, {
    articles: {
      'real.md': plainArticle('Real', 'Content.'),
      includes: { 'fragment.md': 'A reusable paragraph, included by other articles.\n\n- with a list\n' },
      media: { 'picture.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
      'README.md': '# About this folder\n'
    }
  })
  const summary = importPaths(db, [join(dir, 'articles')], { locale: 'en-US' })
  t.match(summary, { files: 4, articles: 1, skipped: 3, failed: 0 }, 'the fragment, the .png and the README are skipped')
  t.same(db.prepare('SELECT id FROM articles').all(), [{ id: 'real' }])
})

t.test('a missing path is a failure that names it', async (t) => {
  const { db, dir } = freshDb(t)
  const missing = join(dir, 'nowhere')
  const summary = importPaths(db, [missing])
  t.equal(summary.failed, 1)
  t.match(summary.failures, [{ path: missing, reason: /no such/ }])
})
