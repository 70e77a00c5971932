// Locale negotiation: which of an article's locales to serve for `?locale=` / `Accept-Language`.
//
// Pure functions, no HTTP: the route passes the query value and the header in and turns the
// result into `Content-Language`, the body's `locale` object, or a 400 for a malformed query.

export const DEFAULT_LOCALE = 'en-US'

const MAX_TAG_LENGTH = 35
const MAX_HEADER_LENGTH = 4096
const MAX_ENTRIES = 50
const TAG_CHARS = /^[A-Za-z0-9-]+$/
// RFC 9110 §12.4.2 / §12.5.4: `range [ OWS ";" OWS "q=" qvalue ]`, at most 3 decimals
const ENTRY = /^([A-Za-z0-9-]+|\*)(?:[ \t]*;[ \t]*[qQ]=([01](?:\.\d{0,3})?))?$/

export interface AcceptedLanguage {
  /** Canonical tag, or `*`. */
  tag: string
  q: number
}

export interface NegotiateOptions {
  /** `?locale=`; an empty string counts as not given. */
  query?: string
  acceptLanguage?: string
  available: string[]
  defaultLocale?: string
}

export type LocaleNegotiation =
  | { ok: true, requested: string | null, served: string, fallback: boolean, available: string[] }
  | { ok: false, error: 'malformed-locale', detail: string }

/** Canonical form of a BCP 47 tag (`ja-jp` → `ja-JP`), or null when it is not one. */
export function parseLocaleTag (tag: string): string | null {
  // Cheap checks first, so hostile input never reaches Intl
  if (tag.length === 0 || tag.length > MAX_TAG_LENGTH || !TAG_CHARS.test(tag)) return null
  return canonicalTag(tag)
}

const canonicalTag = memoize((tag) => {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null
  } catch {
    return null
  }
})

/** Primary language subtag, lowercased (`zh-Hant-TW` → `zh`). */
export function languageOf (tag: string): string {
  const end = tag.indexOf('-')
  return (end === -1 ? tag : tag.slice(0, end)).toLowerCase()
}

/** Ranges by preference (q descending, header order for ties); q=0 and malformed entries dropped. */
export function parseAcceptLanguage (header: string | undefined): AcceptedLanguage[] {
  if (typeof header !== 'string' || header === '') return []
  let text = header
  if (text.length > MAX_HEADER_LENGTH) {
    // Cut at an entry boundary: a cut `de-CH` would silently become `de`
    text = text.slice(0, MAX_HEADER_LENGTH)
    text = text.slice(0, Math.max(0, text.lastIndexOf(',')))
  }
  const ranges: AcceptedLanguage[] = []
  for (const entry of text.split(',', MAX_ENTRIES)) {
    const match = ENTRY.exec(entry.trim())
    if (match === null) continue
    const q = match[2] === undefined ? 1 : Number(match[2])
    if (q <= 0 || q > 1) continue
    const tag = match[1] === '*' ? '*' : parseLocaleTag(match[1]!)
    if (tag !== null) ranges.push({ tag, q })
  }
  // Array#sort is stable, so equal q keeps header order
  return ranges.sort((a, b) => b.q - a.q)
}

