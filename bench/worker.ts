/**
 * One benchmark process: builds the named contenders, then for each scenario runs the warm-up and
 * the timed repetitions, alternating contenders (rotating who goes first), checks every output and
 * reports timings and its own peak RSS. `run.ts` forks it (timing: all contenders in one process so
 * they share the machine's state; memory: one contender per process so its RSS is its own).
 *
 * By hand, e.g. to profile one contender:
 *   node --cpu-prof --import tsx bench/worker.ts --contenders effect-claude --scenarios stream-10k --base-url http://127.0.0.1:PORT
 * (with a server from `tsx bench/run.ts --serve`).
 */
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { type Contender, type ContenderName, contenderNames, isContenderName, load, supports } from "./Contender.js"
import { collectAllGarbage, collectYoungGarbage } from "./collectGarbage.js"
import {
  checkOutput,
  expectedOutput,
  fullSizes,
  isScenarioName,
  quickSizes,
  type ScenarioName,
  type Sizes,
  scenarioNames
} from "./scenarios.js"

/** What the worker was asked to do. */
export interface WorkerRequest {
  readonly contenders: ReadonlyArray<ContenderName>
  readonly scenarios: ReadonlyArray<ScenarioName>
  readonly sizes: Sizes
  readonly warmup: number
  readonly reps: number
  /**
   * Time a contender may spend on one scenario's timed repetitions: a contender whose warm-up run
   * took longer than `budgetMs / reps` runs fewer repetitions (at least `minReps`), so one slow
   * peer does not stretch the whole benchmark.
   */
  readonly budgetMs: number
  readonly baseURL: string
}

/** The fewest timed repetitions a contender runs, whatever its budget. */
export const minReps = 3

/** A failed output check. */
export interface CheckFailure {
  readonly scenario: ScenarioName
  readonly contender: ContenderName
  readonly repetition: number
  readonly message: string
}

/** What the worker reports. */
export interface WorkerResult {
  /** Wall time of each timed repetition, in milliseconds, by scenario and contender. */
  readonly timings: Partial<Record<ScenarioName, Partial<Record<ContenderName, ReadonlyArray<number>>>>>
  /**
   * CPU time (user + system, all threads) this process spent in each timed repetition, in
   * milliseconds: the client's own work, which other processes on the machine disturb far less
   * than wall time (the server runs in the parent process).
   */
  readonly cpuTimes: Partial<Record<ScenarioName, Partial<Record<ContenderName, ReadonlyArray<number>>>>>
  readonly failures: ReadonlyArray<CheckFailure>
  /** Peak resident set size of this process, in bytes. */
  readonly peakRssBytes: number
  /**
   * Resident set size once the contenders are loaded and built, before any scenario (after a
   * garbage collection), in bytes: what importing the libraries costs, which the peak includes.
   */
  readonly loadedRssBytes: number
}

// tsx turns source maps on; Node would then read and keep the map of every module loaded from here
// on (dist/ and most packages ship them), which no production process pays for.
process.setSourceMapsEnabled(false)

