// What makes a large import fast without changing its outcome: files in article order, the
// English side of an article parsed once (SourceSideCache), stores committed in batches, the
// same English revision not rewritten by each locale file, and the threaded import giving
// exactly what the serial one gives, also when a parse worker stops.
import t from 'tap'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import { collectFiles, IMPORT_WAL_AUTOCHECKPOINT, importPaths } from '../../src/import/import-paths.ts'
import { ArticleStore } from '../../src/db/article-store.ts'
import { WriteBatch } from '../../src/db/write-retry.ts'
import { importPathsParallel, startParseWorker } from '../../src/import/parallel-import.ts'
import { parseArticle, SourceSideCache } from '../../src/ingest/parse-article.ts'
import type { Database } from '../../src/db/connection.ts'
import { CORPUS_FOLDERS, corpusDir, seedFile } from '../helpers/corpus.ts'
import { freshDb, tableCounts } from '../helpers/db.ts'

const corpusPaths = CORPUS_FOLDERS.map((folder) => join(corpusDir, folder))
const seedText = readFileSync(seedFile, 'utf8')
const SEED = 'fixing-office-apps-message-unlicensed-product'

t.test('files come in article order, each article\'s files in the order of the walk', async (t) => {
  const { candidates } = collectFiles(corpusPaths)
  const names = candidates.map((c) => basename(c.file).toLowerCase())
  const firstSeen = new Map<string, number>()
  names.forEach((name, i) => { if (!firstSeen.has(name)) firstSeen.set(name, i) })
  t.ok(names.every((name, i) => i === 0 || name === names[i - 1] || !names.slice(0, i).includes(name)), 'the files of one article are next to each other')
  t.same([...firstSeen.keys()], [...firstSeen.keys()].sort(), 'articles in name order')
  const folders = candidates.filter((c) => basename(c.file) === `${SEED}.md`).map((c) => c.file.slice(corpusDir.length + 1).split('/')[0])
  t.ok(folders.length >= 4, `the seed article has ${folders.length} files`)
  t.same(folders, CORPUS_FOLDERS.filter((f) => folders.includes(f)), 'one article\'s files in the order the folders were given')
})

t.test('an English side parsed once gives what parsing it every time gives', async (t) => {
  const cache = new SourceSideCache()
  const { candidates } = collectFiles(corpusPaths)
  let sideBySide = 0
  for (const c of candidates) {
    if (!c.file.endsWith('.md')) continue
    const text = readFileSync(c.file, 'utf8')
    const options = { path: c.file.slice(corpusDir.length + 1) }
    const cached = parseArticle(text, options, cache)
    const fresh = parseArticle(text, options)
    if (cached.kind === 'article' && cached.article.form === 'side-by-side') sideBySide++
    if (JSON.stringify(cached) !== JSON.stringify(fresh)) t.fail(`${options.path}: the cached parse differs`)
  }
  t.ok(sideBySide > 200, `${sideBySide} side-by-side files compared`)
  t.ok(cache.hits > 0, `${cache.hits} English sides came from the cache`)
  // The cache is bounded.
  const small = new SourceSideCache(2)
  const build = (n: number) => () => ({ blocks: [], title: null, anchor: String(n), decisions: new Map(), links: [] })
  for (const n of [1, 2, 3]) small.build(`source ${n}`, 'base', build(n))
  t.equal(small.build('source 1', 'base', build(9)).anchor, '9', 'the oldest entry was dropped')
  t.equal(small.build('source 3', 'base', build(9)).anchor, '3', 'a recent one is kept')
  t.equal(small.build('source 3', 'other base', build(8)).anchor, '8', 'the docs base is part of the key')
})

t.test('each locale file of the same English revision does not rewrite the English side', async (t) => {
  const german = seedText.replace('ms.contentlocale: ja-JP', 'ms.contentlocale: de-DE')
  const { db, dir } = freshDb(t, { corpus: { 'de-DE': { [`${SEED}.md`]: german }, 'ja-JP': { [`${SEED}.md`]: seedText } } })
  const summary = importPaths(db, [join(dir, 'corpus')])
  t.match(summary, { failed: 0, articles: 1, translations: 3 }, 'de-DE, ja-JP and en-US once')
  t.same(db.prepare('SELECT locale, kind FROM changes ORDER BY seq').all(),
    [{ locale: 'de-DE', kind: 'created' }, { locale: 'en-US', kind: 'created' }, { locale: 'ja-JP', kind: 'created' }])
  t.equal(db.prepare("SELECT source_key FROM translations WHERE locale = 'en-US'").pluck().get(), `${SEED}|side-by-side|de-DE`, 'the first file\'s English side stays')

  // A newer handoff of the English source still replaces it.
  const newer = seedText.replace(/ms\.lasthandoff: .*/, 'ms.lasthandoff: 12/31/2099')
  const { db: db2, dir: dir2 } = freshDb(t, { corpus: { 'de-DE': { [`${SEED}.md`]: german }, 'ja-JP': { [`${SEED}.md`]: newer } } })
  t.not(newer, seedText)
  t.match(importPaths(db2, [join(dir2, 'corpus')]), { failed: 0, translations: 4 })
  t.equal(db2.prepare("SELECT source_key FROM translations WHERE locale = 'en-US'").pluck().get(), `${SEED}|side-by-side|ja-JP`)
})

