// The parser's entry point: one Markdown file (either form) in, the article model out. Pure.
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import type { Nodes, Root } from 'mdast'
import { buildBlocks, type BlockBuild } from './blocks.ts'
import { rewriteDocfx } from './docfx.ts'
import { FrontMatterError, readFrontMatter, splitFrontMatter } from './front-matter.ts'
import { articleIdOf, localeOfFolder, slugify } from './article-id.ts'
import { DEFAULT_DOCS_BASE, resolveLink } from './links.ts'
import { isSideBySide, SpanError, splitSideBySide } from './side-by-side.ts'
import { extractSteps, relatedItems, stepOfBlock } from './steps.ts'
import type { Link, ParsedArticle, Segment, Translation, TranslationType } from './model.ts'

export const SOURCE_LOCALE = 'en-US'

/**
 * The version of what an import makes of a file. Bump it with every change that parses some file
 * differently (its blocks, steps, links, segments, metadata), or stores what it gives
 * differently: an import skips a file it imported before only when the same version read it
 * (migration 010), so the next import after an upgrade parses every file again and writes what
 * changed. test/ingest/parser-version.test.ts fails when the parse of the test corpus changes
 * and this does not.
 * 1: the DocFX extensions and line breaks (session 17). 2: an article's own fields come from the
 * file of its en-US text, and of two English sides of one handoff the smaller source hash wins
 * (ArticleStore): each article's English side and fields are decided again.
 */
export const PARSER_VERSION = 2

export interface ParseOptions {
  /** Path relative to the import root, `/`-separated: gives the id and maybe the locale. */
  path: string
  /** Locale to use when neither front matter nor a folder name gives one. */
  locale?: string
  docsBase?: string
}

/** A file that cannot be read as an article; `line` points at the cause when known. */
export class ParseError extends Error {
  line: number | null
  constructor (message: string, line: number | null = null) {
    super(message)
    this.name = 'ParseError'
    this.line = line
  }
}

export type ParseResult = { kind: 'article', article: ParsedArticle } | { kind: 'skipped', reason: string }

/**
 * English sides of side-by-side files already built, by their text: an article's English side
 * is the same in each of its ~35 locale files, and parsing it is half the work of each. An
 * importer that reads an article's files one after the other keeps one of these (a few entries
 * suffice); the builds it hands out are shared, so nothing may change them.
 */
export class SourceSideCache {
  private readonly builds = new Map<string, BlockBuild>()
  private readonly capacity: number
  hits = 0

  constructor (capacity = 16) {
    this.capacity = capacity
  }

  build (source: string, docsBase: string, make: () => BlockBuild): BlockBuild {
    const key = `${docsBase}\n${source}`
    const cached = this.builds.get(key)
    if (cached) {
      this.hits++
      return cached
    }
    const made = make()
    this.builds.set(key, made)
    // Map keeps insertion order: the first key is the oldest.
    if (this.builds.size > this.capacity) this.builds.delete(this.builds.keys().next().value!)
    return made
  }
}

const markdownExtensions = { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }

/**
 * Bounds that keep one parse short (a second or two of CPU at worst) and its stack shallow,
 * whatever the input. micromark and mdast-util-to-markdown are superlinear (and recursive) in
 * nesting depth; micromark rewrites its whole event list at every list item or block quote it
 * closes; its links and emphasis are quadratic in the delimiters of one paragraph; and every
 * paragraph, item, heading and table cell is rendered on its own at ~0.1 ms each. Without
 * these, a hostile file of a few KB hangs the process for minutes or overflows its stack.
 * Articles stay far below: the corpus peaks at 29 KB, 5 levels, and 6% of a budget. Measured
 * in test/robustness/parser-limits.test.ts.
 */
export const PARSE_LIMITS = {
  /** UTF-8 bytes of one file. */
  bytes: 256 * 1024,
  /** Block containers (block quotes, list items) one line may open or continue, estimated from its prefix. */
  nesting: 16,
  /** Levels of the Markdown tree: blocks and inline formatting together. */
  treeDepth: 48,
  /** Paragraphs, list items, headings, code fences and table cells (`|`); HTML tags (`<`) count a quarter. */
  blocks: 5_000,
  /** Σ over lines that may close a list item or block quote of the container levels of all lines before. */
  closeWork: 1_000_000,
  /** Σ over paragraphs (runs of non-blank lines) of the squared counts of `[`, `*`, `_` and `~`. */
  delimiterWork: 250_000
} as const

