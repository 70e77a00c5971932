// The interactive reference at /docs, in headless Chromium: Swagger UI renders from the
// package's own assets (no CDN) and lists every operation of the OpenAPI document.
import t from 'tap'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import { buildApp } from '../../src/app.ts'
import { resolveConfig } from '../../src/config.ts'
import { openDatabase } from '../../src/db/connection.ts'
import { migrate } from '../../src/db/migrate.ts'
import { generateOpenApi } from '../../src/openapi.ts'

const CHROMIUM = '/usr/bin/chromium'
const HOST = '127.0.0.1'
const SCREENSHOT = join(tmpdir(), 'docs.png')
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run']

/** Swagger UI puts zero-width spaces after each `/` of a path so long paths can wrap. */
const plain = (text: string): string => text.replace(/[\u200b\s]+/g, ' ').trim()

t.test('/docs renders the operations in headless Chromium, with no request off 127.0.0.1', async (t) => {
  if (!existsSync(CHROMIUM)) {
    // Not a skip: CI installs Debian's chromium (.ci/run), and so must anyone running the tests.
    t.fail(`Chromium is missing at ${CHROMIUM}: install it (apt-get install chromium), as .ci/run does`)
    return
  }

  const doc = JSON.parse(await generateOpenApi()) as { paths: Record<string, Record<string, unknown>> }
  const expected = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item).filter((m) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'].includes(m))
      .map((method) => `${method.toUpperCase()} ${path}`))
  t.ok(expected.includes('GET /v1/articles/{id}/steps'), 'the document has the steps operation')

  const db = openDatabase(':memory:')
  migrate(db)
  const app = await buildApp({ config: resolveConfig({ dbFile: ':memory:' }), db, prepareDatabase: false })
  t.teardown(async () => {
    await app.close()
    db.close()
  })
  await app.listen({ host: HOST, port: 0 })
  const { port } = app.server.address() as AddressInfo
  const origin = `http://${HOST}:${port}`

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 })
  t.teardown(() => browser.close())
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const requests: string[] = []
  const failed: string[] = []
  const badStatus: string[] = []
  const pageErrors: string[] = []
  const consoleErrors: string[] = []
  page.on('request', (request) => { requests.push(request.url()) })
  page.on('requestfailed', (request) => { failed.push(`${request.url()} (${request.failure()?.errorText ?? 'failed'})`) })
  page.on('response', (response) => { if (response.status() >= 400) badStatus.push(`${response.status()} ${response.url()}`) })
  page.on('pageerror', (error) => { pageErrors.push(error.message) })
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()) })

  const response = await page.goto(`${origin}/docs`, { waitUntil: 'load' })
  t.ok(response, 'navigated')
  t.ok(response?.ok(), `/docs answers ${response?.status()}`)

  await page.waitForSelector('.swagger-ui .info .title', { timeout: 30_000 })
  await page.waitForSelector('.opblock', { timeout: 30_000 })
  await page.waitForLoadState('networkidle')

  t.match(plain(await page.locator('.swagger-ui .info .title').innerText()), /Troubleshooting knowledge API/, 'shows the API title')
  t.notOk(await page.locator('.swagger-ui .errors-wrapper').isVisible(), 'Swagger UI shows no errors')

  const opblocks = await page.locator('.opblock').evaluateAll((els) => els.map((el) => ({
    text: el.textContent ?? '',
    method: el.querySelector('.opblock-summary-method')?.textContent ?? '',
    path: el.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? ''
  })))
  t.ok(opblocks.some((b) => plain(b.text).includes('/v1/articles/{id}/steps')), 'an .opblock shows /v1/articles/{id}/steps')
  const listed = opblocks.map((b) => `${plain(b.method).toUpperCase()} ${b.path}`)
  t.same(expected.filter((op) => !listed.includes(op)), [], 'lists every operation of the document')
  t.same(listed.filter((op) => !expected.includes(op)), [], 'lists no operation the document does not have')

  await page.screenshot({ path: SCREENSHOT, fullPage: true })
  t.comment(`screenshot: ${SCREENSHOT}`)

  const offHost = requests.filter((url) => {
    const { protocol, hostname, port: p } = new URL(url)
    if (protocol === 'data:' || protocol === 'blob:') return false
    return hostname !== HOST || p !== String(port)
  })
  t.ok(requests.some((url) => url.startsWith(`${origin}/docs/static/`)), 'assets come from /docs/static')
  t.same(offHost, [], 'no request to any host other than 127.0.0.1 (no CDN)')
  t.same(failed, [], 'no failed request')
  t.same(badStatus, [], 'no 4xx/5xx response')
  t.same(pageErrors, [], 'no uncaught page error')
  t.same(consoleErrors, [], 'no console error')
})
