// A small LRU bounded by entry count and total bytes, for serialized responses.
export class Lru<V extends { bytes: number }> {
  private readonly map = new Map<string, V>()
  private bytes = 0
  private readonly maxEntries: number
  private readonly maxBytes: number

  constructor (maxEntries: number, maxBytes: number) {
    this.maxEntries = maxEntries
    this.maxBytes = maxBytes
  }

  get (key: string): V | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      // Re-insert: Map keeps insertion order, so the first key is the least recently used.
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }

  /** Whether the key is kept; unlike get, leaves its place in the order alone. */
  has (key: string): boolean {
    return this.map.has(key)
  }

  set (key: string, value: V): void {
    if (value.bytes > this.maxBytes) return
    const old = this.map.get(key)
    if (old) { this.bytes -= old.bytes; this.map.delete(key) }
    this.map.set(key, value)
    this.bytes += value.bytes
    while (this.map.size > this.maxEntries || this.bytes > this.maxBytes) {
      const first = this.map.keys().next()
      if (first.done) break
      this.bytes -= this.map.get(first.value)!.bytes
      this.map.delete(first.value)
    }
  }

  get size (): number {
    return this.map.size
  }

  clear (): void {
    this.map.clear()
    this.bytes = 0
  }
}
