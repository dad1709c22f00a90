/**
 * `npm run bench`: every scenario, every contender, one run. This process hosts the loopback server
 * and forks workers (`worker.ts`): one per scenario for the timings (all contenders alternating in
 * it), then one per contender and scenario for peak RSS. Prints the table and writes
 * `bench/results.md` and `bench/results.json`.
 *
 *   npm run bench                       all scenarios, full sizes
 *   npm run bench -- --quick            tiny sizes, no RSS processes, no files written (the smoke run of
 *                                       `npm test`; add --memory for RSS, --out DIR for files)
 *   npm run bench -- --scenarios stream-10k,request-1k --reps 9
 *   npm run bench -- --runs 2           measure everything twice; a target is met only if met in both runs
 *                                       (results.md shows each run's table and figures); run k's timing
 *                                       workers load the contenders rotated by k - 1 (see `loadOrderOfRun`)
 *   npm run bench -- --from src         effect-claude from src/ and the workers through tsx (default: the built
 *                                       dist/, as users get it, and the workers compiled to JavaScript too)
 *   npm run bench -- --no-profile       skip the CPU profiles of the scenarios whose time target was missed
 *                                       (a full run takes one per such scenario and writes them into results.md)
 *   npm run bench -- --serve            only start the server and print its URL (for profiling a worker)
 *   npm run bench -- --render bench/results.json   rewrite results.md from a results.json
 */
import { execFile, fork } from "node:child_process"
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { judgedAcrossRuns, loadOrderOfRun } from "./acrossRuns.js"
import { type ContenderName, contenderNames, isContenderName, supports } from "./Contender.js"
import { readProfile, summarizeProfile } from "./profileSummary.js"
import {
  type ContenderResult,
  markdown,
  missedScenarios,
  type Report,
  type RunRecord,
  type ScenarioProfile,
  type ScenarioResult,
  scenarioInfo,
  summarize,
  table,
  type Verdict,
  verdicts,
  withRatios
} from "./report.js"
import { fullSizes, isScenarioName, quickSizes, type ScenarioName, scenarioNames } from "./scenarios.js"
import * as Server from "./server.js"
import type { WorkerResult } from "./worker.js"

const workerPath = fileURLToPath(new URL("./worker.ts", import.meta.url))
/** `worker.ts` and the contenders compiled by `tsconfig.dist.json` (see `compile`). */
const compiledWorkerPath = fileURLToPath(new URL("./.tmp/dist/worker.js", import.meta.url))
const repositoryRoot = fileURLToPath(new URL("..", import.meta.url))

/** Where the workers load effect-claude from: the compiled package users install, or the sources. */
type Source = "dist" | "src"

/**
 * Runs `tsc -p project`: `tsconfig.build.json` compiles `src/` to `dist/` (`npm run build`),
 * `bench/tsconfig.dist.json` the workers to `bench/.tmp/dist/`. Type errors still emit, so they only warn.
 */
const compile = (project: string): Promise<void> =>
  new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url)), "-p", project],
      { cwd: repositoryRoot, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout) => {
        if (error === null) return resolve()
        if (error.code === 1 || error.code === 2) {
          process.stderr.write(`warning: tsc reported errors, dist/ was emitted anyway:\n${stdout.slice(0, 2000)}\n`)
          return resolve()
        }
        reject(error)
      }
    )
  )

interface WorkerArgs {
  readonly contenders: ReadonlyArray<ContenderName>
  readonly scenarios: ReadonlyArray<ScenarioName>
  readonly quick: boolean
  readonly warmup: number
  readonly reps: number
  readonly budgetMs: number
  readonly baseURL: string
  readonly source: Source
  /** More Node flags for the worker, e.g. `--cpu-prof`. */
  readonly nodeFlags?: ReadonlyArray<string> | undefined
}

/**
 * Forks a worker and waits for its result. Against `dist/` the worker is plain JavaScript under plain
 * Node, as an application runs: under tsx every module loaded (the contenders' libraries included)
 * also goes through tsx's loader thread, which added 30-40 MB to every worker's peak RSS and more the
 * more modules a library has (effect: ~600), so it skewed the memory comparison.
 */
