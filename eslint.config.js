// Lint rules: neostandard (the Fastify org's style) with TypeScript support.
import neostandard from 'neostandard'

export default neostandard({ ts: true, ignores: ['node_modules/**', '.tap/**', 'data/**', 'openapi/**', '.bench/**', 'bench-results/**', '.prof/**', 'dist/**'] })
