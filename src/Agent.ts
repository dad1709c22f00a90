/**
 * An agent: instructions, tools and an output type, run against whatever `Model` the program
 * provides. A run is one `Effect`: it sends the prompt, runs the tools the model calls, sends their
 * results back and loops until the model gives a valid output, within usage limits.
 *
 * - `run` gives the `RunResult`; `runStream` streams the model's part events and tool events, the
 *   last event carrying the `RunResult`; `iter` lets you drive the loop node by node.
 * - Tool handlers' errors join the run's error channel, and their requirements the run's.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { Agent, Message, Tool } from "effect-claude"
 * import { FunctionModel } from "effect-claude/testing"
 *
 * const weather = Tool.make("get_weather", {
 *   description: "Current weather for a city",
 *   parameters: Schema.Struct({ city: Schema.String }),
 *   handler: ({ city }) => Effect.succeed(`Sunny in ${city}`)
 * })
 *
 * const agent = Agent.make({ instructions: "Be brief.", tools: [weather] })
 *
 * const program = Agent.run(agent, "Weather in Paris?").pipe(
 *   Effect.map((result) => result.output),
 *   Effect.provide(FunctionModel.layer(() => Effect.succeed([new Message.TextPart({ content: "Sunny." })])))
 * )
 */
import * as Pipeable from "effect/Pipeable"
import type * as Schema from "effect/Schema"
import type { BuiltinTool } from "./BuiltinTool.js"
import type * as DeferredTools from "./DeferredTools.js"
import type * as HistoryProcessor from "./HistoryProcessor.js"
import type * as Instructions from "./Instructions.js"
import { type Agent, type EndStrategy, TypeId } from "./internal/agent/types.js"
import type { ModelSettings } from "./ModelSettings.js"
import * as Output from "./Output.js"
import type * as Prepare from "./Prepare.js"
import type { RunContext } from "./RunContext.js"
import type * as Tool from "./Tool.js"
import type * as Toolset from "./Toolset.js"
import type { UsageLimits } from "./Usage.js"

// The functions that run agents, delegation, and the types of agents and runs live in
// internal/agent (this module would not fit one file otherwise); their docs are there.
export { type AsToolOptions, asTool } from "./internal/agent/asTool.js"
export { iter, resume, resumeStream, run, runStream, streamOutput } from "./internal/agent/entryPoints.js"
export type {
  Agent,
  AgentNode,
  AgentRun,
  CallToolsNode,
  End,
  EndStrategy,
  ModelRequestNode,
  RunError,
  RunOptions,
  RunResult
} from "./internal/agent/types.js"
export { TypeId } from "./internal/agent/types.js"

/**
 * Options of `make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<
  Tools extends ReadonlyArray<Tool.Any>,
  O,
  OI,
  OE,
  OR,
  Toolsets extends ReadonlyArray<Toolset.Any> = readonly [],
  IE = never,
  IR = never,
  Processors extends ReadonlyArray<HistoryProcessor.Any> = readonly [],
  PE = Prepare.NoHook,
  PR = Prepare.NoHook
> {
  readonly name?: string | undefined
  /**
   * Instructions sent with every request of a run; not replayed from history. Text, or Effects
   * reading `RunContext` (and services), evaluated before each request.
   */
  readonly instructions?: Instructions.Instruction<IE, IR> | ReadonlyArray<Instructions.Instruction<IE, IR>> | undefined
  /** System prompts put at the start of a new conversation (kept in its history); text or Effects. */
  readonly systemPrompt?: Instructions.Instruction<IE, IR> | ReadonlyArray<Instructions.Instruction<IE, IR>> | undefined
  /** Change what is sent before each request (in order), never what the run keeps. */
  readonly historyProcessors?: Processors | undefined
  readonly tools?: Tools | undefined
  /** Toolsets resolved before every request, beside `tools`; two tools with one name fail the run. */
  readonly toolsets?: Toolsets | undefined
  /**
   * Before each request, after each tool's own `prepare`: the function tools offered this step
   * (drop one to hide it, change a description or schema; names stay).
   */
  readonly prepareTools?: Prepare.PrepareTools<PE, PR> | undefined
  /** Before each request: changes the step's settings, tool choice or active tools (`Prepare.StepChanges`). */
  readonly prepareStep?: Prepare.PrepareStep<PE, PR> | undefined
  /** Tools the provider runs itself (web search, code execution). */
  readonly builtinTools?: ReadonlyArray<BuiltinTool> | undefined
  /**
   * The output: text (default), a Schema (structured output) or an `Output` spec (an output
   * function `Output.fn`, several ways to end with `Output.union`).
   */
  readonly output?: Output.Output<O, OE, OR> | Schema.Schema<O, OI, OR> | undefined
  readonly settings?: ModelSettings | undefined
  /** Default retries of each tool, and of the output unless `outputRetries` is set (default 1). */
  readonly retries?: number | undefined
  readonly outputRetries?: number | undefined
  readonly endStrategy?: EndStrategy | undefined
  /** Limits of each run; `requestLimit` defaults to 50. */
  readonly usageLimits?: UsageLimits | undefined
  /** How many tool calls of one response run at the same time (default 10). */
  readonly toolConcurrency?: number | undefined
  /** How often a paused turn is continued before the run fails (default 10). */
  readonly maxContinuations?: number | undefined
}

const proto = {
  pipe() {
    // biome-ignore lint/complexity/noArguments: the Pipeable protocol passes its functions as arguments
    return Pipeable.pipeArguments(this, arguments)
  }
}

