// Search text analysis, shared by the index and the queries: normalization (NFKC, CJK word
// segmentation), error-code and quoted-message extraction, and the safe FTS5 MATCH builder.
// Pure functions: no database.

/** User input beyond this is cut: a search box never needs more, and it bounds the work. */
export const MAX_QUERY_CHARS = 512
/** At most this many terms (a quoted phrase counts as one) reach the MATCH expression. */
export const MAX_QUERY_TERMS = 32
/**
 * At most this many stems (prefix phrases, see QueryTerm) in one query, given to its terms in
 * order: a Hebrew word has 14, and each costs a count and a doclist merge, so 32 Hebrew words
 * would otherwise be ~450 phrases.
 */
export const MAX_QUERY_STEMS = 96
/** At most this many words inside one quoted phrase. */
export const MAX_PHRASE_TOKENS = 32

export interface NormalizedText {
  text: string
  /**
   * For each UTF-16 unit of `text`, the range of the original text it came from; null when
   * not asked for. Lets a match found in normalized text be marked in the original.
   */
  from: Int32Array | null
  to: Int32Array | null
}

/**
 * Characters NFKC leaves alone and that compose with nothing but a mark after them: accented
 * Latin-1 and basic Cyrillic letters, Japanese punctuation and brackets, kana, CJK ideographs.
 * A run of them is copied as it is (test/search/analyze.test.ts checks each one). Normalizing
 * Japanese text one code point at a time was most of the cost of a Japanese search's snippets.
 */
export const NFKC_STABLE = '\u00c0-\u00ff\u0400-\u045f\u3001-\u3003\u3005-\u3007\u300c-\u300f\u3041-\u3096\u30a1-\u30fa\u30fc-\u30fe\u3400-\u4dbf\u4e00-\u9fff'
// One NFKC unit: an ASCII run (NFKC leaves it alone), a run of NFKC_STABLE characters, or one
// code point with the marks that follow it, so half-width `ｶﾞ` composes to `ガ` and `e` + U+0301
// to `é`. A run ends before a character a mark follows: that one goes with its marks.
/* eslint-disable no-control-regex -- these patterns are about ASCII and control characters */
const CHUNK = new RegExp(`(?:[\\x00-\\x7f](?![\\p{M}\\uff9e\\uff9f]))+|(?:[${NFKC_STABLE}](?![\\p{M}\\uff9e\\uff9f]))+|[\\s\\S][\\p{M}\\uff9e\\uff9f]*`, 'gu')
const ASCII_ONLY = /^[\x00-\x7f]*$/
const STABLE_RUN = new RegExp(`^[${NFKC_STABLE}]+$`, 'u')
// Line breaks stay: a column's lines are its passages, and line i of the normalized text is
// the normalized line i, so a snippet needs to normalize only the lines that matched
const CONTROL_ASCII = /[\x00-\x09\x0b-\x1f\x7f]/g
/* eslint-enable no-control-regex */
// Invisible format characters (zero-width space, soft hyphen) vanish; other control, private-use
// and lone-surrogate units become spaces, so the highlight markers can never occur in the text.
const FORMAT = /\p{Cf}/gu
const CONTROL = /(?!\n)[\p{Cc}\p{Co}\p{Cs}]/gu
// Scripts written without spaces between words: Japanese, Chinese (the prolonged sound mark ー
// and 々 are Common), Thai, Lao, Khmer and Burmese. FTS5 would take a whole run of them for one
// word, so a word inside it could never be found.
const UNSPACED_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc\u3005\u3006\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]+/gu
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u

// ICU segments Han and kana with one dictionary whatever the locale (and Thai, Lao, Khmer and
// Burmese each with its own), so one segmenter serves every document and query alike.
const segmenter = new Intl.Segmenter('ja', { granularity: 'word' })

/**
 * The text as it is indexed and queried: NFKC (full-width `０ｘ` → `0x`, half-width kana →
 * full-width), controls but the line break as spaces, and runs of Japanese, Chinese, Thai, Lao,
 * Khmer or Burmese split into words joined by spaces (FTS5's unicode61 tokenizer does not split
 * them). Case, diacritics and English stems are left to FTS5. With `withMap`, also where each
 * unit came from.
 */
export function normalizeText (input: string, withMap = false): NormalizedText {
  const pass1 = nfkc(input, withMap)
  return segmentUnspaced(pass1, withMap)
}

