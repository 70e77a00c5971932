// Opaque paging cursors: base64url JSON with an HMAC, so an altered cursor is a 400, not a surprise.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { Errors } from '../errors.ts'

export type CursorPayload = Record<string, string | number>

function sign (body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url').slice(0, 16)
}

export function encodeCursor (payload: CursorPayload, secret: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${body}.${sign(body, secret)}`
}

/** `kind` names what the cursor pages through, so one list's cursor is refused by another. */
export function decodeCursor (cursor: string, secret: string, kind: string): CursorPayload {
  const [body, mac, extra] = cursor.split('.')
  if (!body || !mac || extra !== undefined) throw new Errors.InvalidCursor()
  const expected = Buffer.from(sign(body, secret))
  const given = Buffer.from(mac)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new Errors.InvalidCursor()
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
  } catch {
    throw new Errors.InvalidCursor()
  }
  if (typeof payload !== 'object' || payload === null || (payload as CursorPayload).k !== kind) throw new Errors.InvalidCursor()
  return payload as CursorPayload
}

/**
 * A page of a list read with one row more than `limit`: the first `limit` rows, and the cursor
 * of the page after them (`cursorOf` the page's last row), null when that extra row was not there.
 */
export function pageOf<T> (rows: T[], limit: number, cursorOf: (last: T) => CursorPayload, secret: string): { page: T[], next: string | null } {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { page, next: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last), secret) : null }
}
