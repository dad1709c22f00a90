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
import { Effect, Layer, Pipeable, type Schema, Stream } from "effect"
import type { AgentError } from "./AgentError.js"
import type { AgentEvent, FinalResult } from "./AgentEvent.js"
import type { BuiltinTool } from "./BuiltinTool.js"
import * as GenAiTelemetry from "./GenAiTelemetry.js"
import * as RunStart from "./internal/run/start.js"
import { annotateUsage } from "./internal/run/telemetry.js"
import type { ModelMessage, ModelRequest, ModelResponse, UserContent } from "./Message.js"
import type { Model, ModelError } from "./Model.js"
import type { ModelSettings } from "./ModelSettings.js"
import * as Output from "./Output.js"
import type * as Tool from "./Tool.js"
import type * as Toolset from "./Toolset.js"
import type { RunUsage, UsageLimits } from "./Usage.js"

/** Identifies an `Agent`. */
export const TypeId: unique symbol = Symbol.for("effect-claude/Agent")
/** @see TypeId */
export type TypeId = typeof TypeId

/**
 * What happens to the other tool calls of the response that holds the output:
 * - `early`: the first valid output ends the run; function tools of that response are not run.
 * - `graceful` (default): calls run in the order the model emitted them (function tools before an
 *   output call finish first); output calls after the first valid one are not used.
 * - `exhaustive`: every call runs, output calls included; the first valid output wins.
 *
 * In `graceful` and `exhaustive`, a function tool asking for a retry wins over the output: the
 * model sees the retry and answers again.
 */
export type EndStrategy = "early" | "graceful" | "exhaustive"

/** An agent producing `O`; its tools and validators may fail with `E` and need `R`. */
export interface Agent<out O, out E = never, out R = never> extends Pipeable.Pipeable {
  readonly [TypeId]: TypeId
  readonly name: string | undefined
  readonly instructions: ReadonlyArray<string>
  readonly systemPrompts: ReadonlyArray<string>
  readonly tools: ReadonlyArray<Tool.Tool<string, E, R>>
  /** Collections of tools listed again before every request (MCP servers, filtered or dynamic sets). */
  readonly toolsets: ReadonlyArray<Toolset.Toolset<E, R>>
  readonly builtinTools: ReadonlyArray<BuiltinTool>
  readonly output: Output.Output<O, E, R>
  readonly settings: ModelSettings | undefined
  /** Default retries of each tool (`Tool.make`'s `maxRetries` overrides it). */
  readonly retries: number
  /** Retries of the output: invalid structured output, failed validators, empty answers. */
  readonly outputRetries: number
  readonly endStrategy: EndStrategy
  readonly usageLimits: UsageLimits | undefined
  /** How many tool calls of one response run at the same time. */
  readonly toolConcurrency: number
  /** How often a paused turn (`pause_turn`) is continued before the run fails. */
  readonly maxContinuations: number
}

/** Options of `make`. */
export interface Options<
  Tools extends ReadonlyArray<Tool.Any>,
  O,
  OI,
  OE,
  OR,
  Toolsets extends ReadonlyArray<Toolset.Any> = readonly []