export function negotiateLocale (options: NegotiateOptions): LocaleNegotiation {
  const { query, acceptLanguage, defaultLocale = DEFAULT_LOCALE } = options
  const { sorted, findMatch } = localeSet(options.available.join('\n'))
  const available = [...sorted]

  let ranges: readonly string[]
  if (query !== undefined && query !== '') {
    const tag = parseLocaleTag(query)
    if (tag === null) {
      return {
        ok: false,
        error: 'malformed-locale',
        detail: `locale ${JSON.stringify(query.slice(0, 40))} is not a BCP 47 language tag (e.g. en-US, ja-JP)`
      }
    }
    // The query replaces the header rather than adding to it
    ranges = [tag]
  } else {
    ranges = rangesOf(acceptLanguage)
  }
  const requested = ranges[0] ?? null
  const result = (served: string, fallback: boolean): LocaleNegotiation =>
    ({ ok: true, requested, served, fallback, available })

  if (available.length === 0) return result(defaultLocale, requested !== null)

  const specific = ranges.filter((range) => range !== '*')
  // `*` accepts anything, so whatever we serve after the specific ranges is not a fallback
  const acceptsAny = specific.length < ranges.length

  for (const range of specific) {
    const served = findMatch(range)
    if (served !== null) return result(served, false)
  }
  // RFC 4647 lookup: drop subtags from the end (`zh-Hant-TW` → `zh-Hant` → `zh`)
  for (const range of specific) {
    for (let tag = truncate(range); tag !== null; tag = truncate(tag)) {
      const served = findMatch(tag)
      if (served !== null) return result(served, !acceptsAny)
    }
  }
  const byDefault = findMatch(defaultLocale)
  // With nothing asked, the default is what was implicitly asked for
  const fallback = requested === null ? byDefault === null : !acceptsAny
  return result(byDefault ?? available[0]!, fallback)
}

// Browsers send a handful of distinct headers, so most requests skip parsing altogether
const rangesOfShortHeader = memoize((header) => parseAcceptLanguage(header).map((range) => range.tag))
const rangesOf = (header: string | undefined): readonly string[] =>
  header === undefined || header.length > MAX_HEADER_LENGTH
    ? parseAcceptLanguage(header).map((range) => range.tag)
    : rangesOfShortHeader(header)

// Articles share a few locale sets, so sorting and matching against one is done once per set
const localeSet = memoize((key) => {
  const sorted = key === '' ? [] : key.split('\n').sort()
  return { sorted, findMatch: matcherFor(sorted) }
}, 100)

/**
 * Finds the available locale that stands for a tag: the same tag, else the one with the same
 * likely language and script (and region, when the tag names one), so `ja` → `ja-JP` and
 * `zh-Hans` → `zh-CN`. Among several, the likeliest region wins (`zh` → `zh-CN`).
 */
function matcherFor (available: string[]): (tag: string) => string | null {
  const byLowerCase = new Map(available.map((locale) => [locale.toLowerCase(), locale]))
  const languages = new Set(available.map(languageOf))
  return memoize((tag) => {
    const exact = byLowerCase.get(tag.toLowerCase())
    if (exact !== undefined) return exact
    // maximize() keeps a canonical tag's language: skip the costly call when it cannot match
    if (!languages.has(languageOf(tag))) return null
    const wanted = likelySubtags(tag)
    if (wanted === null) return null
    const candidates = available.filter((locale) => {
      const got = likelySubtags(locale)
      return got !== null && got.language === wanted.language && got.script === wanted.script &&
        (!wanted.explicitRegion || got.region === wanted.region)
    })
    return candidates.find((locale) => likelySubtags(locale)?.region === wanted.region) ??
      candidates[0] ?? null
  }, 200)
}

/** `tag` without its last subtag, skipping a dangling singleton (`en-x-foo` → `en`). */
function truncate (tag: string): string | null {
  let end = tag.lastIndexOf('-')
  if (end === -1) return null
  if (tag[end - 2] === '-') end -= 2
  return tag.slice(0, end)
}

interface LikelySubtags { language: string, script: string, region: string, explicitRegion: boolean }

const likelySubtags = memoize((tag): LikelySubtags | null => {
  try {
    const locale = new Intl.Locale(tag)
    const max = locale.maximize()
    return {
      language: max.language,
      script: max.script ?? '',
      region: max.region ?? '',
      explicitRegion: locale.region !== undefined
    }
  } catch {
    return null
  }
})

// Intl calls cost microseconds and run on every request, so remember their answers; bounded,
// since the keys come from clients
function memoize<T> (compute: (key: string) => T, size = 1000): (key: string) => T {
  const cache = new Map<string, T>()
  return (key) => {
    if (cache.has(key)) return cache.get(key) as T
    if (cache.size >= size) cache.clear()
    const value = compute(key)
    cache.set(key, value)
    return value
  }
}