t.test('a file that fails to store fails alone inside its batch', async (t) => {
  const plain = (title: string): string => `---\ntitle: ${title}\nms.contentlocale: en-US\n---\n# ${title}\n\n1. First step of ${title}.\n2. Second step.\n`
  const { db, dir } = freshDb(t, { 'en-US': { 'a.md': plain('Alpha'), 'b.md': plain('BOOM'), 'c.md': plain('Gamma') } })
  db.exec("CREATE TEMP TRIGGER fail_on_boom BEFORE INSERT ON blocks WHEN NEW.data LIKE '%BOOM%' BEGIN SELECT RAISE(ABORT, 'boom'); END")
  const summary = importPaths(db, [join(dir, 'en-US')])
  t.equal(summary.failed, 1)
  t.match(summary.failures[0], { path: /b\.md$/, reason: /boom/ })
  t.notOk(db.inTransaction, 'the last batch is committed')
  t.same(db.prepare('SELECT id FROM articles ORDER BY id').pluck().all(), ['a', 'c'], 'its neighbours are stored')
  t.equal(db.prepare("SELECT count(*) FROM blocks b JOIN translations tr ON tr.id = b.translation_id WHERE tr.article_id = 'b'").pluck().get(), 0, 'nothing of it is left')
})

/** Everything an import decides, without row ids and clock times; without some articles' rows (and then without the counts). */
function contentOf (db: Database, without: string[] = []): unknown {
  const kept = <T extends Record<string, unknown>>(rows: unknown[], key: string): T[] => (rows as T[]).filter((r) => !without.includes(r[key] as string))
  return {
    counts: without.length === 0 ? tableCounts(db) : null,
    translations: kept(db.prepare('SELECT article_id, locale, source_key, content_hash, derived FROM translations ORDER BY article_id, locale').all(), 'article_id'),
    changes: kept(db.prepare('SELECT article_id, locale, kind, revision FROM changes ORDER BY seq').all(), 'article_id'),
    articles: kept(db.prepare('SELECT id, slug, revision FROM articles ORDER BY id').all(), 'id'),
    search: kept(db.prepare('SELECT t.article_id, t.locale, d.title, d.codes, d.steps FROM search_docs d JOIN translations t ON t.id = d.rowid ORDER BY 1, 2').all(), 'article_id')
  }
}

t.test('the threaded import gives what the serial import gives, whichever thread parsed a file', async (t) => {
  // Files that fail, and one too large for the storing thread to parse (a worker takes it)
  // (not in t.testdir(): freshDb empties that for its database)
  const oddRoot = mkdtempSync(join(tmpdir(), 'kb-odd-'))
  t.teardown(() => rmSync(oddRoot, { recursive: true, force: true }))
  const odd = join(oddRoot, 'ja-JP')
  mkdirSync(odd)
  writeFileSync(join(odd, 'zz-bad-utf8.md'), Buffer.from([0x23, 0x20, 0xff, 0xfe]))
  writeFileSync(join(odd, 'zz-nul.md'), `${seedText}\n\u0000\n`)
  writeFileSync(join(odd, 'zz-bad-locale.md'), seedText.replace('ms.contentlocale: ja-JP', 'ms.contentlocale: "not a locale!"'))
  const paragraph = seedText.split('\n\n').find((p) => p.startsWith('<span data-ttu-id'))!
  const large = `${seedText}\n\n${Array.from({ length: 80 }, () => paragraph).join('\n\n')}\n`
  t.ok(large.length > 40 * 1024, `a large file: ${large.length} characters`)
  writeFileSync(join(odd, 'zz-large.md'), large)
  const paths = [...corpusPaths, oddRoot]

  const { db: serialDb } = freshDb(t)
  const serial = importPaths(serialDb, paths)
  t.same(serial.failures.map((f) => basename(f.path)), ['zz-bad-locale.md', 'zz-bad-utf8.md', 'zz-nul.md:45'], 'three files fail')
  for (const threads of [1, 2]) {
    const { db: parallelDb } = freshDb(t)
    const parallel = await importPathsParallel(parallelDb, paths, { threads })
    t.same(parallel.failures, serial.failures, `${threads} worker(s): the same failures, with their lines`)
    t.match(parallel, { files: serial.files, articles: serial.articles, translations: serial.translations, steps: serial.steps, links: serial.links, skipped: serial.skipped })
    t.notOk(parallelDb.inTransaction, 'the last batch is committed')
    t.same(contentOf(parallelDb), contentOf(serialDb), 'the same rows, change events and search documents')
  }
})

