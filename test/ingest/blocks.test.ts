// richText writes plain text without toMarkdown when toMarkdown would write it unchanged, and a
// document's other paragraphs in one toMarkdown call (MarkdownBatch): held to toMarkdown writing
// each paragraph alone, over generated text full of the characters it escapes by context, over
// generated phrasing and documents, and over every line of the test corpus.
import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { toMarkdown } from 'mdast-util-to-markdown'
import { gfmToMarkdown } from 'mdast-util-gfm'
import { toString } from 'mdast-util-to-string'
import type { Paragraph, PhrasingContent } from 'mdast'
import { collapse, MarkdownBatch, richText } from '../../src/ingest/blocks.ts'
import { parseArticle } from '../../src/ingest/parse-article.ts'
import type { Block } from '../../src/ingest/model.ts'
import { CORPUS_FOLDERS, corpusDir, markdownFiles } from '../helpers/corpus.ts'

const options = { extensions: [gfmToMarkdown()], bullet: '-' as const, emphasis: '_' as const, rule: '-' as const }

/** What richText gave for every input before the plain-text path: toMarkdown's output; and the text, each line break a space. */
function reference (children: PhrasingContent[]): { markdown: string, text: string } {
  const paragraph: Paragraph = { type: 'paragraph', children }
  return { markdown: toMarkdown(paragraph, options).trim(), text: referenceText(children) }
}

/** Plain text, one line: a line break (hard, or `<br>`) is a space, other HTML nothing, an image its alt text. */
function referenceText (nodes: PhrasingContent[]): string {
  const walk = (n: PhrasingContent): string => {
    if (n.type === 'break') return ' '
    if (n.type === 'html') return /^\s*<br\s*\/?>\s*$/i.test(n.value) ? ' ' : ''
    if ('value' in n) return n.value
    if ('children' in n) return (n.children as PhrasingContent[]).map(walk).join('')
    return 'alt' in n ? n.alt ?? '' : ''
  }
  return collapse(nodes.map(walk).join(''))
}

const text = (value: string): PhrasingContent[] => [{ type: 'text', value }]

t.test('plain text: what toMarkdown writes, over generated text', async (t) => {
  // Characters toMarkdown escapes always, by context (list markers, autolinks, tables), or
  // never, next to letters that start autolinks (w, p, s), digits, spaces and CJK text
  const alphabet = [...'wWpsx019 .,:;?!()/-@_*#&<>[]`~|\\"\'%$+=^{}', '\u00a0', '\u3000', '\n', '\t', 'あ', '。', '「', '」', 'é', '😀']
  const arbitrary = fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }).map((chars) => chars.join(''))
  const prefixes = fc.constantFrom('', '1', '12', '-', ':', 'www', 'http', 'see ')
  fc.assert(fc.property(prefixes, arbitrary, (prefix, rest) => {
    const value = prefix + rest
    const got = richText(text(value))
    const want = reference(text(value))
    if (got.markdown !== want.markdown || got.text !== want.text) throw new Error(`${JSON.stringify(value)}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`)
  }), { seed: 20261126, numRuns: 20_000 })
  t.pass('20,000 generated texts: the same Markdown and text')
  for (const [value, markdown] of [['1. a', '1\\. a'], ['1) a', '1\\) a'], ['- a', '\\- a'], ['www.x', 'www\\.x'], ['a: https://x', 'a: https\\://x'], [' a', '&#x20;a'], ['Now.It', 'Now\\.It']]) {
    t.equal(richText(text(value!)).markdown, markdown, `${JSON.stringify(value)} is escaped as toMarkdown escapes it`)
  }
  t.equal(richText(text('Sign in to Office 365, then try again.')).markdown, 'Sign in to Office 365, then try again.')
})

t.test('plain text: what toMarkdown writes, for every line of the corpus', async (t) => {
  let lines = 0
  const differ: string[] = []
  for (const folder of CORPUS_FOLDERS) {
    for (const file of markdownFiles(folder)) {
      for (const line of readFileSync(join(corpusDir, folder, file), 'utf8').split('\n')) {
        const value = line.trim()
        if (value === '') continue
        lines++
        const got = richText(text(value))
        const want = reference(text(value))
        if (got.markdown !== want.markdown || got.text !== want.text) differ.push(`${folder}/${file}: ${value}`)
      }
    }
  }
  t.same(differ.slice(0, 5), [], `${lines} lines: the same Markdown and text`)
  t.ok(lines > 5000, 'the corpus has its lines')
})

/** Phrasing of every kind richText meets, over the characters toMarkdown escapes. */
const alphabet = [...'wWpsx019 .,:;?!()/-@_*#&<>[]`~|\\"\'%$+=^{}', '\u00a0', '\n', 'あ', '。']
const value = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 12 }).map((chars) => chars.join(''))
const { phrasing } = fc.letrec<{ phrasing: PhrasingContent }>((tie) => ({
  phrasing: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    value.map((v): PhrasingContent => ({ type: 'text', value: v })),
    value.map((v): PhrasingContent => ({ type: 'inlineCode', value: v })),
    fc.constant<PhrasingContent>({ type: 'break' }),
    fc.array(tie('phrasing'), { minLength: 1, maxLength: 3 }).map((c): PhrasingContent => ({ type: 'emphasis', children: c as PhrasingContent[] } as PhrasingContent)),
    fc.array(tie('phrasing'), { minLength: 1, maxLength: 3 }).map((c): PhrasingContent => ({ type: 'strong', children: c as PhrasingContent[] } as PhrasingContent)),
    fc.array(tie('phrasing'), { minLength: 1, maxLength: 2 }).map((c): PhrasingContent => ({ type: 'link', url: 'https://learn.microsoft.com/a', children: c as PhrasingContent[] } as PhrasingContent)),
    fc.array(tie('phrasing'), { minLength: 1, maxLength: 2 }).map((c): PhrasingContent => ({ type: 'linkReference', identifier: 'r', label: 'r', referenceType: 'full', children: c as PhrasingContent[] } as PhrasingContent))
  )
}))

