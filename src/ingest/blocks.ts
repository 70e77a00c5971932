// Markdown (mdast) → the article's block tree: headings, paragraphs, callouts, lists, tables, code, images.
import type { Nodes, Parent, Paragraph, PhrasingContent, Root, RootContent, Text } from 'mdast'
import { defaultHandlers, toMarkdown, type Handle, type Options } from 'mdast-util-to-markdown'
import { gfmToMarkdown } from 'mdast-util-gfm'
import { toString } from 'mdast-util-to-string'
import type { Block, CalloutKind, RichText } from './model.ts'

/** Label words that make a paragraph a callout (`**Note**:`, `**注**:`, `**Tipp**` ...). */
const CALLOUT_LABELS: Record<string, CalloutKind> = {}
const labels: Record<CalloutKind, string[]> = {
  note: ['note', 'notes', '注', '注意事項', 'メモ', 'hinweis', 'anmerkung', 'remarque', '备注', '注释', '说明', 'nota'],
  tip: ['tip', 'tips', 'ヒント', 'tipp', 'conseil', 'astuce', '提示', '秘诀', 'sugerencia', 'consejo'],
  important: ['important', '重要', 'wichtig', 'importante'],
  warning: ['warning', '警告', 'warnung', 'avertissement', 'advertencia'],
  caution: ['caution', '注意', 'vorsicht', 'achtung', 'attention', 'precaución'],
  quote: []
}
for (const [kind, words] of Object.entries(labels)) for (const w of words) CALLOUT_LABELS[w] = kind as CalloutKind

const ALERT = /^\s*\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*/i

