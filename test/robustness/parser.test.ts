// The parser against hostile files: mutated real side-by-side files, synthetic ones, and the
// classic traps (BOM, CRLF, NUL, huge lines, 5 MB, thousands of nesting levels or brackets).
// Every input gives a model or a ParseError that says what is wrong (with a line where one is
// known), within 5 s, and never any other exception. Invalid UTF-8 fails in the importer with
// its own reason while the other files import.
import t, { type Test } from 'tap'
import fc from 'fast-check'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArticle, ParseError, PARSE_LIMITS, type ParseResult } from '../../src/ingest/parse-article.ts'
import { importPaths } from '../../src/import/import-paths.ts'
import { corpusDir, markdownFiles } from '../helpers/corpus.ts'
import { freshDb } from '../helpers/db.ts'
import { FC_SEED, fcParams, mutate, mutation, since, Slowest, syntheticArticle } from '../helpers/hostile.ts'

const MAX_MS = 5_000
const FOLDER = 'ja-JP'
const files = markdownFiles(FOLDER)
const texts = files.map((f) => readFileSync(join(corpusDir, FOLDER, f), 'utf8'))
const slowest = new Slowest()

interface Outcome {
  result?: ParseResult
  error?: unknown
  ms: number
}

function parse (text: string, path = `${FOLDER}/fuzzed.md`): Outcome {
  const start = performance.now()
  try {
    const result = parseArticle(text, { path })
    return { result, ms: since(start) }
  } catch (error) {
    return { error, ms: since(start) }
  } finally {
    slowest.record(since(start), `${path}, ${text.length} chars`)
  }
}

const linesOf = (text: string): number => text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n').length

/** Why an outcome breaks the contract, or null. */
function breach (text: string, outcome: Outcome): string | null {
  if (outcome.ms > MAX_MS) return `the parse took ${outcome.ms} ms (limit ${MAX_MS})`
  if (outcome.error !== undefined) {
    const e = outcome.error
    if (!(e instanceof ParseError)) return `threw ${e instanceof Error ? e.stack?.split('\n').slice(0, 4).join(' | ') : String(e)}`
    if (typeof e.message !== 'string' || e.message.length === 0 || e.message.length > 500) return `ParseError with an unclear message: ${JSON.stringify(e.message)}`
    if (e.line !== null && !(Number.isInteger(e.line) && e.line >= 1 && e.line <= linesOf(text))) return `ParseError line ${e.line} outside 1..${linesOf(text)}: ${e.message}`
    return null
  }
  const result = outcome.result!
  if (result.kind === 'skipped') return result.reason ? null : 'skipped without a reason'
  const a = result.article
  if (!a.id || a.translations.length === 0) return `a model without id or translations: ${a.id}`
  try {
    JSON.stringify(a)
  } catch (err) {
    return `the model does not serialize: ${(err as Error).message}`
  }
  return null
}

function assertOk (t: Test, label: string, text: string): Outcome {
  const outcome = parse(text)
  const why = breach(text, outcome)
  t.equal(why, null, `${label}: a model or a clear ParseError in ${outcome.ms} ms`)
  return outcome
}

/** A ParseError whose message matches and whose line is `line` (null: none known). */
function assertRefused (t: Test, label: string, text: string, message: RegExp, line?: number | null): void {
  const outcome = assertOk(t, label, text)
  const e = outcome.error
  if (!(e instanceof ParseError)) {
    t.fail(`${label}: refused with a ParseError`, { got: outcome.result?.kind })
    return
  }
  t.match(e.message, message, `${label}: says why (${e.message})`)
  if (line !== undefined) t.equal(e.line, line, `${label}: points at line ${line}`)
}

t.comment(`fast-check seed ${FC_SEED} (set FC_SEED to replay another)`)

t.test('mutated corpus files: a model or a ParseError, within 5 s each', async (t) => {
  const failures: string[] = []
  fc.assert(fc.property(fc.nat(files.length - 1), fc.array(mutation, { minLength: 1, maxLength: 5 }), (index, mutations) => {
    const text = mutations.reduce(mutate, texts[index]!)
    const why = breach(text, parse(text, `${FOLDER}/${files[index]}`))
    if (why !== null) failures.push(`${files[index]} ${JSON.stringify(mutations).slice(0, 300)}: ${why}`)
    return why === null
  }), fcParams(80))
  t.same(failures, [], `every mutated file parsed or refused cleanly (seed ${FC_SEED})`)
})

t.test('synthetic side-by-side files built from span, Markdown and odd-character fragments', async (t) => {
  const failures: string[] = []
  fc.assert(fc.property(syntheticArticle, (text) => {
    const why = breach(text, parse(text))
    if (why !== null) failures.push(`${JSON.stringify(text).slice(0, 300)}: ${why}`)
    return why === null
  }), fcParams(300))
  t.same(failures, [], `every synthetic file parsed or refused cleanly (seed ${FC_SEED})`)
})