> {
  readonly name?: string | undefined
  /** Instructions sent with every request of a run; not replayed from history. */
  readonly instructions?: string | ReadonlyArray<string> | undefined
  /** System prompts put at the start of a new conversation (kept in its history). */
  readonly systemPrompt?: string | ReadonlyArray<string> | undefined
  readonly tools?: Tools | undefined
  /** Toolsets resolved before every request, beside `tools`; two tools with one name fail the run. */
  readonly toolsets?: Toolsets | undefined
  /** Tools the provider runs itself (web search, code execution). */
  readonly builtinTools?: ReadonlyArray<BuiltinTool> | undefined
  /** The output: text (default), a Schema (structured output) or an `Output` spec. */
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

const asList = (value: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  value === undefined ? [] : typeof value === "string" ? [value] : value

/** What an agent's tools and toolsets add to its errors; toolsets add the check of their names. */
type ToolsFailure<Tools extends ReadonlyArray<Tool.Any>, Toolsets extends ReadonlyArray<Toolset.Any>> =
  | Tool.Failure<Tools[number]>
  | Toolset.Failure<Toolsets[number]>
  | (Toolsets extends readonly [] ? never : Toolset.DuplicateToolName)

/** What an agent's tools and toolsets add to its requirements. */
type ToolsRequirements<Tools extends ReadonlyArray<Tool.Any>, Toolsets extends ReadonlyArray<Toolset.Any>> =
  | Tool.Requirements<Tools[number]>
  | Toolset.Requirements<Toolsets[number]>

/** Builds an agent. Without `output` it answers with text. */
export const make = <
  const Tools extends ReadonlyArray<Tool.Any> = readonly [],
  O = string,
  OI = O,
  OE = never,
  OR = never,
  const Toolsets extends ReadonlyArray<Toolset.Any> = readonly []
>(
  options: Options<Tools, O, OI, OE, OR, Toolsets>
): Agent<O, ToolsFailure<Tools, Toolsets> | OE, ToolsRequirements<Tools, Toolsets> | OR> => {
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
    instructions: asList(options.instructions),
    systemPrompts: asList(options.systemPrompt),
    // Each tool's and toolset's errors and requirements are part of the unions the agent's type names.
    tools: (options.tools ?? []) as ReadonlyArray<
      Tool.Tool<string, ToolsFailure<Tools, Toolsets>, ToolsRequirements<Tools, Toolsets>>
    >,
    toolsets: (options.toolsets ?? []) as ReadonlyArray<
      Toolset.Toolset<ToolsFailure<Tools, Toolsets>, ToolsRequirements<Tools, Toolsets>>
    >,
    builtinTools: options.builtinTools ?? [],
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

/** Options of one run. */
export interface RunOptions {
  /** The conversation so far (e.g. a previous run's `newMessages`); the prompt continues it. */
  readonly messageHistory?: ReadonlyArray<ModelMessage> | undefined
  /** Merged over the model's and the agent's settings. */
  readonly settings?: ModelSettings | undefined
  /** Merged over the agent's limits, field by field. */
  readonly usageLimits?: UsageLimits | undefined
  /** Added after the agent's instructions for this run. */
  readonly instructions?: string | undefined
  /** Record the messages and responses in the run's chat spans (default off: they may be private). */
  readonly captureContent?: boolean | undefined
}

/** The outcome of a run. */
export interface RunResult<O> {
  readonly output: O
  readonly usage: RunUsage
  /** The whole conversation: the history passed in, then this run's messages. */
  readonly messages: ReadonlyArray<ModelMessage>
  /** This run's messages only; pass them back as `messageHistory` to continue the conversation. */
  readonly newMessages: ReadonlyArray<ModelMessage>
  /** The response that gave the output. */
  readonly response: ModelResponse
}

/** Everything a run can fail with: its tools' and validators' errors, the agent's, the model's. */
export type RunError<E> = E | AgentError | ModelError

/** The next request to send (`iter`): change `request` before passing the node on if you need to. */
export interface ModelRequestNode {
  readonly _tag: "ModelRequestNode"
  readonly request: ModelRequest
}

/** A response to handle (`iter`): its tool calls are run, or its output validated, next. */
export interface CallToolsNode {
  readonly _tag: "CallToolsNode"
  readonly response: ModelResponse
}

/** The run is over (`iter`). */
export interface End<O> {
  readonly _tag: "End"
  readonly result: RunResult<O>
  /** Where the output came from: the output tool call, or text when it names no tool. */
  readonly finalResult: FinalResult
}

/** A step of a run driven with `iter`. */
export type AgentNode<O> = ModelRequestNode | CallToolsNode | End<O>

/** A run driven step by step: pass each node to `next` until it returns `End`. */
export interface AgentRun<O, E, R> {
  /** The first node: the request holding the prompt. */
  readonly start: ModelRequestNode
  /** Runs `node` (sends the request, or handles the response) and gives the node after it. */
  readonly next: (node: AgentNode<O>) => Effect.Effect<AgentNode<O>, RunError<E>, R>
  /** Runs the rest of the run from `node` as `runStream` would, e.g. after inspecting the first steps. */
  readonly stream: (node: AgentNode<O>) => Stream.Stream<AgentEvent<O>, RunError<E>, R>
  /** The usage so far. */
  readonly usage: Effect.Effect<RunUsage>
  /** The conversation so far. */
  readonly messages: Effect.Effect<ReadonlyArray<ModelMessage>>
}

const runSpanName = (agent: Agent<unknown, unknown, unknown>) =>
  agent.name === undefined ? "invoke_agent" : `invoke_agent ${agent.name}`

// Spans capture no stack trace: it would point into this library, and costs more than the span.
const runSpanOptions = (agent: Agent<unknown, unknown, unknown>) => ({
  captureStackTrace: false,
  attributes: {
    "gen_ai.operation.name": "invoke_agent",
    ...(agent.name === undefined ? {} : { "gen_ai.agent.name": agent.name })
  }
})

const withRunSpan =
  <O>(agent: Agent<O, unknown, unknown>) =>
  <E, R>(effect: Effect.Effect<RunResult<O>, E, R>): Effect.Effect<RunResult<O>, E, R> =>
    // `withSpan`, with the usage set on the span directly.
    Effect.useSpan(runSpanName(agent), runSpanOptions(agent), (span) =>
      Effect.withParentSpan(
        Effect.map(effect, (result) => {
          annotateUsage(span, result)
          return result
        }),
        span
      )
    )

const contentCapture = Layer.locallyScoped(GenAiTelemetry.captureContent, true)

/** Runs the agent on a prompt until it has an output. */
export const run = <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options?: RunOptions
): Effect.Effect<RunResult<O>, RunError<E>, R | Model> =>
  Effect.flatMap(RunStart.make(agent, prompt, options ?? {}), (machine) => {
    const loop = (node: AgentNode<O>): Effect.Effect<RunResult<O>, RunError<E>, R> =>
      node._tag === "End" ? Effect.succeed(node.result) : Effect.flatMap(machine.next(node), loop)
    return loop(machine.start)
  }).pipe(withRunSpan(agent), (effect) =>
    options?.captureContent === true ? GenAiTelemetry.withContentCapture(effect) : effect
  )

/**
 * Runs the agent, streaming the model's part events and the tool events as they happen. The last
 * event is `RunFinished` with the `RunResult`; the text streamed by the final response is the text
 * output. Stopping the stream interrupts the run and its tools.
 */
export const runStream = <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options?: RunOptions
): Stream.Stream<AgentEvent<O>, RunError<E>, R | Model> =>
  Stream.unwrap(
    Effect.map(RunStart.make(agent, prompt, options ?? {}), (machine) => machine.stream(machine.start))
  ).pipe(Stream.withSpan(runSpanName(agent), runSpanOptions(agent)), (stream) =>
    options?.captureContent === true ? Stream.provideSomeLayer(stream, contentCapture) : stream
  )

/** Starts a run to drive node by node with `next`, for programs that inspect or change each step. */
export const iter = <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options?: RunOptions
): Effect.Effect<AgentRun<O, E, R>, AgentError, Model> =>
  Effect.map(RunStart.make(agent, prompt, options ?? {}), (machine) => ({
    start: machine.start,
    next: machine.next,
    stream: machine.stream,
    usage: Effect.sync(() => machine.state.usage),
    messages: Effect.sync(() => machine.state.messages.slice())
  }))

/** Whether a value is an `Agent`. */
export const isAgent = (value: unknown): value is Agent<unknown, unknown, unknown> =>
  typeof value === "object" && value !== null && TypeId in value
