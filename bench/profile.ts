/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`): self time by function and by package, so
 * "where does the time go" has an answer without opening DevTools.
 *
 *   npm run bench -- --serve          # prints the server URL
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/worker.ts \
 *     --contenders effect-claude --scenarios stream-10k --reps 5 --base-url http://127.0.0.1:PORT
 *   npx tsx bench/profile.ts /tmp/prof/*.cpuprofile [--top 40] [--callers Schema.js]
 */
import { readFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import { Effect, Schema } from "effect"

const CallFrame = Schema.Struct({
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

const decodeProfile = Schema.decodeUnknown(Schema.parseJson(CpuProfile))

/** Where a script lives, shortened to its package (or the repository folder) for grouping. */
const packageOf = (url: string): string => {
  if (url === "") return "(native / idle / gc)"
  const modules = url.lastIndexOf("node_modules/")
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/")
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (url.startsWith("node:")) return "node:*"
  const repo = /\/(src|dist|bench|test)\/(.*)$/.exec(url)
  return repo === null ? url : `${repo[1]}/${repo[2]}`
}

const shortUrl = (url: string): string => {
  const modules = url.lastIndexOf("node_modules/")
  if (modules >= 0) return url.slice(modules + "node_modules/".length)
  const repo = /\/((src|dist|bench|test)\/.*)$/.exec(url)
  return repo === null ? url : repo[1]!
}

type Profile = typeof CpuProfile.Type

/** Code of this repository: its sources, its build (`dist/`) or the benchmark. */
const isOurs = (url: string): boolean => !url.includes("node_modules/") && /\/(src|dist|bench)\//.test(url)

const frameName = (frame: typeof CallFrame.Type): string =>
  `${frame.functionName || "(anonymous)"} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`

/**
 * Total time (self + callees) of the functions matching `pattern`, by the chain of their nearest
 * callers in the repository's own code (src/, dist/, bench/), so "Schema work" reads as "which of our calls".
 */
const printCallers = (profile: Profile, selfTime: Map<number, number>, pattern: string, limit: number) => {
  const parent = new Map<number, number>()
  const byId = new Map<number, Profile["nodes"][number]>()
  for (const node of profile.nodes) {
    byId.set(node.id, node)
    for (const child of node.children ?? []) parent.set(child, node.id)
  }
  const matches = (id: number) => {
    const frame = byId.get(id)!.callFrame
    return frame.functionName.includes(pattern) || frame.url.includes(pattern)
  }
  const byChain = new Map<string, number>()
  let total = 0
  for (const node of profile.nodes) {
    const micros = selfTime.get(node.id) ?? 0
    if (micros === 0) continue
    // Attribute the sample to the outermost matching frame on its stack, then name its callers.
    let matched: number | undefined
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) if (matches(id)) matched = id
    if (matched === undefined) continue
    total += micros
    const chain: Array<string> = [frameName(byId.get(matched)!.callFrame)]
    for (let id = parent.get(matched); id !== undefined && chain.length < 4; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame
      if (isOurs(frame.url)) chain.push(frameName(frame))
    }
    const key = chain.join("  <-  ")
    byChain.set(key, (byChain.get(key) ?? 0) + micros)
  }
  process.stdout.write(`\ntime under "${pattern}" (${(total / 1000).toFixed(0)} ms), by our nearest callers\n`)
  for (const [chain, micros] of [...byChain].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    process.stdout.write(`${(micros / 1000).toFixed(1).padStart(9)} ms  ${chain}\n`)
  }
}

const main = async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: "string", default: "30" },
      /** Also print, for functions whose name or file contains this text, where their time comes from. */
      callers: { type: "string" }
    }
  })
  const top = Number(values.top)
  for (const file of positionals) {
    const profile = await Effect.runPromise(decodeProfile(await readFile(file, "utf8")))
    const selfTime = new Map<number, number>()
    profile.samples.forEach((id, i) => {
      selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
    })
    const byFunction = new Map<string, number>()
    const byPackage = new Map<string, number>()
    let total = 0
    for (const node of profile.nodes) {
      const micros = selfTime.get(node.id) ?? 0
      if (micros === 0) continue
      total += micros
      const frame = node.callFrame
      const name = `${frame.functionName || "(anonymous)"}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`
      byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
      const pkg = packageOf(frame.url)
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros)
    }
    const print = (title: string, map: Map<string, number>, limit: number) => {
      process.stdout.write(`\n${title}\n`)
      for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
        process.stdout.write(
          `${(micros / 1000).toFixed(1).padStart(9)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}\n`
        )
      }
    }
    process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n`)
    print("self time by package", byPackage, 20)
    print("self time by function", byFunction, top)
    if (values.callers !== undefined) printCallers(profile, selfTime, values.callers, top)
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exitCode = 1
})
