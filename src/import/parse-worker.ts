// A parser thread for large imports: Markdown in, parsed article (or the error) out. Pure.
import { parentPort } from 'node:worker_threads'
import { parseArticle, SourceSideCache, type ParseOptions } from '../ingest/parse-article.ts'

export interface ParseJob {
  id: number
  text: string
  options: ParseOptions
}

// The import hands this thread an article's files one after the other.
const sourceSides = new SourceSideCache()

parentPort?.on('message', (job: ParseJob) => {
  try {
    parentPort!.postMessage({ id: job.id, ok: true, result: parseArticle(job.text, job.options, sourceSides) })
  } catch (err) {
    const e = err as Error & { line?: number | null }
    parentPort!.postMessage({ id: job.id, ok: false, error: { name: e.name, message: e.message, line: e.line ?? null } })
  }
})
