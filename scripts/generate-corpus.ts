// `tsx scripts/generate-corpus.ts --docs 100k --out DIR [--seed 1] [--force]`: a deterministic
// corpus of N documents (translations) built from the sample in test/fixtures/corpus, for the
// benchmark (scripts/bench/run.ts) and for trying the API at real scale.
//
// The real corpus is ~2,900 articles in ~40 locales. Here every article is written as
//   - one plain English source file, `en-US/<name>.md` (1 document: en-US), and
//   - one side-by-side file per locale it is translated into, `<locale>/<name>.md`
//     (1 more document each: that locale; its English side is the same en-US text again).
// An article is in the 20 major locales always and in each of 20 minor ones with p = 0.675,
// so ~34.5 documents per article: 100k documents ≈ 2,900 articles. The last article is cut
// short so the documents add up to exactly N.
//
// Each article starts from one sample article (the Japanese side-by-side file gives the
// structure and the English text; the German, Chinese, French and Japanese files give the
// localized sentences, matched by their English) and varies: its file name (article id), its
// scenario ids (ms.custom, drawn from a shared pool so a scenario has several articles), error
// codes (0x… HRESULTs, AADSTS…, Office setup 30088-15 codes) in the title and in a sentence
// of the text, a quoted error message, the order of the sentences of its paragraphs, a
// paragraph or two borrowed from other articles, span ids, hashes and handoff dates. The
// sample's 73 articles are in it too, with their own names, scenario ids and text (the seed
// article first, then one in every ~40 articles; at least every other one is a variant), so
// the seed and the sample's example queries work on any generated corpus.
//
// Deterministic: a seeded PRNG (sfc32), no clock, no Math.random; the same seed, N and sample
// give byte-identical files.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createHash } from 'node:crypto'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { articleIdOf } from '../src/ingest/article-id.ts'

/** Bump when the output for the same seed and N changes: it keys the benchmark's corpus cache. */
export const GENERATOR_VERSION = 1

export const ROOT = fileURLToPath(new URL('../', import.meta.url))
export const SAMPLE_DIR = join(ROOT, 'test/fixtures/corpus')

export const SOURCE_LOCALE = 'en-US'
const SEED_FILE = 'fixing-office-apps-message-unlicensed-product.md'
/** Every article is translated into these. */
export const MAJOR_LOCALES = [
  'cs-CZ', 'da-DK', 'de-DE', 'es-ES', 'fi-FI', 'fr-FR', 'hu-HU', 'it-IT', 'ja-JP', 'ko-KR',
  'nb-NO', 'nl-NL', 'pl-PL', 'pt-BR', 'pt-PT', 'ru-RU', 'sv-SE', 'tr-TR', 'zh-CN', 'zh-TW'
]
/** An article is translated into each of these with MINOR_LOCALE_SHARE. */
export const MINOR_LOCALES = [
  'ar-SA', 'bg-BG', 'ca-ES', 'el-GR', 'et-EE', 'eu-ES', 'gl-ES', 'he-IL', 'hr-HR', 'id-ID',
  'lt-LT', 'lv-LV', 'ms-MY', 'ro-RO', 'sk-SK', 'sl-SI', 'sr-Latn-RS', 'th-TH', 'uk-UA', 'vi-VN'
]
export const MINOR_LOCALE_SHARE = 0.675
export const LOCALES = [...MAJOR_LOCALES, ...MINOR_LOCALES].sort()
/** Documents per article on average: en-US + the major locales + a share of the minor ones. */
export const DOCS_PER_ARTICLE = 1 + MAJOR_LOCALES.length + MINOR_LOCALES.length * MINOR_LOCALE_SHARE

type Lang = 'ja' | 'de' | 'zh' | 'fr'
const SAMPLE_FOLDERS: Record<Lang, string> = { ja: 'ja-JP', de: 'de-DE', zh: 'zh-CN', fr: 'fr-FR' }