/**
 * normalizeText(original, true) for an original whose normalized text is already known (a
 * line FTS5 gave back marked): the Japanese/Chinese word breaks are read off `normalized`
 * instead of segmenting the line again, which costs far more than the rest of a snippet.
 * Null when `normalized` is not the original's NFKC text with spaces inserted.
 */
export function alignNormalized (original: string, normalized: string): NormalizedText | null {
  const pass1 = nfkc(original, true)
  const source = pass1.text
  if (source.length === normalized.length) return source === normalized ? pass1 : null
  const from = new Int32Array(normalized.length)
  const to = new Int32Array(normalized.length)
  let j = 0
  for (let i = 0; i < normalized.length; i++) {
    if (j < source.length && normalized.charCodeAt(i) === source.charCodeAt(j)) {
      from[i] = pass1.from![j]!
      to[i] = pass1.to![j]!
      j++
    } else if (normalized.charCodeAt(i) === 32) {
      // A space segmentation inserted: empty, at the start of the unit it precedes
      const point = j < source.length ? pass1.from![j]! : (pass1.to![source.length - 1] ?? 0)
      from[i] = point
      to[i] = point
    } else {
      return null
    }
  }
  return j === source.length ? { text: normalized, from, to } : null
}

/** normalizeText for the index. The locale is not needed yet: the rules depend on the script. */
export function normalizeForIndex (text: string, _locale?: string): string {
  return normalizeText(text).text
}

/** NFKC with the line break kept, format characters dropped, other controls as spaces; `withMap`: where each unit came from. */
export function nfkc (input: string, withMap: boolean): NormalizedText {
  if (ASCII_ONLY.test(input)) {
    const text = input.replace(CONTROL_ASCII, ' ')
    return { text, from: withMap ? identity(text.length, 0) : null, to: withMap ? identity(text.length, 1) : null }
  }
  const parts: string[] = []
  const from: number[] = []
  const to: number[] = []
  for (const match of input.matchAll(CHUNK)) {
    const chunk = match[0]
    const start = match.index
    let out: string
    const ascii = ASCII_ONLY.test(chunk)
    if (ascii || STABLE_RUN.test(chunk)) {
      // Each UTF-16 unit stays one unit, and comes from itself
      out = ascii ? chunk.replace(CONTROL_ASCII, ' ') : chunk
      if (withMap) for (let i = 0; i < out.length; i++) { from.push(start + i); to.push(start + i + 1) }
    } else {
      out = chunk.normalize('NFKC').replace(FORMAT, '').replace(CONTROL, ' ')
      if (withMap) for (let i = 0; i < out.length; i++) { from.push(start); to.push(start + chunk.length) }
    }
    parts.push(out)
  }
  const text = parts.join('')
  return { text, from: withMap ? Int32Array.from(from) : null, to: withMap ? Int32Array.from(to) : null }
}

function identity (length: number, shift: number): Int32Array {
  const map = new Int32Array(length)
  for (let i = 0; i < length; i++) map[i] = i + shift
  return map
}

function segmentUnspaced (input: NormalizedText, withMap: boolean): NormalizedText {
  const source = input.text
  UNSPACED_RUN.lastIndex = 0
  if (!UNSPACED_RUN.test(source)) return input
  UNSPACED_RUN.lastIndex = 0
  const parts: string[] = []
  // Index into the input of each output unit; -1 - i for a space inserted before input unit i
  const origin: number[] = []
  let at = 0
  const copy = (end: number): void => {
    parts.push(source.slice(at, end))
    if (withMap) for (let i = at; i < end; i++) origin.push(i)
    at = end
  }
  const space = (before: number): void => {
    parts.push(' ')
    if (withMap) origin.push(-1 - before)
  }
  for (const match of source.matchAll(UNSPACED_RUN)) {
    const start = match.index
    const end = start + match[0].length
    copy(start)
    // A Latin word glued to a Japanese one (`365アプリ`) is two words
    if (start > 0 && WORD_CHAR.test(source[start - 1]!)) space(start)
    let first = true
    for (const { segment, index } of segmenter.segment(match[0])) {
      if (!first) space(start + index)
      first = false
      copy(start + index + segment.length)
    }
    if (end < source.length && WORD_CHAR.test(source[end]!)) space(end)
  }
  copy(source.length)
  const text = parts.join('')
  if (!withMap) return { text, from: null, to: null }
  const from = new Int32Array(origin.length)
  const to = new Int32Array(origin.length)
  origin.forEach((o, i) => {
    if (o >= 0) {
      from[i] = input.from![o]!
      to[i] = input.to![o]!
    } else {
      // An inserted space is empty, at the start of the unit it precedes
      const next = -1 - o
      const point = next < source.length ? input.from![next]! : (input.to![source.length - 1] ?? 0)
      from[i] = point
      to[i] = point
    }
  })
  return { text, from, to }
}

