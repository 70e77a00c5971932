// Snippets: FTS5 marks matches in the normalized text it stores; this maps them back onto the
// text as written and cuts the best passage, as plain text with offsets and as marked HTML.
import { alignNormalized, foldWord, normalizeText } from './analyze.ts'

/** Marks given to FTS5 highlight(): normalized text never holds control characters. */
export const MARK_OPEN = '\u0002'
export const MARK_CLOSE = '\u0003'

export type Range = [start: number, end: number]

export interface Snippet {
  /** The locale of the text the snippet was cut from. */
  locale: string
  /** Plain text; `…` where the passage was cut. */
  text: string
  /** The same text, HTML-escaped, with every match in `<mark>`. */
  marked: string
  /** The matches as [start, end) offsets into `text`, in UTF-16 code units (JS string indices). */
  highlights: Range[]
}

/** Where the marks of highlight() output fall, as ranges of the text without the marks. */
export function markedRanges (highlighted: string): { text: string, ranges: Range[] } {
  const ranges: Range[] = []
  let text = ''
  let open = -1
  let at = 0
  for (let i = 0; i < highlighted.length; i++) {
    const c = highlighted[i]
    if (c === MARK_OPEN || c === MARK_CLOSE) {
      text += highlighted.slice(at, i)
      at = i + 1
      if (c === MARK_OPEN) open = text.length
      else if (open >= 0) {
        if (text.length > open) ranges.push([open, text.length])
        open = -1
      }
    }
  }
  text += highlighted.slice(at)
  return { text, ranges }
}

/**
 * The ranges of an original line that highlight() marked in its normalized form, or none when
 * the stored text is not what normalizing the line gives now (say, after a Unicode upgrade).
 */
export function originalRanges (original: string, highlighted: string): Range[] {
  const { text, ranges } = markedRanges(highlighted)
  if (ranges.length === 0) return []
  const normalized = alignNormalized(original, text) ?? normalizeText(original, true)
  if (normalized.text !== text || normalized.from === null || normalized.to === null) return []
  const out: Range[] = []
  for (const [start, end] of ranges) {
    const from = normalized.from[start]!
    const to = normalized.to[end - 1]!
    if (to > from) out.push([from, to])
  }
  return mergeRanges(out)
}

/** Sorted, with overlapping and touching ranges joined. */
export function mergeRanges (ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const out: Range[] = []
  for (const r of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1])
    else out.push([r[0], r[1]])
  }
  return out
}

/** Indexes of the lines of highlight() output that hold a match. */
export function markedLines (highlighted: string | undefined): number[] {
  if (highlighted === undefined || !highlighted.includes(MARK_OPEN)) return []
  const out: number[] = []
  highlighted.split('\n').forEach((line, i) => { if (line.includes(MARK_OPEN)) out.push(i) })
  return out
}

export interface SnippetSource {
  /** The column text as written; its lines are the passages. */
  text: string
  /** highlight() of the same column: normalized text, one line per line of `text`. */
  highlighted: string | undefined
  /** Breaks ties between equally good passages: higher wins. */
  priority: number
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)

/** Longest snippet, in UTF-16 units; CJK text says more per character, so it gets half. */
export const SNIPPET_LENGTH = 200

/**
 * The passage (line) with the most distinct matched words, then the most matches, then the
 * highest priority; cut around its matches when long. Lines are compared on the marked
 * normalized text, so only the chosen line is mapped back to the original (normalizing
 * Japanese costs). Without any match, the first line of the highest-priority source, unmarked.
 */
export function buildSnippet (locale: string, sources: SnippetSource[]): Snippet {
  let best: { source: SnippetSource, line: number, marked: string, score: number } | null = null
  for (const source of sources) {
    if (source.highlighted === undefined || !source.highlighted.includes(MARK_OPEN)) continue
    source.highlighted.split('\n').forEach((marked, line) => {
      if (!marked.includes(MARK_OPEN)) return
      const { text, ranges } = markedRanges(marked)
      const distinct = new Set(ranges.map(([s, e]) => foldWord(text.slice(s, e)))).size
      const score = distinct * 1e6 + Math.min(ranges.length, 999) * 1e3 + source.priority
      if (best === null || score > best.score) best = { source, line, marked, score }
    })
  }
  if (best === null) {
    const source = [...sources].sort((a, b) => b.priority - a.priority).find((s) => s.text.trim() !== '')
    const line = source?.text.split('\n').find((l) => l.trim() !== '') ?? ''
    return cut(locale, line, [])
  }
  const { source, line, marked } = best as { source: SnippetSource, line: number, marked: string }
  const original = source.text.split('\n')[line] ?? ''
  return cut(locale, original, originalRanges(original, marked))
}

function cut (locale: string, line: string, ranges: Range[]): Snippet {
  const cjk = (line.match(CJK)?.length ?? 0) > line.length / 3
  const max = cjk ? SNIPPET_LENGTH / 2 : SNIPPET_LENGTH
  let start = 0
  let end = line.length
  if (line.length > max) {
    // The window holding the most matches, starting a little before its first one
    let first = ranges[0]?.[0] ?? 0
    let most = 0
    for (const [s] of ranges) {
      const count = ranges.filter(([rs, re]) => rs >= s && re <= s + max * 0.7).length
      if (count > most) { most = count; first = s }
    }
    start = Math.max(0, first - Math.floor(max * 0.3))
    end = Math.min(line.length, start + max)
    start = Math.max(0, Math.min(start, end - max))
    if (!cjk) {
      // Whole words at both ends
      if (start > 0) {
        const space = line.indexOf(' ', start)
        if (space !== -1 && space < first) start = space + 1
      }
      if (end < line.length) {
        const space = line.lastIndexOf(' ', end)
        if (space > start) end = space
      }
    }
  }
  // Never split a surrogate pair
  if (start > 0 && /[\udc00-\udfff]/.test(line[start]!)) start++
  if (end < line.length && /[\ud800-\udbff]/.test(line[end - 1]!)) end--
  const prefix = start > 0 ? '…' : ''
  const suffix = end < line.length ? '…' : ''
  const body = line.slice(start, end)
  const text = prefix + body + suffix
  const highlights = ranges
    .filter(([s, e]) => s >= start && e <= end)
    .map(([s, e]): Range => [s - start + prefix.length, e - start + prefix.length])
  let marked = ''
  let at = 0
  for (const [s, e] of highlights) {
    marked += escapeHtml(text.slice(at, s)) + '<mark>' + escapeHtml(text.slice(s, e)) + '</mark>'
    at = e
  }
  marked += escapeHtml(text.slice(at))
  return { locale, text, marked, highlights }
}
