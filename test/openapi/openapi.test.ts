// The OpenAPI document: the committed file is current, valid OpenAPI 3.1, complete per
// operation, and the same as the one the running app serves at /v1/openapi.json.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { compileErrors, validate } from '@readme/openapi-parser'
import { generateOpenApi, OPENAPI_FILE } from '../../src/openapi.ts'
import { buildApp } from '../../src/app.ts'
import { resolveConfig } from '../../src/config.ts'
import { openDatabase } from '../../src/db/connection.ts'
import { migrate } from '../../src/db/migrate.ts'

const REGENERATE = 'run `npm run kb -- openapi` to regenerate openapi/openapi.json and commit it'
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const
const PROBLEM_JSON = 'application/problem+json'
/**
 * Operations that cannot answer a 4xx of their own: /health (always 200), and /ready (no
 * parameters, outside the /v1 Accept check; it answers 200 or a 503 problem, which it must declare).
 */
const NO_CLIENT_ERRORS = new Set(['GET /health', 'GET /ready'])

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

interface Operation {
  /** "GET /v1/articles/{id}" */
  name: string
  path: string
  op: JsonObject
}

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const nonEmptyString = (value: Json | undefined): boolean => typeof value === 'string' && value.trim() !== ''

function operationsOf (doc: JsonObject): Operation[] {
  const ops: Operation[] = []
  const paths = isObject(doc.paths) ? doc.paths : {}
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue
    for (const method of METHODS) {
      const op = item[method]
      if (isObject(op)) ops.push({ name: `${method.toUpperCase()} ${path}`, path, op })
    }
  }
  return ops
}

/** The target of a local `#/…` JSON pointer, or undefined. */
function resolvePointer (doc: JsonObject, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined
  let node: Json | undefined = doc
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~')
    node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined
  }
  return node
}

/** Whether a node (a parameter, a media type, a schema…) carries `example` or a non-empty `examples`, following local $refs. */
function hasExample (doc: JsonObject, node: Json | undefined, seen = new Set<string>()): boolean {
  if (Array.isArray(node)) return node.some((n) => hasExample(doc, n, seen))
  if (!isObject(node)) return false
  if (node.example !== undefined) return true
  const examples = node.examples
  if ((Array.isArray(examples) && examples.length > 0) || (isObject(examples) && Object.keys(examples).length > 0)) return true
  if (typeof node.$ref === 'string' && !seen.has(node.$ref)) {
    seen.add(node.$ref)
    if (hasExample(doc, resolvePointer(doc, node.$ref), seen)) return true
  }
  return Object.entries(node).some(([key, value]) => key !== '$ref' && hasExample(doc, value, seen))
}

/** Error responses (4xx, 5xx) of an operation: [status, response]. */
function errorResponses (op: JsonObject): Array<[string, JsonObject]> {
  const responses = isObject(op.responses) ? op.responses : {}
  return Object.entries(responses)
    .filter((entry): entry is [string, JsonObject] => /^[45](\d\d|XX)$/.test(entry[0]) && isObject(entry[1]))
}

const problemContent = (response: JsonObject): JsonObject | undefined => {
  const content = isObject(response.content) ? response.content[PROBLEM_JSON] : undefined
  return isObject(content) ? content : undefined
}

