// Generated inputs (fast-check): no query string, however hostile, makes FTS5 or the search
// throw; results stay well-formed.
import t from 'tap'
import fc from 'fast-check'
import { buildMatchQuery, MAX_QUERY_CHARS } from '../../src/search/analyze.ts'
import { searchArticles, SearchCursorError, type SearchPage } from '../../src/search/search-articles.ts'
import { dbWith } from './fixtures/search-db.ts'

// Pieces of FTS5 syntax, quotes of every kind, controls, lone surrogates, codes and CJK
const fragment = fc.oneof(
  fc.constantFrom('"', "'", '""', '(', ')', 'NEAR', 'NEAR(', 'NEAR/3', ',', 'AND', 'OR', 'NOT', '*', '-', '+', '^', ':', 'title:', '{title body}:',
    '\u0000', '\u0001', '\u0002', '\u0003', '\u007f', '\n', '\t', '\\', '\ud800', '\udc00', '😀', 'e\u0301', 'ﾗｲｾﾝｽ', '０ｘ８００４ＤＥ４０',
    '0x8004de40', '8004de40', '550 5.7.501', '30068-39', 'AADSTS50076', 'ライセンスのない製品', 'の', '「', '」', '“', '”', '«', '»', '„',
    ' ', 'office', 'license', 'actvate', 'ウィドウ', '\u200b', '\u00ad', '\ufeff', '\u2028'),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 })
)
const hostile = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(''))

const db = dbWith('fixing-office-apps-message-unlicensed-product.md')
t.teardown(() => db.close())
const match = db.prepare('SELECT count(*) FROM search_docs WHERE search_docs MATCH ?').pluck()

function checkPage (page: SearchPage): void {
  const ids = page.results.map((r) => r.id)
  if (new Set(ids).size !== ids.length) throw new Error(`an article twice: ${ids.join(', ')}`)
  for (const r of page.results) {
    for (const [start, end] of r.snippet.highlights) {
      if (!(start >= 0 && end > start && end <= r.snippet.text.length)) throw new Error(`highlight [${start}, ${end}) outside ${JSON.stringify(r.snippet.text)}`)
    }
  }
}

t.test('every MATCH expression built from any input is valid FTS5', async (t) => {
  fc.assert(fc.property(hostile, (input) => {
    const expression = buildMatchQuery(input)
    if (expression !== '') match.get(expression)
    const any = buildMatchQuery(input, 'any')
    if (any !== '') match.get(any)
  }), { numRuns: 500 })
  t.pass('no expression was rejected')
})

t.test('searchArticles answers any input with a well-formed page', async (t) => {
  fc.assert(fc.property(hostile, fc.constantFrom('ja', 'en-US', 'de', 'xx', '!!', undefined), (q, locale) => {
    checkPage(searchArticles(db, { q, locale, limit: 5 }))
  }), { numRuns: 300 })
  t.pass('no search threw')
})

t.test('10 KB of text, of any kind', async (t) => {
  const big = [
    'office license '.repeat(700),
    '"'.repeat(10_000),
    '('.repeat(5_000) + ')'.repeat(5_000),
    'NEAR('.repeat(2_000),
    'ライセンスのない製品'.repeat(1_000),
    '\u0000'.repeat(10_000),
    '😀'.repeat(5_000),
    '\ud800'.repeat(10_000)
  ]
  for (const q of big) {
    t.ok(q.length >= 10_000)
    const page = searchArticles(db, { q })
    checkPage(page)
    t.ok(page.truncated, `cut: ${JSON.stringify(q.slice(0, 12))}…`)
  }
  fc.assert(fc.property(fc.array(fragment, { minLength: 200, maxLength: 400 }), (parts) => {
    const q = parts.join('').repeat(10).slice(0, 10_240)
    checkPage(searchArticles(db, { q }))
  }), { numRuns: 30 })
  t.ok(MAX_QUERY_CHARS < 10_000)
})

t.test('any cursor: a page or SearchCursorError, nothing else', async (t) => {
  fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.base64String({ maxLength: 80 }),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url'))), (cursor) => {
    try {
      checkPage(searchArticles(db, { q: 'office', cursor }))
    } catch (err) {
      if (!(err instanceof SearchCursorError)) throw err
    }
  }), { numRuns: 300 })
  t.pass('only cursor errors')
})

t.test('limits out of range are clamped, never an error', async (t) => {
  for (const limit of [0, -5, 1e9, Number.NaN, Number.POSITIVE_INFINITY, 2.5, null]) {
    const page = searchArticles(db, { q: 'office', limit })
    t.ok(page.results.length >= 1 && page.results.length <= 50, `limit ${limit}`)
  }
})
