// Front matter: split the YAML block off a Markdown file and read the fields the KB uses.
import { FAILSAFE_SCHEMA, load } from 'js-yaml'
import type { ArticleMeta, TranslationType } from './model.ts'

export interface FrontMatter {
  present: boolean
  title: string | null
  scenarioIds: string[]
  meta: ArticleMeta
  contentLocale: string | null
  translationType: TranslationType | null
  handoffDate: string | null
  sourceHash: string | null
}

export class FrontMatterError extends Error {
  line: number
  constructor (message: string, line: number) {
    super(message)
    this.name = 'FrontMatterError'
    this.line = line
  }
}

/** Splits `---` fenced YAML from the body; `bodyLine` is the 1-based line the body starts on. */
export function splitFrontMatter (text: string): { yaml: string | null, body: string, bodyLine: number } {
  if (!text.startsWith('---')) return { yaml: null, body: text, bodyLine: 1 }
  const firstBreak = text.indexOf('\n')
  if (firstBreak === -1 || text.slice(3, firstBreak).trim() !== '') return { yaml: null, body: text, bodyLine: 1 }
  let lineStart = firstBreak + 1
  let line = 2
  while (lineStart <= text.length) {
    const lineEnd = text.indexOf('\n', lineStart)
    const end = lineEnd === -1 ? text.length : lineEnd
    const content = text.slice(lineStart, end).trimEnd()
    if (content === '---' || content === '...') {
      return { yaml: text.slice(firstBreak + 1, lineStart), body: lineEnd === -1 ? '' : text.slice(lineEnd + 1), bodyLine: line + 1 }
    }
    if (lineEnd === -1) break
    lineStart = lineEnd + 1
    line++
  }
  throw new FrontMatterError('front matter opened with --- is never closed', 1)
}

function str (value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString().slice(0, 10)
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const s = String(value).trim()
    return s === '' ? null : s
  }
  return null
}

