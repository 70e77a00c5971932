// The framework's ceiling: a plain fastify hello-world, started like the API server
// (`node --import tsx`, its own process) so the benchmark can compare them in the same run.
// `PUT /shape` hands it a response of the API (headers and body), which `GET /shaped` then
// replays: fastify's ceiling for a response of that size and those headers, with no work.
import Fastify from 'fastify'

const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 })
app.get('/', async () => ({ hello: 'world' }))

let shape: { headers: Record<string, string>, body: Buffer } | null = null
app.put<{ Body: { headers: Record<string, string>, body: string } }>('/shape', async (request, reply) => {
  shape = { headers: request.body.headers, body: Buffer.from(request.body.body) }
  return reply.code(204).send()
})
app.get('/shaped', (_request, reply) => {
  if (shape === null) return reply.code(404).send({ error: 'no shape given' })
  reply.headers(shape.headers).send(shape.body)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(() => process.exit(0), () => process.exit(1))
  })
}

const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' })
console.log(`baseline listening on ${address}`)