/** Where two texts first differ, for a failure message that does not print 50 KB. */
function firstDifference (committed: string, generated: string): string {
  const a = committed.split('\n')
  const b = generated.split('\n')
  const line = a.findIndex((text, i) => text !== b[i])
  const at = line === -1 ? a.length : line
  const show = (text: string | undefined) => text === undefined
    ? 'end of file'
    : JSON.stringify(text.length > 120 ? text.slice(0, 120) + '…' : text)
      .replace(/[\u200b-\u200f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return `first at line ${at + 1}: committed ${show(a[at])}, generated ${show(b[at])}`
}

// Generated once; a failure to generate is one failed assertion, not a crashed file.
const generated = await generateOpenApi().catch((err: unknown) => {
  t.fail(`generateOpenApi() throws: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
  return null
})
if (generated !== null) checkDocument(generated)

function checkDocument (generated: string): void {
  const doc = JSON.parse(generated) as JsonObject
  const operations = operationsOf(doc)

  t.test('the committed openapi/openapi.json equals the generated document byte for byte', async (t) => {
    let committed: Buffer
    try {
      committed = readFileSync(OPENAPI_FILE)
    } catch (err) {
      t.fail(`cannot read ${OPENAPI_FILE} (${(err as Error).message}): ${REGENERATE}`)
      return
    }
    if (committed.equals(Buffer.from(generated, 'utf8'))) {
      t.pass('openapi/openapi.json is up to date')
      return
    }
    t.fail(`openapi/openapi.json differs from the generated document (${firstDifference(committed.toString('utf8'), generated)}): ${REGENERATE}`)
  })

  t.test('it is a valid OpenAPI 3.1 document (@readme/openapi-parser)', async (t) => {
    t.match(doc.openapi, /^3\.1\.\d+$/, 'declares OpenAPI 3.1')
    // validate() dereferences the object it is given in place: hand it a deep copy.
    const result = await validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0])
    t.equal(result.specification, 'OpenAPI')
    t.ok(result.valid, result.valid ? 'valid' : compileErrors(result))
    t.same(result.warnings, [], result.warnings.length > 0 ? compileErrors(result) : 'no warnings')
  })

  t.test('info.version is package.json\'s version', async (t) => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    t.ok(isObject(doc.info), 'has info')
    t.equal(isObject(doc.info) ? doc.info.version : undefined, pkg.version)
  })

  t.test('every operation is documented', async (t) => {
    t.ok(operations.length >= 10, `found ${operations.length} operations`)
    const declaredTags = new Set((Array.isArray(doc.tags) ? doc.tags : []).map((tag) => isObject(tag) ? tag.name : undefined))

    for (const { name, op } of operations) {
      t.test(name, async (t) => {
        t.ok(nonEmptyString(op.summary), 'has a summary')
        t.ok(nonEmptyString(op.description), 'has a description')
        const tags = Array.isArray(op.tags) ? op.tags : []
        t.ok(tags.length > 0, 'has tags')
        for (const tag of tags) t.ok(declaredTags.has(tag), `tag ${JSON.stringify(tag)} is declared in the top-level tags`)

        const errors = errorResponses(op)
        for (const [status, response] of errors) {
          const content = isObject(response.content) ? Object.keys(response.content) : []
          t.same(content, [PROBLEM_JSON], `${status} is sent as ${PROBLEM_JSON} only`)
          t.same(problemContent(response)?.schema, { $ref: '#/components/schemas/Problem' }, `${status} has the Problem schema`)
        }
        const problems = errors.filter(([, response]) => problemContent(response))
        if (name === 'GET /health') return
        if (NO_CLIENT_ERRORS.has(name)) {
          t.ok(problems.length > 0, `declares its error responses as ${PROBLEM_JSON}`)
        } else {
          t.ok(problems.some(([status]) => status.startsWith('4')), `declares a 4xx ${PROBLEM_JSON} response`)
        }
      })
    }
  })

  t.test('every operation has at least one example in its parameters or responses', async (t) => {
    // The shared Problem example says nothing about an operation: only its parameters and its
    // non-problem responses count.
    const lacking = operations.filter(({ op }) => {
      if (hasExample(doc, op.parameters)) return false
      const responses = isObject(op.responses) ? Object.values(op.responses) : []
      return !responses.some((response) => {
        if (!isObject(response)) return false
        const { content, ...rest } = response
        if (hasExample(doc, rest)) return true
        return isObject(content) && Object.entries(content).some(([type, media]) => type !== PROBLEM_JSON && hasExample(doc, media))
      })
    }).map(({ name }) => name)
    t.same(lacking, [], lacking.length > 0 ? `operations without any example: ${lacking.join(', ')}` : 'every operation has an example')
  })

  t.test('GET /v1/openapi.json serves the generated document', async (t) => {
    const db = openDatabase(':memory:')
    migrate(db)
    const app = await buildApp({ config: resolveConfig({ dbFile: ':memory:' }), db, prepareDatabase: false })
    t.teardown(async () => {
      await app.close()
      db.close()
    })
    const res = await app.inject({ method: 'GET', url: '/v1/openapi.json', headers: { accept: 'application/json' } })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/json\b/)
    const served = res.json() as JsonObject
    t.strictSame(served, doc, 'same content')
    t.equal(JSON.stringify(served, null, 2) + '\n', generated, 'same key order')
  })
}
