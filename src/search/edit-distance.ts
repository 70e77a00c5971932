// Edit distance for typo tolerance: optimal string alignment (Levenshtein plus adjacent
// transpositions, so `teh` is one edit from `the`), bounded so hopeless pairs stop early.

/**
 * The OSA distance between two strings, compared by code point (a kana or a Han character is
 * one unit), or `max + 1` as soon as it must exceed `max`.
 */
export function boundedDistance (a: string, b: string, max: number): number {
  const s = Array.from(a)
  const t = Array.from(b)
  if (Math.abs(s.length - t.length) > max) return max + 1
  if (s.length === 0 || t.length === 0) return Math.max(s.length, t.length)
  // Three rows: the one before last (for transpositions), the last and the current
  let before = new Array<number>(t.length + 1).fill(0)
  let last = Array.from({ length: t.length + 1 }, (_, j) => j)
  let current = new Array<number>(t.length + 1).fill(0)
  for (let i = 1; i <= s.length; i++) {
    current[0] = i
    let rowMin = i
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let d = Math.min(last[j]! + 1, current[j - 1]! + 1, last[j - 1]! + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, before[j - 2]! + 1)
      current[j] = d
      if (d < rowMin) rowMin = d
    }
    if (rowMin > max) return max + 1
    ;[before, last, current] = [last, current, before]
  }
  const distance = last[t.length]!
  return distance > max ? max + 1 : distance
}
