/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`): self time by function and by package, so
 * "where does the time go" has an answer without opening DevTools.
 *
 *   npm run bench -- --serve          # prints the server URL
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/worker.ts \
 *     --contenders effect-claude --scenarios stream-10k --reps 5 --base-url http://127.0.0.1:PORT
 *   npx tsx bench/profile.ts /tmp/prof/*.cpuprofile [--top 40] [--callers Schema.js]
 */
import { parseArgs } from "node:util"
import {
  frameName,
  type Profile,
  type ProfileSummary,
  readProfile,
  selfTimes,
  summarizeProfile
} from "./profileSummary.js"

/** Code of this repository: its sources, its build (`dist/`) or the benchmark. */
const isOurs = (url: string): boolean => !url.includes("node_modules/") && /\/(src|dist|bench)\//.test(url)

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
    const profile = await readProfile(file)
    const summary = summarizeProfile(profile, top)
    const print = (title: string, rows: ProfileSummary["byPackage"]) => {
      process.stdout.write(`\n${title}\n`)
      for (const [name, ms] of rows) {
        process.stdout.write(
          `${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / summary.busyMs).toFixed(1).padStart(5)}%  ${name}\n`
        )
      }
    }
    process.stdout.write(`${file}: ${summary.busyMs.toFixed(0)} ms busy, ${summary.idleMs.toFixed(0)} ms idle\n`)
    print("self time by package", summary.byPackage)
    print("self time by function", summary.byFunction)
    if (values.callers !== undefined) printCallers(profile, selfTimes(profile), values.callers, top)
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exitCode = 1
})