/** Where a locale's localized sentences come from (the sample has these four languages), in order of preference. */
function languagesOf (locale: string): Lang[] {
  const lang = locale.split('-')[0]!
  if (lang === 'ja' || lang === 'ko') return ['ja', 'zh']
  if (lang === 'zh') return ['zh', 'ja']
  if (['fr', 'es', 'it', 'pt', 'ca', 'gl', 'ro', 'eu'].includes(lang)) return ['fr', 'de']
  if (lang === 'th' || lang === 'vi') return ['zh', 'de']
  return ['de']
}

// ---------------------------------------------------------------------------------------------
// PRNG

/** sfc32 seeded through a string hash: small, fast, good enough, and the same everywhere. */
export function createRng (seed: string): () => number {
  const h = createHash('sha256').update(seed).digest()
  let a = h.readUInt32LE(0)
  let b = h.readUInt32LE(4)
  let c = h.readUInt32LE(8)
  let d = h.readUInt32LE(12)
  return () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0
    const t = (a + b | 0) + d | 0
    d = d + 1 | 0
    a = b ^ b >>> 9
    b = c + (c << 3) | 0
    c = c << 21 | c >>> 11
    c = c + t | 0
    return (t >>> 0) / 4294967296
  }
}

/** Seeded draws; the bench's workload builds on it. */
export class Random {
  readonly next: () => number
  constructor (seed: string) { this.next = createRng(seed) }
  int (n: number): number { return Math.floor(this.next() * n) }
  range (min: number, max: number): number { return min + this.int(max - min + 1) }
  chance (p: number): boolean { return this.next() < p }
  pick<T> (items: readonly T[]): T { return items[this.int(items.length)]! }
  hex (chars: number): string {
    let s = ''
    for (let i = 0; i < chars; i++) s += '0123456789abcdef'[this.int(16)]
    return s
  }

  shuffle<T> (items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = items[i]!
      items[i] = items[j]!
      items[j] = t
    }
    return items
  }

  /** An index in [0, n) with weight 1 / (i + 1)^s: a few popular ones, a long tail. */
  zipf (n: number, s = 1): number {
    let total = 0
    for (let i = 0; i < n; i++) total += 1 / (i + 1) ** s
    let x = this.next() * total
    for (let i = 0; i < n; i++) {
      x -= 1 / (i + 1) ** s
      if (x <= 0) return i
    }
    return n - 1
  }
}

// ---------------------------------------------------------------------------------------------
// The sample, read once

