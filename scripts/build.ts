// `npm run build`: src/server.ts and what it imports, bundled by esbuild into one ES module,
// dist/server.js, which `npm start` runs. One file instead of ~900 modules resolved, read and
// compiled one by one (and no TypeScript transform at start-up) is what brings the server's
// start-up on a 100k-document database under a second. Packages stay outside the bundle
// where they need their own files at run time: better-sqlite3 (its native addon),
// @fastify/swagger-ui (serves its asset folder), pino (may start worker threads by file).
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

export const SERVER_BUNDLE = fileURLToPath(new URL('../dist/server.js', import.meta.url))
const ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url))
const EXTERNAL = ['better-sqlite3', '@fastify/swagger-ui', 'pino']

/** Bundles the server into `outfile` (with a source map next to it). */
export async function buildServer (outfile: string = SERVER_BUNDLE): Promise<void> {
  await build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // Bundled CommonJS packages call require(); an ES module has none of its own
    banner: { js: "import { createRequire as kbCreateRequire } from 'node:module'; const require = kbCreateRequire(import.meta.url);" },
    sourcemap: true,
    logLevel: 'warning'
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outfile: { type: 'string' } } })
  await buildServer(values.outfile)
}