export function collapse (text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** No character of Markdown syntax, and no control character (line breaks included). */
const PLAIN = /^[^\p{Cc}!#$&*+<=>@[\\\]^_`{|}~]*$/u
/**
 * Where toMarkdown escapes what PLAIN lets through, given the characters around: a list marker
 * or table rule at the start of a line, an autolink literal (`www.`, `https:/`), `](`.
 */
const ESCAPED_BY_CONTEXT = /^(?:\d+[.)]|-|:-)|[Ww]\.[-.\w]|[ps]:\/|\]\(/

/**
 * toMarkdown's text handler, without its escaping scans (~40 patterns per text node, most of
 * the cost of a paragraph with links or bold) when none of them could match: the text has no
 * Markdown character, and none that escapes by context next to its neighbours. Held to the
 * default handler over generated phrasing in test/ingest/blocks.test.ts.
 */
const text: Handle = (node: Text, parent, state, info) => {
  const value = node.value
  const around = info.before + info.after
  if (PLAIN.test(value) && !/[\r\n]/.test(around) && !ESCAPED_BY_CONTEXT.test(info.before + value + info.after) && !state.stack.includes('autolink')) return value
  return defaultHandlers.text(node, parent, state, info)
}

const markdownOptions: Options = { extensions: [gfmToMarkdown()], handlers: { text }, bullet: '-', emphasis: '_', rule: '-' }

export interface RawLink {
  url: string
  title: string | null
  text: string
  blockId: string
}

type Definitions = Map<string, { url: string, title: string | null }>

/** Links of inline content, in document order; references resolved through their definitions. */
function collectLinks (children: PhrasingContent[], blockId: string, definitions: Definitions, out: RawLink[]): void {
  for (const c of children) {
    if (c.type === 'link') out.push({ url: c.url, title: c.title ?? null, text: textOf(c.children), blockId })
    else if (c.type === 'linkReference') {
      const def = definitions.get(c.identifier.toLowerCase())
      if (def) out.push({ url: def.url, title: def.title, text: textOf(c.children), blockId })
    }
    if ('children' in c) collectLinks(c.children as PhrasingContent[], blockId, definitions, out)
  }
}

/**
 * The Markdown of one plain text, when toMarkdown would write it unchanged: half the
 * paragraphs, and toMarkdown's escaping scans (~40 patterns) were a sixth of parsing.
 * test/ingest/blocks.test.ts holds it to toMarkdown over generated text.
 */
function plainMarkdown (children: PhrasingContent[]): string | null {
  const only = children.length === 1 ? children[0]! : null
  if (only?.type !== 'text') return null
  const value = only.value
  return value === value.trim() && PLAIN.test(value) && !ESCAPED_BY_CONTEXT.test(value) ? value : null
}

export function richText (children: PhrasingContent[], batch?: MarkdownBatch): RichText {
  const plain = plainMarkdown(children)
  if (plain !== null) return { markdown: plain, text: collapse(plain) }
  const paragraph: Paragraph = { type: 'paragraph', children }
  const text = textOf(children)
  // Without text, the caller looks at the Markdown at once (an image, or nothing to keep).
  return { markdown: batch && text !== '' ? batch.add(paragraph) : toMarkdown(paragraph, markdownOptions).trim(), text }
}

/** `<br>`, `<br/>`, `<br />`: a line break written in HTML. */
const BR = /^\s*<br\s*\/?>\s*$/i

/**
 * The plain text of inline content, one line: toString's, but a line break (a hard break, or
 * `<br>`) is a space; toString drops it, and `Line one<br>Line two` was `Line oneLine two`.
 */
export function textOf (children: PhrasingContent[]): string {
  return collapse(toString({ type: 'paragraph', children: breaksAsSpaces(children) }, { includeHtml: false }))
}

/** The same nodes, each line break a space: the array itself when none holds one. */
function breaksAsSpaces (children: PhrasingContent[]): PhrasingContent[] {
  let out: PhrasingContent[] | null = null
  children.forEach((c, i) => {
    let mapped: PhrasingContent = c
    if (c.type === 'break' || (c.type === 'html' && BR.test(c.value))) mapped = { type: 'text', value: ' ' }
    else if ('children' in c) {
      const inner = breaksAsSpaces(c.children as PhrasingContent[])
      if (inner !== c.children) mapped = { ...c, children: inner } as PhrasingContent
    }
    if (mapped !== c) (out ??= children.slice())[i] = mapped
  })
  return out ?? children
}

/**
 * The rich paragraphs of one document, written by one toMarkdown call instead of one each:
 * a call costs ~30 µs before any work (it builds its handlers and unsafe patterns afresh), and
 * a document has tens of such paragraphs. As a root's children, toMarkdown writes each paragraph
 * as it writes it alone (same handlers, a line break before and after) and joins them with one
 * blank line; a paragraph's Markdown holds no blank line, so the output splits back into them.
 * Should it not split into exactly as many pieces, each paragraph is written alone.
 * Until `resolve`, a batched paragraph's markdown is a placeholder: NUL and its index (parsed
 * Markdown never holds a NUL: micromark replaces it).
 */
export class MarkdownBatch {
  private readonly paragraphs: Paragraph[] = []

  add (paragraph: Paragraph): string {
    this.paragraphs.push(paragraph)
    return `\0${this.paragraphs.length - 1}`
  }

  /** Writes the Markdown of every paragraph added, in place of the placeholders in `blocks` and `title`. */
  resolve (blocks: Block[], title: RichText | null): void {
    if (this.paragraphs.length === 0) return
    let pieces = toMarkdown({ type: 'root', children: this.paragraphs }, markdownOptions).split('\n\n')
    if (pieces.length !== this.paragraphs.length) pieces = this.paragraphs.map((p) => toMarkdown(p, markdownOptions))
    const fill = (r: RichText): void => {
      if (r.markdown.charCodeAt(0) === 0) r.markdown = pieces[Number(r.markdown.slice(1))]!.trim()
    }
    const walk = (list: Block[]): void => {
      for (const b of list) {
        if (b.type === 'heading' || b.type === 'paragraph') fill(b)
        else if (b.type === 'callout') walk(b.blocks)
        else if (b.type === 'list') for (const item of b.items) walk(item.blocks)
        else if (b.type === 'table') {
          b.header.forEach(fill)
          for (const row of b.rows) row.forEach(fill)
        }
      }
    }
    walk(blocks)
    if (title) fill(title)
  }
}

/** The callout a paragraph announces with a leading bold label, if any. */
export function labelledCallout (node: Paragraph): CalloutKind | null {
  let before = ''
  for (const child of node.children) {
    if (child.type === 'strong' || child.type === 'emphasis') {
      const label = toString(child).trim().replace(/[:：]\s*$/, '').trim().toLowerCase()
      const kind = CALLOUT_LABELS[label]
      // The label may come after a few words in some languages (ja: 「… についての **ヒント**」).
      if (kind && !/[.。!！?？]\s/.test(before + ' ') && before.length <= 40) return kind
      return null
    }
    before += toString(child)
    if (before.trim().length > 40) return null
  }
  return null
}

export interface BlockBuild {
  blocks: Block[]
  title: RichText | null
  anchor: string | null
  /** Callout and related-list decisions by structural path, to hand to the other side. */
  decisions: Map<string, CalloutKind | boolean | null>
  links: RawLink[]
}

function anchorOf (html: string): string | null {
  const m = /<a\s+(?:name|id)\s*=\s*["']([^"']*)["']/i.exec(html)
  return m ? m[1]! : null
}

function isBreakOnly (html: string): boolean {
  return /^(\s*<\/?(br|p|b|i|u|em|strong|span|div)\b[^>]*\/?>\s*)+$/i.test(html)
}

function imageOfHtml (html: string): { src: string, alt: string } | null {
  const m = /^\s*<img\b([^>]*)\/?>\s*$/i.exec(html)
  if (!m) return null
  const src = /\bsrc\s*=\s*["']([^"']*)["']/i.exec(m[1]!)
  const alt = /\balt\s*=\s*["']([^"']*)["']/i.exec(m[1]!)
  return src ? { src: src[1]!, alt: alt ? alt[1]! : '' } : null
}

function isLinkOnly (node: Nodes | undefined): boolean {
  if (!node || node.type !== 'paragraph') return false
  let links = 0
  const visit = (children: PhrasingContent[]): boolean => {
    for (const c of children) {
      if (c.type === 'link' || c.type === 'linkReference') links++
      else if (c.type === 'strong' || c.type === 'emphasis') { if (!visit(c.children)) return false } else if (c.type === 'text') { if (c.value.replace(/[\s.,;:。、・「」『』“”"]/g, '') !== '') return false } else if (c.type !== 'break' && c.type !== 'html') return false
    }
    return true
  }
  return visit(node.children) && links === 1
}

/**
 * `agree` is the other side's build of a side-by-side file: where it decided at the same
 * structural path whether a paragraph is a callout or a list is a related-links list, this
 * side follows, so both sides keep one structure (the labels differ across languages).
 */
/** Rewrites link and image targets in place (relative → absolute), so stored Markdown stands alone. */
function absolutize (children: PhrasingContent[], resolveUrl: (url: string) => string): void {
  for (const c of children) {
    if (c.type === 'link' || c.type === 'image') c.url = resolveUrl(c.url)
    if ('children' in c) absolutize(c.children as PhrasingContent[], resolveUrl)
  }
}

export function buildBlocks (root: Root, agree?: BlockBuild, resolveUrl?: (url: string) => string): BlockBuild {
  const decisions = new Map<string, CalloutKind | boolean | null>()
  const decide = <T extends CalloutKind | boolean | null>(path: string, own: () => T): T => {
    const value = agree?.decisions.has(path) ? agree.decisions.get(path) as T : own()
    decisions.set(path, value)
    return value
  }
  let title: RichText | null = null
  let anchor: string | null = null
  const links: RawLink[] = []
  const definitions: Definitions = new Map()
  const findDefinitions = (nodes: RootContent[]): void => {
    for (const node of nodes) {
      if (node.type === 'definition') definitions.set(node.identifier.toLowerCase(), { url: node.url, title: node.title ?? null })
      else if ('children' in node && node.type !== 'paragraph' && node.type !== 'heading') findDefinitions(node.children as RootContent[])
    }
  }
  findDefinitions(root.children)
  const batch = new MarkdownBatch()
  const rich = (children: PhrasingContent[], blockId: string): RichText => {
    collectLinks(children, blockId, definitions, links)
    if (resolveUrl) absolutize(children, resolveUrl)
    return richText(children, batch)
  }

  const paragraphOrCallout = (node: Paragraph, id: string, path: string, allowCallout: boolean): Block | null => {
    const only = node.children.filter((c) => !(c.type === 'text' && c.value.trim() === ''))
    if (only.length === 1 && only[0]!.type === 'image') {
      const img = only[0]
      return { type: 'image', id, src: img.url, alt: img.alt ?? '', title: img.title ?? null }
    }
    if (only.length === 1 && only[0]!.type === 'html') {
      const img = imageOfHtml(only[0].value)
      if (img) return { type: 'image', id, src: img.src, alt: img.alt, title: null }
    }
    if (only.length === 0 || (only.every((c) => c.type === 'html' || c.type === 'break') && only.every((c) => c.type === 'break' || isBreakOnly((c as { value: string }).value)))) return null
    const kind = allowCallout ? decide(`callout:${path}`, () => labelledCallout(node)) : null
    const content = rich(node.children, kind ? `${id}.1` : id)
    if (content.text === '' && !/<img/i.test(content.markdown)) return null
    if (kind) return { type: 'callout', id, kind, blocks: [{ type: 'paragraph', id: `${id}.1`, ...content }] }
    return { type: 'paragraph', id, ...content }
  }

  const convert = (nodes: RootContent[], prefix: string, inItem: boolean): Block[] => {
    const out: Block[] = []
    let n = 0
    nodes.forEach((node, index) => {
      const path = `${prefix}${index}`
      const id = `${prefix === '' ? 'b' : prefix}${n + 1}`
      let block: Block | null = null
      switch (node.type) {
        case 'heading': {
          const a = node.children.find((c) => c.type === 'html' && anchorOf(c.value) !== null)
          const children = node.children.filter((c) => c.type !== 'html' || !/^<\/?a\b/i.test(c.value))
          if (node.depth === 1 && title === null && prefix === '') {
            title = richText(children, batch)
            anchor = a && a.type === 'html' ? anchorOf(a.value) : null
            return
          }
          const content = rich(children, id)
          if (content.text !== '') block = { type: 'heading', id, level: node.depth, anchor: a && a.type === 'html' ? anchorOf(a.value) : null, ...content }
          break
        }
        case 'paragraph':
          block = paragraphOrCallout(node, id, path, !(inItem && index === 0))
          break
        case 'blockquote': {
          const first = node.children[0]
          let kind: CalloutKind = 'quote'
          let children = node.children
          if (first?.type === 'paragraph' && first.children[0]?.type === 'text') {
            const m = ALERT.exec(first.children[0].value)
            if (m) {
              kind = m[1]!.toLowerCase() as CalloutKind
              const rest = first.children[0].value.slice(m[0].length)
              const para: Paragraph = { ...first, children: [...(rest === '' ? [] : [{ ...first.children[0], value: rest }]), ...first.children.slice(1)] }
              children = [para, ...node.children.slice(1)]
            }
          }
          const inner = convert(children, `${id}.`, false)
          block = { type: 'callout', id, kind, blocks: inner }
          break
        }
        case 'list': {
          const items = node.children.map((item, i) => ({ id: `${id}.${i + 1}`, blocks: convert(item.children, `${id}.${i + 1}.`, true) }))
          const related = decide(`related:${path}`, () => node.children.length > 0 && node.children.every((item) => item.children.length === 1 && isLinkOnly(item.children[0])))
          block = { type: 'list', id, ordered: node.ordered === true, start: node.ordered ? (node.start ?? 1) : null, related, items }
          break
        }
        case 'table': {
          const rows = node.children.map((row) => row.children.map((cell) => rich(cell.children, id)))
          block = { type: 'table', id, align: (node.align ?? []).map((a) => a ?? null), header: rows[0] ?? [], rows: rows.slice(1) }
          break
        }
        case 'code':
          block = { type: 'code', id, lang: node.lang ?? null, value: node.value }
          break
        case 'html': {
          const img = imageOfHtml(node.value)
          if (img) block = { type: 'image', id, src: img.src, alt: img.alt, title: null }
          else if (!isBreakOnly(node.value) && !/^\s*<!--[\s\S]*-->\s*$/.test(node.value)) {
            const text = collapse(node.value.replace(/<[^>]*>/g, ' '))
            if (text !== '') block = { type: 'paragraph', id, markdown: node.value.trim(), text }
          }
          break
        }
        default:
          // thematic breaks, definitions, front matter remnants carry no content of their own
          break
      }
      if (block) {
        out.push(block)
        n++
      }
    })
    return out
  }

  const blocks = convert(root.children, '', false)
  batch.resolve(blocks, title)
  return { blocks, title, anchor, decisions, links }
}

export type { Parent }
