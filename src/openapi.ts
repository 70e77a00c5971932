// The OpenAPI export: builds the app on an empty in-memory database and writes its document.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp } from './app.ts'
import { resolveConfig } from './config.ts'
import { openDatabase } from './db/connection.ts'
import { migrate } from './db/migrate.ts'
import { PACKAGE_ROOT } from './package-root.ts'

export const OPENAPI_FILE = join(PACKAGE_ROOT, 'openapi', 'openapi.json')

/** The document as committed: stable key order, two-space indent, trailing newline. */
export async function generateOpenApi (): Promise<string> {
  const db = openDatabase(':memory:')
  try {
    migrate(db)
    const app = await buildApp({ config: resolveConfig({ dbFile: ':memory:' }), db, prepareDatabase: false })
    try {
      await app.ready()
      return JSON.stringify(app.swagger(), null, 2) + '\n'
    } finally {
      await app.close()
    }
  } finally {
    db.close()
  }
}

export async function writeOpenApi (file: string = OPENAPI_FILE): Promise<string> {
  writeFileSync(file, await generateOpenApi())
  return file
}
