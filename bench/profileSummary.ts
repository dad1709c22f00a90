/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and sums its self time by package and by function:
 * the answer to "where does the time go" that `profile.ts` prints and `run.ts` writes into
 * `results.md` for each missed target.
 */
import { readFile } from "node:fs/promises"
import { Effect, Schema } from "effect"

export const CallFrame = Schema.Struct({
  functionName: Schema.String,
  url: Schema.String,
  lineNumber: Schema.Number
})

const ProfileNode = Schema.Struct({
  id: Schema.Number,
  callFrame: CallFrame,
  children: Schema.optional(Schema.Array(Schema.Number))
})

const CpuProfile = Schema.Struct({
  nodes: Schema.Array(ProfileNode),
  samples: Schema.Array(Schema.Number),
  timeDeltas: Schema.Array(Schema.Number)
})

export type Profile = typeof CpuProfile.Type

const decodeProfile = Schema.decodeUnknown(Schema.parseJson(CpuProfile))

/** Reads and decodes a `.cpuprofile` file. */
export const readProfile = async (file: string): Promise<Profile> =>
  Effect.runPromise(decodeProfile(await readFile(file, "utf8")))

/**
 * Where a function lives, shortened to its package (or the repository folder) for grouping; V8's
 * pseudo-frames (idle, garbage collector, program) and natives without a script by their own names.
 */
export const packageOf = (frame: typeof CallFrame.Type): string => {
  const url = frame.url
  if (url === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native)"
  const modules = url.lastIndexOf("node_modules/")
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/")
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (url.startsWith("node:")) return "node:*"
  const repo = /\/(src|dist|bench|test)\/(.*)$/.exec(url)
  return repo === null ? url : `${repo[1]}/${repo[2]}`
}

/** A script's location without the machine's folders. */
export const shortUrl = (url: string): string => {
  const modules = url.lastIndexOf("node_modules/")
  if (modules >= 0) return url.slice(modules + "node_modules/".length)
  const repo = /\/((src|dist|bench|test)\/.*)$/.exec(url)
  return repo === null ? url : repo[1]!
}

/** A function and where it is defined, as the summaries name it. */
export const frameName = (frame: typeof CallFrame.Type): string =>
  `${frame.functionName || "(anonymous)"} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`

/** Self time per profile node, in microseconds. */
export const selfTimes = (profile: Profile): Map<number, number> => {
  const selfTime = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  return selfTime
}

/** Self time summed by package and by function, largest first, in milliseconds; idle time left out. */
export interface ProfileSummary {
  /** Sampled time the thread was busy (its share is what the tables' percentages are of). */
  readonly busyMs: number
  /** Sampled time the thread waited (for I/O or timers). */
  readonly idleMs: number
  readonly byPackage: ReadonlyArray<readonly [name: string, ms: number]>
  readonly byFunction: ReadonlyArray<readonly [name: string, ms: number]>
}

export const summarizeProfile = (profile: Profile, top: number): ProfileSummary => {
  const selfTime = selfTimes(profile)
  const byFunction = new Map<string, number>()
  const byPackage = new Map<string, number>()
  let busy = 0
  let idle = 0
  for (const node of profile.nodes) {
    const micros = selfTime.get(node.id) ?? 0
    if (micros === 0) continue
    if (node.callFrame.url === "" && node.callFrame.functionName === "(idle)") {
      idle += micros
      continue
    }
    busy += micros
    const name = frameName(node.callFrame)
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
    const pkg = packageOf(node.callFrame)
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros)
  }
  const largest = (map: Map<string, number>, limit: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, micros]) => [name, micros / 1000] as const)
  return {
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    byPackage: largest(byPackage, 20),
    byFunction: largest(byFunction, top)
  }
}
