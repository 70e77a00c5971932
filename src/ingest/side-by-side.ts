// Side-by-side form: each sentence is a pair of spans, the localized text then its English
// source. This lexer finds the span pairs and projects the Markdown onto either side.
import type { Segment } from './model.ts'

interface SpanTag {
  start: number
  end: number
  close: boolean
  ttuId: string | null
  stuId: string | null
  lookup: boolean
}

export interface SideBySide {
  /** The Markdown with every span pair replaced by its localized text. */
  localized: string
  /** The Markdown with every span pair replaced by its English text. */
  source: string
  segments: Segment[]
}

export class SpanError extends Error {
  offset: number
  constructor (message: string, offset: number) {
    super(message)
    this.name = 'SpanError'
    this.offset = offset
  }
}

const attr = (tag: string, name: string): string | null => {
  const at = tag.indexOf(name + '=')
  if (at === -1) return null
  const quote = tag[at + name.length + 1]
  if (quote !== '"' && quote !== "'") return null
  const end = tag.indexOf(quote, at + name.length + 2)
  return end === -1 ? null : tag.slice(at + name.length + 2, end)
}

/** Every `<span ...>` and `</span>` in the text, in order. */
function spanTags (text: string): SpanTag[] {
  const tags: SpanTag[] = []
  let at = text.indexOf('<')
  while (at !== -1) {
    if (text.startsWith('</span>', at)) {
      tags.push({ start: at, end: at + 7, close: true, ttuId: null, stuId: null, lookup: false })
      at = text.indexOf('<', at + 7)
      continue
    }
    if (text.startsWith('<span', at) && /[\s>]/.test(text[at + 5] ?? '')) {
      const end = text.indexOf('>', at)
      if (end === -1) break
      const tag = text.slice(at, end + 1)
      tags.push({
        start: at,
        end: end + 1,
        close: false,
        ttuId: attr(tag, 'data-ttu-id'),
        stuId: attr(tag, 'data-stu-id'),
        lookup: (attr(tag, 'class') ?? '').split(/\s+/).includes('sxs-lookup')
      })
      at = text.indexOf('<', end + 1)
      continue
    }
    at = text.indexOf('<', at + 1)
  }
  return tags
}

/** Index of the tag closing the span opened at `open`, counting nested spans. */
function closing (tags: SpanTag[], open: number): number {
  let depth = 0
  for (let i = open; i < tags.length; i++) {
    depth += tags[i]!.close ? -1 : 1
    if (depth === 0) return i
  }
  return -1
}

export function isSideBySide (text: string): boolean {
  return text.includes('data-ttu-id=')
}

export function splitSideBySide (text: string): SideBySide {
  const tags = spanTags(text)
  const segments: Segment[] = []
  let localized = ''
  let source = ''
  let copied = 0
  let i = 0
  while (i < tags.length) {
    const open = tags[i]!
    if (open.close || open.ttuId === null) { i++; continue }
    const close = closing(tags, i)
    if (close === -1) throw new SpanError(`span ${open.ttuId} is never closed`, open.start)
    const localText = text.slice(open.end, tags[close]!.start)
    let sourceText = localText
    let pairEnd = tags[close]!.end
    let next = close + 1
    // The English side follows directly: <span class="sxs-lookup"><span data-stu-id="...">.
    const lookup = tags[next]
    if (lookup && !lookup.close && lookup.lookup && text.slice(pairEnd, lookup.start).trim() === '') {
      const lookupClose = closing(tags, next)
      if (lookupClose === -1) throw new SpanError(`the English side of span ${open.ttuId} is never closed`, lookup.start)
      const inner = tags[next + 1]
      if (inner && !inner.close && inner.stuId !== null) {
        const innerClose = closing(tags, next + 1)
        sourceText = text.slice(inner.end, tags[innerClose]!.start)
      } else {
        sourceText = text.slice(lookup.end, tags[lookupClose]!.start)
      }
      pairEnd = tags[lookupClose]!.end
      next = lookupClose + 1
    }
    localized += text.slice(copied, open.start) + localText
    source += text.slice(copied, open.start) + sourceText
    copied = pairEnd
    segments.push({ id: open.ttuId, source: sourceText, localized: localText })
    i = next
  }
  localized += text.slice(copied)
  source += text.slice(copied)
  return { localized, source, segments }
}
