// Runs every shell example of the README's integrator guide against a real server: the bundle
// `npm start` runs (built here by the same function `npm run build` calls, into the test's dir).
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { once } from 'node:events'
import { buildServer } from '../../scripts/build.ts'

const root = join(import.meta.dirname, '..', '..')

/** The ```sh blocks of the guide section, each with the text its `# →` line expects. */
function guideExamples (): Array<{ code: string, expect: string }> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Integrator guide'), readme.indexOf('\n## ', readme.indexOf('## Integrator guide') + 5))
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
  return blocks.flatMap((code) => {
    const expect = /^# → (.+)$/m.exec(code)
    return expect ? [{ code, expect: expect[1]!.trim() }] : []
  })
}

t.test('the integrator guide works as written', async (t) => {
  const dir = t.testdir()
  const db = join(dir, 'kb.sqlite')
  const env = { ...process.env, KB_DB: db, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }

  const made = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/kb.ts', 'keys', 'create', '--name', 'guide', '--scopes', 'read,feedback'], { cwd: root, env, encoding: 'utf8' })
  t.equal(made.status, 0, made.stderr)
  const key = made.stdout.split('\n').find((l) => l.startsWith('kb_'))
  t.ok(key, 'the CLI printed a key')

  const bundle = join(dir, 'server.js')
  await buildServer(bundle)
  const server = spawn(process.execPath, ['--enable-source-maps', bundle], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { server.kill('SIGTERM') })
  let output = ''
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 30_000)
    server.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m) { clearTimeout(timer); resolve(m[1]!) }
    })
    server.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)))
  })

  const examples = guideExamples()
  t.ok(examples.length >= 4, 'the guide has its examples')
  for (const { code, expect } of examples) {
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', code], { env: { ...process.env, KB: base, KEY: key }, encoding: 'utf8', timeout: 30_000 })
    t.equal(run.status, 0, `example exits 0: ${code.split('\n')[0]}\n${run.stderr}`)
    t.ok(run.stdout.includes(expect), `prints ${expect}: got ${run.stdout.slice(0, 300)}`)
  }

  // What the examples do not touch but the bundle must still hold: Swagger UI's own assets, the
  // Markdown → HTML pipeline, search
  for (const [path, type] of [['/docs', 'text/html'], ['/docs/static/swagger-ui-bundle.js', 'javascript'], ['/v1/openapi.json', 'application/json'],
    ['/v1/articles/fixing-office-apps-message-unlicensed-product/steps?locale=ja&format=html', 'application/json'], ['/v1/search?q=0x8004de40', 'application/json']]) {
    const res = await fetch(`${base}${path}`)
    t.equal(res.status, 200, `${path}: 200`)
    t.match(res.headers.get('content-type'), type, `${path}: ${type}`)
    await res.arrayBuffer()
  }

  server.kill('SIGTERM')
  const [code] = await once(server, 'exit')
  t.equal(code, 0, 'the server stops cleanly on SIGTERM')
})
