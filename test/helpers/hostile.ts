// Hostile input for the robustness tests (test/robustness): mutations of real corpus files,
// values that have broken parsers and HTTP APIs elsewhere, a clock on every call, and the
// check that an answer is a 2xx or a well-formed 4xx problem. fast-check runs with a fixed
// seed (FC_SEED overrides it), printed by every property, so a failure replays exactly.
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'

export const FC_SEED = Number(process.env.FC_SEED ?? 20261125)

/** fast-check parameters: the fixed seed and a bounded number of runs. */
export function fcParams (numRuns: number): { seed: number, numRuns: number, endOnFailure: true } {
  return { seed: FC_SEED, numRuns, endOnFailure: true }
}

/** Milliseconds since `start` (performance.now()), rounded. */
export const since = (start: number): number => Math.round(performance.now() - start)

/** The slowest call of a test file, for its summary line. */
export class Slowest {
  ms = 0
  label = ''
  record (ms: number, label: string): void {
    if (ms > this.ms) {
      this.ms = ms
      this.label = label
    }
  }

  toString (): string {
    return `${this.ms} ms (${this.label})`
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations of side-by-side files

/** What fast-check draws: positions are fractions of the text's current length. */
export type Mutation =
  | { op: 'delete' | 'duplicate' | 'truncate', at: number, length: number }
  | { op: 'swap', at: number, other: number, length: number }
  | { op: 'dropTag' | 'repeatTag', which: number }
  | { op: 'insert', at: number, text: string, lineStart: boolean }
  | { op: 'wrap', at: number, length: number, depth: number, unbalanced: boolean }
  | { op: 'frontMatter', how: number }
  | { op: 'lineEnds', how: 'crlf' | 'cr' | 'mixed' }
  | { op: 'bom', twice: boolean }
  | { op: 'indent', from: number, lines: number, spaces: number }

const TAGS = /<\/?span\b[^>]*>/g

/** Span tags and near-tags that the side-by-side lexer must survive anywhere. */
export const SPAN_FRAGMENTS = [
  '<span data-ttu-id="fz-101">', '</span>', '<span class="sxs-lookup">', '<span data-stu-id="fz-101">',
  '<span data-ttu-id="fz-102">x</span><span class="sxs-lookup"><span data-stu-id="fz-102">y</span></span>',
  '<span data-ttu-id=', '<span', '<span data-ttu-id="', "<span data-ttu-id='q' data-ttu-id=\"r\">", '<span\n data-ttu-id="fz-103"\n>',
  '<span class="sxs-lookup"><span data-stu-id="fz-104">', '</span></span></span>', '<SPAN DATA-TTU-ID="fz-105">', '<span/>', '< span>'
]

/** Markdown and YAML that change a document's structure where they land. */
export const MARKDOWN_FRAGMENTS = [
  '\n---\n', '\n> [!NOTE]\n> ', '\n1. ', '\n- ', '\n    ', '\n```\n', '\n~~~', '\n# ', '\n|a|b|\n|-|-|\n|', '[', ']', '](', '![', '**', '*', '_',
  '~~', '`', '<br>', '<img src="x">', '<!--', '-->', '\\', '&amp;', '&#0;', '&#x110000;', '[^1]', '[x]: ', '<a name="x"></a>', ' \n', '\t',
  'ms.custom: [', 'ms.contentlocale: ', 'title: "', ': : :', '&x *x !!binary'
]

/** Characters that stand for bytes or encodings gone wrong. */
export const ODD_CHARACTERS = [
  '\u0000', '\u0001', '\u0007', '\u001b', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ufffd', '\ufffe', '\uffff',
  '\ud800', '\udfff', '\udbff\udfff', '\u200b', '\u200d', '\u200e', '\u200f', '\u202e', '\u2066', '\u0301', '\u3000', '\ufb01', 'Ⅻ', '😀', '👩‍👩‍👧'
]

const fraction = fc.double({ min: 0, max: 1, noNaN: true })
const splice = (text: string, at: number, remove: number, insert = ''): string => text.slice(0, at) + insert + text.slice(at + remove)
const position = (text: string, f: number): number => Math.min(text.length, Math.floor(f * text.length))

/** Random bytes as a decoder that does not fail would make them: latin1 or UTF-8 with U+FFFD. */
const byteText = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.boolean())
  .map(([bytes, latin1]) => Buffer.from(bytes).toString(latin1 ? 'latin1' : 'utf8'))

/** A run of one Markdown-significant character or construct, up to thousands long. */
const run = fc.tuple(
  fc.constantFrom('[', ']', '*', '_', '~', '`', '<', '>', '|', '-', '#', '!', '(', '\\', '&', ' ', '\n', '> ', '- ', '1. ', '*a ', '[a ', '](x)', '> a\n\n', '- a\n', 'a\n---\n', '|a', '<b>', '![a](b)\n\n'),
  // fast-check favours small numbers: half the runs are long ones
  fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 500, max: 3000 }))
).map(([c, n]) => c.repeat(n))

