// Every error the API answers with, declared once: a stable code, an HTTP status and a title.
import createError from '@fastify/error'

export const Errors = {
  ArticleNotFound: createError('KB_ARTICLE_NOT_FOUND', 'No article with id "%s"', 404),
  ScenarioNotFound: createError('KB_SCENARIO_NOT_FOUND', 'No article has scenario id "%s"', 404),
  RouteNotFound: createError('KB_ROUTE_NOT_FOUND', 'No route %s %s', 404),
  MalformedLocale: createError('KB_MALFORMED_LOCALE', '%s', 400),
  InvalidCursor: createError('KB_INVALID_CURSOR', 'The cursor is not one this API issued, or it was altered', 400),
  NotAcceptable: createError('KB_NOT_ACCEPTABLE', 'This API answers application/json (and problems as application/problem+json); the Accept header allows neither', 406),
  NotReady: createError('KB_NOT_READY', '%s', 503),
  Unauthenticated: createError('KB_UNAUTHENTICATED', 'This operation needs an API key: send Authorization: Bearer <key>', 401),
  InvalidKey: createError('KB_INVALID_KEY', 'The API key is unknown, malformed or revoked', 401),
  Forbidden: createError('KB_FORBIDDEN', 'The API key lacks the "%s" scope this operation needs', 403),
  PreconditionFailed: createError('KB_PRECONDITION_FAILED', 'If-Match %s does not match the current version %s of the article', 412),
  InvalidArticle: createError('KB_INVALID_ARTICLE', 'The Markdown is not an article this API can import: %s', 422),
  IdMismatch: createError('KB_ID_MISMATCH', '%s', 400),
  IdempotencyConflict: createError('KB_IDEMPOTENCY_CONFLICT', 'Idempotency-Key "%s" was used before with a different request', 422),
  UnknownStep: createError('KB_UNKNOWN_STEP', 'Article "%s" has no step "%s"', 422),
  RateLimited: createError('KB_RATE_LIMITED', 'Too many requests: %s', 429),
  Overloaded: createError('KB_OVERLOADED', 'The server is overloaded (%s); retry later', 503),
  Busy: createError('KB_BUSY', 'The database is busy with another writer (an import): %s; nothing was written, retry later', 503)
} as const

/** Codes for errors that fastify itself raises, so clients see one vocabulary. */
export const FRAMEWORK_CODES: Record<string, string> = {
  FST_ERR_VALIDATION: 'KB_VALIDATION',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'KB_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'KB_BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'KB_INVALID_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'KB_INVALID_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'KB_INVALID_BODY',
  FST_ERR_BAD_URL: 'KB_BAD_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'KB_URI_TOO_LONG',
  FST_ERR_ASYNC_CONSTRAINT: 'KB_BAD_REQUEST'
}

export const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable'
}

/** `KB_ARTICLE_NOT_FOUND` → `urn:kb:problem:article-not-found`. */
export function problemType (code: string): string {
  return `urn:kb:problem:${code.replace(/^KB_/, '').toLowerCase().replace(/_/g, '-')}`
}
