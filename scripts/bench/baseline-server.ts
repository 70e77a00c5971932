// The framework's ceiling: a plain fastify hello-world, started like the API server
// (`node --import tsx`, its own process) so the benchmark can compare them in the same run.
// `PUT /shape` hands it a response of the API (headers and body), which `GET /shaped` then
// replays: fastify's ceiling for a response of that size and those headers, with no work.
// Node's own HTTP server replays it too, on a second port: the ceiling with no framework.
import { createServer } from 'node:http'
import Fastify from 'fastify'

const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 })
app.get('/', async () => ({ hello: 'world' }))

// `flat`: the headers as one list, Content-Length included, for node:http to write at once
let shape: { headers: Record<string, string>, body: Buffer, flat: string[] } | null = null
app.put<{ Body: { headers: Record<string, string>, body: string } }>('/shape', async (request, reply) => {
  const body = Buffer.from(request.body.body)
  shape = { headers: request.body.headers, body, flat: [...Object.entries(request.body.headers).flat(), 'content-length', String(body.length)] }
  return reply.code(204).send()
})
app.get('/shaped', (_request, reply) => {
  if (shape === null) return reply.code(404).send({ error: 'no shape given' })
  reply.headers(shape.headers).send(shape.body)
})

// The least Node can do for the same response: the headers written at once, then the body
const plain = createServer((_request, response) => {
  if (shape === null) response.writeHead(404).end()
  else response.writeHead(200, shape.flat).end(shape.body)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    plain.close()
    app.close().then(() => process.exit(0), () => process.exit(1))
  })
}

const host = process.env.HOST ?? '127.0.0.1'
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host })
await new Promise<void>((resolve) => plain.listen(0, host, resolve))
const plainPort = (plain.address() as { port: number }).port
console.log(`baseline listening on ${address} (plain node replaying on http://${host}:${plainPort})`)