/** Something to splice into a file. */
export const insertion: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: run, weight: 3 },
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...ODD_CHARACTERS), maxLength: 20 }),
  fc.constantFrom(...SPAN_FRAGMENTS),
  fc.constantFrom(...MARKDOWN_FRAGMENTS),
  byteText
)

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('delete' as const, 'duplicate' as const, 'truncate' as const), at: fraction, length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ op: fc.constant('swap' as const), at: fraction, other: fraction, length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ op: fc.constantFrom('dropTag' as const, 'repeatTag' as const), which: fraction }),
  fc.record({ op: fc.constant('insert' as const), at: fraction, text: insertion, lineStart: fc.boolean() }),
  fc.record({ op: fc.constant('wrap' as const), at: fraction, length: fc.integer({ min: 0, max: 300 }), depth: fc.integer({ min: 1, max: 40 }), unbalanced: fc.boolean() }),
  fc.record({ op: fc.constant('frontMatter' as const), how: fc.nat(9) }),
  fc.record({ op: fc.constant('lineEnds' as const), how: fc.constantFrom('crlf' as const, 'cr' as const, 'mixed' as const) }),
  fc.record({ op: fc.constant('bom' as const), twice: fc.boolean() }),
  fc.record({ op: fc.constant('indent' as const), from: fraction, lines: fc.integer({ min: 1, max: 40 }), spaces: fc.integer({ min: 1, max: 40 }) })
)

/** Breaks the front matter one way or another (`how` picks the way). */
function breakFrontMatter (text: string, how: number): string {
  const close = text.indexOf('\n---', 3)
  switch (how) {
    case 0: return close === -1 ? text : splice(text, close + 1, 3, '')                  // never closed
    case 1: return text.replace(/^---/, '')                                                // never opened
    case 2: return text.replace(/\n/, '\nthis line is no key value\n')                     // not a mapping entry
    case 3: return text.replace(/ms\.contentlocale:.*/, 'ms.contentlocale: ja_JP!!')       // not a locale tag
    case 4: return text.replace(/ms\.contentlocale:.*/, 'ms.contentlocale: [ja-JP, {x: ')  // unbalanced flow
    case 5: return text.replace(/\n/, '\ntitle: "unterminated\n\tms.custom: - - -\n')      // tabs and quotes
    case 6: return text.replace(/\n/, '\nanchor: &a [1]\nalias: *a\nunknown: *b\n')         // aliases, one undefined
    case 7: return '---\n---\n' + text                                                     // empty front matter first
    case 8: return text.replace(/ms\.openlocfilehash:.*/, 'ms.openlocfilehash: !!binary 0xZZ')
    default: return text.replace(/^---\n/, '---\n' + 'k: v\n'.repeat(400))                // many keys
  }
}

