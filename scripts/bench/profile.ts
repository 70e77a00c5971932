// Where the time goes: a V8 .cpuprofile (from `node --cpu-prof` or the inspector) summed up by
// function (self time) and by package or source folder.
import { readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  hitCount?: number
  children?: number[]
}

export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

export interface ProfileEntry { name: string, ms: number, share: number }
export interface ProfileSummary {
  totalMs: number
  /** Samples not idle. */
  busyMs: number
  /** Self time by function. */
  functions: ProfileEntry[]
  /** Self time by package or source folder. */
  modules: ProfileEntry[]
  /** Time with the file (src/…) or package anywhere on the stack, as a share of the busy time. */
  inclusive: ProfileEntry[]
}

/** `node_modules/micromark/…` → micromark; `/work/main/src/ingest/x.ts` → src/ingest; node internals → (node). */
export function moduleOf (url: string): string {
  if (url === '') return '(native/gc/idle)'
  if (url.startsWith('node:')) return '(node)'
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (nm) return nm[1]!
  const src = /\/(src|scripts|test)\/((?:[^/]+\/)?)/.exec(url)
  if (src) return `${src[1]}/${src[2]!.replace(/\/$/, '')}`.replace(/\/$/, '')
  return url.replace(/^file:\/\//, '')
}

function shortUrl (url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|src|scripts)\//, '$1/')
}

/** `src/routes/articles.ts` for project files, the package name for dependencies. */
function fileOf (url: string): string | null {
  if (url === '' || url.startsWith('node:')) return null
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (nm) return nm[1]!
  const src = /\/((?:src|scripts)\/.*)$/.exec(url)
  return src ? src[1]! : null
}

export function summarizeProfile (profile: CpuProfile, top = 15): ProfileSummary {
  const self = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i] ?? 0))
  const byFunction = new Map<string, number>()
  const byModule = new Map<string, number>()
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const inclusive = new Map<string, number>()
  let total = 0
  let idle = 0
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0
    if (us === 0) continue
    total += us
    if (node.callFrame.functionName === '(idle)') idle += us
    else {
      const seen = new Set<string>()
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const file = fileOf(byId.get(id)!.callFrame.url)
        if (file !== null && !seen.has(file)) {
          seen.add(file)
          inclusive.set(file, (inclusive.get(file) ?? 0) + us)
        }
      }
    }
    const { functionName, url, lineNumber } = node.callFrame
    const name = url === '' ? `(${functionName || 'anonymous'})` : `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + us)
    const mod = moduleOf(url)
    byModule.set(mod, (byModule.get(mod) ?? 0) + us)
  }
  const entries = (map: Map<string, number>, of = total): ProfileEntry[] => [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, share: of === 0 ? 0 : us / of }))
  return { totalMs: total / 1000, busyMs: (total - idle) / 1000, functions: entries(byFunction), modules: entries(byModule), inclusive: entries(inclusive, total - idle) }
}

export function summarizeProfileFile (file: string, top = 15): ProfileSummary {
  return summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top)
}

export function formatSummary (title: string, summary: ProfileSummary, top = 10): string {
  const line = (e: ProfileEntry): string => `    ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.ms.toFixed(0).padStart(7)} ms  ${e.name}`
  return [
    `  ${title}: ${summary.totalMs.toFixed(0)} ms sampled, ${summary.busyMs.toFixed(0)} ms not idle`,
    '   by package/folder (self time, share of all samples):',
    ...summary.modules.slice(0, top).map(line),
    '   by function (self time, share of all samples):',
    ...summary.functions.slice(0, top).map(line),
    '   by file or package anywhere on the stack (share of the busy time):',
    ...summary.inclusive.slice(0, top).map(line)
  ].join('\n')
}

/** Profiles a piece of this process with the inspector; writes the .cpuprofile to `file`. */
export async function profileInProcess<T> (file: string, work: () => T | Promise<T>, intervalUs = 1000): Promise<T> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs })
  await session.post('Profiler.start')
  try {
    return await work()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    writeFileSync(file, JSON.stringify(profile))
    session.disconnect()
  }
}
