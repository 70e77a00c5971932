// The process: reads the environment, builds the app, listens, and closes gracefully on signals.
import { buildApp } from './app.ts'
import { resolveConfig } from './config.ts'
import { loggerOptions } from './logging.ts'

const config = resolveConfig({}, process.env)
const app = await buildApp({
  config,
  logger: loggerOptions(config.logLevel)
})

let closing = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'closing: finishing in-flight requests')
    // In-flight requests finish, new ones get 503, then the database closes (onClose).
    app.close().then(() => process.exit(0), (err: Error) => {
      app.log.error({ err }, 'close failed')
      process.exit(1)
    })
  })
}

try {
  await app.listen({
    port: config.port,
    host: config.host,
    listenTextResolver: (address) => `knowledge API listening on ${address} (reference: ${address}/docs, database: ${config.dbFile})`
  })
} catch (err) {
  app.log.error({ err }, 'could not start')
  process.exit(1)
}
app.kb.searchPool?.start()
