// The parser's limits (PARSE_LIMITS) bound its time: each input family that makes micromark or
// the Markdown serializer superlinear — many block quotes or list items, deep staircases, nested
// links and emphasis, wide tables, inline HTML, images, setext headings — is grown by doubling
// until the parser refuses it. Every parse on the way, the largest accepted one included, takes
// under 5 s (about a second of CPU when the machine is idle), and the refusal is a ParseError.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parseArticle, ParseError, PARSE_LIMITS } from '../../src/ingest/parse-article.ts'
import { seedFile } from '../helpers/corpus.ts'
import { since, Slowest } from '../helpers/hostile.ts'

const MAX_MS = 5_000
const HEAD = '---\ntitle: T\nms.contentlocale: en-US\n---\n# T\n\n'
const seed = readFileSync(seedFile, 'utf8')
const seedBody = seed.slice(seed.indexOf('\n# '))
const slowest = new Slowest()

/** Units repeated to grow a file; each family stresses one cost of the parse. */
const FAMILIES: Record<string, string> = {
  'block quotes': '> a\n\n',
  'list items': '- a\n',
  paragraphs: 'a\n\n',
  'list staircases': Array.from({ length: PARSE_LIMITS.nesting }, (_, i) => '  '.repeat(i) + '- x').join('\n') + '\n\n',
  'block quote staircases': Array.from({ length: PARSE_LIMITS.nesting }, (_, i) => '>'.repeat(i + 1) + ' x').join('\n') + '\n\n',
  'nested links': '[a '.repeat(100) + '](x)'.repeat(100) + '\n\n',
  'nested emphasis': '*a '.repeat(20) + ' b*'.repeat(20) + '\n\n',
  'wide tables': '|a'.repeat(50) + '|\n' + '|-'.repeat(50) + '|\n' + ('|a'.repeat(50) + '|\n').repeat(10) + '\n',
  'inline HTML': '<b>'.repeat(500) + '\n\n',
  images: '![a](b.png)\n\n',
  'setext headings': 'a\n---\n',
  'code fences': '```\na\n```\n',
  'the seed article': '\n' + seedBody
}

for (const [family, unit] of Object.entries(FAMILIES)) {
  t.test(`${family}: bounded until refused`, async (t) => {
    let largest = { bytes: 0, ms: 0 }
    for (let reps = 1; ; reps *= 2) {
      const text = HEAD + unit.repeat(reps)
      const start = performance.now()
      let error: unknown = null
      try {
        parseArticle(text, { path: 'en-US/limits.md' })
      } catch (err) {
        error = err
      }
      const ms = since(start)
      slowest.record(ms, `${family} × ${reps}, ${Buffer.byteLength(text)} bytes`)
      if (ms > MAX_MS) t.fail(`${family} × ${reps} (${Buffer.byteLength(text)} bytes) took ${ms} ms`)
      if (error !== null) {
        t.ok(error instanceof ParseError, `${family} × ${reps} (${Buffer.byteLength(text)} bytes): refused with a ParseError`, { error: String(error) })
        break
      }
      largest = { bytes: Buffer.byteLength(text), ms }
      if (reps > 1_000_000) {
        t.fail(`${family}: never refused`)
        break
      }
    }
    t.ok(largest.bytes > 0, `${family}: the largest accepted was ${largest.bytes} bytes, parsed in ${largest.ms} ms (limit ${MAX_MS})`)
  })
}

t.teardown(() => {
  console.log(`# slowest parse: ${slowest}`)
})