const asList = <A>(value: A | ReadonlyArray<A> | undefined): ReadonlyArray<A> =>
  value === undefined ? [] : Array.isArray(value) ? value : [value as A]

/** What history processors add to an agent's errors: their own, and the check of what they return. */
type ProcessorsFailure<Processors extends ReadonlyArray<HistoryProcessor.Any>> =
  | HistoryProcessor.Failure<Processors[number]>
  | (Processors extends readonly [] ? never : HistoryProcessor.ProcessingError)

/** What an agent's tools and toolsets add to its errors; toolsets add the check of their names. */
type ToolsFailure<Tools extends ReadonlyArray<Tool.Any>, Toolsets extends ReadonlyArray<Toolset.Any>> =
  | Tool.Failure<Tools[number]>
  | Toolset.Failure<Toolsets[number]>
  | (Toolsets extends readonly [] ? never : Toolset.DuplicateToolName)

/** What an agent's tools and toolsets add to its requirements. */
type ToolsRequirements<Tools extends ReadonlyArray<Tool.Any>, Toolsets extends ReadonlyArray<Toolset.Any>> =
  | Tool.Requirements<Tools[number]>
  | Toolset.Requirements<Toolsets[number]>

/** The pending call of a deferred tool, typed by its name and decoded arguments (a toolset's: untyped). */
type PendingCallOf<T> = T extends Tool.Deferred
  ? T extends Tool.Tool<infer Name, infer _E, infer _R, infer A>
    ? DeferredTools.PendingCallOf<Name, A>
    : DeferredTools.PendingCall
  : never

/**
 * `DeferredTools.PendingCalls` when one of the tools or toolsets may defer its calls (approval,
 * external), its calls typed per deferred tool: checking `toolName` narrows `args`.
 *
 * @since 0.1.0
 * @category models
 */
export type PendingOf<
  Tools extends ReadonlyArray<Tool.Any>,
  Toolsets extends ReadonlyArray<Toolset.Any> = readonly []
> = [Extract<Tools[number] | Toolsets[number], Tool.Deferred>] extends [never]
  ? never
  : DeferredTools.PendingCallsOf<PendingCallOf<Tools[number] | Toolsets[number]>>

/**
 * Builds an agent. Without `output` it answers with text.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <
  const Tools extends ReadonlyArray<Tool.Any> = readonly [],
  O = string,
  OI = O,
  OE = never,
  OR = never,
  const Toolsets extends ReadonlyArray<Toolset.Any> = readonly [],
  IE = never,
  IR = never,
  const Processors extends ReadonlyArray<HistoryProcessor.Any> = readonly [],
  PE = Prepare.NoHook,
  PR = Prepare.NoHook
>(
  options: Options<Tools, O, OI, OE, OR, Toolsets, IE, IR, Processors, PE, PR>
): Agent<
  O | PendingOf<Tools, Toolsets>,
  ToolsFailure<Tools, Toolsets> | OE | IE | ProcessorsFailure<Processors> | Prepare.HookFailure<NoInfer<PE>>,
  | ToolsRequirements<Tools, Toolsets>
  | OR
  | Exclude<IR, RunContext>
  | HistoryProcessor.Requirements<Processors[number]>
  | Prepare.HookRequirements<NoInfer<PR>>
> => {
  const output =
    options.output === undefined
      ? // Without `output`, `O` is its default, `string`, which is what text output gives.
        (Output.text as unknown as Output.Output<O, OE, OR>)
      : Output.isOutput(options.output)
        ? options.output
        : Output.auto(options.output)
  const retries = options.retries ?? 1
  const agent: Omit<Agent<O, ToolsFailure<Tools, Toolsets> | OE, ToolsRequirements<Tools, Toolsets> | OR>, "pipe"> = {
    [TypeId]: TypeId,
    name: options.name,
    // Instructions, prompts and processors add their errors and requirements to the agent's unions.
    instructions: asList(options.instructions) as ReadonlyArray<Instructions.Instruction<never, never>>,
    systemPrompts: asList(options.systemPrompt) as ReadonlyArray<Instructions.Instruction<never, never>>,
    historyProcessors: (options.historyProcessors ?? []) as ReadonlyArray<HistoryProcessor.HistoryProcessor>,
    // Each tool's and toolset's errors and requirements are part of the unions the agent's type names.
    tools: (options.tools ?? []) as ReadonlyArray<
      Tool.Tool<string, ToolsFailure<Tools, Toolsets>, ToolsRequirements<Tools, Toolsets>>
    >,
    toolsets: (options.toolsets ?? []) as ReadonlyArray<
      Toolset.Toolset<ToolsFailure<Tools, Toolsets>, ToolsRequirements<Tools, Toolsets>>
    >,
    builtinTools: options.builtinTools ?? [],
    // The hooks' errors and requirements are part of the unions the agent's type names.
    prepareTools: options.prepareTools as Prepare.PrepareTools<never, never> | undefined,
    prepareStep: options.prepareStep as Prepare.PrepareStep<never, never> | undefined,
    output,
    settings: options.settings,
    retries,
    outputRetries: options.outputRetries ?? retries,
    endStrategy: options.endStrategy ?? "graceful",
    usageLimits: options.usageLimits,
    toolConcurrency: options.toolConcurrency ?? 10,
    maxContinuations: options.maxContinuations ?? 10
  }
  return Object.assign(Object.create(proto), agent)
}

/**
 * Whether a value is an `Agent`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isAgent = (value: unknown): value is Agent<unknown, unknown, unknown> =>
  typeof value === "object" && value !== null && TypeId in value
