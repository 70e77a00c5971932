// One error shape everywhere: RFC 9457 problem+json for every 4xx and 5xx, without internals.
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Errors, FRAMEWORK_CODES, problemType, STATUS_TITLES } from '../errors.ts'
import type { Problem } from '../schemas/common.ts'

export function sendProblem (reply: FastifyReply, request: FastifyRequest, status: number, code: string, detail: string, errors?: Problem['errors']): FastifyReply {
  const problem: Problem = {
    type: problemType(code),
    title: STATUS_TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
    status,
    detail,
    instance: request.url.split('?')[0] ?? '/',
    code,
    ...(errors ? { errors } : {})
  }
  return reply.code(status).type('application/problem+json').send(problem)
}

const EXPECTED_5XX = new Set(['KB_OVERLOADED', 'KB_BUSY', 'KB_NOT_READY'])

async function problems (app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError & { headers?: Record<string, string> }, request, reply) => {
    if (error.validation) {
      const errors = error.validation.map((v) => ({
        in: error.validationContext ?? 'request',
        path: v.instancePath || (typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : '/'),
        message: v.message ?? 'is invalid'
      }))
      return sendProblem(reply, request, 400, 'KB_VALIDATION', `Invalid ${error.validationContext ?? 'request'}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors)
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
    if (status >= 500) {
      // Overload and a busy database are conditions, not faults: a warning, without a stack.
      if (EXPECTED_5XX.has(error.code)) request.log.warn({ code: error.code, detail: error.message }, 'request refused')
      else request.log.error({ err: error }, 'request failed')
      const code = error.code?.startsWith('KB_') ? error.code : 'KB_INTERNAL'
      // Only errors this API declares may say what happened; anything else stays in the log.
      const detail = status === 500 || !error.code?.startsWith('KB_') ? 'An internal error occurred; it has been logged.' : error.message
      if (error.headers) reply.headers(error.headers)
      return sendProblem(reply, request, status, code, detail)
    }
    const code = error.code?.startsWith('KB_') ? error.code : (FRAMEWORK_CODES[error.code] ?? 'KB_BAD_REQUEST')
    if (error.headers) reply.headers(error.headers)
    return sendProblem(reply, request, status, code, error.message)
  })

  app.setNotFoundHandler((request, reply) => {
    const err = new Errors.RouteNotFound(request.method, request.url.split('?')[0])
    return sendProblem(reply, request, 404, err.code, err.message)
  })
}

export default fp(problems, { name: 'problems' })