// `[`, `*`, `_`, `~` → 0..3, by character code (-1: none). A typed array: an object keyed by
// these codes was a dictionary lookup per character, most of checkShape's time.
const DELIMITER_SLOT = new Int8Array(128).fill(-1)
for (const [code, slot] of [[91, 0], [42, 1], [95, 2], [126, 3]] as const) DELIMITER_SLOT[code] = slot

const isGap = (text: string, at: number, end: number): boolean => at === end || text.charCodeAt(at) === 32 || text.charCodeAt(at) === 9

/**
 * Checks the text micromark would see against PARSE_LIMITS before it does. `firstLine` is the
 * file line the text starts on, or null when its lines do not map onto the file's.
 */
function checkShape (text: string, firstLine: number | null): void {
  const fail = (message: string, index: number): never => {
    throw new ParseError(firstLine === null ? `${message} (line ${index + 1} of one side of the side-by-side text)` : message, firstLine === null ? null : firstLine + index)
  }
  const counts = [0, 0, 0, 0]
  let delimiterWork = 0
  let closeWork = 0
  // in quarters, so `<` can count 1
  let blocks = 0
  let previousBlank = true
  let units = 0
  let previousLevels = 0
  let index = 0
  let start = 0
  while (start <= text.length) {
    const next = text.indexOf('\n', start)
    const end = next === -1 ? text.length : next
    // The prefix: indentation, `>` and list markers; two columns of indentation can continue one list item.
    let i = start
    let markers = 0
    let columns = 0
    for (; i < end; i++) {
      const c = text.charCodeAt(i)
      if (c === 32) columns++
      else if (c === 9) columns += 4
      else if (c === 62) markers++
      else if ((c === 45 || c === 42 || c === 43) && isGap(text, i + 1, end)) markers++
      else if (c >= 48 && c <= 57) {
        // An ordered marker (`1.` or `1)`): `1. 1. 1. x` nests three lists on one line.
        let j = i
        while (j < end && j - i < 9 && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++
        const delimiter = text.charCodeAt(j)
        if ((delimiter !== 46 && delimiter !== 41) || !isGap(text, j + 1, end)) break
        markers++
        i = j
      } else break
    }
    const levels = markers + Math.floor(columns / 2)
    if (levels > PARSE_LIMITS.nesting) fail(`blocks nest more than ${PARSE_LIMITS.nesting} levels deep`, index)
    const first = text.charCodeAt(i)
    // A heading, a code fence, or a setext underline (which micromark resolves by rewriting the events before it)
    const opens = first === 35 || ((first === 96 || first === 126) && text.startsWith(first === 96 ? '```' : '~~~', i))
    const underline = (first === 45 || first === 61) && /^(?:-+|=+)[ \t]*$/.test(text.slice(i, end))
    let blank = true
    for (; i < end; i++) {
      const c = text.charCodeAt(i)
      if (c !== 32 && c !== 9 && c !== 13) blank = false
      if (c === 124) blocks += 4
      else if (c === 60) blocks++
      const slot = c < 128 ? DELIMITER_SLOT[c]! : -1
      if (slot !== -1) {
        // (k + 1)² - k²: the paragraph's squared count, kept up to date as it grows
        delimiterWork += 2 * counts[slot]! + 1
        counts[slot]!++
        if (delimiterWork > PARSE_LIMITS.delimiterWork) fail('too many "[", "*", "_" or "~" in one paragraph, or in the file: parsing it would take too long', index)
      }
    }
    units += 1 + levels
    if (blank && markers === 0) counts.fill(0)
    else {
      if (previousBlank || markers > 0 || opens || underline) blocks += 4
      if (blocks > 4 * PARSE_LIMITS.blocks) fail(`more than ${PARSE_LIMITS.blocks} paragraphs, list items, headings, code blocks, table cells and HTML tags (at a quarter each)`, index)
      if (markers > 0 || levels < previousLevels || underline) {
        closeWork += units
        if (closeWork > PARSE_LIMITS.closeWork) fail('too many lists, list items and block quotes for the size of the file: parsing it would take too long', index)
      }
      previousLevels = levels
    }
    previousBlank = blank && markers === 0
    if (next === -1) break
    start = next + 1
    index++
  }
}

/** The Markdown tree, checked to be no deeper than PARSE_LIMITS.treeDepth (walked without recursion). */
function checkDepth (root: Root, firstLine: number | null): void {
  const stack: Array<[Nodes, number]> = [[root, 0]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (depth > PARSE_LIMITS.treeDepth) {
      const line = node.position?.start.line ?? null
      const message = `blocks and inline formatting nest more than ${PARSE_LIMITS.treeDepth} levels deep`
      if (firstLine === null || line === null) throw new ParseError(line === null ? message : `${message} (line ${line} of one side of the side-by-side text)`)
      throw new ParseError(message, firstLine + line - 1)
    }
    if ('children' in node) for (const child of node.children) stack.push([child, depth + 1])
  }
}

function parseMarkdown (text: string, firstLine: number | null): Root {
  checkShape(text, firstLine)
  const root = fromMarkdown(rewriteDocfx(text), markdownExtensions)
  checkDepth(root, firstLine)
  return root
}

function lineOf (text: string, offset: number): number {
  let line = 1
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

function localeFromPath (path: string): string | null {
  const folders = path.split('/').slice(0, -1).reverse()
  for (const f of folders) {
    const locale = localeOfFolder(f)
    if (locale) return locale
  }
  return null
}

function canonicalLocale (tag: string, line: number | null): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag)
    if (canonical) return canonical
  } catch {}
  throw new ParseError(`"${tag}" is not a valid locale tag`, line)
}