const runWorker = (args: WorkerArgs): Promise<WorkerResult> =>
  new Promise((resolve, reject) => {
    const child = fork(
      args.source === "dist" ? compiledWorkerPath : workerPath,
      [
        "--contenders",
        args.contenders.join(","),
        "--scenarios",
        args.scenarios.join(","),
        "--warmup",
        String(args.warmup),
        "--reps",
        String(args.reps),
        "--budget-ms",
        String(args.budgetMs),
        "--base-url",
        args.baseURL,
        ...(args.quick ? ["--quick"] : [])
      ],
      {
        // From dist, `effect-claude` resolves through package.json `exports` to dist/ (the compiled worker
        // lies inside the package); from src, tsx maps it to src/ through tsconfig.json's `paths`.
        execArgv: [
          ...(args.source === "dist" ? ["--expose-gc"] : ["--import", "tsx", "--expose-gc"]),
          ...(args.nodeFlags ?? [])
        ],
        stdio: ["ignore", "inherit", "inherit", "ipc"]
      }
    )
    let result: WorkerResult | undefined
    child.on("message", (message) => {
      result = message as WorkerResult
    })
    child.on("error", reject)
    child.on("exit", (code) => {
      if (result !== undefined) resolve(result)
      else
        reject(new Error(`worker for ${args.contenders.join(",")} / ${args.scenarios.join(",")} exited with ${code}`))
    })
  })

/** How many functions a missed target's profile lists. */
const profileTop = 15

/**
 * For each scenario with a missed time target, a CPU profile of a worker running effect-claude
 * alone on it (one warm-up, three timed runs), summed by package and function for `results.md`.
 */
