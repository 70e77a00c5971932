// Steps are not stored (migration 008): the steps route and feedback find them in the stored
// blocks. Over every file of the corpus, the steps found in the stored rows are the steps the
// parser found, field for field: what the steps table held.
import t from 'tap'
import { blockTree, flattenBlocks, type BlockRow } from '../../src/db/block-rows.ts'
import { extractSteps } from '../../src/ingest/steps.ts'
import { ArticleRepository } from '../../src/db/article-repository.ts'
import { ArticleStore } from '../../src/db/article-store.ts'
import { corpusTranslations, parseCorpusFile } from '../helpers/corpus.ts'
import { freshDb, storedSteps } from '../helpers/db.ts'

/** What the stored rows give back: each block row's data goes through JSON, as in the table. */
const roundTrip = (rows: ReturnType<typeof flattenBlocks>): BlockRow[] =>
  rows.map((r) => ({ block_id: r.id, parent_id: r.parent, type: r.type, data: r.data }))

t.test('the steps found in the stored blocks are the parsed steps, for every translation of the corpus', async (t) => {
  let translations = 0
  let steps = 0
  const differ: string[] = []
  for (const { folder, file, translation: tr } of corpusTranslations()) {
    translations++
    steps += tr.steps.length
    const found = extractSteps(blockTree(roundTrip(flattenBlocks(tr.blocks))))
    // The parsed steps as JSON would store them (no undefined fields); key order aside
    const parsed = JSON.parse(JSON.stringify(tr.steps)) as unknown
    if (JSON.stringify(found) === JSON.stringify(tr.steps)) continue
    t.strictSame(found, parsed, `${folder}/${file} ${tr.locale}`) // reports the difference
    differ.push(`${folder}/${file} ${tr.locale}`)
  }
  t.ok(translations > 100 && steps > 500, `${translations} translations, ${steps} steps compared`)
  t.same(differ, [], 'no translation whose steps differ (key order aside)')
})

t.test('stored and served: the steps of a stored translation; feedback knows a step only where one is', async (t) => {
  const { db } = freshDb(t)
  const store = new ArticleStore(db)
  const article = parseCorpusFile('ja-JP', 'fixing-office-apps-message-unlicensed-product.md')
  store.store(article, { path: 'ja-JP/fixing-office-apps-message-unlicensed-product.md', contentHash: 'h' })
  const repo = new ArticleRepository(db)
  const translation = db.prepare("SELECT id FROM translations WHERE article_id = ? AND locale = 'ja-JP'").pluck().get(article.id) as number
  const parsedJa = article.translations.find((x) => x.locale === 'ja-JP')!
  t.strictSame(storedSteps(db, translation), JSON.parse(JSON.stringify(parsedJa.steps)), 'the stored ja-JP translation gives its parsed steps back')
  t.ok(parsedJa.steps.length > 5, `${parsedJa.steps.length} steps`)
  for (const step of parsedJa.steps) t.ok(repo.hasStep(article.id, step.id), `${step.id} is a step`)
  // A block id that is no list item, an item of a links-only list, a made-up id: no steps
  const related = parsedJa.blocks.find((b) => b.type === 'list' && b.related)
  t.ok(related, 'the seed ends with a links-only list')
  if (related?.type === 'list') t.notOk(repo.hasStep(article.id, `s${related.items[0]!.id.slice(1)}`), 'an item of a links-only list is no step')
  t.notOk(repo.hasStep(article.id, 's1'), 'the H1 is no step')
  t.notOk(repo.hasStep(article.id, 's99.1'), 'nor an id nothing has')
  t.notOk(repo.hasStep(article.id, `x${parsedJa.steps[0]!.id.slice(1)}`), 'nor a step id with another prefix')
  t.notOk(repo.hasStep('another-article', parsedJa.steps[0]!.id), 'nor a step of another article')
})
