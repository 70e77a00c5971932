// Runs every shell example of the README's integrator guide against a real server.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { once } from 'node:events'

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

  const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
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

  server.kill('SIGTERM')
  const [code] = await once(server, 'exit')
  t.equal(code, 0, 'the server stops cleanly on SIGTERM')
})
