// The parser's entry point: one Markdown file (either form) in, the article model out. Pure.
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import type { Root } from 'mdast'
import { buildBlocks, type BlockBuild } from './blocks.ts'
import { FrontMatterError, readFrontMatter, splitFrontMatter } from './front-matter.ts'
import { articleIdOf, localeOfFolder, slugify } from './article-id.ts'
import { DEFAULT_DOCS_BASE, resolveLink } from './links.ts'
import { isSideBySide, SpanError, splitSideBySide } from './side-by-side.ts'
import { extractSteps, relatedItems, stepOfBlock } from './steps.ts'
import type { Link, ParsedArticle, Segment, Translation, TranslationType } from './model.ts'

export const SOURCE_LOCALE = 'en-US'

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

const markdownExtensions = { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }

function parseMarkdown (text: string): Root {
  return fromMarkdown(text, markdownExtensions)
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

export function parseArticle (input: string, options: ParseOptions): ParseResult {
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
    let sxs: ReturnType<typeof splitSideBySide>
    try {
      sxs = splitSideBySide(split.body)
    } catch (err) {
      if (err instanceof SpanError) throw new ParseError(err.message, split.bodyLine + lineOf(split.body, err.offset) - 1)
      throw err
    }
    const sourceBuild = buildBlocks(parseMarkdown(sxs.source), undefined, absoluteUrl)
    if (sourceBuild.title === null && !fm.present) return { kind: 'skipped', reason: 'no front matter and no H1: not an article' }
    const localLocale = locale ?? SOURCE_LOCALE
    // The English side decides which paragraphs are callouts, so both sides keep one structure.
    const localBuild = buildBlocks(parseMarkdown(sxs.localized), sourceBuild, absoluteUrl)
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

  const build = buildBlocks(parseMarkdown(split.body), undefined, absoluteUrl)
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