export function mutate (text: string, m: Mutation): string {
  switch (m.op) {
    case 'delete': return splice(text, position(text, m.at), m.length)
    case 'duplicate': {
      const at = position(text, m.at)
      return splice(text, at, 0, text.slice(at, at + m.length))
    }
    case 'truncate': return text.slice(0, position(text, m.at))
    case 'swap': {
      let a = position(text, m.at)
      let b = position(text, m.other)
      if (a > b) [a, b] = [b, a]
      const length = Math.min(m.length, b - a)
      if (length <= 0) return text
      const first = text.slice(a, a + length)
      const second = text.slice(b, b + length)
      return text.slice(0, a) + second + text.slice(a + length, b) + first + text.slice(b + second.length)
    }
    case 'dropTag':
    case 'repeatTag': {
      const tags = [...text.matchAll(TAGS)]
      if (tags.length === 0) return text
      const tag = tags[Math.min(tags.length - 1, Math.floor(m.which * tags.length))]!
      return m.op === 'dropTag' ? splice(text, tag.index, tag[0].length) : splice(text, tag.index, 0, tag[0])
    }
    case 'insert': {
      const at = position(text, m.at)
      // At the start of the line `at` falls in: where block syntax (`>`, `- `, `1. `) takes effect
      return splice(text, m.lineStart ? text.lastIndexOf('\n', at - 1) + 1 : at, 0, m.text)
    }
    case 'wrap': {
      const at = position(text, m.at)
      const open = Array.from({ length: m.depth }, (_, i) => `<span data-ttu-id="fz-w${i}">`).join('')
      const close = m.unbalanced ? '' : '</span>'.repeat(m.depth)
      return text.slice(0, at) + open + text.slice(at, at + m.length) + close + text.slice(at + m.length)
    }
    case 'frontMatter': return breakFrontMatter(text, m.how)
    case 'lineEnds':
      if (m.how === 'crlf') return text.replace(/\n/g, '\r\n')
      if (m.how === 'cr') return text.replace(/\n/g, '\r')
      return text.replace(/\n/g, (_, i: number) => (i % 3 === 0 ? '\r\n' : i % 3 === 1 ? '\r' : '\n'))
    case 'bom': return (m.twice ? '\ufeff\ufeff' : '\ufeff') + text
    case 'indent': {
      const lines = text.split('\n')
      const from = Math.floor(m.from * lines.length)
      for (let i = from; i < Math.min(lines.length, from + m.lines); i++) lines[i] = ' '.repeat(m.spaces) + lines[i]
      return lines.join('\n')
    }
  }
}

/** One piece of a synthetic side-by-side file. */
export const fragment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), fc.nat(999)).map(([local, english, n]) => `<span data-ttu-id="fz-${n}">${local}</span><span class="sxs-lookup"><span data-stu-id="fz-${n}">${english}</span></span>`) },
  { weight: 3, arbitrary: fc.constantFrom(...SPAN_FRAGMENTS) },
  { weight: 3, arbitrary: fc.constantFrom(...MARKDOWN_FRAGMENTS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom(...ODD_CHARACTERS) },
  { weight: 1, arbitrary: run }
)

/** A file built from fragments, with or without a front matter block. */
export const syntheticArticle: fc.Arbitrary<string> = fc.tuple(fc.boolean(), fc.constantFrom('ja-JP', 'de-DE', 'en-US', 'xx', ''), fc.array(fragment, { maxLength: 60 }))
  .map(([frontMatter, locale, parts]) => (frontMatter ? `---\ntitle: T\nms.contentlocale: ${locale}\nms.custom:\n- "1"\n---\n` : '') + '# ' + parts.join(''))

// ---------------------------------------------------------------------------------------------
// HTTP

/** Values for every parameter, query value and header: injections, traversal, encodings, Unicode, size. */
export const HOSTILE_VALUES: string[] = [
  "' OR 1=1 --", '"; DROP TABLE articles; --', "'; SELECT * FROM api_keys; --", 'NEAR(', 'NEAR(a b, -1)', '*', '"', '""', '"unbalanced', '(', ')', '^', ':', '-x',
  'a AND', 'OR', 'NOT NOT', 'col:term', '{a b}', '\\', '%', '%%', '%zz', '%C0%80', '%ED%A0%80', '%00', '%0A%0D', '%FF%FE', '%2e%2e%2f', '..%2f..%2fetc%2fpasswd',
  '../../etc/passwd', '..\\..\\windows\\win.ini', '/etc/passwd', 'file:///etc/passwd', 'http://169.254.169.254/', '<script>alert(1)</script>', '$' + '{jndi:ldap://x}', '{{7*7}}',
  '\u200f\u202eRTL', 'zero\u200bwidth\u200d', '😀👩‍👩‍👧', 'ﬁ Ⅻ ㍿ ｱ', 'Ａ１', 'ライセンスのない製品', '0xc004b100', '\u0000', '\u0001\u001f', '\ufeff', '\ud800', '\udfff',
  'x'.repeat(10_000), '*'.repeat(10_000), '"'.repeat(10_000), 'NEAR('.repeat(2_000), '%'.repeat(3_000), 'é'.repeat(5_000), '-1', '0', '1e309', 'NaN', '99999999999999999999', 'true', 'null', '[]', '{}'
]