/** `ms.custom` comes as a list, a bare number, a comma string, a GUID, '' or not at all. */
export function scenarioIdsOf (value: unknown): string[] {
  const parts: string[] = []
  const add = (v: unknown): void => {
    const s = str(v)
    if (s === null) return
    for (const piece of s.split(/[,;]/)) {
      const id = piece.trim().replace(/^["']|["']$/g, '')
      if (id !== '') parts.push(id)
    }
  }
  if (Array.isArray(value)) value.forEach(add)
  else add(value)
  return [...new Set(parts)]
}

/** Dates in this content are MM/DD/YYYY; stored as ISO YYYY-MM-DD. */
export function isoDate (value: unknown): string | null {
  const s = str(value)
  if (s === null) return null
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s)
  if (us) return `${us[3]}-${us[1]!.padStart(2, '0')}-${us[2]!.padStart(2, '0')}`
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(s)
  if (iso) return `${iso[1]}-${iso[2]}-${iso[3]}`
  return null
}

function translationTypeOf (value: unknown): TranslationType | null {
  const s = str(value)?.toUpperCase()
  if (s === 'HT') return 'human'
  if (s === 'MT') return 'machine'
  return null
}

/**
 * failsafe: every scalar stays a string, so `ms.custom: 0123` keeps its zero and dates stay as
 * written (an empty value is null, which the fields read as absent, like ''). `json`: a repeated
 * key takes the last value, as authors mean it. js-yaml reads this metadata ~10× faster than
 * the `yaml` package did (~12 against ~130-210 µs a file here), a tenth of parsing an article.
 * Aliases are kept by reference, not copied, and the text is bounded first (checkYamlShape).
 */
const yamlOptions = { schema: FAILSAFE_SCHEMA, json: true } as const

const parseYaml = (yaml: string): unknown => load(yaml, yamlOptions)

function yamlError (err: unknown, firstLine: number): FrontMatterError {
  const e = err as { message: string, reason?: string, mark?: { line: number } }
  return new FrontMatterError(`front matter is not valid YAML: ${(e.reason ?? e.message).split('\n')[0]}`, firstLine + (e.mark?.line ?? 0) + 1)
}

/**
 * Authors write unquoted titles with colons or leading quotes (`title: "X" notice`), which
 * strict YAML rejects. Each top-level entry is read on its own, and an entry that still
 * fails keeps its raw text as a string; only a line that is no `key:` entry at all fails.
 */
function readLeniently (yaml: string): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  const lines = yaml.split('\n')
  let i = 0
  while (i < lines.length) {
    const line = lines[i]!
    if (line.trim() === '' || line.trimStart().startsWith('#')) { i++; continue }
    const key = /^([^\s:#][^:]*):(?:\s|$)/.exec(line)
    if (!key) throw new FrontMatterError(`front matter line is not a "key: value" entry: ${JSON.stringify(line.slice(0, 80))}`, i + 2)
    let end = i + 1
    while (end < lines.length && (/^[\s-]/.test(lines[end]!) || lines[end]!.trim() === '')) end++
    const entry = lines.slice(i, end).join('\n')
    try {
      Object.assign(data, parseYaml(entry))
    } catch {
      data[key[1]!.trim()] = line.slice(key[0].length).trim()
    }
    i = end
  }
  return data
}

/**
 * Front matter is a few lines of metadata (the corpus: under 1 KB). Bounded, because the YAML
 * parser recurses once per level of `[`/`{` or of `- ` on a line: a few thousand levels
 * overflow the stack, and an overflow while V8 compiles a regular expression kills the process.
 */
export const FRONT_MATTER_LIMITS = { chars: 16 * 1024, nesting: 32 } as const

function checkYamlShape (yaml: string): void {
  if (yaml.length > FRONT_MATTER_LIMITS.chars) throw new FrontMatterError(`front matter is longer than ${FRONT_MATTER_LIMITS.chars / 1024} KiB`, 2)
  const tooDeep = (line: number): FrontMatterError => new FrontMatterError(`front matter nests collections more than ${FRONT_MATTER_LIMITS.nesting} levels deep`, line)
  let line = 2
  let flow = 0
  // Block indicators (`- `, `? `, `: `) before the line's first other character
  let indicators = 0
  let prefix = true
  for (let i = 0; i < yaml.length; i++) {
    const c = yaml.charCodeAt(i)
    if (c === 10) {
      line++
      indicators = 0
      prefix = true
      continue
    }
    if (prefix && (c === 45 || c === 63 || c === 58) && (i + 1 === yaml.length || yaml.charCodeAt(i + 1) === 32 || yaml.charCodeAt(i + 1) === 10)) {
      if (++indicators > FRONT_MATTER_LIMITS.nesting) throw tooDeep(line)
    } else if (c !== 32 && c !== 9) prefix = false
    // Brackets inside quoted strings count too: no real front matter comes near the limit.
    if (c === 91 || c === 123) {
      if (++flow > FRONT_MATTER_LIMITS.nesting) throw tooDeep(line)
    } else if ((c === 93 || c === 125) && flow > 0) flow--
  }
}

export function readFrontMatter (yaml: string | null): FrontMatter {
  let data: Record<string, unknown> = {}
  if (yaml !== null) {
    checkYamlShape(yaml)
    let parsed: unknown
    try {
      parsed = parseYaml(yaml)
    } catch (err) {
      try {
        parsed = readLeniently(yaml)
      } catch (lenient) {
        throw lenient instanceof FrontMatterError ? lenient : yamlError(err, 1)
      }
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new FrontMatterError('front matter is not a YAML mapping', 2)
      data = parsed as Record<string, unknown>
    }
  }
  return {
    present: yaml !== null,
    title: str(data.title),
    scenarioIds: scenarioIdsOf(data['ms.custom']),
    meta: {
      audience: str(data['ms.audience'] ?? data.audience),
      service: str(data['ms.service']),
      topic: str(data['ms.topic']),
      collection: str(data['ms.collection']),
      priority: str(data.localization_priority),
      author: str(data['ms.author'] ?? data.author),
      manager: str(data.manager),
      date: isoDate(data['ms.date'])
    },
    contentLocale: str(data['ms.contentlocale']),
    translationType: translationTypeOf(data['ms.translationtype']),
    handoffDate: isoDate(data['ms.lasthandoff']),
    sourceHash: str(data['ms.openlocfilehash'])
  }
}
