// `npm run kb -- <command>`: migrate, seed, import and openapi, on the database of --db or KB_DB.
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { openDatabase } from '../db/connection.ts'
import { migrate } from '../db/migrate.ts'
import { seed } from '../db/seed.ts'
import type { ImportSummary } from '../import/import-paths.ts'
import { importPathsParallel } from '../import/parallel-import.ts'
import { resolveConfig } from '../config.ts'
import { ensureSearchIndex } from '../search/search-index.ts'
import { ApiKeys, parseScopes } from '../auth/api-keys.ts'

function keysCommand (keys: ApiKeys, args: string[], values: { name?: string, scopes?: string }): number {
  const [action, id] = args
  if (action === 'create') {
    if (!values.name) { console.error('keys create needs --name NAME'); return 2 }
    let scopes
    try {
      scopes = parseScopes(values.scopes ?? 'read')
    } catch (err) {
      console.error((err as Error).message)
      return 2
    }
    const { key, token } = keys.create(values.name, scopes)
    console.log(`created key ${key.id} "${key.name}" with scopes ${key.scopes.join(',')}; it is shown only now:`)
    console.log(token)
    return 0
  }
  if (action === 'list') {
    for (const k of keys.list()) console.log(`${k.id}\t${k.name}\t${k.scopes.join(',')}\tcreated ${k.createdAt}${k.revokedAt ? `\trevoked ${k.revokedAt}` : ''}`)
    return 0
  }
  if (action === 'revoke' && id) {
    if (!keys.revoke(id)) { console.error(`no active key "${id}"`); return 1 }
    console.log(`revoked ${id}`)
    return 0
  }
  console.error('usage: kb keys create --name NAME --scopes read,feedback,write | keys list | keys revoke <id>')
  return 2
}

const USAGE = `usage: npm run kb -- <command> [options]

commands:
  migrate                               apply pending migrations
  seed                                  migrate, then import the seed article(s)
  import <file-or-folder>... [--locale TAG]
                                        import articles (recursive, idempotent)
  openapi [--out FILE]                  write the OpenAPI document (default openapi/openapi.json)
  backup <file>                         consistent copy of the database, also while the server runs
  vacuum                                return the database's free pages to the file system
                                        (writers wait while it runs: a quiet moment)
  keys create --name NAME --scopes read,feedback,write
                                        make an API key (printed once, stored hashed)
  keys list                             list keys (never their secrets)
  keys revoke <id>                      revoke a key

options:
  --db FILE          the SQLite file (default: $KB_DB or data/kb.sqlite)
  --docs-base URL    base for relative links (default: $KB_DOCS_BASE or https://learn.microsoft.com)
  -h, --help         this text`

function printSummary (s: ImportSummary): void {
  for (const f of s.failures) console.error(`failed: ${f.path}: ${f.reason}`)
  console.log(`files ${s.files}, parsed ${s.parsed}, articles ${s.articles}, translations ${s.translations}, steps ${s.steps}, links ${s.links}, ` +
    `unchanged ${s.unchanged}, superseded ${s.superseded}, skipped ${s.skipped}, failed ${s.failed}, seconds ${s.seconds.toFixed(2)}`)
}

export async function main (argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      locale: { type: 'string' },
      'docs-base': { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  const [command, ...rest] = positionals
  if (values.help || command === undefined) {
    console.log(USAGE)
    return command === undefined && !values.help ? 2 : 0
  }
  const config = resolveConfig({ dbFile: values.db, docsBase: values['docs-base'] }, env)

  if (command === 'openapi') {
    const { writeOpenApi } = await import('../openapi.ts')
    const file = await writeOpenApi(values.out)
    console.log(`wrote ${file}`)
    return 0
  }

  // backup: before the database is opened here, so a mistyped --db is reported, not created empty.
  if (command === 'backup') {
    const { backupDatabase } = await import('../db/backup.ts')
    if (rest.length !== 1) {
      console.error('backup needs exactly one target file\n\n' + USAGE)
      return 2
    }
    try {
      const b = await backupDatabase(config.dbFile, rest[0]!)
      console.log(`backed up ${config.dbFile} to ${b.file}: ${b.articles} articles, schema version ${b.schemaVersion}, ${(b.bytes / 1048576).toFixed(1)} MB, seconds ${b.seconds.toFixed(2)}`)
      return 0
    } catch (err) {
      console.error(`backup failed: ${(err as Error).message}`)
      return 1
    }
  }
  // end backup

  // vacuum: also before the database is opened here, so a mistyped --db is not created empty.
  if (command === 'vacuum') {
    const { vacuumDatabase } = await import('../db/vacuum.ts')
    try {
      const v = vacuumDatabase(config.dbFile)
      const mib = (bytes: number): string => (bytes / 1048576).toFixed(1)
      console.log(`vacuumed ${config.dbFile}: ${mib(v.bytesBefore)} MB → ${mib(v.bytesAfter)} MB (${v.freePagesBefore} free pages before), seconds ${v.seconds.toFixed(2)}` +
        (v.checkpointed ? '' : '; a reader holds the old pages: the file shrinks at the next checkpoint'))
      return 0
    } catch (err) {
      console.error(`vacuum failed: ${(err as Error).message}`)
      return 1
    }
  }

  const db = openDatabase(config.dbFile)
  try {
    switch (command) {
      case 'migrate': {
        const applied = migrate(db)
        const indexed = ensureSearchIndex(db)
        console.log(applied.length ? `applied ${applied.join(', ')}` : 'up to date')
        if (indexed > 0) console.log(`indexed ${indexed} documents for search`)
        return 0
      }
      case 'seed': {
        migrate(db)
        const summary = seed(db, config.docsBase)
        printSummary(summary)
        return summary.failed > 0 ? 1 : 0
      }
      case 'import': {
        if (rest.length === 0) {
          console.error('import needs at least one file or folder\n\n' + USAGE)
          return 2
        }
        if (values.locale !== undefined) {
          try {
            Intl.getCanonicalLocales(values.locale)
          } catch {
            console.error(`--locale "${values.locale}" is not a valid locale tag`)
            return 2
          }
        }
        migrate(db)
        const bar = process.stdout.isTTY ? new cliProgress.SingleBar({ format: 'importing [{bar}] {value}/{total} files' }, cliProgress.Presets.shades_classic) : null
        let started = false
        // Large imports parse in worker threads; the outcome is the same as a serial run.
        const summary = await importPathsParallel(db, rest, {
          locale: values.locale,
          docsBase: config.docsBase,
          onFile: bar
            ? (done, total) => {
                if (!started) { bar.start(total, 0); started = true }
                bar.update(done)
              }
            : undefined
        })
        bar?.stop()
        printSummary(summary)
        return summary.failed > 0 ? 1 : 0
      }
      case 'keys': {
        migrate(db)
        return keysCommand(new ApiKeys(db), rest, values)
      }
      default:
        console.error(`unknown command "${command}"\n\n${USAGE}`)
        return 2
    }
  } finally {
    db.close()
  }
}

main(process.argv.slice(2), process.env).then((code) => { process.exitCode = code }, (err: Error) => {
  console.error(`error: ${err.message}`)
  process.exitCode = 1
})
