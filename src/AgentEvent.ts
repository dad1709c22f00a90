/**
 * What `Agent.runStream` emits: the model's part events as they arrive (the same objects the model
 * streams, passed through), a start and a result event per function-tool call, `FinalResult` once
 * a response gave the output, and `RunFinished` last, carrying the `RunResult`.
 *
 * @example
 * import { AgentEvent } from "effect-claude"
 *
 * const render = (event: AgentEvent.AgentEvent<string>): string => {
 *   switch (event._tag) {
 *     case "PartStart":
 *       return event.part._tag === "TextPart" ? event.part.content : ""
 *     case "PartDelta":
 *       return event.delta._tag === "TextDelta" ? event.delta.content : ""
 *     case "ToolCallStarted":
 *       return `\n→ ${event.part.toolName}\n`
 *     case "RunFinished":
 *       return `\n(${event.result.usage.totalTokens} tokens)\n`
 *     default:
 *       return ""
 *   }
 * }
 */
import type { RunResult } from "./Agent.js"
import type { ApprovalRequested } from "./Approval.js"
import type { RetryPromptPart, ToolCallPart, ToolReturnPart } from "./Message.js"
import type { PartialOutput } from "./PartialOutput.js"
import type { ModelResponseStreamEvent } from "./StreamEvent.js"

export type { ApprovalRequested, PartialOutput }

/**
 * The agent has a final result: from the output tool named here, or from text when absent.
 *
 * @since 0.1.0
 * @category models
 */
export interface FinalResult {
  readonly _tag: "FinalResult"
  readonly toolName?: string | undefined
  readonly toolCallId?: string | undefined
}

/**
 * A function-tool call is about to run (also emitted for calls of unknown tools).
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolCallStarted {
  readonly _tag: "ToolCallStarted"
  readonly part: ToolCallPart
}

/**
 * A function-tool call finished: its return value, or the retry prompt sent back to the model.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolResult {
  readonly _tag: "ToolResult"
  readonly part: ToolReturnPart | RetryPromptPart
}

/**
 * An event of a delegated agent's run (`Agent.asTool`) in its parent's stream: `event` is the
 * child's, `agentName` the child agent's name (else the tool's), `toolCallId` the parent's call
 * running it. A grandchild's events arrive nested, one `ChildEvent` per level.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChildEvent {
  readonly _tag: "ChildEvent"
  readonly agentName: string
  readonly toolCallId: string | undefined
  readonly event: AgentEvent<unknown>
}

/**
 * The run is over; always the last event.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunFinished<O> {
  readonly _tag: "RunFinished"
  readonly result: RunResult<O>
}

/**
 * Any event of a streamed run.
 *
 * @since 0.1.0
 * @category models
 */
export type AgentEvent<O> =
  | ModelResponseStreamEvent
  | ToolCallStarted
  | ToolResult
  | ApprovalRequested
  | ChildEvent
  | PartialOutput<O>
  | FinalResult
  | RunFinished<O>

/**
 * Builds a `ToolCallStarted`.
 *
 * @since 0.1.0
 * @category utils
 */
export const toolCallStarted = (part: ToolCallPart): ToolCallStarted => ({ _tag: "ToolCallStarted", part })

/**
 * Builds a `ToolResult`.
 *
 * @since 0.1.0
 * @category utils
 */
export const toolResult = (part: ToolReturnPart | RetryPromptPart): ToolResult => ({ _tag: "ToolResult", part })

/**
 * Builds a `RunFinished`.
 *
 * @since 0.1.0
 * @category utils
 */
export const runFinished = <O>(result: RunResult<O>): RunFinished<O> => ({ _tag: "RunFinished", result })

/**
 * The text of a text event (a text part's start or a text delta); "" for any other event.
 *
 * @since 0.1.0
 * @category utils
 */
export const textOf = <O>(event: AgentEvent<O>): string => {
  if (event._tag === "PartDelta") return event.delta._tag === "TextDelta" ? event.delta.content : ""
  if (event._tag === "PartStart") return event.part._tag === "TextPart" ? event.part.content : ""
  return ""
}