/** A value as it may travel in a URL: encoded, or raw where it stays a valid request target. */
export function urlForms (value: string): string[] {
  // encodeURIComponent refuses a lone surrogate: send the bytes a careless client would (`%ED%A0%80`).
  const forms = [value.split(/([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/).map((part, i) => (i % 2 === 1 ? surrogateBytes(part) : encodeURIComponent(part))).join('')]
  // Values written as percent escapes (`%zz`, `%ED%A0%80`) go as they are: that is the point of them.
  if (/^[\x21-\x7e]*$/.test(value) && !value.includes('#')) forms.push(value)
  return forms
}

function surrogateBytes (c: string): string {
  const u = c.charCodeAt(0)
  return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
}

/** Header values must be Latin-1 without CR/LF/NUL to be sent at all. */
export function headerForm (value: string): string | null {
  const latin1 = Buffer.from(value, 'utf8').toString('latin1')
  return /[\r\n\0]/.test(latin1) ? null : latin1
}

/** FTS operators and quoting mixed into generated text. */
export const FTS_PIECES = ['"', '*', '(', ')', 'NEAR(', 'NEAR/', 'AND', 'OR', 'NOT', '^', ':', '-', '+', '{', '}', ',', "'", ';', '--', '/*', '%', '_', '\\', '\u0000', ' ']

/** Query-string values for fast-check: ASCII, any code point, and FTS syntax mixed. */
export const queryValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.oneof(fc.constantFrom(...FTS_PIECES), fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 3 })), { maxLength: 30 }).map((parts) => parts.join('')),
  fc.constantFrom(...HOSTILE_VALUES)
)

/** Header values for fast-check (Latin-1 printable, as HTTP allows). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 200 }),
  fc.array(fc.tuple(fc.constantFrom('ja', 'de-DE', 'x', '*', 'zh-Hant-TW', 'en_US', '', 'q=1', ';;', '-'), fc.option(fc.double({ min: -1, max: 2 }))), { maxLength: 40 })
    .map((entries) => entries.map(([tag, q]) => (q === null ? tag : `${tag};q=${q}`)).join(', '))
)

/** A 1,000-entry Accept-Language, every tag distinct. */
export const HUGE_ACCEPT_LANGUAGE = Array.from({ length: 1000 }, (_, i) => `x${i.toString(36)}-${['JP', 'DE', 'US'][i % 3]};q=0.${(i % 9) + 1}`).join(', ')

const PROBLEM_MEMBERS = ['type', 'title', 'status', 'detail', 'instance', 'code'] as const

/**
 * Why an answer breaks the contract (a 5xx, or a 4xx that is not a complete problem+json), or
 * null when it is a 2xx/304 or such a 4xx.
 */
export function contractBreach (res: LightMyRequestResponse, method: string): string | null {
  const status = res.statusCode
  if (status >= 500) return `status ${status}: ${res.body.slice(0, 300)}`
  if (status < 400) return status < 200 || (status >= 300 && status !== 304) ? `unexpected status ${status}` : null
  const type = String(res.headers['content-type'] ?? '')
  if (!/^application\/problem\+json(;|$)/.test(type)) return `status ${status} as "${type}", not application/problem+json: ${res.body.slice(0, 200)}`
  if (method === 'HEAD') return res.body === '' ? null : `HEAD answered a body: ${res.body.slice(0, 100)}`
  let body: Record<string, unknown>
  try {
    body = res.json()
  } catch {
    return `status ${status}: the body is not JSON: ${res.body.slice(0, 200)}`
  }
  const missing = PROBLEM_MEMBERS.filter((m) => body[m] === undefined || body[m] === '')
  if (missing.length > 0) return `status ${status}: the problem lacks ${missing.join(', ')}: ${res.body.slice(0, 200)}`
  if (body.status !== status) return `status ${status} but body.status ${String(body.status)}`
  if (!/^KB_[A-Z_]+$/.test(String(body.code))) return `status ${status}: code "${String(body.code)}" is not a stable KB_ code`
  return null
}

/** app.inject that fails instead of hanging: rejects when no answer comes within `ms`. */
export async function injectWithin (app: FastifyInstance, options: InjectOptions, ms = 10_000): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([app.inject(options), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** A short label for a request, for failure lists. */
export function describe (options: InjectOptions): string {
  const url = String(options.url ?? '')
  return `${options.method ?? 'GET'} ${url.length > 120 ? `${url.slice(0, 120)}… (${url.length} chars)` : url}`
}