function translationOf (
  build: BlockBuild,
  base: { locale: string, translationType: TranslationType, handoffDate: string | null, sourceHash: string | null, derived: boolean, fallbackTitle: string | null },
  segments: Segment[],
  docsBase: string
): Translation {
  const steps = extractSteps(build.blocks)
  const stepOf = stepOfBlock(steps)
  const related = relatedItems(build.blocks)
  const links: Link[] = build.links.map((raw) => {
    const resolved = resolveLink(raw.url, docsBase)
    const stepId = stepOf(raw.blockId)
    const inRelated = [...related].some((item) => raw.blockId.startsWith(item + '.'))
    return {
      href: resolved.href,
      text: raw.text,
      title: raw.title,
      kind: resolved.kind,
      targetArticleId: resolved.targetArticleId,
      blockId: raw.blockId,
      stepId,
      context: inRelated ? 'related' : stepId ? 'step' : 'block'
    }
  })
  return {
    locale: base.locale,
    title: build.title?.text || base.fallbackTitle || '',
    translationType: base.translationType,
    handoffDate: base.handoffDate,
    sourceHash: base.sourceHash,
    derived: base.derived,
    blocks: build.blocks,
    steps,
    links,
    segments
  }
}

export function parseArticle (input: string, options: ParseOptions, cache?: SourceSideCache): ParseResult {
  const bytes = Buffer.byteLength(input, 'utf8')
  if (bytes > PARSE_LIMITS.bytes) throw new ParseError(`the file is ${bytes} bytes; an article may have ${PARSE_LIMITS.bytes} (${PARSE_LIMITS.bytes / 1024} KiB) at most`)
  try {
    return parseBounded(input, options, cache)
  } catch (err) {
    // A last resort: the limits above should keep every library's recursion shallow.
    if (err instanceof RangeError && /call stack/i.test(err.message)) throw new ParseError('the file nests too deeply to be parsed')
    throw err
  }
}

