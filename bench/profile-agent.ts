/**
 * A focused timing of the agent scenarios, for profiling effect-claude's loop with `node --cpu-prof`
 * or comparing a change with what it replaces: builds the contenders once, runs one agent scenario
 * in alternating rounds (`interleaved.ts`), checks each output and prints medians of wall and CPU
 * time, per step for `loop-overhead`, and the ratio to the first contender.
 *
 *   npm run build && TSX_TSCONFIG_PATH=bench/tsconfig.dist.json node --expose-gc --import tsx bench/profile-agent.ts
 *   ... bench/profile-agent.ts --contenders raw-sdk,effect-claude --scenario agent-3-tools   # starts its own server
 *   PROFILE=effect-claude ... bench/profile-agent.ts     # only that one; a CPU profile of its timed rounds
 *   npx tsx bench/profile.ts /tmp/profile-agent-effect-claude.cpuprofile --top 40
 *
 * Without TSX_TSCONFIG_PATH, `effect-claude` resolves to src/ (through tsx, whose `keepNames` makes
 * every closure cost a `defineProperty`: profile the build to measure what users run).
 *
 * BASE=DIR adds `base`: the effect-claude contender of another copy of the repository (e.g.
 * `git archive HEAD | tar -x -C DIR`, `npm run build` there, DIR/node_modules linked to this one's and
 * DIR/bench/node_modules/effect-claude linked to `../..`), so a change is measured against what it
 * replaces in the same process. The contender loaded first runs slower (~10% with the same code on
 * both sides, bench/README.md): `--base-first` loads `base` first; run both orders and take the
 * geometric mean of the two ratios. `agent-3-tools` needs the loopback server: without `--base-url` a
 * server process is started (`bench/run.ts --serve`), so its work stays out of this process's profile.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { loadavg } from "node:os"
import { parseArgs } from "node:util"
import { type ContenderName, isContenderName, load, type MakeContender } from "./Contender.js"
import { type Contender, gcFromEnv, runInterleaved, selectContenders, summarize } from "./interleaved.js"
import { checkOutput, expectedOutput, fullSizes, type ScenarioName, type Sizes, toolSteps } from "./scenarios.js"

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "loop-overhead" },
    contenders: { type: "string", default: "effect-claude" },
    rounds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    /** Runs per repetition instead of the scenario's full size (e.g. fewer under valgrind). */
    runs: { type: "string" },
    "base-url": { type: "string" },
    /** Loads, builds and runs `base` first (see BASE= above: the order matters). */
    "base-first": { type: "boolean", default: false }
  }
})

const scenario: ScenarioName = values.scenario === "agent-3-tools" ? "agent-3-tools" : "loop-overhead"
const only = process.env.PROFILE
const baseDirectory = process.env.BASE

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
const expected = expectedOutput(scenario, sizes)
const steps = (scenario === "loop-overhead" ? sizes.loopRuns : sizes.agentRuns) * (toolSteps + 1)

const makers: Array<{ readonly name: string; readonly make: MakeContender }> = []
const loadBase = async () => {
  if (baseDirectory === undefined) return
  const module: { readonly make: MakeContender } = await import(`${baseDirectory}/bench/contenders/EffectClaude.ts`)
  makers.push({ name: "base", make: module.make })
}
if (values["base-first"]) await loadBase()
for (const name of (values.contenders ?? "").split(",")) {
  if (isContenderName(name)) makers.push({ name, make: await load(name as ContenderName) })
}
if (!values["base-first"]) await loadBase()

const built = await Promise.all(makers.map(async ({ name, make }) => ({ name, contender: await make({ baseURL }) })))
const contenders: Array<Contender> = built.map(({ name, contender }) => ({
  name,
  run: async () => {
    const problem = checkOutput(expected, await contender.run(scenario, sizes))
    if (problem !== undefined) throw new Error(`${name}: wrong output: ${problem}`)
  }
}))

try {
  const selected = selectContenders(contenders, undefined, only)
  const times = await runInterleaved(selected, {
    rounds: Number(values.rounds),
    warmup: Number(values.warmup),
    gc: gcFromEnv(true),
    profileTo: only === undefined ? undefined : `/tmp/profile-agent-${only}.cpuprofile`
  })
  const first = summarize(times.get(selected[0]!.name) ?? [])
  console.log(
    `node ${process.version}, ${scenario}, ${values.rounds} rounds (medians), load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`
  )
  for (const { name } of selected) {
    const spent = summarize(times.get(name) ?? [])
    console.log(
      `  ${name.padEnd(14)} wall ${spent.wall.toFixed(0).padStart(6)} ms ${(spent.wall / first.wall).toFixed(2)}x` +
        `   cpu ${spent.cpu.toFixed(0).padStart(6)} ms ${(spent.cpu / first.cpu).toFixed(2)}x (min ${spent.minCpu.toFixed(0)})` +
        `   ${((spent.cpu * 1000) / steps).toFixed(1)} µs cpu per step`
    )
  }
} finally {
  for (const { contender } of built) await contender.close()
  server?.child.kill()
}
