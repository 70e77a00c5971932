// `npm run build`: src/server.ts and what it imports, bundled by esbuild into one ES module,
// dist/server.js, which `npm start` runs. One file instead of ~900 modules resolved, read and
// compiled one by one (and no TypeScript transform at start-up) is what brings the server's
// start-up on a 100k-document database under a second. Packages stay outside the bundle
// where they need their own files at run time: better-sqlite3 (its native addon),
// @fastify/swagger-ui (serves its asset folder), pino (may start worker threads by file).
// The search threads' module is bundled too, next to it: search/search-worker.js.
import { build, type BuildOptions } from 'esbuild'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

export const SERVER_BUNDLE = fileURLToPath(new URL('../dist/server.js', import.meta.url))
const ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url))
/** Started by src/search/search-pool.ts at `./search/search-worker.js` from the bundle. */
const SEARCH_WORKER_ENTRY = fileURLToPath(new URL('../src/search/search-worker.ts', import.meta.url))
const EXTERNAL = ['better-sqlite3', '@fastify/swagger-ui', 'pino']

/** Bundles the server into `outfile` and its search worker beside it (each with a source map). */
export async function buildServer (outfile: string = SERVER_BUNDLE): Promise<void> {
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // Bundled CommonJS packages call require(); an ES module has none of its own
    banner: { js: "import { createRequire as kbCreateRequire } from 'node:module'; const require = kbCreateRequire(import.meta.url);" },
    sourcemap: true,
    logLevel: 'warning'
  }
  await Promise.all([
    build({ ...common, entryPoints: [ENTRY], outfile }),
    build({ ...common, entryPoints: [SEARCH_WORKER_ENTRY], outfile: join(dirname(outfile), 'search', 'search-worker.js') })
  ])
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outfile: { type: 'string' } } })
  await buildServer(values.outfile)
}
