/**
 * A focused timing of effect-claude's agent loop, for profiling it with `node --cpu-prof`: builds
 * the effect-claude contender once, runs one agent scenario a few times, checks each output and
 * prints wall and CPU time per repetition (and per step for `loop-overhead`).
 *
 *   node --import tsx bench/profile-agent.ts                        # loop-overhead, from src/
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-agent.ts --reps 3
 *   npx tsx bench/profile.ts /tmp/prof/CPU.*.cpuprofile --top 40
 *   node --import tsx bench/profile-agent.ts --scenario agent-3-tools   # starts its own server process
 *
 * `agent-3-tools` needs the loopback server: without `--base-url` a server process is started
 * (`bench/run.ts --serve`), so its work stays out of this process's profile.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { parseArgs } from "node:util"
import { load } from "./Contender.js"
import { checkOutput, expectedOutput, fullSizes, type ScenarioName, type Sizes, toolSteps } from "./scenarios.js"

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "loop-overhead" },
    reps: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    /** Runs per repetition instead of the scenario's full size (e.g. fewer under valgrind). */
    runs: { type: "string" },
    "base-url": { type: "string" }
  }
})

const scenario: ScenarioName = values.scenario === "agent-3-tools" ? "agent-3-tools" : "loop-overhead"
const reps = Number(values.reps)
const warmup = Number(values.warmup)

/** Starts `bench/run.ts --serve` and waits for the URL it prints. */
const startServer = (): Promise<{ readonly baseURL: string; readonly child: ChildProcess }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", "--serve"], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let output = ""
    child.stdout?.on("data", (data: Buffer) => {
      output += data.toString()
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match !== null) resolve({ baseURL: match[1]!, child })
    })
    child.on("exit", (code) => reject(new Error(`server exited with ${code}`)))
  })

const server = scenario === "agent-3-tools" && values["base-url"] === undefined ? await startServer() : undefined
const baseURL = values["base-url"] ?? server?.baseURL ?? "http://127.0.0.1:1"

const runs = values.runs === undefined ? undefined : Number(values.runs)
const sizes: Sizes = runs === undefined ? fullSizes : { ...fullSizes, loopRuns: runs, agentRuns: runs }
const contender = await (await load("effect-claude"))({ baseURL })
const expected = expectedOutput(scenario, sizes)
const steps = (scenario === "loop-overhead" ? sizes.loopRuns : sizes.agentRuns) * (toolSteps + 1)
const walls: Array<number> = []
const cpus: Array<number> = []

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000

try {
  for (let rep = -warmup; rep < reps; rep++) {
    globalThis.gc?.()
    const cpu = process.cpuUsage()
    const start = performance.now()
    const output = await contender.run(scenario, sizes)
    const wall = performance.now() - start
    const used = cpuMs(process.cpuUsage(cpu))
    const problem = checkOutput(expected, output)
    if (problem !== undefined) throw new Error(`wrong output: ${problem}`)
    if (rep >= 0) {
      walls.push(wall)
      cpus.push(used)
    }
    const label = rep < 0 ? "warm-up" : `rep ${rep}`
    process.stdout.write(
      `${scenario} ${label}: ${wall.toFixed(0)} ms wall, ${used.toFixed(0)} ms CPU, ${((wall * 1000) / steps).toFixed(1)} µs/step, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB\n`
    )
  }
  const median = (values: Array<number>) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
  process.stdout.write(
    `${scenario}: wall median ${median(walls).toFixed(0)} ms (min ${Math.min(...walls).toFixed(0)}), CPU median ${median(cpus).toFixed(0)} ms (min ${Math.min(...cpus).toFixed(0)})\n`
  )
  process.stdout.write(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`)
} finally {
  await contender.close()
  server?.child.kill()
}
