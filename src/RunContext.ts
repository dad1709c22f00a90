/**
 * What a tool handler or an output validator can know about the run it is part of: the usage so
 * far, the conversation, how often this call has been retried, and the id of the tool call.
 *
 * The agent provides it around every handler and validator; it is never a requirement of the run.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { RunContext, Tool } from "effect-claude"
 *
 * const whoAmI = Tool.make("who_am_i", {
 *   description: "Tells the model which call this is",
 *   parameters: Schema.Struct({}),
 *   handler: () =>
 *     Effect.map(RunContext.RunContext, (context) => `call ${context.toolCallId}, retry ${context.retry}`)
 * })
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { ChildEvent } from "./AgentEvent.js"
import type { ModelMessage, UserContent } from "./Message.js"
import type { RunUsage, UsageLimits, UsageTree } from "./Usage.js"

/**
 * The run as seen from inside a handler or validator.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The agent's name, when it has one. */
  readonly agentName: string | undefined
  /** The model answering this run. */
  readonly modelName: string
  /** The prompt the run started with. */
  readonly prompt: string | ReadonlyArray<UserContent>
  /** Tokens, requests and tool calls so far. */
  readonly usage: RunUsage
  /** The conversation so far, history included. */
  readonly messages: ReadonlyArray<ModelMessage>
  /** How many model requests this run has made (1 during the handling of the first response). */
  readonly runStep: number
  /** How often this tool (or the output) has already failed and been retried; 0 on the first try. */
  readonly retry: number
  /** How many retries are allowed before the run fails. */
  readonly maxRetries: number
  /** The tool being called; undefined in an output validator of text output. */
  readonly toolName: string | undefined
  /** The id of the tool call being handled; undefined in an output validator of text output. */
  readonly toolCallId: string | undefined
  /** The limits this run checks (a delegated agent inherits them: `Agent.asTool`). */
  readonly usageLimits?: UsageLimits | undefined
  /** Adds the usage of work done for this run elsewhere (a delegated agent's run) to its usage. */
  readonly addUsage?: ((usage: RunUsage) => Effect.Effect<void>) | undefined
  /** The usage and limits of the run's delegation tree, live (`Agent.asTool` runs children in it). */
  readonly usageTree?: UsageTree | undefined
  /** In a streamed run: puts a delegated agent's event into the run's stream. */
  readonly emit?: ((event: ChildEvent) => Effect.Effect<void>) | undefined
}

/**
 * The current run, available to tool handlers and output validators.
 *
 * @since 0.1.0
 * @category tags
 */
export class RunContext extends Context.Tag("effect-claude/RunContext")<RunContext, Service>() {}
