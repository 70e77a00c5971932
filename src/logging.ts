// The server's log: JSON lines (pino), requests with their headers for tracing, and the
// headers that carry secrets (API keys, cookies) censored before anything is written.
import type { FastifyServerOptions } from 'fastify'

export const REDACTED = '[redacted]'

/** Header paths censored wherever a request or its headers are logged. */
const SECRET_PATHS = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key']
  .flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`, `request.headers["${h}"]`])

export function loggerOptions (level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: { paths: SECRET_PATHS, censor: REDACTED },
    serializers: {
      req: (req) => ({ method: req.method, url: req.url, host: req.host, remoteAddress: req.ip, headers: req.headers })
    }
  }
}
