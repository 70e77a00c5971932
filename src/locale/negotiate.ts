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
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null
  } catch {
    return null
  }
}

/** Primary language subtag, lowercased (`zh-Hant-TW` → `zh`). */
export function languageOf (tag: string): string {
  return (tag.split('-')[0] ?? '').toLowerCase()
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
  const available = [...options.available].sort()

  let ranges: string[]
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
    ranges = parseAcceptLanguage(acceptLanguage).map((range) => range.tag)
  }
  const requested = ranges[0] ?? null
  const result = (served: string, fallback: boolean): LocaleNegotiation =>
    ({ ok: true, requested, served, fallback, available })

  if (available.length === 0) return result(defaultLocale, requested !== null)

  const specific = ranges.filter((range) => range !== '*')
  // `*` accepts anything, so whatever we serve after the specific ranges is not a fallback
  const acceptsAny = specific.length < ranges.length

  for (const range of specific) {
    const served = findMatch(range, available)
    if (served !== null) return result(served, false)
  }
  // RFC 4647 lookup: drop subtags from the end (`zh-Hant-TW` → `zh-Hant` → `zh`)
  for (const range of specific) {
    for (let tag = truncate(range); tag !== null; tag = truncate(tag)) {
      const served = findMatch(tag, available)
      if (served !== null) return result(served, !acceptsAny)
    }
  }
  const byDefault = findMatch(defaultLocale, available)
  // With nothing asked, the default is what was implicitly asked for
  const fallback = requested === null ? byDefault === null : !acceptsAny
  return result(byDefault ?? available[0]!, fallback)
}

/**
 * The available locale that stands for `tag`: the same tag, else the one with the same likely
 * language and script (and region, when `tag` names one), so `ja` → `ja-JP` and
 * `zh-Hans` → `zh-CN`. Among several, the likeliest region wins (`zh` → `zh-CN`).
 */
function findMatch (tag: string, available: string[]): string | null {
  const exact = available.find((locale) => sameTag(locale, tag))
  if (exact !== undefined) return exact
  const wanted = likelySubtags(tag)
  if (wanted === null) return null
  const candidates = available.filter((locale) => {
    const got = likelySubtags(locale)
    return got !== null && got.language === wanted.language && got.script === wanted.script &&
      (!wanted.explicitRegion || got.region === wanted.region)
  })
  return candidates.find((locale) => likelySubtags(locale)?.region === wanted.region) ??
    candidates[0] ?? null
}

function sameTag (a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/** `tag` without its last subtag, skipping a dangling singleton (`en-x-foo` → `en`). */
function truncate (tag: string): string | null {
  const subtags = tag.split('-')
  subtags.pop()
  if (subtags.length > 0 && subtags[subtags.length - 1]!.length === 1) subtags.pop()
  return subtags.length > 0 ? subtags.join('-') : null
}

interface LikelySubtags { language: string, script: string, region: string, explicitRegion: boolean }

// Called for every available locale on every request, so remember the answers (bounded,
// since requested tags come from clients)
const likelyCache = new Map<string, LikelySubtags | null>()

function likelySubtags (tag: string): LikelySubtags | null {
  const key = tag.toLowerCase()
  let likely = likelyCache.get(key)
  if (likely === undefined) {
    likely = computeLikelySubtags(tag)
    if (likelyCache.size >= 1000) likelyCache.clear()
    likelyCache.set(key, likely)
  }
  return likely
}

function computeLikelySubtags (tag: string): LikelySubtags | null {
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
}
