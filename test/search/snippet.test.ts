// Snippets: marks found by FTS5 in normalized text, mapped onto the text as written, cut and marked.
import t, { type Test } from 'tap'
import { normalizeForIndex } from '../../src/search/analyze.ts'
import { buildSnippet, markedLines, markedRanges, MARK_CLOSE as C, MARK_OPEN as O, originalRanges, SNIPPET_LENGTH, type Snippet } from '../../src/search/snippet.ts'

/** What FTS5 highlight() would give for `words` marked in the normalized `text`. */
function highlight (text: string, words: string[]): string {
  let out = normalizeForIndex(text)
  for (const w of words) out = out.split(w).join(`${O}${w}${C}`)
  return out
}

/** Every highlight is inside the text, and `marked` is the text with exactly those marks. */
function checkSnippet (t: Test, s: Snippet): void {
  const escape = (x: string): string => x.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
  let expected = ''
  let at = 0
  for (const [start, end] of s.highlights) {
    t.ok(start >= at && end > start && end <= s.text.length, `highlight [${start}, ${end}) in order and inside the text`)
    expected += escape(s.text.slice(at, start)) + '<mark>' + escape(s.text.slice(start, end)) + '</mark>'
    at = end
  }
  t.equal(s.marked, expected + escape(s.text.slice(at)))
}

t.test('markedRanges', async (t) => {
  t.same(markedRanges(`a ${O}bc${C} d ${O}e${C}`), { text: 'a bc d e', ranges: [[2, 4], [7, 8]] })
  t.same(markedRanges('none'), { text: 'none', ranges: [] })
  t.same(markedRanges(`${O}${C}x`), { text: 'x', ranges: [] }, 'empty marks dropped')
})

t.test('originalRanges maps through NFKC and CJK segmentation', async (t) => {
  const original = 'ﾗｲｾﾝｽのない製品 (０ｘ８００４ＤＥ４０)'
  const ranges = originalRanges(original, highlight(original, ['製品', '0x8004DE40']))
  t.same(ranges.map(([s, e]) => original.slice(s, e)), ['製品', '０ｘ８００４ＤＥ４０'])
  t.same(originalRanges('changed since', `${O}other${C} text`), [], 'stale index text: no marks rather than wrong ones')
})

t.test('markedLines', async (t) => {
  t.same(markedLines(`a\n${O}b${C}\nc\nd ${O}e${C}`), [1, 3])
  t.same(markedLines(undefined), [])
})

t.test('buildSnippet picks the line with the most distinct matches', async (t) => {
  const body = 'Nothing here.\nOffice license is missing.\nLicense license license.'
  const s = buildSnippet('en-US', [{ text: body, highlighted: highlight(body, ['Office', 'license', 'License']), priority: 1 }])
  t.equal(s.text, 'Office license is missing.')
  t.same(s.highlights, [[0, 6], [7, 14]])
  t.equal(s.locale, 'en-US')
  checkSnippet(t, s)
})

t.test('buildSnippet cuts long lines around the matches', async (t) => {
  const long = `${'filler words go here '.repeat(30)}the Unlicensed Product error <b>shows</b> & ${'more filler text '.repeat(30)}`
  const s = buildSnippet('en-US', [{ text: long, highlighted: highlight(long, ['Unlicensed', 'Product']), priority: 1 }])
  t.ok(s.text.length <= SNIPPET_LENGTH + 2, 'bounded')
  t.ok(s.text.startsWith('…') && s.text.endsWith('…'), 'cut at both ends')
  t.same(s.highlights.map(([a, b]) => s.text.slice(a, b)), ['Unlicensed', 'Product'])
  t.match(s.marked, /&lt;b&gt;shows&lt;\/b&gt; &amp;/, 'HTML escaped')
  checkSnippet(t, s)

  const ja = `${'これは長い文章です。'.repeat(20)}ライセンスのない製品${'その他の説明。'.repeat(20)}`
  const j = buildSnippet('ja-JP', [{ text: ja, highlighted: highlight(ja, ['ライセンス', '製品']), priority: 1 }])
  t.ok(j.text.length <= SNIPPET_LENGTH / 2 + 2, 'CJK text gets half the length')
  t.same(j.highlights.map(([a, b]) => j.text.slice(a, b)), ['ライセンス', '製品'])
  checkSnippet(t, j)
})

t.test('buildSnippet without a match: the first line of the best source, unmarked', async (t) => {
  const s = buildSnippet('de-DE', [
    { text: 'Titel', highlighted: 'Titel', priority: 1 },
    { text: '\nErster Absatz.\nZweiter.', highlighted: undefined, priority: 5 }
  ])
  t.equal(s.text, 'Erster Absatz.')
  t.same(s.highlights, [])
  t.same(buildSnippet('en-US', []), { locale: 'en-US', text: '', marked: '', highlights: [] })
})
