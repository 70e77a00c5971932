// richText writes plain text without toMarkdown when toMarkdown would write it unchanged: held
// to toMarkdown itself over generated text full of the characters it escapes by context, and
// over every line of the test corpus.
import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { toMarkdown } from 'mdast-util-to-markdown'
import { gfmToMarkdown } from 'mdast-util-gfm'
import { toString } from 'mdast-util-to-string'
import type { Paragraph, PhrasingContent } from 'mdast'
import { collapse, richText } from '../../src/ingest/blocks.ts'
import { CORPUS_FOLDERS, corpusDir, markdownFiles } from '../helpers/corpus.ts'

const options = { extensions: [gfmToMarkdown()], bullet: '-' as const, emphasis: '_' as const, rule: '-' as const }

/** What richText gave for every input before the plain-text path: toMarkdown's output. */
function reference (children: PhrasingContent[]): { markdown: string, text: string } {
  const paragraph: Paragraph = { type: 'paragraph', children }
  return { markdown: toMarkdown(paragraph, options).trim(), text: collapse(toString(paragraph, { includeHtml: false })) }
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

t.test('text next to links, emphasis, code and breaks: what toMarkdown writes, over generated phrasing', async (t) => {
  const children: PhrasingContent[] = [{ type: 'text', value: 'Open ' }, { type: 'strong', children: [{ type: 'text', value: 'Settings' }] }, { type: 'text', value: '.' }]
  t.same(richText(children), reference(children))
  t.equal(richText(children).markdown, 'Open **Settings**.')

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
  fc.assert(fc.property(fc.array(phrasing, { minLength: 1, maxLength: 5 }), (children) => {
    const got = richText(structuredClone(children)).markdown
    const want = reference(structuredClone(children)).markdown
    if (got !== want) throw new Error(`${JSON.stringify(children)}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`)
  }), { seed: 20261126, numRuns: 10_000 })
  t.pass('10,000 generated paragraphs: the same Markdown')
})