/** Runs the request in this process. */
export const runWorker = async (request: WorkerRequest): Promise<WorkerResult> => {
  const built: Array<readonly [ContenderName, Contender]> = []
  for (const name of request.contenders) {
    const make = await load(name)
    built.push([name, await make({ baseURL: request.baseURL })])
  }
  collectAllGarbage()
  const loadedRssBytes = process.memoryUsage().rss
  const timings: Record<string, Record<string, Array<number>>> = {}
  const cpuTimes: Record<string, Record<string, Array<number>>> = {}
  const failures: Array<CheckFailure> = []
  // When each contender last finished a run: a failure reports how long its connections sat idle.
  const lastEnd = new Map<ContenderName, number>()
  try {
    for (const scenario of request.scenarios) {
      const expected = expectedOutput(scenario, request.sizes)
      const perContender: Record<string, Array<number>> = {}
      const cpuPerContender: Record<string, Array<number>> = {}
      timings[scenario] = perContender
      cpuTimes[scenario] = cpuPerContender
      const once = async (
        name: ContenderName,
        contender: Contender,
        repetition: number
      ): Promise<{ readonly elapsed: number; readonly cpu: number }> => {
        // Let the event loop handle what the previous run left pending (e.g. the server closing idle
        // keep-alive sockets), so this run does not pick a socket that is already closing.
        await new Promise((resolve) => setTimeout(resolve, 25))
        // A minor GC, not a full one: see collectGarbage.ts.
        collectYoungGarbage()
        const cpuStart = process.cpuUsage()
        const start = performance.now()
        let elapsed: number
        let cpu: NodeJS.CpuUsage
        try {
          const output = await contender.run(scenario, request.sizes)
          elapsed = performance.now() - start
          cpu = process.cpuUsage(cpuStart)
          const difference = checkOutput(expected, output)
          if (difference !== undefined) failures.push({ scenario, contender: name, repetition, message: difference })
        } catch (error) {
          elapsed = performance.now() - start
          cpu = process.cpuUsage(cpuStart)
          const previous = lastEnd.get(name)
          const idle =
            previous === undefined ? "" : ` [idle ${((start - previous) / 1000).toFixed(1)} s before this run]`
          failures.push({ scenario, contender: name, repetition, message: `threw: ${describe(error)}${idle}` })
        }
        lastEnd.set(name, performance.now())
        return { elapsed, cpu: (cpu.user + cpu.system) / 1000 }
      }
      const repsOf = new Map<ContenderName, number>()
      for (let i = 0; i < request.warmup; i++) {
        for (const [name, contender] of built) {
          if (!supports(name, scenario)) continue
          // One warm-up is enough for a contender too slow for its full number of repetitions.
          if (i > 0 && (repsOf.get(name) ?? request.reps) < request.reps) continue
          const { elapsed } = await once(name, contender, -1 - i)
          repsOf.set(name, Math.min(request.reps, Math.max(minReps, Math.floor(request.budgetMs / elapsed))))
        }
      }
      for (let repetition = 0; repetition < request.reps; repetition++) {
        // Rotate who goes first, so no contender always runs right after the same other one.
        for (let k = 0; k < built.length; k++) {
          const [name, contender] = built[(repetition + k) % built.length]!
          if (!supports(name, scenario) || repetition >= (repsOf.get(name) ?? request.reps)) continue
          const { elapsed, cpu } = await once(name, contender, repetition)
          const samples = perContender[name] ?? []
          samples.push(elapsed)
          perContender[name] = samples
          const cpuSamples = cpuPerContender[name] ?? []
          cpuSamples.push(cpu)
          cpuPerContender[name] = cpuSamples
        }
      }
    }
  } finally {
    for (const [, contender] of built) await contender.close()
  }
  // `maxRSS` is in kilobytes.
  return { timings, cpuTimes, failures, peakRssBytes: process.resourceUsage().maxRSS * 1024, loadedRssBytes }
}

const describe = (error: unknown): string => {
  if (error instanceof Error) {
    const cause = error.cause === undefined ? "" : ` (cause: ${describe(error.cause)})`
    return `${error.name}: ${error.message}${cause}`
  }
  if (typeof error === "object" && error !== null && "_tag" in error) return JSON.stringify(error).slice(0, 500)
  return String(error)
}

const listOf = <A extends string>(value: string | undefined, all: ReadonlyArray<A>, is: (s: string) => s is A) => {
  if (value === undefined || value === "all") return all
  if (value === "none" || value === "") return []
  return value.split(",").map((name) => {
    if (!is(name)) throw new Error(`unknown name ${name}; expected one of ${all.join(", ")}`)
    return name
  })
}

const main = async () => {
  const { values } = parseArgs({
    options: {
      contenders: { type: "string" },
      scenarios: { type: "string" },
      quick: { type: "boolean", default: false },
      warmup: { type: "string", default: "1" },
      reps: { type: "string", default: "3" },
      "budget-ms": { type: "string", default: "Infinity" },
      "base-url": { type: "string", default: "http://127.0.0.1:1" }
    }
  })
  const request: WorkerRequest = {
    contenders: listOf(values.contenders, contenderNames, isContenderName),
    scenarios: listOf(values.scenarios, scenarioNames, isScenarioName),
    sizes: values.quick ? quickSizes : fullSizes,
    warmup: Number(values.warmup),
    reps: Number(values.reps),
    budgetMs: Number(values["budget-ms"]),
    baseURL: values["base-url"]
  }
  const result = await runWorker(request)
  if (process.send !== undefined) {
    process.send(result)
    process.disconnect()
  } else {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  }
  process.exitCode = result.failures.length === 0 ? 0 : 1
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${describe(error)}\n`)
    process.exit(2)
  })
}
