/**
 * The types of an agent and of its runs, apart from the functions that build and run agents so
 * the run loop (internal/run) can name them without importing those functions. Public through
 * `Agent`.
 */
import type * as Effect from "effect/Effect"
import type * as Pipeable from "effect/Pipeable"
import type * as Stream from "effect/Stream"
import type { AgentError } from "../../AgentError.js"
import type { AgentEvent, FinalResult } from "../../AgentEvent.js"
import type { BuiltinTool } from "../../BuiltinTool.js"
import type * as HistoryProcessor from "../../HistoryProcessor.js"
import type * as Instructions from "../../Instructions.js"
import type { ModelMessage, ModelRequest, ModelResponse } from "../../Message.js"
import type { ModelError } from "../../Model.js"
import type { ModelSettings } from "../../ModelSettings.js"
import type * as Output from "../../Output.js"
import type * as Prepare from "../../Prepare.js"
import type * as Tool from "../../Tool.js"
import type * as Toolset from "../../Toolset.js"
import type { RunUsage, UsageLimits, UsageTree } from "../../Usage.js"

/**
 * Identifies an `Agent`.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-claude/Agent")
/**
 * @see TypeId
 *
 * @since 0.1.0
 * @category type ids
 */
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
 *
 * @since 0.1.0
 * @category models
 */
export type EndStrategy = "early" | "graceful" | "exhaustive"

/**
 * An agent producing `O`; its tools and validators may fail with `E` and need `R`.
 *
 * @since 0.1.0
 * @category models
 */
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
  /** Before each request, after each tool's own `prepare`: the function tools offered this step. */
  readonly prepareTools: Prepare.PrepareTools<E, R> | undefined
  /** Before each request: the step's settings, tool choice and active tools. */
  readonly prepareStep: Prepare.PrepareStep<E, R> | undefined
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

/**
 * Options of one run.
 *
 * @since 0.1.0
 * @category models
 */
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
  /**
   * The delegation tree this run is part of (`RunContext.usageTree` of the parent's tool call): the
   * run adds its usage to it as it goes and checks the tree's limits against its total, besides its own.
   */
  readonly usageTree?: UsageTree | undefined
  /** Added after the agent's instructions for this run. */
  readonly instructions?: string | undefined
  /** Record the messages and responses in the run's chat spans (default off: they may be private). */
  readonly captureContent?: boolean | undefined
}

/**
 * The outcome of a run.
 *
 * @since 0.1.0
 * @category models
 */
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

/**
 * Everything a run can fail with: its tools' and validators' errors, the agent's, the model's.
 *
 * @since 0.1.0
 * @category models
 */
export type RunError<E> = E | AgentError | ModelError

/**
 * The next request to send (`iter`): change `request` before passing the node on if you need to.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelRequestNode {
  readonly _tag: "ModelRequestNode"
  readonly request: ModelRequest
}

/**
 * A response to handle (`iter`): its tool calls are run, or its output validated, next.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallToolsNode {
  readonly _tag: "CallToolsNode"
  readonly response: ModelResponse
}

/**
 * The run is over (`iter`).
 *
 * @since 0.1.0
 * @category models
 */
export interface End<O> {
  readonly _tag: "End"
  readonly result: RunResult<O>
  /** Where the output came from: the output tool call, or text when it names no tool. */
  readonly finalResult: FinalResult
}

/**
 * A step of a run driven with `iter`.
 *
 * @since 0.1.0
 * @category models
 */
export type AgentNode<O> = ModelRequestNode | CallToolsNode | End<O>

/**
 * A run driven step by step: pass each node to `next` until it returns `End`.
 *
 * @since 0.1.0
 * @category models
 */
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