t.test('a large import leaves each full-text index in one segment; searches find the same', async (t) => {
  const segments = (db: Database): number[] => ['search_docs_idx', 'search_words_idx'].map((table) => db.prepare(`SELECT count(DISTINCT segid) FROM ${table}`).pluck().get() as number)
  const found = (db: Database): unknown => ['0x8004FC12', 'ライセンス', 'Office aktivieren', '"Unlicensed Product"'].map((q) =>
    db.prepare('SELECT rowid FROM search_docs WHERE search_docs MATCH ? ORDER BY bm25(search_docs), rowid').pluck().all(q.startsWith('"') ? q : `"${q}"`))
  const { db: plain } = freshDb(t)
  const left = importPaths(plain, corpusPaths, { optimizeAfter: Infinity })
  t.ok(segments(plain).every((n) => n > 1), `without: ${segments(plain).join(' and ')} segments`)
  const { db: optimized } = freshDb(t)
  const merged = importPaths(optimized, corpusPaths, { optimizeAfter: left.translations })
  t.equal(merged.translations, left.translations)
  t.same(segments(optimized), [1, 1], 'one segment each when the run wrote optimizeAfter documents')
  t.same(found(optimized), found(plain), 'the same documents in the same order')
  t.same(importPaths(optimized, corpusPaths, { optimizeAfter: 0 }).translations, 0, 'a run that wrote nothing does not optimize')
})

t.test('a batch writes its full-text rows when it commits, in one segment; a failed store takes its own with it', async (t) => {
  const { db } = freshDb(t)
  const segments = (table: string): number => db.prepare(`SELECT count(DISTINCT segid) FROM ${table}_idx`).pluck().get() as number
  const count = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
  // As ImportTally wires them, with a clock that stands still: one batch until commit()
  const writer = new ArticleStore(db, { holdFullText: true })
  const batch = new WriteBatch(db, { now: () => 0, held: writer.heldFullText })
  const store = (text: string, id: string, hash: string): unknown => {
    const parsed = parseArticle(text, { path: `ja-JP/${id}.md` })
    if (parsed.kind !== 'article') throw new Error('not an article')
    return batch.write(() => writer.store(parsed.article, { path: `/corpus/ja-JP/${id}.md`, contentHash: hash }))
  }
  // Eight articles (ja-JP and en-US each) in one batch
  for (let i = 1; i <= 8; i++) store(seedText, `article-${i}`, `h${i}`)
  t.ok(db.inTransaction, 'one batch, still open')
  t.equal(count('translations'), 16)
  t.equal(count('search_sources'), 16, 'the ordinary table is written at once')
  t.equal(count('search_docs'), 0, 'the full-text rows wait for the commit')

  // A store that fails after indexing (here: its change event), replacing what the batch holds
  db.exec("CREATE TABLE boom (x); CREATE TRIGGER boom BEFORE INSERT ON changes WHEN (SELECT count(*) FROM boom) > 0 BEGIN SELECT RAISE(ABORT, 'boom'); END")
  db.exec('INSERT INTO boom VALUES (1)')
  const changed = seedText.replace('Office をライセンス認証することができない</span><span class="sxs-lookup">', 'Zebra crossing</span><span class="sxs-lookup">')
  t.not(changed, seedText)
  t.throws(() => store(changed, 'article-3', 'changed'), /boom/, 'the failed store')
  db.exec('DELETE FROM boom')
  batch.commit()
  t.notOk(db.inTransaction)
  t.equal(count('search_docs'), 16, 'every translation has its full-text row, the replaced ones included')
  t.equal(count('search_words'), 16)
  t.same([segments('search_docs'), segments('search_words')], [1, 1], 'one segment for the whole batch')
  t.equal(db.prepare("SELECT count(*) FROM search_docs WHERE search_docs MATCH 'zebra'").pluck().get(), 0, 'nothing of the failed store')
  t.equal(db.prepare('SELECT count(*) FROM search_docs d JOIN translations t ON t.id = d.rowid').pluck().get(), 16, 'each row is a stored translation')
  db.exec("INSERT INTO search_docs (search_docs, rank) VALUES ('integrity-check', 1); INSERT INTO search_words (search_words) VALUES ('integrity-check')")
  t.pass('both full-text indexes agree with their content')

  // Inside a transaction of the caller's own, the rows are written with each store
  db.exec('BEGIN')
  store(seedText, 'article-9', 'h9')
  t.equal(count('search_docs'), 18, 'written before the caller commits')
  db.exec('COMMIT')
})

