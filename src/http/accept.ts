// Accept negotiation: the API speaks JSON only; a client that accepts none of it gets a 406.
const SERVED = ['application/json', 'application/problem+json']

/** True when the Accept header (absent = anything) allows one of the media types served. */
export function acceptsJson (header: string | undefined): boolean {
  if (header === undefined || header === '*/*' || header === 'application/json' || header.trim() === '') return true
  for (const range of header.slice(0, 2048).split(',').slice(0, 50)) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase())
    const q = params.find((p) => p.startsWith('q='))
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue
    if (type === '*/*' || type === 'application/*' || SERVED.includes(type)) return true
  }
  return false
}
