/**
 * The timing loop the layer-by-layer drivers share (`profile-stream.ts`, `profile-request.ts`):
 * contenders alternate in one process, who goes first rotates each round, and each timed run
 * records wall, CPU (user + system of this process) and user time.
 */
import { existsSync } from "node:fs"
import { writeFile } from "node:fs/promises"
import { Session } from "node:inspector/promises"
import { collectAllGarbage, collectYoungGarbage } from "./collectGarbage.js"

/** One way of doing the measured work. */
export interface Contender {
  readonly name: string
  readonly run: () => Promise<void>
}

/** What one run cost, in milliseconds. */
export interface Spent {
  readonly wall: number
  readonly cpu: number
  readonly user: number
}

/** The median (upper middle) of some values; NaN for none. */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** Medians of a contender's runs, and its fastest run. */
export const summarize = (spent: ReadonlyArray<Spent>) => ({
  wall: median(spent.map((one) => one.wall)),
  cpu: median(spent.map((one) => one.cpu)),
  user: median(spent.map((one) => one.user)),
  minWall: Math.min(...spent.map((one) => one.wall)),
  minCpu: Math.min(...spent.map((one) => one.cpu))
})

/**
 * The GC to run before each timed run: a minor GC, as `npm run bench` does (`GC=1`, or `GC` unset and
 * `byDefault` true); `GC=full` a full GC, which deoptimizes (see `collectGarbage.ts`); `GC=0` none.
 */
export const gcFromEnv = (byDefault: boolean): (() => void) | undefined => {
  const setting = process.env.GC ?? (byDefault ? "1" : "0")
  return setting === "full" ? collectAllGarbage : setting === "1" ? collectYoungGarbage : undefined
}

/** The contenders to run: `only` (when profiling one), else those named on the command line, else all. */
export const selectContenders = <C extends Contender>(
  all: ReadonlyArray<C>,
  names: ReadonlyArray<string> | undefined,
  only: string | undefined
): Array<C> =>
  all.filter((one) => (only !== undefined ? one.name === only : names === undefined || names.includes(one.name)))

/** Options of `runInterleaved`. */
export interface Options {
  readonly rounds: number
  /** Untimed runs of each contender first (default 3). */
  readonly warmup?: number | undefined
  /** Called before each timed run (a GC, when the driver asks for one). */
  readonly gc?: (() => void) | undefined
  /** Writes a CPU profile of the timed rounds (not the warm-up) to this path. */
  readonly profileTo?: string | undefined
}

const time = async (run: () => Promise<void>, gc: (() => void) | undefined): Promise<Spent> => {
  gc?.()
  const start = performance.now()
  const cpuStart = process.cpuUsage()
  await run()
  const cpu = process.cpuUsage(cpuStart)
  return { wall: performance.now() - start, cpu: (cpu.user + cpu.system) / 1000, user: cpu.user / 1000 }
}

/** Warms every contender up, then times `rounds` alternating rounds; the runs of each contender by name. */
export const runInterleaved = async (
  contenders: ReadonlyArray<Contender>,
  options: Options
): Promise<Map<string, Array<Spent>>> => {
  for (const contender of contenders) for (let i = 0; i < (options.warmup ?? 3); i++) await contender.run()
  const times = new Map<string, Array<Spent>>(contenders.map((one) => [one.name, []]))
  const session = options.profileTo === undefined ? undefined : new Session()
  if (session !== undefined) {
    session.connect()
    await session.post("Profiler.enable")
    await session.post("Profiler.setSamplingInterval", { interval: 100 })
    await session.post("Profiler.start")
  }
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(round + i) % contenders.length]
      if (contender !== undefined) times.get(contender.name)?.push(await time(contender.run, options.gc))
    }
  }
  if (session !== undefined && options.profileTo !== undefined) {
    const { profile } = await session.post("Profiler.stop")
    await writeFile(options.profileTo, JSON.stringify(profile))
    session.disconnect()
  }
  return times
}

/**
 * effect-claude's `core` and `anthropic` modules from another copy of the library (`BASE=DIR`):
 * DIR/dist when built (as `npm run bench` loads the library), else DIR/src.
 */
const loadBase = async (
  directory: string
): Promise<{
  readonly core: typeof import("effect-claude")
  readonly anthropic: typeof import("effect-claude/anthropic")
}> => {
  const root = existsSync(`${directory}/dist/index.js`) ? `${directory}/dist` : `${directory}/src`
  const extension = root.endsWith("dist") ? "js" : "ts"
  return {
    core: await import(`${root}/index.${extension}`),
    anthropic: await import(`${root}/anthropic/index.${extension}`)
  }
}

/** Builds the `model` contender (or `base`) of a driver over one copy of the library's modules. */
export type ModelContender = (
  name: string,
  core: Pick<typeof import("effect-claude"), "Message" | "Model">,
  anthropic: Pick<typeof import("effect-claude/anthropic"), "AnthropicClient" | "AnthropicModel">,
  baseURL: string
) => { readonly contender: Contender; readonly dispose: () => Promise<void> }

/**
 * With `BASE=DIR`, adds `base` to `contenders`: `make` over the copy of the library in DIR, so a
 * change is measured against what it replaces, interleaved in the same process.
 */
export const addBase = async (
  make: ModelContender,
  baseURL: string,
  contenders: Array<Contender>,
  disposers: Array<() => Promise<void>>
): Promise<void> => {
  const directory = process.env.BASE
  if (directory === undefined) return
  const { core, anthropic } = await loadBase(directory)
  const base = make("base", core, anthropic, baseURL)
  contenders.push(base.contender)
  disposers.push(base.dispose)
}