// ---------------------------------------------------------------------------------------------
// Error codes

// Each pattern runs on normalized text; the lookarounds keep codes from matching inside words.
const CODE_PATTERNS: RegExp[] = [
  // HRESULT / NTSTATUS: 0x8004de40, 0xD000000C
  /(?<![\p{L}\p{N}])0x[0-9a-f]{1,16}(?![\p{L}\p{N}])/giu,
  // Microsoft Entra sign-in errors: AADSTS50076
  /(?<![\p{L}\p{N}])aadsts\d{3,}(?!\p{N})/giu,
  // SMTP reply with enhanced status: 550 5.7.501
  /(?<![\p{L}\p{N}.])[45]\d\d[ -]?[45]\.\d{1,3}\.\d{1,3}(?![\p{N}]|\.\p{N})/gu,
  // Enhanced status alone: 5.7.23
  /(?<![\p{L}\p{N}.])[45]\.\d{1,3}\.\d{1,3}(?![\p{N}]|\.\p{N})/gu,
  // Office setup errors: 30068-39
  /(?<![\p{L}\p{N}-])\d{5}-\d{1,4}(?![\p{N}]|-\p{N})/gu
]

/**
 * Error codes in a text, each as the words FTS5 will see, lowercase and space-separated
 * (`550 5.7.501` → `550 5 7 501`), so a code is matched as one exact phrase. Distinct, in
 * order of first occurrence.
 */
export function extractErrorCodes (text: string): string[] {
  return errorCodesOfNormalized(normalizeText(text).text)
}

/** extractErrorCodes of a text already normalized (normalizeText's `text`). */
export function errorCodesOfNormalized (normalized: string): string[] {
  const found: Array<{ at: number, code: string }> = []
  for (const pattern of CODE_PATTERNS) {
    for (const m of normalized.matchAll(pattern)) found.push({ at: m.index, code: canonicalCode(m[0]) })
  }
  found.sort((a, b) => a.at - b.at)
  return [...new Set(found.map((f) => f.code))]
}

function canonicalCode (code: string): string {
  return code.toLowerCase().split(/[\s.-]+/).filter(Boolean).join(' ')
}

// ---------------------------------------------------------------------------------------------
// Quoted messages

// "…", “…”, „…“, «…», 「…」 and 『…』 of a plausible message length
const QUOTED = /"([^"\n]{3,200})"|\u201c([^\u201d\n]{3,200})\u201d|\u201e([^\u201c\u201d\n]{3,200})[\u201c\u201d]|\u00ab\u00a0?([^\u00bb\n]{3,200}?)\u00a0?\u00bb|\u300c([^\u300d\n]{2,200})\u300d|\u300e([^\u300f\n]{2,200})\u300f/g

/** Texts in quotation marks: in these articles, mostly the error messages users see. */
export function extractQuotedMessages (text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(QUOTED)) {
    const inner = (m.slice(1).find((g) => g !== undefined) ?? '').trim()
    if (inner !== '') out.push(inner)
  }
  return [...new Set(out)]
}

// ---------------------------------------------------------------------------------------------
// Queries

export type QueryTermKind = 'word' | 'phrase' | 'code'

export interface QueryTerm {
  kind: QueryTermKind
  /** The FTS5 words of the term (a word has one). */
  tokens: string[]
  /** Other spellings that match the term: `0x` + a bare HRESULT, typo corrections. */
  alternatives: string[][]
  /**
   * Beginnings of the words the term also finds (`"stem" *`), for languages that write a word
   * and what goes with it as one: a Korean word less its particle, a Hebrew or Arabic word after
   * the letters written onto it, a Russian word, or a Latin one of an inflecting language, less
   * its ending (stemsOf). FTS5 stems English only.
   */
  stems?: string[]
}