t.test('text next to links, emphasis, code and breaks: what toMarkdown writes, over generated phrasing', async (t) => {
  const children: PhrasingContent[] = [{ type: 'text', value: 'Open ' }, { type: 'strong', children: [{ type: 'text', value: 'Settings' }] }, { type: 'text', value: '.' }]
  t.same(richText(children), reference(children))
  t.equal(richText(children).markdown, 'Open **Settings**.')

  fc.assert(fc.property(fc.array(phrasing, { minLength: 1, maxLength: 5 }), (children) => {
    const got = richText(structuredClone(children)).markdown
    const want = reference(structuredClone(children)).markdown
    if (got !== want) throw new Error(`${JSON.stringify(children)}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`)
  }), { seed: 20261126, numRuns: 10_000 })
  t.pass('10,000 generated paragraphs: the same Markdown')
})

t.test('a document\'s rich paragraphs written in one call: what toMarkdown writes for each alone', async (t) => {
  const paragraphs = fc.array(fc.array(phrasing, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 })
  let fellBack = 0
  fc.assert(fc.property(paragraphs, (list) => {
    const batch = new MarkdownBatch()
    const blocks: Block[] = list.map((children, i) => ({ type: 'paragraph', id: `b${i + 1}`, ...richText(structuredClone(children), batch) }))
    const title = richText(structuredClone(list[0]!), batch)
    batch.resolve(blocks, title)
    const want = list.map((children) => reference(structuredClone(children)))
    const got = blocks.map((b) => b.type === 'paragraph' ? { markdown: b.markdown, text: b.text } : null)
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${JSON.stringify(list)}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`)
    if (title.markdown !== want[0]!.markdown) throw new Error(`title ${JSON.stringify(title)} ≠ ${JSON.stringify(want[0])}`)
    if (want.some((w) => w.markdown.includes('\n\n'))) fellBack++
  }), { seed: 20261127, numRuns: 5_000 })
  t.pass('5,000 generated documents of 1-6 paragraphs and a title: the same Markdown and text')
  t.ok(fellBack > 0, `the generator made paragraphs whose Markdown holds a blank line (${fellBack} documents), which are written one by one`)

  // Nested blocks and table cells are filled too
  const strong = (v: string): PhrasingContent[] => [{ type: 'strong', children: [{ type: 'text', value: v }] }]
  const batch = new MarkdownBatch()
  const cell = (v: string) => richText(strong(v), batch)
  const nested: Block[] = [
    { type: 'callout', id: 'b1', kind: 'note', blocks: [{ type: 'paragraph', id: 'b1.1', ...richText(strong('note'), batch) }] },
    { type: 'list', id: 'b2', ordered: true, start: 1, related: false, items: [{ id: 'b2.1', blocks: [{ type: 'heading', id: 'b2.1.1', level: 3, anchor: null, ...richText(strong('step'), batch) }] }] },
    { type: 'table', id: 'b3', align: [null], header: [cell('head')], rows: [[cell('cell')]] }
  ]
  t.match(JSON.stringify(nested), /\\u0000/, 'placeholders until resolved')
  batch.resolve(nested, null)
  t.same(nested, [
    { type: 'callout', id: 'b1', kind: 'note', blocks: [{ type: 'paragraph', id: 'b1.1', markdown: '**note**', text: 'note' }] },
    { type: 'list', id: 'b2', ordered: true, start: 1, related: false, items: [{ id: 'b2.1', blocks: [{ type: 'heading', id: 'b2.1.1', level: 3, anchor: null, markdown: '**step**', text: 'step' }] }] },
    { type: 'table', id: 'b3', align: [null], header: [{ markdown: '**head**', text: 'head' }], rows: [[{ markdown: '**cell**', text: 'cell' }]] }
  ])
})

t.test('a line break, hard or <br>, is a space in the text', async (t) => {
  const parsed = parseArticle('# T\n\nLine one  \nLine two\\\nLine three<br>four **bold<br/>more** [a<br />link](https://a)\n', { path: 'en-US/t.md' })
  if (parsed.kind !== 'article') throw new Error('not an article')
  const [en] = parsed.article.translations
  t.same(en!.blocks.map((b) => b.type === 'paragraph' && b.text), ['Line one Line two Line three four bold more a link'])
  t.same(en!.links.map((l) => l.text), ['a link'], 'a link\'s text too')
  t.equal(toString({ type: 'paragraph', children: [{ type: 'text', value: 'a' }, { type: 'break' }, { type: 'text', value: 'b' }] }), 'ab', 'what toString alone gives')
})