t.test('BOM, CRLF and CR give the model of the LF file', async (t) => {
  for (const i of [0, 7, 19, 31, 45, 60].filter((n) => n < files.length)) {
    const plain = parse(texts[i]!, `${FOLDER}/${files[i]}`)
    for (const [how, text] of [['BOM + CRLF', '\ufeff' + texts[i]!.replace(/\n/g, '\r\n')], ['CR', texts[i]!.replace(/\n/g, '\r')]] as const) {
      const variant = parse(text, `${FOLDER}/${files[i]}`)
      t.equal(breach(text, variant), null, `${files[i]} with ${how}: parsed cleanly`)
      t.same(variant.result, plain.result, `${files[i]} with ${how}: the same model`)
    }
  }
})

t.test('NUL bytes, random bytes and broken front matter', async (t) => {
  const seed = texts[files.indexOf('fixing-office-apps-message-unlicensed-product.md')]!
  const lines = seed.split('\n')
  assertRefused(t, 'a NUL byte on line 30', [...lines.slice(0, 29), 'a\u0000b', ...lines.slice(29)].join('\n'), /NUL/, 30)
  assertOk(t, 'the UTF-8 replacement character throughout', seed.replace(/。/g, '\ufffd'))
  assertOk(t, 'lone surrogates and controls', seed.replace(/、/g, '\ud800\u0007\udfff'))
  assertOk(t, 'bytes decoded as Latin-1', Buffer.from(seed, 'utf8').toString('latin1'))
  assertRefused(t, 'front matter never closed', seed.replace(/\n---\n/, '\n'), /never closed/, 1)
  assertRefused(t, 'a front matter line that is no entry', seed.replace(/\n/, '\nnot an entry\n'), /not a "key: value" entry/, 2)
  assertRefused(t, '5,000 [ in the front matter', seed.replace(/\n/, `\nms.custom: ${'['.repeat(5000)}\n`), /nests collections/, 2)
  assertRefused(t, '5,000 "- " on one front matter line', seed.replace(/\n/, `\nms.custom:\n${'- '.repeat(5000)}x\n`), /nests collections/, 3)
  assertRefused(t, '100 KB of front matter', seed.replace(/\n/, `\n${'k: v\n'.repeat(20_000)}`), /front matter is longer/, 2)
  assertRefused(t, 'an invalid locale', seed.replace(/ms\.contentlocale:.*/, 'ms.contentlocale: ja_JP!!'), /not a valid locale/)
})

t.test('huge lines and files', async (t) => {
  const seed = texts[files.indexOf('fixing-office-apps-message-unlicensed-product.md')]!
  const at = seed.indexOf('\n', seed.indexOf('\n# ') + 1)
  const line = (bytes: number, unit: string) => seed.slice(0, at) + '\n\n' + unit.repeat(Math.floor(bytes / Buffer.byteLength(unit))) + '\n' + seed.slice(at)
  const longest = PARSE_LIMITS.bytes - Buffer.byteLength(seed) - 100
  const letters = assertOk(t, `a ${Math.round(longest / 1024)} KiB line of one letter`, line(longest, 'x'))
  t.equal(letters.result?.kind, 'article', 'the longest line the limit allows still gives a model')
  // Half as long: many words cost more per byte, and the machine may be busy
  assertOk(t, `a ${Math.round(longest / 2048)} KiB line of words`, line(longest / 2, 'word '))
  assertOk(t, `a ${Math.round(longest / 2048)} KiB line of Japanese`, line(longest / 2, 'ライセ'))
  assertRefused(t, 'a 1 MB line', line(1_000_000, 'x'), /the file is \d+ bytes; an article may have/, null)
  assertRefused(t, 'a 1 MB line of side-by-side spans', line(1_000_000, '<span data-ttu-id="x-1">a</span><span class="sxs-lookup"><span data-stu-id="x-1">b</span></span>'), /an article may have/)
  let fiveMb = seed
  while (fiveMb.length < 5_000_000) fiveMb += '\n' + seed.slice(seed.indexOf('\n# '))
  assertRefused(t, 'a 5 MB file', fiveMb, /the file is \d+ bytes/)
})