export interface AnalyzedQuery {
  /** Every word, code and quoted phrase, stopwords dropped. */
  terms: QueryTerm[]
  /**
   * The same, each run of unquoted text kept as one phrase: what a Japanese or Chinese user
   * types without spaces is a phrase, and so is a pasted message. Null when no different.
   */
  asTyped: QueryTerm[] | null
  /** True when input beyond the bounds was dropped. */
  truncated: boolean
}

export type MatchMode = 'all' | 'any'

// Open and close marks of a quoted phrase in user input
const QUOTE_PAIRS: Record<string, string> = { '"': '"', '\u201c': '\u201d', '\u201e': '\u201c', '\u00ab': '\u00bb', '\u300c': '\u300d', '\u300e': '\u300f' }
const TOKEN = /[\p{L}\p{N}\p{M}]+/gu
const BARE_HRESULT = /^[0-9a-f]{8}$/

// Words that carry no meaning in a symptom search. Dropped unless nothing else is left, and
// kept inside quoted phrases.
const STOPWORDS = new Set([
  // English
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'can', 'could', 'did', 'do', 'does', 'for', 'from', 'get', 'getting',
  'has', 'have', 'how', 'i', 'if', 'in', 'into', 'is', 'it', 'its', 'me', 'my', 'of', 'on', 'or', 'our', 'so', 'that', 'the',
  'there', 'this', 'to', 'was', 'we', 'what', 'when', 'where', 'which', 'why', 'will', 'with', 'you', 'your',
  // German
  'der', 'die', 'das', 'den', 'dem', 'des', 'ein', 'eine', 'einen', 'einem', 'einer', 'und', 'oder', 'ist', 'sind', 'ich',
  'mein', 'meine', 'wie', 'was', 'zu', 'zum', 'zur', 'mit', 'von', 'im', 'in', 'auf', 'für', 'bei', 'es', 'sich', 'kann',
  // French
  'le', 'la', 'les', 'un', 'une', 'des', 'du', 'de', 'et', 'ou', 'est', 'je', 'mon', 'ma', 'mes', 'pour', 'dans', 'sur', 'avec',
  // Japanese and Chinese particles and copulas
  'の', 'が', 'を', 'に', 'は', 'で', 'と', 'も', 'へ', 'や', 'から', 'まで', 'です', 'ます', 'た', 'て', 'する', 'し', 'ない',
  '的', '了', '是', '在', '和', '我', '吗'
])

/** Lowercase without Latin diacritics: how FTS5's unicode61 (remove_diacritics 2) folds a word. */
export function foldWord (word: string): string {
  return word.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').normalize('NFC')
}

export function isStopword (word: string): boolean {
  return STOPWORDS.has(foldWord(word))
}

/** The words FTS5 will see in a text. */
export function wordsOf (text: string): string[] {
  return normalizeText(text).text.match(TOKEN) ?? []
}

/**
 * What a user typed, as terms: `"quoted phrases"` become phrases, error codes become exact
 * code phrases, everything else words. Every character is text: FTS5 syntax means nothing.
 * `language` (of the locale the search answers in, `de`) says how a Latin word may be inflected.
 */
