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
import { Effect, Layer, Option, Pipeable, Predicate, Schema, Stream } from "effect"
import type { AgentError } from "./AgentError.js"
import type { AgentEvent, FinalResult } from "./AgentEvent.js"
import type { BuiltinTool } from "./BuiltinTool.js"
import type * as DeferredTools from "./DeferredTools.js"
import * as GenAiTelemetry from "./GenAiTelemetry.js"
import type * as HistoryProcessor from "./HistoryProcessor.js"
import type * as Instructions from "./Instructions.js"
import * as RunStart from "./internal/run/start.js"
import { annotateUsage } from "./internal/run/telemetry.js"
import type { ModelMessage, ModelRequest, ModelResponse, UserContent } from "./Message.js"
import type { Model, ModelError } from "./Model.js"
import type { ModelSettings } from "./ModelSettings.js"
import * as Output from "./Output.js"
import type { DeepPartial } from "./PartialOutput.js"
import { type RunContext, RunContext as RunContextTag } from "./RunContext.js"
import * as Tool from "./Tool.js"
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
  readonly instructions: ReadonlyArray<Instructions.Instruction<E, R>>
  readonly systemPrompts: ReadonlyArray<Instructions.Instruction<E, R>>
  /** Change what is sent before each request, never what the run keeps. */
  readonly historyProcessors: ReadonlyArray<HistoryProcessor.HistoryProcessor<E, R>>
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
  Toolsets extends ReadonlyArray<Toolset.Any> = readonly [],
  IE = never,
  IR = never,
  Processors extends ReadonlyArray<HistoryProcessor.Any> = readonly []
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

/** `DeferredTools.PendingCalls` when one of the tools may defer its calls (approval, external). */
export type PendingOf<Tools extends ReadonlyArray<Tool.Any>> = [Extract<Tools[number], Tool.Deferred>] extends [never]
  ? never
  : DeferredTools.PendingCalls

/** Builds an agent. Without `output` it answers with text. */
export const make = <
  const Tools extends ReadonlyArray<Tool.Any> = readonly [],
  O = string,
  OI = O,
  OE = never,
  OR = never,
  const Toolsets extends ReadonlyArray<Toolset.Any> = readonly [],
  IE = never,
  IR = never,
  const Processors extends ReadonlyArray<HistoryProcessor.Any> = readonly []
>(
  options: Options<Tools, O, OI, OE, OR, Toolsets, IE, IR, Processors>
): Agent<
  O | PendingOf<Tools>,
  ToolsFailure<Tools, Toolsets> | OE | IE | ProcessorsFailure<Processors>,
  ToolsRequirements<Tools, Toolsets> | OR | Exclude<IR, RunContext> | HistoryProcessor.Requirements<Processors[number]>
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
  /**
   * Usage already spent by the runs this one is part of (a parent agent's): the limits count it, so
   * limits span the whole tree. The run's own usage is what its result reports.
   */
  readonly usage?: RunUsage | undefined
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

/** Runs a started machine from its first node to the end. */
const runMachine = <O, E, R>(machine: RunStart.Machine<O, E, R>): Effect.Effect<RunResult<O>, RunError<E>, R> => {
  const loop = (node: AgentNode<O>): Effect.Effect<RunResult<O>, RunError<E>, R> =>
    node._tag === "End" ? Effect.succeed(node.result) : Effect.flatMap(machine.next(node), loop)
  return loop(machine.first)
}

/** Runs the agent on a prompt until it has an output. */
export const run = <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options?: RunOptions
): Effect.Effect<RunResult<O>, RunError<E>, R | Model> =>
  Effect.flatMap(RunStart.make(agent, prompt, options ?? {}), runMachine).pipe(withRunSpan(agent), (effect) =>
    options?.captureContent === true ? GenAiTelemetry.withContentCapture(effect) : effect
  )

/**
 * Resumes a run that ended with `DeferredTools.PendingCalls`: `options.messageHistory` is its saved
 * conversation, `answers` one answer per pending call (approve, deny, or an external result). The
 * answers are checked before any request; approved calls run, then the conversation goes on.
 */
export const resume = <O, E, R>(
  agent: Agent<O, E, R>,
  answers: ReadonlyArray<DeferredTools.Answer>,
  options: RunOptions
): Effect.Effect<RunResult<O>, RunError<E> | DeferredTools.ResumeError, R | Model> =>
  Effect.flatMap(RunStart.resume(agent, answers, options), runMachine).pipe(withRunSpan(agent))

/** `resume`, streamed as `runStream` streams a run. */
export const resumeStream = <O, E, R>(
  agent: Agent<O, E, R>,
  answers: ReadonlyArray<DeferredTools.Answer>,
  options: RunOptions
): Stream.Stream<AgentEvent<O>, RunError<E> | DeferredTools.ResumeError, R | Model> =>
  Stream.unwrap(Effect.map(RunStart.resume(agent, answers, options), (machine) => machine.stream(machine.first))).pipe(
    Stream.withSpan(runSpanName(agent), runSpanOptions(agent))
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

/**
 * Runs the agent and streams its output as it fills in: for structured output, the value parsed so
 * far after each chunk that shows something new, the last element the validated output; for text
 * output, the output once the run is over.
 */
export const streamOutput = <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options?: RunOptions
): Stream.Stream<DeepPartial<O>, RunError<E>, R | Model> =>
  Stream.suspend(() => {
    let completed = false
    return Stream.filterMap(runStream(agent, prompt, options), (event) => {
      if (event._tag === "PartialOutput") {
        completed = event.complete
        return Option.some(event.output)
      }
      // A complete value is one of its own partials; TypeScript cannot see that for a generic `O`.
      if (event._tag === "RunFinished" && !completed) return Option.some(event.result.output as DeepPartial<O>)
      return Option.none()
    })
  })

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

/** Options of `asTool`. */
export interface AsToolOptions<Name extends string, A, I> {
  readonly name: Name
  /** Tells the parent's model what the child agent does. */
  readonly description: string
  /** The arguments the parent's model sends (default `{ prompt: string }`); other arguments reach the child as JSON. */
  readonly parameters?: Schema.Schema<A, I> | undefined
}

const promptParameters = Schema.Struct({ prompt: Schema.String })

/** The child's prompt: the `prompt` argument alone, or all the arguments as JSON. */
const promptOf = (args: unknown): string =>
  Predicate.isRecord(args) && typeof args.prompt === "string" && Object.keys(args).length === 1
    ? args.prompt
    : JSON.stringify(args)

/**
 * Delegation: `child` as a tool of another agent. Its run counts against the parent run's limits
 * (what the parent has spent is subtracted from them), its usage is added to the parent's, and
 * interrupting the parent interrupts it. The tool's result is the child's output.
 */
export const asTool = <O, E, R, const Name extends string, A = { readonly prompt: string }, I = A>(
  child: Agent<O, E, R>,
  options: AsToolOptions<Name, A, I>
): Tool.Tool<Name, RunError<E>, R | Model> =>
  Tool.make(options.name, {
    description: options.description,
    // Without parameters the arguments are `{ prompt }`, which is what `A` defaults to.
    parameters: (options.parameters ?? promptParameters) as Schema.Schema<A, Readonly<Record<string, unknown>>>,
    handler: (args: A) =>
      Effect.flatMap(RunContextTag, (context) =>
        Effect.map(
          Effect.tap(
            run(child, promptOf(args), { usage: context.usage, usageLimits: context.usageLimits }),
            (result) => (context.addUsage === undefined ? Effect.void : context.addUsage(result.usage))
          ),
          (result) => result.output
        )
      )
  })
