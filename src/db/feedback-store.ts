// Feedback: outcomes reported by integrations, stored once per Idempotency-Key, counted per article.
import type { Database } from 'better-sqlite3'

export const OUTCOMES = ['resolved', 'not_resolved', 'step_failed', 'helpful', 'not_helpful'] as const
export type Outcome = typeof OUTCOMES[number]

export interface FeedbackInput {
  articleId: string
  locale: string
  stepId: string | null
  outcome: Outcome
  comment: string | null
  ticket: string | null
  keyId: string | null
}

export interface StoredResponse {
  status: number
  body: unknown
  replayed: boolean
}

export class FeedbackStore {
  private readonly db: Database
  private readonly s

  constructor (db: Database) {
    this.db = db
    this.s = {
      insert: db.prepare(`INSERT INTO feedback (article_id, locale, step_id, outcome, comment, ticket, key_id, created_at)
        VALUES (@articleId, @locale, @stepId, @outcome, @comment, @ticket, @keyId, @now)`),
      idem: db.prepare('SELECT request_hash, status, response FROM idempotency WHERE scope = ? AND key = ?'),
      insertIdem: db.prepare('INSERT INTO idempotency (scope, key, request_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      byOutcome: db.prepare('SELECT outcome, count(*) AS n FROM feedback WHERE article_id = ? GROUP BY outcome'),
      byStep: db.prepare('SELECT step_id, outcome, count(*) AS n FROM feedback WHERE article_id = ? AND step_id IS NOT NULL GROUP BY step_id, outcome ORDER BY step_id'),
      count: db.prepare('SELECT count(*) AS n FROM feedback')
    }
  }

  /**
   * Records feedback once per (scope, idempotency key): a retry with the same request gets
   * the first answer back; the same key with another request is a conflict (returns null).
   */
  record (input: FeedbackInput, idempotency: { scope: string, key: string, requestHash: string } | null, now: string = new Date().toISOString()): StoredResponse | null {
    return this.db.transaction((): StoredResponse | null => {
      if (idempotency) {
        const seen = this.s.idem.get(idempotency.scope, idempotency.key) as { request_hash: string, status: number, response: string } | undefined
        if (seen) return seen.request_hash === idempotency.requestHash ? { status: seen.status, body: JSON.parse(seen.response), replayed: true } : null
      }
      const { lastInsertRowid } = this.s.insert.run({ ...input, now })
      const body = { id: Number(lastInsertRowid), articleId: input.articleId, locale: input.locale, stepId: input.stepId, outcome: input.outcome, receivedAt: now }
      if (idempotency) this.s.insertIdem.run(idempotency.scope, idempotency.key, idempotency.requestHash, 202, JSON.stringify(body), now)
      return { status: 202, body, replayed: false }
    }).immediate()
  }

  stats (articleId: string) {
    const zero = (): Record<Outcome, number> => Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>
    const outcomes = zero()
    let total = 0
    for (const r of this.s.byOutcome.all(articleId) as Array<{ outcome: Outcome, n: number }>) { outcomes[r.outcome] = r.n; total += r.n }
    const steps = new Map<string, Record<Outcome, number>>()
    for (const r of this.s.byStep.all(articleId) as Array<{ step_id: string, outcome: Outcome, n: number }>) {
      const counts = steps.get(r.step_id) ?? zero()
      counts[r.outcome] = r.n
      steps.set(r.step_id, counts)
    }
    return {
      total,
      outcomes,
      steps: [...steps].map(([stepId, counts]) => ({ stepId, total: Object.values(counts).reduce((a, b) => a + b, 0), outcomes: counts }))
    }
  }

  count (): number {
    return (this.s.count.get() as { n: number }).n
  }
}