t.test('an import lets the write-ahead log grow to IMPORT_WAL_AUTOCHECKPOINT pages, and gives the setting back', async (t) => {
  const { db } = freshDb(t)
  const setting = (): number => db.pragma('wal_autocheckpoint', { simple: true }) as number
  db.pragma('wal_autocheckpoint = 500')
  const during = new Set<number>()
  const summary = importPaths(db, corpusPaths, { onFile: () => during.add(setting()) })
  t.ok(summary.translations > 0)
  t.same([...during], [IMPORT_WAL_AUTOCHECKPOINT], 'raised while the files are stored')
  t.equal(setting(), 500, 'the connection\'s own setting afterwards')
  const parallel = await importPathsParallel(db, corpusPaths, { threads: 2, onFile: () => during.add(setting()) })
  t.equal(parallel.failed, 0)
  t.equal(setting(), 500, 'after the threaded import too')
  t.ok(IMPORT_WAL_AUTOCHECKPOINT > 1000, 'more than SQLite\'s default')
})

/** A parse worker that refuses its first `refusals` files, then throws (or throws while it starts, with 0). */
function failingWorker (refusals: number): Worker {
  return new Worker(`
    const { parentPort } = require('node:worker_threads')
    let n = 0
    if (${refusals} === 0) throw new Error('no parser here')
    parentPort.on('message', (job) => {
      if (++n > ${refusals}) throw new Error('out of paper')
      parentPort.postMessage({ id: job.id, ok: false, error: { name: 'ParseError', message: 'refused by the test', line: null } })
    })`, { eval: true })
}

t.test('a parse worker that stops fails the file it was parsing; the files it held are parsed elsewhere', async (t) => {
  const { db: serialDb } = freshDb(t)
  const serial = importPaths(serialDb, corpusPaths)
  t.equal(serial.failed, 0)
  const { candidates } = collectFiles(corpusPaths)
  const articles = candidates.filter((c) => c.file.endsWith('.md')).map((c) => c.file)
  const articleOf = (path: string): string => serialDb.prepare('SELECT article_id FROM source_files WHERE path = ?').pluck().get(resolve(path)) as string

  // It answers two files, then throws on the third: alone, and next to a real worker
  for (const others of [0, 1]) {
    let started = 0
    const { db } = freshDb(t)
    const summary = await importPathsParallel(db, corpusPaths, { threads: 1 + others, startWorker: () => started++ === 0 ? failingWorker(2) : startParseWorker() })
    t.same(summary.failures, [
      { path: articles[0], reason: 'refused by the test' },
      { path: articles[1], reason: 'refused by the test' },
      { path: articles[2], reason: 'the parse thread stopped while parsing this file: out of paper' }
    ], `with ${others} other worker(s): the two files it refused, the one it was parsing`)
    t.equal(summary.files, serial.files)
    const failed = [...new Set(articles.slice(0, 3).map(articleOf))]
    t.same(contentOf(db, failed), contentOf(serialDb, failed), `every other article as the serial import stores it (all but ${failed.join(', ')})`)
    t.notOk(db.inTransaction)
  }

  // A worker that fails while it starts is to blame for no file
  for (const others of [0, 1]) {
    let started = 0
    const { db } = freshDb(t)
    const summary = await importPathsParallel(db, corpusPaths, { threads: 1 + others, startWorker: () => started++ === 0 ? failingWorker(0) : startParseWorker() })
    t.same(summary.failures, [], `with ${others} other worker(s): no file fails`)
    t.same(contentOf(db), contentOf(serialDb), 'the serial import\'s rows, change events and search documents')
  }
})