function parseBounded (input: string, options: ParseOptions, cache: SourceSideCache | undefined): ParseResult {
  const docsBase = options.docsBase ?? DEFAULT_DOCS_BASE
  // One line-break convention and no BOM, so offsets and comparisons hold.
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  if (text.includes('\u0000')) throw new ParseError('the file holds NUL bytes: not a text article', lineOf(text, text.indexOf('\u0000')))

  let split: ReturnType<typeof splitFrontMatter>
  let fm: ReturnType<typeof readFrontMatter>
  try {
    split = splitFrontMatter(text)
    fm = readFrontMatter(split.yaml)
  } catch (err) {
    if (err instanceof FrontMatterError) throw new ParseError(err.message, err.line)
    throw err
  }

  const id = articleIdOf(options.path)
  if (id === '') throw new ParseError('the file name gives no usable article id')

  const rawLocale = fm.contentLocale ?? localeFromPath(options.path) ?? options.locale ?? null
  const locale = rawLocale === null ? null : canonicalLocale(rawLocale, null)

  const common = { docsBase }
  // Links and images in stored Markdown are absolute; media/ paths stay relative (no host serves them).
  const absoluteUrl = (url: string): string => /^(https?:|mailto:|data:|#)/i.test(url) || !url.startsWith('/') ? url : resolveLink(url, docsBase).href
  if (isSideBySide(split.body)) {
    // Checked on the file itself first, where its lines are known; each side again when parsed.
    checkShape(split.body, split.bodyLine)
    let sxs: ReturnType<typeof splitSideBySide>
    try {
      sxs = splitSideBySide(split.body)
    } catch (err) {
      if (err instanceof SpanError) throw new ParseError(err.message, split.bodyLine + lineOf(split.body, err.offset) - 1)
      throw err
    }
    const buildSource = (): BlockBuild => buildBlocks(parseMarkdown(sxs.source, null), undefined, absoluteUrl)
    const sourceBuild = cache ? cache.build(sxs.source, docsBase, buildSource) : buildSource()
    if (sourceBuild.title === null && !fm.present) return { kind: 'skipped', reason: 'no front matter and no H1: not an article' }
    const localLocale = locale ?? SOURCE_LOCALE
    // The English side decides which paragraphs are callouts, so both sides keep one structure.
    const localBuild = buildBlocks(parseMarkdown(sxs.localized, null), sourceBuild, absoluteUrl)
    const sourceTitle = sourceBuild.title?.text ?? null
    const translations: Translation[] = [
      translationOf(localBuild, {
        locale: localLocale,
        translationType: fm.translationType ?? 'human',
        handoffDate: fm.handoffDate,
        sourceHash: fm.sourceHash,
        derived: true,
        fallbackTitle: fm.title
      }, sxs.segments, common.docsBase)
    ]
    if (localLocale !== SOURCE_LOCALE) {
      translations.push(translationOf(sourceBuild, {
        locale: SOURCE_LOCALE,
        translationType: 'source',
        handoffDate: fm.handoffDate,
        sourceHash: fm.sourceHash,
        derived: true,
        fallbackTitle: fm.title
      }, [], common.docsBase))
    }
    return {
      kind: 'article',
      article: {
        id,
        slug: sourceBuild.anchor ?? localBuild.anchor ?? slugify(sourceTitle ?? id),
        scenarioIds: fm.scenarioIds,
        meta: fm.meta,
        form: 'side-by-side',
        locale: localLocale,
        translations
      }
    }
  }

  const build = buildBlocks(parseMarkdown(split.body, split.bodyLine), undefined, absoluteUrl)
  if (build.title === null && !fm.present) return { kind: 'skipped', reason: 'no front matter and no H1: not an article' }
  if (locale === null) throw new ParseError('no locale: none in front matter (ms.contentlocale), in the folder names, or given with --locale')
  const translationType: TranslationType = fm.translationType ?? (locale === SOURCE_LOCALE ? 'source' : 'human')
  return {
    kind: 'article',
    article: {
      id,
      slug: build.anchor ?? slugify(build.title?.text ?? fm.title ?? id),
      scenarioIds: fm.scenarioIds,
      meta: fm.meta,
      form: 'plain',
      locale,
      translations: [translationOf(build, {
        locale,
        translationType,
        handoffDate: fm.handoffDate,
        sourceHash: fm.sourceHash,
        derived: false,
        fallbackTitle: fm.title
      }, [], docsBase)]
    }
  }
}
