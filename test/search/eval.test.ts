// Holds the search quality of scripts/eval-search.ts (test/fixtures/search-queries.json over the
// test corpus) above thresholds the current figures meet with a margin: a change that makes
// search worse fails here; one that makes it better may raise them.
import t from 'tap'
import { evaluateSearch, loadQueries, openCorpusDatabase } from '../../scripts/eval-search.ts'

// Measured when written: overall recall@1 0.954, recall@3 0.958, MRR 0.966; every language
// at least 0.947 / 0.947 / 0.961. The margin allows about two more misses per language.
const OVERALL = { recallAt1: 0.88, recallAt3: 0.88, mrr: 0.9 }
const PER_LANGUAGE = { recallAt1: 0.84, recallAt3: 0.84, mrr: 0.86 }

const db = openCorpusDatabase()
t.teardown(() => db.close())

t.test('the query set covers English, Japanese and German', async (t) => {
  const queries = loadQueries()
  t.ok(queries.length >= 60, `${queries.length} queries`)
  for (const lang of ['en', 'ja', 'de']) t.ok(queries.filter((q) => q.lang === lang).length >= 15, `${lang}: 15 or more`)
  for (const kind of ['code', 'message', 'words', 'typo', 'cross']) t.ok(queries.some((q) => q.kind === kind), `some ${kind} queries`)
  const ids = new Set(db.prepare('SELECT id FROM articles').pluck().all() as string[])
  for (const q of queries) for (const id of q.expected) t.ok(ids.has(id), `${id} is an article`)
})

t.test('recall@1, recall@3 and MRR hold their thresholds', async (t) => {
  const report = evaluateSearch(db)
  for (const [name, threshold] of Object.entries(OVERALL) as Array<[keyof typeof OVERALL, number]>) {
    t.ok(report.overall[name] >= threshold, `overall ${name} ${report.overall[name].toFixed(3)} >= ${threshold}`)
  }
  for (const [lang, figures] of Object.entries(report.byLanguage)) {
    for (const [name, threshold] of Object.entries(PER_LANGUAGE) as Array<[keyof typeof PER_LANGUAGE, number]>) {
      t.ok(figures[name] >= threshold, `${lang} ${name} ${figures[name].toFixed(3)} >= ${threshold}`)
    }
  }
})