/** A span pair as written: `<span data-ttu-id="p-102">local</span><span class="sxs-lookup"><span data-stu-id="p-102">English</span></span>`. */
const PAIR = /<span data-ttu-id="[^"]*">([\s\S]*?)<\/span><span class="sxs-lookup"><span data-stu-id="[^"]*">([\s\S]*?)<\/span><\/span>/g
const PAIR_ONLY_CHUNK = /^(?:<span data-ttu-id="[^"]*">[\s\S]*?<\/span><span class="sxs-lookup"><span data-stu-id="[^"]*">[\s\S]*?<\/span><\/span>[ \t]*)+$/

interface Piece { kind: 'text', text: string }
interface Pair { kind: 'pair', local: string, english: string }
type Part = Piece | Pair

/** A paragraph (text between blank lines) cut into literal text and span pairs. */
interface Chunk {
  parts: Part[]
  /** Nothing but span pairs: its sentences may be reordered, and it may be borrowed. */
  pairOnly: boolean
  heading1: boolean
}

interface FrontMatterEntry { key: string, lines: string[] }

interface Template {
  /** The sample's file name. */
  file: string
  frontMatter: FrontMatterEntry[]
  /** Blank-line separated chunks of the body and the separators between them (separators[i] follows chunks[i]). */
  chunks: Chunk[]
  separators: string[]
  scenarioIds: string[]
  /** Localized sentence by its English text, per sample language. */
  sentences: Partial<Record<Lang, Map<string, string>>>
  /** Front-matter titles per sample language. */
  titles: Partial<Record<Lang, string>>
  /** The en-US.derived front matter, when the sample has it. */
  englishFrontMatter: FrontMatterEntry[] | null
}

function splitFile (text: string): { frontMatter: FrontMatterEntry[], body: string } {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text)
  if (!m) return { frontMatter: [], body: text }
  const entries: FrontMatterEntry[] = []
  for (const line of m[1]!.split('\n')) {
    const key = /^([^\s:#-][^:]*):/.exec(line)
    if (key || entries.length === 0) entries.push({ key: key ? key[1]! : '', lines: [line] })
    else entries.at(-1)!.lines.push(line)
  }
  return { frontMatter: entries, body: text.slice(m[0].length) }
}

function valueOf (entries: FrontMatterEntry[], key: string): string | null {
  const e = entries.find((x) => x.key === key)
  if (!e) return null
  const v = e.lines[0]!.slice(key.length + 1).trim()
  return v.replace(/^(["'])(.*)\1$/, '$2')
}

function listOf (entries: FrontMatterEntry[], key: string): string[] {
  const e = entries.find((x) => x.key === key)
  if (!e) return []
  const inline = e.lines[0]!.slice(key.length + 1).trim()
  const items = e.lines.slice(1).map((l) => l.replace(/^\s*-\s*/, '').trim()).filter((l) => l !== '')
  if (inline !== '') items.unshift(...inline.split(','))
  return items.map((s) => s.trim().replace(/^(["'])(.*)\1$/, '$2')).filter((s) => s !== '')
}

function chunksOf (body: string): { chunks: Chunk[], separators: string[] } {
  const pieces = body.split(/(\n{2,})/)
  const chunks: Chunk[] = []
  const separators: string[] = []
  for (let i = 0; i < pieces.length; i += 2) {
    const text = pieces[i]!
    const parts: Part[] = []
    let at = 0
    for (const m of text.matchAll(PAIR)) {
      if (m.index > at) parts.push({ kind: 'text', text: text.slice(at, m.index) })
      parts.push({ kind: 'pair', local: m[1]!, english: m[2]! })
      at = m.index + m[0].length
    }
    if (at < text.length) parts.push({ kind: 'text', text: text.slice(at) })
    chunks.push({ parts, pairOnly: PAIR_ONLY_CHUNK.test(text.trim()) && text.trim() === text.trimEnd(), heading1: text.startsWith('# ') })
    separators.push(pieces[i + 1] ?? '')
  }
  return { chunks, separators }
}

function sentenceMap (text: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const m of text.matchAll(PAIR)) if (!map.has(m[2]!)) map.set(m[2]!, m[1]!)
  return map
}

export function loadTemplates (sampleDir: string = SAMPLE_DIR): Template[] {
  const read = (folder: string, file: string): string | null => {
    const path = join(sampleDir, folder, file)
    return existsSync(path) ? readFileSync(path, 'utf8').replace(/\r\n?/g, '\n') : null
  }
  // The seed article first: it is the one every smaller corpus should have
  const files = readdirSync(join(sampleDir, 'ja-JP')).filter((f) => f.endsWith('.md'))
    .sort((a, b) => Number(b === SEED_FILE) - Number(a === SEED_FILE) || (a < b ? -1 : a > b ? 1 : 0))
  return files.map((file): Template => {
    const ja = read('ja-JP', file)!
    const { frontMatter, body } = splitFile(ja)
    const { chunks, separators } = chunksOf(body)
    const sentences: Template['sentences'] = {}
    const titles: Template['titles'] = {}
    for (const lang of Object.keys(SAMPLE_FOLDERS) as Lang[]) {
      const text = read(SAMPLE_FOLDERS[lang], file)
      if (text === null) continue
      sentences[lang] = sentenceMap(text)
      const title = valueOf(splitFile(text).frontMatter, 'title')
      if (title !== null) titles[lang] = title
    }
    const derived = read('en-US.derived', file)
    return {
      file,
      frontMatter,
      chunks,
      separators,
      scenarioIds: listOf(frontMatter, 'ms.custom'),
      sentences,
      titles,
      englishFrontMatter: derived === null ? null : splitFile(derived).frontMatter
    }
  })
}

// ---------------------------------------------------------------------------------------------
// Variation

const HRESULT_PREFIXES = ['8004', '8007', '8009', '8019', 'C004', 'CAA2', 'CAA7', 'CAA5', '8001', '8002']
const AADSTS = [50011, 50020, 50034, 50053, 50055, 50057, 50058, 50072, 50076, 50079, 50105, 50126, 50158, 53000, 53003, 65001, 70011, 700016, 700054, 90072, 90094, 500011, 530032]
const OFFICE_SETUP = [30015, 30016, 30029, 30033, 30045, 30068, 30088, 30094, 30125, 30143, 30145, 30174, 30175, 30180, 30182, 30183, 30204]
const PRODUCTS = ['outlook', 'teams', 'onedrive', 'sharepoint', 'exchange', 'intune', 'office', 'word', 'excel', 'windows', 'mac', 'ios', 'android', 'admin-center', 'azure-ad', 'defender', 'planner', 'stream', 'yammer', 'skype']
const ASPECTS = ['error', 'sign-in', 'activation', 'license', 'sync', 'install', 'update', 'mailbox', 'permissions', 'billing', 'setup', 'troubleshoot', 'crash', 'password', 'mfa', 'dns', 'migration', 'quota']
const MESSAGES = [
  'Something went wrong', 'We couldn\'t sign you in', 'Your account has been locked', 'The operation timed out',
  'You don\'t have permission to access this site', 'This product is unlicensed', 'Your mailbox is full',
  'Sorry, another account from your organization is already signed in on this computer', 'The sync is stuck',
  'We are unable to connect right now', 'Access denied', 'Installation failed', 'Your password has expired',
  'This file is locked for editing', 'The message could not be delivered', 'Couldn\'t verify your account'
]

/** The code sentence and the message sentence in each language (the English one is the source). */
const CODE_SENTENCE: Record<Lang | 'en', (code: string) => string> = {
  en: (c) => `If you see error code ${c}, follow the steps in this article.`,
  ja: (c) => `エラー コード ${c} が表示される場合は、この記事の手順に従ってください。`,
  de: (c) => `Wenn der Fehlercode ${c} angezeigt wird, führen Sie die Schritte in diesem Artikel aus.`,
  zh: (c) => `如果看到错误代码 ${c}，请按照本文中的步骤操作。`,
  fr: (c) => `Si le code d'erreur ${c} s'affiche, suivez les étapes de cet article.`
}
const MESSAGE_SENTENCE: Record<Lang | 'en', (message: string) => string> = {
  en: (m) => `Users may see the message "${m}" when they open the app.`,
  ja: (m) => `アプリを開くと、「${m}」というメッセージが表示される場合があります。`,
  de: (m) => `Beim Öffnen der App wird möglicherweise die Meldung „${m}“ angezeigt.`,
  zh: (m) => `打开应用时，用户可能会看到消息“${m}”。`,
  fr: (m) => `Les utilisateurs peuvent voir le message « ${m} » à l'ouverture de l'application.`
}

function errorCode (rng: Random): string {
  const kind = rng.int(3)
  if (kind === 0) {
    const hex = rng.pick(HRESULT_PREFIXES) + rng.hex(4)
    return '0x' + (rng.chance(0.5) ? hex.toUpperCase() : hex.toLowerCase())
  }
  if (kind === 1) return `AADSTS${rng.pick(AADSTS)}`
  return `${rng.pick(OFFICE_SETUP)}-${rng.range(1, 2050)}`
}

function scenarioId (rng: Random): string {
  const kind = rng.int(10)
  if (kind < 5) return String(rng.range(1000, 9999))
  if (kind < 9) return String(rng.range(9000000, 9009999))
  return `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`
}

function slug (text: string): string {
  return text.normalize('NFKC').replace(/[\u200b-\u200d\u2060\ufeff]/g, '').toLowerCase().replace(/[^a-z0-9_]+/g, '-').replace(/^-+|-+$/g, '')
}

/** What one generated article is: the same in every locale it is written in. */
interface ArticlePlan {
  name: string
  template: Template
  original: boolean
  scenarioIds: string[]
  codes: string[]
  message: string | null
  titleCode: string | null
  /** Chunks in output order: a template chunk, possibly with its pairs reordered, or a generated one. */
  chunks: Array<{ template: Template, chunk: Chunk, order: number[] | null, separator: string } | { generated: 'code' | 'message', separator: string }>
  spanPrefix: string
  sourceHash: string
  sourceCommit: string
  handoff: string
  locales: string[]
}

function handoffDate (rng: Random): string {
  const y = rng.range(2019, 2022)
  return `${String(rng.range(1, 12)).padStart(2, '0')}/${String(rng.range(1, 28)).padStart(2, '0')}/${y}`
}

interface PlanContext {
  seed: string
  templates: Template[]
  /** Templates a variant may start from: not the author template or the index. */
  bases: Template[]
  /** Paragraphs of two or more sentences a variant may borrow. */
  borrowable: Array<{ template: Template, chunk: Chunk }>
  pools: { scenarios: string[], codes: string[] }
  /** Article ids taken so far (as the importer derives them from file names). */
  ids: Set<string>
  /** Every stride-th article is one of the sample's own. */
  stride: number
}

function planArticle (index: number, ctx: PlanContext): ArticlePlan {
  const { templates, pools } = ctx
  const rng = new Random(`${ctx.seed}:article:${index}`)
  // Every stride-th article is one of the sample's own, the seed first; at least every other one is a variant
  const original = index % ctx.stride === 0 && index / ctx.stride < templates.length
  const template = original ? templates[index / ctx.stride]! : rng.pick(ctx.bases)
  const codes: string[] = []
  let name: string
  if (original) {
    name = template.file.replace(/\.md$/, '')
  } else {
    const nCodes = rng.range(1, 2)
    for (let i = 0; i < nCodes; i++) codes.push(rng.pick(pools.codes))
    const base = slug(template.file.replace(/\.md$/, '')).split('-').slice(0, rng.range(3, 7)).join('-')
    const words = [rng.pick(PRODUCTS), ...(rng.chance(0.5) ? [rng.pick(ASPECTS)] : [])]
    name = [base, ...words, ...(rng.chance(0.4) ? [slug(codes[0]!)] : [])].join('-')
  }
  const stem = name
  for (let n = 2; ctx.ids.has(articleIdOf(`${name}.md`)); n++) name = `${stem}-v${n}`
  ctx.ids.add(articleIdOf(`${name}.md`))

  let scenarioIds = template.scenarioIds
  if (!original) {
    const own = new Set<string>()
    const count = rng.range(1, 3)
    while (own.size < count) own.add(pools.scenarios[rng.zipf(pools.scenarios.length, 0.8)]!)
    scenarioIds = [...own]
  }

  const chunks: ArticlePlan['chunks'] = []
  const h1 = template.chunks.findIndex((c) => c.heading1)
  const borrowable = ctx.borrowable.filter((b) => b.template !== template)
  const borrowed = original ? [] : Array.from({ length: rng.range(0, 2) }, () => rng.pick(borrowable))
  const message = !original && rng.chance(0.3) ? rng.pick(MESSAGES) : null
  template.chunks.forEach((chunk, i) => {
    const pairs = chunk.parts.filter((p) => p.kind === 'pair').length
    const order = !original && chunk.pairOnly && pairs >= 2 && rng.chance(0.5) ? rng.shuffle([...Array(pairs).keys()]) : null
    chunks.push({ template, chunk, order, separator: template.separators[i]! })
    if (i === Math.max(h1, 0) && !original && (codes.length > 0 || message !== null || borrowed.length > 0)) {
      // What follows the heading starts a paragraph of its own
      const heading = chunks.at(-1)!
      if (!heading.separator.includes('\n\n')) heading.separator = '\n\n'
      if (codes.length > 0) chunks.push({ generated: 'code', separator: '\n\n' })
      if (message !== null) chunks.push({ generated: 'message', separator: '\n\n' })
      for (const b of borrowed) chunks.push({ template: b.template, chunk: b.chunk, order: null, separator: '\n\n' })
    }
  })

  return {
    name,
    template,
    original,
    scenarioIds,
    codes,
    message,
    titleCode: !original && codes.length > 0 && rng.chance(0.7) ? codes[0]! : null,
    chunks,
    spanPrefix: rng.hex(5),
    sourceHash: rng.hex(40),
    sourceCommit: rng.hex(40),
    handoff: handoffDate(rng),
    locales: []
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

function localized (template: Template, english: string, fallback: string, langs: Lang[]): string {
  for (const lang of langs) {
    const text = template.sentences[lang]?.get(english)
    if (text !== undefined) return text
  }
  return template.sentences.ja?.get(english) ?? fallback
}

/** The body: side-by-side for a locale, or plain English (`locale` null). */
function renderBody (plan: ArticlePlan, locale: string | null): string {
  const langs = locale === null ? [] : languagesOf(locale)
  const lang: Lang | 'en' = locale === null ? 'en' : langs[0]!
  let n = 102
  const pair = (local: string, english: string): string => {
    if (locale === null) return english
    const id = `${plan.spanPrefix}-${n++}`
    return `<span data-ttu-id="${id}">${local}</span><span class="sxs-lookup"><span data-stu-id="${id}">${english}</span></span>`
  }
  let out = ''
  for (const c of plan.chunks) {
    if ('generated' in c) {
      const code = plan.codes.join(', ')
      const english = c.generated === 'code' ? CODE_SENTENCE.en(code) : MESSAGE_SENTENCE.en(plan.message!)
      const local = c.generated === 'code' ? CODE_SENTENCE[lang](code) : MESSAGE_SENTENCE[lang](plan.message!)
      out += pair(local, english) + c.separator
      continue
    }
    const parts = c.chunk.parts
    const pairs = parts.filter((p): p is Pair => p.kind === 'pair')
    const render = (p: Pair, title: boolean): string => {
      let local = localized(c.template, p.english, p.local, langs)
      let english = p.english
      if (title && plan.titleCode !== null) {
        local += ` (${plan.titleCode})`
        english += ` (${plan.titleCode})`
      }
      return pair(local, english)
    }
    if (c.order !== null) {
      out += c.order.map((i) => render(pairs[i]!, false)).join(' ') + c.separator
      continue
    }
    let firstPair = true
    for (const p of parts) {
      if (p.kind === 'text') out += p.text
      else {
        out += render(p, c.chunk.heading1 && firstPair && c.template === plan.template)
        firstPair = false
      }
    }
    out += c.separator
  }
  return out
}

function yamlString (s: string): string {
  return /^[\p{L}\p{N}][^:#'"\n]*$/u.test(s) && s.trim() === s ? s : JSON.stringify(s)
}

function englishTitle (plan: ArticlePlan): string {
  const h1 = plan.template.chunks.find((c) => c.heading1)
  const pair = h1?.parts.find((p): p is Pair => p.kind === 'pair')
  const title = pair?.english ?? valueOf(plan.template.frontMatter, 'title') ?? plan.name
  return plan.titleCode === null ? title : `${title} (${plan.titleCode})`
}

function renderFrontMatter (plan: ArticlePlan, locale: string | null, rng: Random): string {
  const source = locale === null ? plan.template.englishFrontMatter ?? plan.template.frontMatter : plan.template.frontMatter
  const translationKeys = new Set(['ms.openlocfilehash', 'ms.sourcegitcommit', 'ms.translationtype', 'ms.contentlocale', 'ms.lasthandoff', 'ms.locfileid'])
  const lines: string[] = []
  for (const entry of source) {
    if (locale === null && translationKeys.has(entry.key)) continue
    switch (entry.key) {
      case 'title': {
        let title: string
        if (locale === null) title = englishTitle(plan)
        else {
          const lang = languagesOf(locale).find((l) => plan.template.titles[l] !== undefined) ?? 'ja'
          title = (plan.template.titles[lang] ?? valueOf(source, 'title') ?? plan.name) + (plan.titleCode === null ? '' : ` (${plan.titleCode})`)
        }
        lines.push(`title: ${yamlString(title)}`)
        break
      }
      case 'ms.custom':
        if (plan.scenarioIds.length === 0) lines.push('ms.custom: ')
        else lines.push('ms.custom:', ...plan.scenarioIds.map((id) => `- "${id}"`))
        break
      case 'ms.openlocfilehash': lines.push(`ms.openlocfilehash: ${plan.sourceHash}`); break
      case 'ms.sourcegitcommit': lines.push(`ms.sourcegitcommit: ${plan.sourceCommit}`); break
      case 'ms.translationtype': lines.push(`ms.translationtype: ${rng.chance(0.1) ? 'MT' : 'HT'}`); break
      case 'ms.contentlocale': lines.push(`ms.contentlocale: ${locale}`); break
      // Most locales got the article in one handoff; a few were handed off again later
      case 'ms.lasthandoff': lines.push(`ms.lasthandoff: ${rng.chance(0.1) ? handoffDate(rng) : plan.handoff}`); break
      case 'ms.locfileid': lines.push(`ms.locfileid: "${rng.range(40000000, 59999999)}"`); break
      default: lines.push(...entry.lines)
    }
  }
  if (!source.some((e) => e.key === 'ms.custom') && plan.scenarioIds.length > 0) lines.push('ms.custom:', ...plan.scenarioIds.map((id) => `- "${id}"`))
  return `---\n${lines.join('\n')}\n---\n`
}

export interface GenerateOptions {
  /** Documents (translations) to generate. */
  docs: number
  out: string
  seed?: string
  sampleDir?: string
  /** Replace `out` if it exists. */
  force?: boolean
  onProgress?: (docs: number, total: number) => void
}

export interface CorpusManifest {
  generator: number
  seed: string
  docs: number
  articles: number
  files: number
  bytes: number
  /** Documents per locale. */
  locales: Record<string, number>
  /** Every error code used, with the number of articles carrying it. */
  codes: Record<string, number>
  scenarioIds: number
  /** Articles that carry a quoted error message. */
  messages: number
}

export function generateCorpus (options: GenerateOptions): CorpusManifest {
  const seed = options.seed ?? '1'
  const total = options.docs
  if (!Number.isInteger(total) || total < 1) throw new Error(`--docs must be a positive integer, got ${total}`)
  const out = resolve(options.out)
  if (existsSync(out) && readdirSync(out).length > 0) {
    if (!options.force) throw new Error(`${out} exists and is not empty (pass --force to replace it)`)
    rmSync(out, { recursive: true, force: true })
  }
  const templates = loadTemplates(options.sampleDir)
  const expectedArticles = Math.max(templates.length, Math.ceil(total / DOCS_PER_ARTICLE))
  const poolRng = new Random(`${seed}:pools`)
  const scenarios = new Set<string>()
  while (scenarios.size < Math.max(8, Math.round(expectedArticles / 4))) scenarios.add(scenarioId(poolRng))
  const codes = new Set<string>()
  while (codes.size < Math.max(16, expectedArticles)) codes.add(errorCode(poolRng))
  const pools = { scenarios: [...scenarios], codes: [...codes] }

  const manifest: CorpusManifest = { generator: GENERATOR_VERSION, seed, docs: 0, articles: 0, files: 0, bytes: 0, locales: {}, codes: {}, scenarioIds: 0, messages: 0 }
  const usedScenarios = new Set<string>()
  const ctx: PlanContext = {
    seed,
    templates,
    bases: templates.filter((t) => !/^(Alchemy-Insight-Template|index)\.md$/i.test(t.file)),
    borrowable: templates.flatMap((template) => template.chunks
      .filter((c) => c.pairOnly && c.parts.filter((p) => p.kind === 'pair').length >= 2)
      .map((chunk) => ({ template, chunk }))),
    pools,
    ids: new Set(),
    stride: Math.max(2, Math.floor(expectedArticles / templates.length))
  }
  const made = new Set<string>()
  const write = (locale: string, name: string, text: string): void => {
    const dir = join(out, locale)
    if (!made.has(dir)) { mkdirSync(dir, { recursive: true }); made.add(dir) }
    const bytes = Buffer.from(text, 'utf8')
    writeFileSync(join(dir, `${name}.md`), bytes)
    manifest.files++
    manifest.bytes += bytes.length
    manifest.docs++
    manifest.locales[locale] = (manifest.locales[locale] ?? 0) + 1
  }

  for (let i = 0; manifest.docs < total; i++) {
    const plan = planArticle(i, ctx)
    const rng = new Random(`${seed}:locales:${i}`)
    const locales = [...MAJOR_LOCALES, ...MINOR_LOCALES.filter(() => rng.chance(MINOR_LOCALE_SHARE))]
    // The last article gets only as many locales as documents remain
    plan.locales = rng.shuffle(locales).slice(0, total - manifest.docs - 1).sort()
    const fileRng = new Random(`${seed}:files:${i}`)
    write(SOURCE_LOCALE, plan.name, renderFrontMatter(plan, null, fileRng) + renderBody(plan, null))
    for (const locale of plan.locales) write(locale, plan.name, renderFrontMatter(plan, locale, fileRng) + renderBody(plan, locale))
    manifest.articles++
    for (const code of new Set(plan.codes)) manifest.codes[code] = (manifest.codes[code] ?? 0) + 1
    for (const id of plan.scenarioIds) usedScenarios.add(id)
    if (plan.message !== null) manifest.messages++
    options.onProgress?.(manifest.docs, total)
  }
  manifest.scenarioIds = usedScenarios.size
  manifest.locales = Object.fromEntries(Object.entries(manifest.locales).sort(([a], [b]) => a < b ? -1 : 1))
  return manifest
}

/** `1k` → 1000, `100k` → 100000, `2m` → 2000000. */
export function parseCount (value: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(value.trim().replace(/_/g, ''))
  if (!m) throw new Error(`not a count: "${value}"`)
  const n = Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1000 : m[2]?.toLowerCase() === 'm' ? 1_000_000 : 1)
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive whole count: "${value}"`)
  return n
}

/** Generates into a temporary folder next to `out` and renames it into place: `out` is whole or absent. */
export function generateCorpusAtomically (options: GenerateOptions): CorpusManifest {
  const out = resolve(options.out)
  const tmp = `${out}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  try {
    const manifest = generateCorpus({ ...options, out: tmp, force: false })
    if (existsSync(out)) {
      if (!options.force) throw new Error(`${out} exists (pass --force to replace it)`)
      rmSync(out, { recursive: true, force: true })
    }
    renameSync(tmp, out)
    return manifest
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

const USAGE = `usage: tsx scripts/generate-corpus.ts --docs N --out DIR [--seed S] [--force]
  --docs N   documents (translations) to write: 1000, 10k, 100k
  --out DIR  the folder to write (one subfolder per locale); refused if it holds anything, unless --force
  --seed S   PRNG seed (default 1): the same seed and N give byte-identical files
  --force    replace DIR`

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      docs: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help || values.docs === undefined || values.out === undefined) {
    console.log(USAGE)
    process.exitCode = values.help ? 0 : 2
    return
  }
  const started = performance.now()
  const manifest = generateCorpusAtomically({ docs: parseCount(values.docs), out: values.out, seed: values.seed, force: values.force })
  writeFileSync(`${resolve(values.out)}.manifest.json`, JSON.stringify(manifest, null, 2) + '\n')
  console.log(`${manifest.docs} documents (${manifest.articles} articles × en-US + ${Object.keys(manifest.locales).length - 1} locales) in ${manifest.files} files, ` +
    `${(manifest.bytes / 1e6).toFixed(1)} MB, ${Object.keys(manifest.codes).length} error codes, ${manifest.scenarioIds} scenario ids → ${resolve(values.out)} ` +
    `(${((performance.now() - started) / 1000).toFixed(1)} s; manifest: ${resolve(values.out)}.manifest.json)`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: Error) => {
    console.error(err.message)
    process.exitCode = 1
  })
}
