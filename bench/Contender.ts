/**
 * What every benchmarked library implements: one function per scenario, all returning the plain
 * `ScenarioOutput` the harness checks. A contender is built once (clients, runtimes, layers) outside
 * the timed region, the way an application builds them once at start-up.
 */
import type { ScenarioName, ScenarioOutput, Sizes } from "./scenarios.js"

/** The contenders, in the order they run and print; the first is the baseline of the ratios. */
export const contenderNames = ["raw-sdk", "effect-agent", "effect-ai", "vercel-ai"] as const

/** A contender's name. */
export type ContenderName = (typeof contenderNames)[number]

/** Whether a string names a contender. */
export const isContenderName = (name: string): name is ContenderName =>
  (contenderNames as ReadonlyArray<string>).includes(name)

/** How each contender is shown in the table. */
export const contenderLabels: Record<ContenderName, string> = {
  "raw-sdk": "raw @anthropic-ai/sdk",
  "effect-agent": "effect-agent",
  "effect-ai": "@effect/ai-anthropic",
  "vercel-ai": "Vercel ai + @ai-sdk/anthropic"
}

/** Where a contender points. */
export interface ContenderOptions {
  /** The loopback server's origin, e.g. `http://127.0.0.1:40123` (no `/v1`). */
  readonly baseURL: string
}

/** A built contender. */
export interface Contender {
  /** Runs one repetition of a scenario and returns what it produced. */
  readonly run: (scenario: ScenarioName, sizes: Sizes) => Promise<ScenarioOutput>
  /** Releases clients and runtimes. */
  readonly close: () => Promise<void>
}

/** How a contender module builds its contender. */
export type MakeContender = (options: ContenderOptions) => Promise<Contender>

/** Loads one contender's module, so a worker process loads only the library it measures. */
export const load = async (name: ContenderName): Promise<MakeContender> => {
  switch (name) {
    case "raw-sdk":
      return (await import("./contenders/RawSdk.js")).make
    case "effect-agent":
      return (await import("./contenders/EffectAgent.js")).make
    case "effect-ai":
      return (await import("./contenders/EffectAi.js")).make
    case "vercel-ai":
      return (await import("./contenders/VercelAi.js")).make
  }
}
