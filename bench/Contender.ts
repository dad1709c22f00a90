/**
 * What every benchmarked library implements: one function per scenario, all returning the plain
 * `ScenarioOutput` the harness checks. A contender is built once (clients, runtimes, layers) outside
 * the timed region, the way an application builds them once at start-up.
 */
import {
  type AgentRunOutput,
  agentPrompt,
  type BatchOutput,
  batchLines,
  batchPrompt,
  requestPrompt,
  type ScenarioName,
  type ScenarioOutput,
  type Sizes,
  type StreamOutput,
  streamPrompt
} from "./scenarios.js"

/** The contenders, in the order they run and print; the first is the baseline of the ratios. */
export const contenderNames = ["raw-sdk", "effect-claude", "effect-ai", "vercel-ai"] as const

/** A contender's name. */
export type ContenderName = (typeof contenderNames)[number]

/** Whether a string names a contender. */
export const isContenderName = (name: string): name is ContenderName =>
  (contenderNames as ReadonlyArray<string>).includes(name)

/** How each contender is shown in the table. */
export const contenderLabels: Record<ContenderName, string> = {
  "raw-sdk": "raw @anthropic-ai/sdk",
  "effect-claude": "effect-claude",
  "effect-ai": "@effect/ai-anthropic",
  "vercel-ai": "Vercel ai + @ai-sdk/anthropic"
}

/**
 * Whether a contender can run a scenario: a peer without a Message Batches API sits the batch
 * scenarios out (`n/a` in the table).
 */
export const supports = (name: ContenderName, scenario: ScenarioName): boolean =>
  !scenario.startsWith("batch-results") || name === "raw-sdk" || name === "effect-claude"

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

/**
 * What a contender module implements: each scenario's own work, on the prompts the harness made,
 * returning plain results (`fromScenarios` makes the `Contender`). Everything runs in the timed region.
 */
export interface Scenarios {
  /** `stream-10k`: streams the answer to `prompt`; its text, and how many text deltas it came in. */
  readonly stream: (prompt: string) => Promise<StreamOutput>
  /** `request-1k`: one non-streamed request per prompt, one after the other; the answers' texts. */
  readonly requests: (prompts: ReadonlyArray<string>) => Promise<ReadonlyArray<string>>
  /** `agent-3-tools`: one agent run per prompt against the server, all at once. */
  readonly agents: (prompts: ReadonlyArray<string>) => Promise<ReadonlyArray<AgentRunOutput>>
  /** `loop-overhead`: one agent run per prompt against the in-process fake model, one after the other. */
  readonly fakeAgents: (prompts: ReadonlyArray<string>) => Promise<ReadonlyArray<AgentRunOutput>>
  /** `concurrent-streams`: streams the answers to all prompts at once (default: `stream` each, `Promise.all`). */
  readonly streams?: ((prompts: ReadonlyArray<string>) => Promise<ReadonlyArray<StreamOutput>>) | undefined
  /**
   * `batch-results-*`: submits a batch of one item with `prompt` (the server sizes its results file
   * from it) and streams and decodes the results file, counting the results and the right ones.
   * Only for contenders that `supports` the batch scenarios.
   */
  readonly batchResults?: ((prompt: string) => Promise<BatchOutput>) | undefined
  /** Releases clients and runtimes (default: nothing to release). */
  readonly close?: (() => Promise<void>) | undefined
}

const prompts = (count: number, prompt: (index: number) => string): ReadonlyArray<string> =>
  Array.from({ length: count }, (_, index) => prompt(index))

/** A contender from its scenarios: makes each scenario's prompts and tags the results. */
export const fromScenarios = (scenarios: Scenarios): Contender => ({
  run: async (scenario, sizes) => {
    switch (scenario) {
      case "concurrent-streams": {
        const streamPrompts = prompts(sizes.concurrentStreams, () => streamPrompt(sizes.concurrentStreamDeltas))
        const outputs = await (scenarios.streams?.(streamPrompts) ?? Promise.all(streamPrompts.map(scenarios.stream)))
        return { _tag: "streams", outputs }
      }
      case "batch-results-10k":
      case "batch-results-100k": {
        if (scenarios.batchResults === undefined) throw new Error(`${scenario} is not supported`)
        return { _tag: "batch", output: await scenarios.batchResults(batchPrompt(batchLines(scenario, sizes))) }
      }
      case "stream-10k":
        return { _tag: "stream", output: await scenarios.stream(streamPrompt(sizes.streamDeltas)) }
      case "request-1k":
        return { _tag: "requests", texts: await scenarios.requests(prompts(sizes.requests, requestPrompt)) }
      case "agent-3-tools":
        return { _tag: "agent", runs: await scenarios.agents(prompts(sizes.agentRuns, agentPrompt)) }
      case "loop-overhead":
        return { _tag: "agent", runs: await scenarios.fakeAgents(prompts(sizes.loopRuns, agentPrompt)) }
    }
  },
  close: scenarios.close ?? (async () => {})
})

/** `f` on each item, one after the other (for the Promise-based contenders). */
export const sequentially = async <A, B>(items: ReadonlyArray<A>, f: (item: A) => Promise<B>): Promise<Array<B>> => {
  const results: Array<B> = []
  for (const item of items) results.push(await f(item))
  return results
}

/** Loads one contender's module, so a worker process loads only the library it measures. */
export const load = async (name: ContenderName): Promise<MakeContender> => {
  switch (name) {
    case "raw-sdk":
      return (await import("./contenders/RawSdk.js")).make
    case "effect-claude":
      return (await import("./contenders/EffectClaude.js")).make
    case "effect-ai":
      return (await import("./contenders/EffectAi.js")).make
    case "vercel-ai":
      return (await import("./contenders/VercelAi.js")).make
  }
}
