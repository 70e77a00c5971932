// API keys: created, listed, revoked and verified. Stored as a hash; compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Database } from 'better-sqlite3'

export const SCOPES = ['read', 'feedback', 'write'] as const
export type Scope = typeof SCOPES[number]

export interface ApiKey {
  id: string
  name: string
  scopes: Scope[]
  createdAt: string
  revokedAt: string | null
}

interface KeyRow {
  id: string
  name: string
  secret_hash: string
  scopes: string
  created_at: string
  revoked_at: string | null
}

const hash = (secret: string): Buffer => createHash('sha256').update(secret).digest()

const toKey = (r: KeyRow): ApiKey => ({ id: r.id, name: r.name, scopes: r.scopes.split(',').filter(Boolean) as Scope[], createdAt: r.created_at, revokedAt: r.revoked_at })

/** Keys read `kb_<id>_<secret>`: the id finds the row, the secret is checked against its hash. */
const KEY_FORMAT = /^kb_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/

export function parseScopes (value: string): Scope[] {
  const scopes = value.split(',').map((s) => s.trim()).filter(Boolean)
  for (const s of scopes) if (!(SCOPES as readonly string[]).includes(s)) throw new Error(`unknown scope "${s}": use ${SCOPES.join(', ')}`)
  if (scopes.length === 0) throw new Error(`at least one scope is needed: ${SCOPES.join(', ')}`)
  return [...new Set(scopes)] as Scope[]
}

export class ApiKeys {
  private readonly s

  constructor (db: Database) {
    this.s = {
      insert: db.prepare('INSERT INTO api_keys (id, name, secret_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)'),
      byId: db.prepare('SELECT * FROM api_keys WHERE id = ?'),
      list: db.prepare('SELECT * FROM api_keys ORDER BY created_at, id'),
      revoke: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
    }
  }

  /** Returns the key's record and the key itself, which is shown this once. */
  create (name: string, scopes: Scope[], now: string = new Date().toISOString()): { key: ApiKey, token: string } {
    const id = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12)
    const secret = randomBytes(32).toString('base64url')
    this.s.insert.run(id, name, hash(secret).toString('hex'), scopes.join(','), now)
    return { key: { id, name, scopes, createdAt: now, revokedAt: null }, token: `kb_${id}_${secret}` }
  }

  list (): ApiKey[] {
    return (this.s.list.all() as KeyRow[]).map(toKey)
  }

  revoke (id: string, now: string = new Date().toISOString()): boolean {
    return this.s.revoke.run(now, id).changes === 1
  }

  /** The active key a bearer token stands for, or null. */
  verify (token: string): ApiKey | null {
    const m = KEY_FORMAT.exec(token)
    if (!m) return null
    const row = this.s.byId.get(m[1]) as KeyRow | undefined
    // Compare against a dummy hash when the id is unknown, so timing does not tell ids apart.
    const expected = row ? Buffer.from(row.secret_hash, 'hex') : hash('')
    const ok = timingSafeEqual(expected, hash(m[2]!)) && row !== undefined && row.revoked_at === null
    return ok ? toKey(row) : null
  }
}
