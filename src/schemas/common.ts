// Schemas shared by every route: problems, the locale block, paging, ids.
import { Type, type Static } from 'typebox'
import { STATUS_TITLES } from '../errors.ts'

export const ProblemSchema = Type.Object({
  type: Type.String({ description: 'URI reference identifying the problem type' }),
  title: Type.String(),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.String(),
  instance: Type.String({ description: 'The request path that caused the problem' }),
  code: Type.String({ description: 'Stable machine-readable code, e.g. KB_ARTICLE_NOT_FOUND' }),
  errors: Type.Optional(Type.Array(Type.Object({
    in: Type.String({ description: 'querystring, params, headers or body' }),
    path: Type.String(),
    message: Type.String()
  })))
}, {
  $id: 'Problem',
  title: 'Problem',
  description: 'RFC 9457 problem details, sent as application/problem+json',
  examples: [{ type: 'urn:kb:problem:article-not-found', title: 'Not Found', status: 404, detail: 'No article with id "nope"', instance: '/v1/articles/nope', code: 'KB_ARTICLE_NOT_FOUND' }]
})
export type Problem = Static<typeof ProblemSchema>

export const ProblemRef = Type.Ref('Problem')

export const LocaleInfoSchema = Type.Object({
  requested: Type.Union([Type.String(), Type.Null()], { description: 'What was asked for (?locale= or Accept-Language), canonicalized' }),
  served: Type.String({ description: 'The locale of the content in this response' }),
  fallback: Type.Boolean({ description: 'True when the served locale is not what was asked for' }),
  available: Type.Array(Type.String(), { description: 'Every locale this resource exists in' })
}, { $id: 'LocaleInfo', title: 'LocaleInfo' })
export type LocaleInfo = Static<typeof LocaleInfoSchema>

export const LocaleInfoRef = Type.Ref('LocaleInfo')

export const LocaleQuery = Type.Optional(Type.String({
  maxLength: 64,
  description: 'BCP 47 tag of the wanted language; wins over Accept-Language. Matched per RFC 4647 lookup, case-insensitively (ja → ja-JP, zh-Hans → zh-CN).',
  examples: ['ja', 'en-US', 'de']
}))

export const ArticleIdParam = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200, description: 'Article id (from the source file name)', examples: ['fixing-office-apps-message-unlicensed-product'] })
})

export const LimitQuery = Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size (1-100)', examples: [20] }))
export const CursorQuery = Type.Optional(Type.String({ maxLength: 512, description: 'Opaque cursor from the previous page\'s `next`' }))

const problem = (description: string, example?: { status: number, code: string, detail: string, instance?: string }) => ({
  description,
  content: {
    'application/problem+json': {
      schema: ProblemRef,
      ...(example
        ? {
            example: {
              type: `urn:kb:problem:${example.code.replace(/^KB_/, '').toLowerCase().replace(/_/g, '-')}`,
              title: STATUS_TITLES[example.status],
              status: example.status,
              detail: example.detail,
              instance: example.instance ?? '/v1/articles/fixing-office-apps-message-unlicensed-product',
              code: example.code
            }
          }
        : {})
    }
  }
})

/** A problem response for the OpenAPI document and the serializer: sent as application/problem+json. */
export const problemResponse = problem

/** Problem responses every /v1 route declares. */
export const problemResponses = {
  400: problem('Invalid parameter (validation, malformed locale, altered cursor)', { status: 400, code: 'KB_MALFORMED_LOCALE', detail: 'locale "ja_JP!" is not a BCP 47 language tag (e.g. en-US, ja-JP)' }),
  401: problem('An API key is needed (reads are key-only when KB_READS_REQUIRE_KEY is set) or the key is invalid', { status: 401, code: 'KB_UNAUTHENTICATED', detail: 'This operation needs an API key: send Authorization: Bearer <key>' }),
  404: problem('No such article, scenario or route', { status: 404, code: 'KB_ARTICLE_NOT_FOUND', detail: 'No article with id "nope"', instance: '/v1/articles/nope' }),
  406: problem('The Accept header allows neither application/json nor application/problem+json', { status: 406, code: 'KB_NOT_ACCEPTABLE', detail: 'This API answers application/json (and problems as application/problem+json); the Accept header allows neither' }),
  429: problem('Too many requests; see Retry-After and the RateLimit-* headers', { status: 429, code: 'KB_RATE_LIMITED', detail: 'Too many requests: at most 1200 requests per minute; retry in 1 minute' }),
  500: problem('Internal error; details are logged, never sent', { status: 500, code: 'KB_INTERNAL', detail: 'An internal error occurred; it has been logged.' }),
  503: problem('Overloaded (the event loop lags, or 500 searches wait for a search thread) or shutting down; retry after Retry-After', { status: 503, code: 'KB_OVERLOADED', detail: 'The server is overloaded (eventLoopDelay at 1204); retry later' })
}

export const sharedSchemas = [ProblemSchema, LocaleInfoSchema]