t.test('deep nesting and delimiter piles give a ParseError on their line', async (t) => {
  const head = '---\ntitle: T\nms.contentlocale: en-US\n---\n# T\n\n'
  const first = 7 // the line after `head`
  const staircase = (n: number, step: (i: number) => string) => head + Array.from({ length: n }, (_, i) => step(i) + 'x').join('\n') + '\n'
  assertRefused(t, '2,000 levels of > on one line', head + '>'.repeat(2000) + ' x\n', /nest more than/, first)
  assertRefused(t, '300 lines of ever deeper >', staircase(300, (i) => '>'.repeat(i + 1) + ' '), /nest more than/, first + PARSE_LIMITS.nesting)
  assertRefused(t, '300 levels of nested lists', staircase(300, (i) => '  '.repeat(i) + '- '), /nest more than/, first + PARSE_LIMITS.nesting)
  assertRefused(t, '2,000 ordered lists on one line', head + '1. '.repeat(2000) + 'x\n', /nest more than/, first)
  assertRefused(t, 'block quotes in lists in block quotes, 1,000 deep', head + '> - '.repeat(1000) + 'x\n', /nest more than/, first)
  assertRefused(t, '10,000 [', head + '['.repeat(10_000) + '\n', /too many "\["/, first)
  assertRefused(t, '10,000 *', head + '*'.repeat(10_000) + '\n', /too many/, first)
  assertRefused(t, '5,000 nested links', head + '[a '.repeat(5000) + '](x)'.repeat(5000) + '\n', /too many/, first)
  assertRefused(t, '2,000 nested emphases', head + '*a '.repeat(2000) + ' b*'.repeat(2000) + '\n', /too many|nest more than/)
  assertRefused(t, '100 nested emphases', head + '*a '.repeat(100) + ' b*'.repeat(100) + '\n', /nest more than/, first)
  assertRefused(t, '20,000 block quotes', head + '> a\n\n'.repeat(20_000), /too many lists, list items and block quotes/)
  assertRefused(t, '20,000 list items', head + '- a\n'.repeat(20_000), /too many lists, list items and block quotes/)
  assertRefused(t, '20,000 setext headings', head + 'a\n---\n'.repeat(20_000), /too many lists|more than .* paragraphs/)
  assertRefused(t, '40,000 table cells', head + '|a|b|\n|-|-|\n' + '|a|b|\n'.repeat(20_000), /table cells/)
  // Nesting that only the localized side shows: the file's own lines start with a span.
  assertRefused(t, '5,000 > inside a span', head + '<span data-ttu-id="n-1">' + '> '.repeat(5000) + 'x</span><span class="sxs-lookup"><span data-stu-id="n-1">y</span></span>\n', /nest more than .*one side/, null)
})

t.test('invalid UTF-8 fails in the importer with its reason; the other files import', async (t) => {
  const { db, dir } = freshDb(t)
  const folder = join(dir, 'import', 'ja-JP')
  mkdirSync(folder, { recursive: true })
  const good = files.indexOf('fixing-office-apps-message-unlicensed-product.md')
  const bytes = readFileSync(join(corpusDir, FOLDER, files[good]!))
  const spliced = (insert: number[]) => Buffer.concat([bytes.subarray(0, 200), Buffer.from(insert), bytes.subarray(200)])
  writeFileSync(join(folder, files[good]!), bytes)
  writeFileSync(join(folder, 'broken-sequence.md'), spliced([0xc3, 0x28]))
  writeFileSync(join(folder, 'overlong-nul.md'), spliced([0xc0, 0x80]))
  writeFileSync(join(folder, 'lone-surrogate.md'), spliced([0xed, 0xa0, 0x80]))
  writeFileSync(join(folder, 'latin1.md'), Buffer.from(bytes.toString('utf8').replace(/^/, 'caf\u00e9 '), 'latin1'))
  writeFileSync(join(folder, 'truncated-sequence.md'), Buffer.concat([bytes, Buffer.from([0xe3, 0x81])]))
  writeFileSync(join(folder, 'utf16.md'), Buffer.from('\ufeff' + bytes.toString('utf8'), 'utf16le'))
  writeFileSync(join(folder, 'nul.md'), Buffer.concat([bytes, Buffer.from('\nx\u0000y\n')]))
  writeFileSync(join(folder, 'deep.md'), Buffer.concat([bytes, Buffer.from('\n' + '>'.repeat(5000) + '\n')]))
  const start = performance.now()
  const summary = importPaths(db, [join(dir, 'import')])
  slowest.record(since(start), 'importPaths of 9 files')
  t.equal(summary.files, 9, 'every file was looked at')
  t.equal(summary.articles, 1, 'the good file imported')
  t.ok(db.prepare('SELECT 1 FROM articles WHERE id = ?').get('fixing-office-apps-message-unlicensed-product'), 'and is in the database')
  const failure = (name: string) => summary.failures.find((f) => f.path.endsWith(`/${name}`) || f.path.includes(`/${name}:`))
  for (const name of ['broken-sequence.md', 'overlong-nul.md', 'lone-surrogate.md', 'latin1.md', 'truncated-sequence.md', 'utf16.md']) {
    t.match(failure(name), { path: join(folder, name), reason: /not valid UTF-8/ }, `${name}: fails as not valid UTF-8, with its path`)
  }
  t.match(failure('nul.md'), { path: new RegExp(`nul\\.md:${bytes.toString('utf8').split('\n').length + 1}$`), reason: /NUL/ }, 'a NUL byte fails with the file and line')
  t.match(failure('deep.md'), { path: /deep\.md:\d+$/, reason: /nest more than/ }, '5,000 levels fail with the file and line')
  t.equal(summary.failed, 8, 'eight files failed, each on its own')
})

t.teardown(() => {
  // tap prints comments of the root test at its end
  console.log(`# slowest parse: ${slowest}`)
})