export function analyzeQuery (input: string, language: string | null = null): AnalyzedQuery {
  let text = typeof input === 'string' ? input : ''
  let truncated = false
  if (text.length > MAX_QUERY_CHARS) {
    // Cut on a code point boundary so no lone surrogate is left
    text = Array.from(text.slice(0, MAX_QUERY_CHARS * 2)).slice(0, MAX_QUERY_CHARS).join('')
    truncated = true
  }
  const terms: QueryTerm[] = []
  const phrased: QueryTerm[] = []
  const seen = new Set<string>()
  const add = (list: QueryTerm[], term: QueryTerm): void => {
    const key = `${list === terms ? 't' : 'p'}:${term.kind}:${term.tokens.map(foldWord).join(' ')}`
    if (term.tokens.length === 0 || seen.has(key)) return
    seen.add(key)
    list.push(term)
  }
  const addBoth = (term: QueryTerm): void => {
    add(terms, term)
    add(phrased, term)
  }
  const addPlain = (plain: string): void => {
    let rest = normalizeText(plain).text
    const codes = extractErrorCodes(rest)
    // `5 7 501` adds nothing to `550 5 7 501`, and would only repeat its weight
    for (const code of codes.filter((c) => !codes.some((other) => other !== c && ` ${other} `.includes(` ${c} `)))) {
      addBoth({ kind: 'code', tokens: code.split(' '), alternatives: codeFamily(code) })
    }
    // A code splits the text around it into two phrases
    for (const pattern of CODE_PATTERNS) rest = rest.replace(pattern, '\n')
    for (const segment of rest.split('\n')) {
      const tokens = segment.match(TOKEN) ?? []
      for (const token of tokens) {
        // A bare HRESULT (`8004de40`) is usually written with its 0x in the articles
        const alternatives = BARE_HRESULT.test(token.toLowerCase()) && /\d/.test(token) ? [[`0x${token.toLowerCase()}`]] : []
        const stems = stemsOf(token, language)
        add(terms, { kind: 'word', tokens: [token], alternatives, ...(stems.length > 0 ? { stems } : {}) })
      }
      if (tokens.length > 1) add(phrased, { kind: 'phrase', tokens: tokens.slice(0, MAX_PHRASE_TOKENS), alternatives: [] })
      else if (tokens.length === 1) add(phrased, { kind: 'word', tokens, alternatives: [] })
    }
  }

  let at = 0
  while (at < text.length) {
    const open = findQuote(text, at)
    if (open === null) {
      addPlain(text.slice(at))
      break
    }
    const close = text.indexOf(QUOTE_PAIRS[text[open]!]!, open + 1)
    if (close === -1) {
      // An unclosed quote is only text
      addPlain(text.slice(at))
      break
    }
    addPlain(text.slice(at, open))
    const tokens = wordsOf(text.slice(open + 1, close))
    if (tokens.length > MAX_PHRASE_TOKENS) truncated = true
    const phrase = tokens.slice(0, MAX_PHRASE_TOKENS)
    addBoth({ kind: phrase.length === 1 ? 'word' : 'phrase', tokens: phrase, alternatives: [] })
    at = close + 1
  }

  // Stopwords go when other terms remain: they would only make "all words" fail
  const meaningful = terms.filter((t) => t.kind !== 'word' || !isStopword(t.tokens[0]!))
  const kept = meaningful.length > 0 ? meaningful : terms
  if (kept.length > MAX_QUERY_TERMS || phrased.length > MAX_QUERY_TERMS) truncated = true
  const asTyped = phrased.slice(0, MAX_QUERY_TERMS)
  const same = asTyped.length === kept.length && asTyped.every((t) => t.kind !== 'phrase')
  return { terms: withinStemBudget(kept.slice(0, MAX_QUERY_TERMS)), asTyped: same ? null : asTyped, truncated }
}

/** The terms, their stems given in order until MAX_QUERY_STEMS are given (a term gets all of its own or none). */
function withinStemBudget (terms: QueryTerm[]): QueryTerm[] {
  let left = MAX_QUERY_STEMS
  return terms.map((term) => {
    if (term.stems === undefined) return term
    if (term.stems.length <= left) {
      left -= term.stems.length
      return term
    }
    left = 0
    return { kind: term.kind, tokens: term.tokens, alternatives: term.alternatives }
  })
}

/** The stems (see QueryTerm) of a typed word, by its script and the user's language. */
export function stemsOf (word: string, language: string | null): string[] {
  if (HANGUL_WORD.test(word)) return [koreanStem(word)]
  if (SEMITIC_WORD.test(word)) return [word, ...withAttachedWords(word)]
  if (CYRILLIC_WORD.test(word)) return word.length >= 4 ? [withoutEnding(word, RUSSIAN_ENDINGS, 4)] : []
  if (GREEK_WORD.test(word)) return word.length >= 4 ? [withoutEnding(word, GREEK_ENDINGS, 4)] : []
  const endings = language === null ? undefined : LATIN_ENDINGS[language]
  if (endings !== undefined && LATIN_WORD.test(word)) return word.length >= 5 ? [withoutEnding(word, endings, 5)] : []
  return []
}