const profileMissed = async (
  judged: ReadonlyArray<Verdict>,
  base: Omit<WorkerArgs, "contenders" | "scenarios">,
  log: (line: string) => void
): Promise<Array<ScenarioProfile>> => {
  const profiles: Array<ScenarioProfile> = []
  for (const scenario of missedScenarios(judged, "time")) {
    log(`CPU profile of effect-claude on ${scenario} (a missed target)…`)
    const directory = await mkdtemp(path.join(os.tmpdir(), `bench-profile-${scenario}-`))
    try {
      await runWorker({
        ...base,
        contenders: ["effect-claude"],
        scenarios: [scenario],
        warmup: 1,
        reps: 3,
        nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${directory}`]
      })
      const [file] = (await readdir(directory)).filter((name) => name.endsWith(".cpuprofile"))
      if (file === undefined) throw new Error(`the worker on ${scenario} wrote no CPU profile`)
      profiles.push({ scenario, summary: summarizeProfile(await readProfile(path.join(directory, file)), profileTop) })
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  }
  return profiles
}

/** Runs `tasks` with at most `limit` at a time, keeping their order in the results. */
const limited = async <A>(limit: number, tasks: ReadonlyArray<() => Promise<A>>): Promise<Array<A>> => {
  const results: Array<A> = new Array(tasks.length)
  let next = 0
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++
      results[index] = await tasks[index]!()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane))
  return results
}

const listOf = <A extends string>(value: string | undefined, all: ReadonlyArray<A>, is: (s: string) => s is A) =>
  value === undefined
    ? all
    : value.split(",").map((name) => {
        if (!is(name)) throw new Error(`unknown name ${name}; expected one of ${all.join(", ")}`)
        return name
      })

const main = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      scenarios: { type: "string" },
      contenders: { type: "string" },
      reps: { type: "string" },
      warmup: { type: "string" },
      "budget-ms": { type: "string" },
      memory: { type: "boolean" },
      profile: { type: "boolean" },
      "no-profile": { type: "boolean", default: false },
      "no-memory": { type: "boolean", default: false },
      out: { type: "string" },
      from: { type: "string" },
      build: { type: "boolean", default: true },
      "no-build": { type: "boolean", default: false },
      serve: { type: "boolean", default: false },
      render: { type: "string" },
      runs: { type: "string" }
    }
  })
  if (values.render !== undefined) {
    // Re-renders results.md from a results.json (after a change of the report's wording).
    const report: Report = { profiles: [], ...JSON.parse(await readFile(values.render, "utf8")) }
    await writeFile(values.render.replace(/\.json$/, ".md"), markdown(report))
    return 0
  }
  const server = await Server.start()
  if (values.serve) {
    process.stdout.write(`MockAnthropicServer listening at ${server.baseURL} (Ctrl-C to stop)\n`)
    await new Promise<never>(() => {})
  }
  const quick = values.quick
  const scenarios = listOf(values.scenarios, scenarioNames, isScenarioName)
  const contenders = listOf(values.contenders, contenderNames, isContenderName)
  const sizes = quick ? quickSizes : fullSizes
  const warmup = Number(values.warmup ?? (quick ? 0 : 2))
  const reps = Number(values.reps ?? (quick ? 2 : 7))
  const runCount = Math.max(1, Number(values.runs ?? 1))
  const budgetMs = Number(values["budget-ms"] ?? (quick ? Number.POSITIVE_INFINITY : 30_000))
  // The smoke run skips the RSS processes (seconds each) unless asked for them.
  const measureMemory = (values.memory ?? !quick) && !values["no-memory"]
  const source: Source = values.from === "src" || values.from === "dist" ? values.from : quick ? "src" : "dist"
  if (source === "dist") {
    if (values.build && !values["no-build"]) {
      process.stderr.write("building dist/ (tsc -p tsconfig.build.json)…\n")
      await compile("tsconfig.build.json")
    }
    process.stderr.write("compiling the workers (tsc -p bench/tsconfig.dist.json)…\n")
    await compile("bench/tsconfig.dist.json")
  }
  const base = { quick, warmup, reps, budgetMs, baseURL: server.baseURL, source }
  const log = (line: string) => process.stderr.write(`${line}\n`)

  try {
    /** One run: the timings, then (unless skipped) the peak RSS processes, and the targets judged on them. */
    const measure = async (runIndex: number): Promise<RunRecord> => {
      const date = new Date().toISOString()
      const loadAverageBefore = os.loadavg()
      const loadOrder = loadOrderOfRun(contenders, runIndex)
      // Timings: quick runs everything in one process; a full run gives each scenario a fresh one.
      const timingGroups = quick ? [scenarios] : scenarios.map((scenario) => [scenario])
      const timing: Array<WorkerResult> = []
      for (const group of timingGroups) {
        log(
          `timing ${group.join(", ")} (${loadOrder.join(", ")} loaded in that order, ${warmup} warm-up, ${reps} reps)…`
        )
        timing.push(await runWorker({ ...base, contenders: loadOrder, scenarios: group }))
      }

      // Memory: one process per contender (and per scenario in a full run), one run, no warm-up.
      const memoryJobs = contenders.flatMap((contender) =>
        (quick ? [scenarios] : scenarios.map((scenario) => [scenario]))
          .map((group) => group.filter((scenario) => supports(contender, scenario)))
          .filter((group) => group.length > 0)
          .map((group) => ({ contender, group }))
      )
      const memory = measureMemory
        ? await limited(
            // One at a time: two cold bursts of 200 concurrent runs would saturate a 2-core machine and
            // disturb each other's peak.
            1,
            memoryJobs.map(({ contender, group }) => async () => {
              log(`peak RSS of ${contender} on ${group.join(", ")}…`)
              const result = await runWorker({ ...base, contenders: [contender], scenarios: group, warmup: 0, reps: 1 })
              return { contender, group, result }
            })
          )
        : []

      const scenarioResults: Array<ScenarioResult> = scenarios.map((scenario) => {
        const info = scenarioInfo(scenario, sizes)
        const results: Array<ContenderResult> = contenders
          .filter((contender) => supports(contender, scenario))
          .map((contender) => {
            const samples = timing.flatMap((worker) => worker.timings[scenario]?.[contender] ?? [])
            const cpuSamples = timing.flatMap((worker) => worker.cpuTimes[scenario]?.[contender] ?? [])
            const rss = memory.find((job) => job.contender === contender && job.group.includes(scenario))
            const failures = [...timing, ...(rss === undefined ? [] : [rss.result])]
              .flatMap((worker) => worker.failures)
              .filter((failure) => failure.scenario === scenario && failure.contender === contender)
              .map((failure) => `repetition ${failure.repetition}: ${failure.message}`)
            return summarize(
              contender,
              samples,
              cpuSamples,
              info.units,
              rss === undefined ? undefined : rss.result.peakRssBytes / 1_000_000,
              rss === undefined ? undefined : rss.result.loadedRssBytes / 1_000_000,
              failures
            )
          })
        const unsupported = contenders.filter((contender) => !supports(contender, scenario))
        return {
          scenario,
          description: info.description,
          unit: info.unit,
          contenders: withRatios(results),
          unsupported
        }
      })

      return {
        date,
        loadAverageBefore,
        loadAverageAfter: os.loadavg(),
        loadOrder,
        scenarios: scenarioResults,
        verdicts: verdicts(scenarioResults, sizes)
      }
    }

    const runs: Array<RunRecord> = []
    for (let run = 1; run <= runCount; run++) {
      if (runCount > 1) log(`run ${run} of ${runCount}…`)
      runs.push(await measure(run - 1))
    }
    const lastRun = runs[runs.length - 1]!
    const scenarioResults = lastRun.scenarios
    // The harness alone (Node and the bench code): what every contender's peak RSS starts from.
    const baseline = measureMemory
      ? await runWorker({ ...base, contenders: [], scenarios: [], warmup: 0, reps: 0 })
      : undefined

    const scenarioVerdicts = judgedAcrossRuns(runs.map((run) => run.verdicts))
    // A full run profiles effect-claude wherever it missed a time target (for results.md).
    const profile = (values.profile ?? !quick) && !values["no-profile"]
    const profiles =
      profile && contenders.includes("effect-claude") ? await profileMissed(scenarioVerdicts, base, log) : []

    const cpus = os.cpus()
    const report: Report = {
      date: lastRun.date,
      machine: {
        cpu: cpus[0]?.model ?? "unknown CPU",
        cores: cpus.length,
        memoryGb: Math.round(os.totalmem() / 1024 ** 3),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        loadAverageBefore: lastRun.loadAverageBefore,
        loadAverageAfter: lastRun.loadAverageAfter
      },
      loadOrder: lastRun.loadOrder,
      quick,
      effectClaudeFrom: source,
      sizes,
      warmup,
      reps,
      budgetMs: Number.isFinite(budgetMs) ? budgetMs : null,
      harnessRssMb: baseline === undefined ? null : baseline.peakRssBytes / 1_000_000,
      scenarios: scenarioResults,
      verdicts: scenarioVerdicts,
      earlierRuns: runs.slice(0, -1),
      profiles
    }

    process.stdout.write(`\n${table(report.scenarios)}\n\n`)
    for (const verdict of report.verdicts) {
      process.stdout.write(`${verdict.met ? "met   " : "MISSED"} ${verdict.target} (${verdict.detail})\n`)
    }
    const wrong = runs.flatMap((run) =>
      run.scenarios.flatMap((s) => s.contenders.filter((c) => !c.correct).map((c) => [s, c] as const))
    )
    for (const [scenario, result] of wrong) {
      process.stdout.write(`WRONG OUTPUT ${scenario.scenario} / ${result.label}: ${result.failures[0]}\n`)
    }

    const out = values.out ?? (quick ? undefined : fileURLToPath(new URL(".", import.meta.url)))
    if (out !== undefined) {
      const directory = out.endsWith("/") ? out : `${out}/`
      await mkdir(directory, { recursive: true })
      await writeFile(`${directory}results.json`, `${JSON.stringify(report, null, 2)}\n`)
      await writeFile(`${directory}results.md`, markdown(report))
      process.stdout.write(`\nwrote ${directory}results.md and results.json\n`)
    }
    return wrong.length === 0 ? 0 : 1
  } finally {
    await server.close()
  }
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 2
  }
)
