// Serializers shared between response schemas that differ only in their documentation.
import t from 'tap'
import { shapeOf, sharedSerializerFactory } from '../../src/http/serializers.ts'

t.test('shapeOf drops documentation, never a property that happens to be named like it', async (t) => {
  const a = { type: 'object', description: 'Not found', examples: [{ code: 'X' }], properties: { title: { type: 'string', description: 'the title' }, code: { type: 'string' } } }
  const b = { type: 'object', description: 'Gone', properties: { title: { type: 'string' }, code: { type: 'string' } } }
  const c = { type: 'object', description: 'Gone', properties: { code: { type: 'string' } } }
  t.equal(shapeOf(a), shapeOf(b), 'descriptions and examples do not count')
  t.not(shapeOf(b), shapeOf(c), 'a property named title does')
  t.not(shapeOf({ properties: { description: { type: 'string' } } }), shapeOf({ properties: {} }), 'nor one named description')
})

t.test('one compiled serializer per shape, each serializing what its schema says', async (t) => {
  const compile = sharedSerializerFactory()(undefined, {})
  const route = (schema: object, httpStatus: string) => ({ method: 'GET', url: '/x', httpStatus, schema })
  const problem = (description: string) => ({ type: 'object', description, properties: { status: { type: 'integer' }, title: { type: 'string' } } })
  const s404 = compile(route(problem('No such article'), '404'))
  const s412 = compile(route(problem('If-Match failed'), '412'))
  t.equal(s404, s412, 'the same function for the same shape')
  t.equal(s404({ status: 404, title: 'Not Found', secret: 'x' }), '{"status":404,"title":"Not Found"}')
  const other = compile(route({ type: 'object', properties: { id: { type: 'string' } } }, '200'))
  t.not(other, s404)
  t.equal(other({ id: 'a', status: 1 }), '{"id":"a"}')
})