/**
 * Most languages of the content inflect a word by its ending (`Postfächern`, `Einstellungen`,
 * `erreurs`, `errori`; `ящика`, `почтового`; `σφάλματος`), or glue endings and words on
 * (Finnish, Hungarian, Turkish), and FTS5 stems English only: a typed word is also searched as
 * the start of a word, less its ending if it has one and enough of it stays (`почтов` finds
 * `почтовый`, `synchronisier` finds `Synchronisierung`). Latin words by the language of the page
 * (an English word on an English page is FTS5's), Cyrillic and Greek ones always. Longest
 * endings first; an empty list: the word as typed, as the start of longer ones.
 */
const LATIN_WORD = /^\p{Script=Latin}+$/u
const CYRILLIC_WORD = /^\p{Script=Cyrillic}+$/u
const GREEK_WORD = /^\p{Script=Greek}+$/u
const GERMANIC = ['ern', 'em', 'en', 'er', 'es', 'e', 'n', 's']
const NORDIC = ['erne', 'ene', 'ane', 'en', 'et', 'er', 'ar', 'or', 'na', 'e', 'a', 'n', 's']
const ROMANCE = ['es', 's', 'e', 'a', 'o', 'i']
const WEST_SLAVIC = ['ami', 'ach', 'ów', 'om', 'em', 'ie', 'ych', 'ých', 'ové', 'ího', 'ou', 'y', 'a', 'e', 'i', 'u', 'ą', 'ę', 'o', 'ů', 'í', 'é', 'á', 'ý']
const SOUTH_SLAVIC = ['ima', 'ama', 'om', 'em', 'ih', 'a', 'e', 'i', 'u', 'o']
const BALTIC = ['ams', 'ais', 'ių', 'ės', 'as', 'is', 'us', 'ai', 'ei', 'os', 'a', 'e', 'i', 'u', 'ą', 'ę', 'į', 'ų', 's']
const LATIN_ENDINGS: Record<string, string[]> = {
  de: GERMANIC,
  nl: ['en', 'es', 'e', 's'],
  sv: NORDIC,
  da: NORDIC,
  nb: NORDIC,
  no: NORDIC,
  fr: ROMANCE,
  es: ROMANCE,
  it: ROMANCE,
  pt: ROMANCE,
  ro: ['ilor', 'ele', 'ul', 'uri', 'le', 'i', 'e', 'a'],
  ca: ROMANCE,
  pl: WEST_SLAVIC,
  cs: WEST_SLAVIC,
  sk: WEST_SLAVIC,
  sl: SOUTH_SLAVIC,
  hr: SOUTH_SLAVIC,
  sr: SOUTH_SLAVIC,
  bs: SOUTH_SLAVIC,
  lt: BALTIC,
  lv: BALTIC,
  fi: [],
  et: [],
  hu: [],
  tr: []
}
const RUSSIAN_ENDINGS = ['ами', 'ями', 'ого', 'его', 'ому', 'ему', 'ыми', 'ими', 'ых', 'их', 'ой', 'ей', 'ом', 'ем', 'ах', 'ях', 'ов', 'ев',
  'ую', 'юю', 'ая', 'яя', 'ое', 'ее', 'ые', 'ие', 'ый', 'ий', 'ть', 'ет', 'ют', 'ит', 'ат', 'ят', 'а', 'я', 'о', 'е', 'ы', 'и', 'у', 'ю', 'ь', 'й']

const GREEK_ENDINGS = ['ματος', 'ματα', 'ματων', 'ους', 'ων', 'ου', 'ος', 'ες', 'ης', 'ας', 'οι', 'ια', 'α', 'η', 'ο', 'ε', 'ι', 'υ', 'ς']

/** Lowercase without accents, one unit for one (`κωδικού` → `κωδικου`); else only lowercase. */
function foldEnding (text: string): string {
  const folded = text.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC')
  return folded.length === text.length ? folded : text.toLowerCase()
}

function withoutEnding (word: string, endings: string[], keep: number): string {
  const folded = foldEnding(word)
  for (const ending of endings) {
    if (folded.endsWith(foldEnding(ending)) && word.length - ending.length >= keep) return word.slice(0, -ending.length)
  }
  return word
}

/**
 * Korean writes a noun and its particle as one word (`커넥터를`, `도메인에서`), and FTS5 indexes
 * that word whole: a typed word is also searched as the start of a word (`"커넥터" *`), less the
 * particle it ends with, if any (at least two syllables stay: `추가` stays).
 */
