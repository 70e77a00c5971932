// A parser thread for large imports: Markdown in, parsed article (or the error) out. Pure.
import { parentPort } from 'node:worker_threads'
import { parseArticle, SourceSideCache, type ParseOptions, type ParseResult } from '../ingest/parse-article.ts'

export interface ParseJob {
  id: number
  text: string
  options: ParseOptions
}

/** A parse's outcome as it crosses threads: the result, or what the error was. */
export type ParseOutcome =
  | { ok: true, result: ParseResult }
  | { ok: false, error: { name: string, message: string, line: number | null } }

/** Parses a file's text; an error becomes its name, message and line. */
export function parseOutcome (text: string, options: ParseOptions, sourceSides: SourceSideCache): ParseOutcome {
  try {
    return { ok: true, result: parseArticle(text, options, sourceSides) }
  } catch (err) {
    const e = err as Error & { line?: number | null }
    return { ok: false, error: { name: e.name, message: e.message, line: e.line ?? null } }
  }
}

if (parentPort !== null) {
  const port = parentPort
  // The import hands this thread an article's files one after the other.
  const sourceSides = new SourceSideCache()
  port.on('message', (job: ParseJob) => {
    port.postMessage({ id: job.id, ...parseOutcome(job.text, job.options, sourceSides) })
  })
}