const HANGUL_WORD = /^\p{Script=Hangul}+$/u
const PARTICLES = ['에서는', '에게서', '으로는', '으로서', '으로써', '이라고', '에서', '에게', '으로', '까지', '부터', '처럼', '보다', '라고',
  '에는', '로는', '와는', '과는', '이나', '은', '는', '이', '가', '을', '를', '의', '에', '로', '와', '과', '도', '만']

export function koreanStem (word: string): string {
  for (const particle of PARTICLES) {
    if (word.endsWith(particle) && word.length - particle.length >= 2) return word.slice(0, -particle.length)
  }
  return word
}

/**
 * Hebrew and Arabic write the article and one-letter words (and, in, to, from, that, as) as
 * part of the next word (`השגיאה`, `לשגיאה`, `البريد`, `للبريد`), and endings after it (plural,
 * possessive). A typed word is also searched as the start of a word, alone and after each of
 * those prefixes; a typed word with the article also without it.
 */
const SEMITIC_WORD = /^(?:\p{Script=Hebrew}+|\p{Script=Arabic}+)$/u
const HEBREW_PREFIXES = ['ה', 'ו', 'ב', 'ל', 'מ', 'ש', 'כ', 'וה', 'וב', 'ול', 'ומ', 'וש', 'שה']
const ARABIC_PREFIXES = ['ال', 'و', 'ف', 'ب', 'ل', 'ك', 'وال', 'بال', 'فال', 'كال', 'لل']
const ARTICLES = ['ال', 'ה']

/**
 * The other spellings of a Hebrew or Arabic word: the word without its article, if it has one,
 * and without a final ה / ة (which the plural and the construct form replace: שגיאה, שגיאות),
 * alone and after each prefix (the article among them).
 */
export function withAttachedWords (word: string): string[] {
  const prefixes = /\p{Script=Hebrew}/u.test(word) ? HEBREW_PREFIXES : ARABIC_PREFIXES
  const article = ARTICLES.find((a) => word.startsWith(a) && word.length - a.length >= 3)
  let bare = article ? word.slice(article.length) : word
  if (/[הة]$/u.test(bare) && bare.length >= 4) bare = bare.slice(0, -1)
  const out = new Set([bare, ...prefixes.map((prefix) => prefix + bare)])
  out.delete(word)
  return [...out]
}

/**
 * Broader codes that articles may give instead of the exact one, ranked below it by the codes
 * column's weight: the SMTP reply of `550 5.7.501` (`550`), the family of `30068-39` (`30068`).
 */
function codeFamily (code: string): string[][] {
  const tokens = code.split(' ')
  if (tokens.length === 4 && /^[45]\d\d$/.test(tokens[0]!)) return [[tokens[0]!]]
  if (tokens.length === 2 && /^\d{5}$/.test(tokens[0]!)) return [[tokens[0]!]]
  return []
}

function findQuote (text: string, from: number): number | null {
  for (let i = from; i < text.length; i++) if (QUOTE_PAIRS[text[i]!] !== undefined) return i
  return null
}

/** Words as one FTS5 string: a phrase, whatever they hold. */
export function quoted (tokens: string[]): string {
  return `"${tokens.join(' ').replace(/"/g, '""')}"`
}

/** One term as a MATCH operand: a quoted string, or its spellings in parentheses. */
export function termExpression (term: QueryTerm): string {
  const all = spellingsOf(term)
  return all.length === 1 ? all[0]! : `(${all.join(' OR ')})`
}

/** A term's spellings as FTS5 phrases: its own, its alternatives, its stems as prefix phrases (`"x" *`). */
export function spellingsOf (term: QueryTerm): string[] {
  return [term.tokens, ...term.alternatives].map(quoted).concat((term.stems ?? []).map((stem) => `${quoted([stem])} *`))
}

/**
 * A safe FTS5 MATCH expression for user input (or an analyzed query): every word and phrase is
 * a double-quoted string, so operators, parentheses, `NEAR`, `*`, `-`, `:` are only text.
 * Mode 'all' needs every term, 'any' one of them. An empty string means "no query".
 */
export function buildMatchQuery (input: string | AnalyzedQuery, mode: MatchMode = 'all'): string {
  const query = typeof input === 'string' ? analyzeQuery(input) : input
  return query.terms.map(termExpression).join(mode === 'all' ? ' AND ' : ' OR ')
}
