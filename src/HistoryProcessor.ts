/**
 * History processors change what is sent to the model, never what the run keeps: before each
 * request the agent passes the conversation through its processors, in order, and sends what the
 * last one returns. The run's `messages` stay whole, so they can be stored and replayed.
 *
 * A processor is a function of the messages giving an `Effect`; it may read `RunContext` and need
 * services. What it returns must keep every tool call next to its result: a call in a response is
 * answered by the request right after it. A processor that separates them fails the run with
 * `UnpairedToolCall` (naming the call) before the request is sent. The built-ins never do.
 *
 * @example
 * import { Effect } from "effect"
 * import { HistoryProcessor } from "effect-claude"
 *
 * const processors = [
 *   HistoryProcessor.keepLastTurns(5),
 *   HistoryProcessor.dropThinking(),
 *   HistoryProcessor.dropOldToolResults({ keepLast: 3 })
 * ]
 * const redact: HistoryProcessor.HistoryProcessor = (messages) => Effect.succeed(messages)
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { UserError } from "./AgentError.js"
import { trustedInput } from "./internal/trustedInput.js"
import {
  type ModelMessage,
  ModelRequest,
  type ModelRequestPart,
  ModelResponse,
  type SystemPromptPart,
  ToolReturnPart
} from "./Message.js"
import type { RunContext } from "./RunContext.js"

/**
 * Changes the messages sent with one request; may fail with `E` and need `R` (and `RunContext`).
 *
 * @since 0.1.0
 * @category models
 */
export type HistoryProcessor<E = never, R = never> = (
  messages: ReadonlyArray<ModelMessage>
) => Effect.Effect<ReadonlyArray<ModelMessage>, E, R | RunContext>

/**
 * Any processor, whatever it fails with or needs.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = HistoryProcessor<unknown, unknown>

/**
 * The errors a processor adds to a run.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure<P> = P extends HistoryProcessor<infer E, infer _R> ? E : never

/**
 * The services a processor adds to a run's requirements (`RunContext` is the agent's).
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements<P> = P extends HistoryProcessor<infer _E, infer R> ? Exclude<R, RunContext> : never

/**
 * The processed messages separate a tool call from its result: a call whose result is not in the
 * next request (`missing-result`), or a result whose call is not in the response before it
 * (`missing-call`). Raised before the request is sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnpairedToolCall extends Schema.TaggedError<UnpairedToolCall>(
  "effect-claude/HistoryProcessor/UnpairedToolCall"
)("UnpairedToolCall", {
  message: Schema.String,
  toolCallId: Schema.String,
  toolName: Schema.String,
  problem: Schema.Literal("missing-result", "missing-call")
}) {}

/**
 * The processed messages cannot be sent: none are left, or the last is not the request being sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidProcessedHistory extends Schema.TaggedError<InvalidProcessedHistory>(
  "effect-claude/HistoryProcessor/InvalidProcessedHistory"
)("InvalidProcessedHistory", {
  message: Schema.String
}) {}

/**
 * What `apply` may fail with besides the processors' own errors.
 *
 * @since 0.1.0
 * @category models
 */
export type ProcessingError = UnpairedToolCall | InvalidProcessedHistory

/** The id of the tool call a request part answers, if it answers one. */
const answeredCallId = (part: ModelRequestPart): string | undefined =>
  part._tag === "ToolReturnPart" || part._tag === "RetryPromptPart" ? part.toolCallId : undefined

/**
 * Checks that every tool call is answered in the request right after its response, and every tool
 * result answers a call of the response right before it. The calls of a last response (a paused
 * turn being continued) need no answer yet.
 *
 * @since 0.1.0
 * @category utils
 */
export const checkPairing = (
  messages: ReadonlyArray<ModelMessage>
): Either.Either<ReadonlyArray<ModelMessage>, UnpairedToolCall> => {
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as ModelMessage
    if (message._tag === "ModelResponse") {
      const next = messages[index + 1]
      if (next === undefined) continue
      const answered = new Set<string>()
      if (next._tag === "ModelRequest") {
        for (const part of next.parts) {
          const id = answeredCallId(part)
          if (id !== undefined) answered.add(id)
        }
      }
      for (const part of message.parts) {
        if (part._tag === "ToolCallPart" && !answered.has(part.toolCallId)) {
          return Either.left(unpaired(part.toolCallId, part.toolName, "missing-result"))
        }
      }
    } else {
      const previous = messages[index - 1]
      const calls = new Set<string>()
      if (previous !== undefined && previous._tag === "ModelResponse") {
        for (const part of previous.parts) if (part._tag === "ToolCallPart") calls.add(part.toolCallId)
      }
      for (const part of message.parts) {
        const id = answeredCallId(part)
        if (id !== undefined && !calls.has(id)) {
          return Either.left(unpaired(id, "toolName" in part ? (part.toolName ?? "") : "", "missing-call"))
        }
      }
    }
  }
  return Either.right(messages)
}

const unpaired = (toolCallId: string, toolName: string, problem: "missing-result" | "missing-call") =>
  new UnpairedToolCall({
    toolCallId,
    toolName,
    problem,
    message:
      problem === "missing-result"
        ? `The history sent to the model has a call of '${toolName}' (${toolCallId}) without its result in the next request`
        : `The history sent to the model has a result for '${toolName}' (${toolCallId}) without its call in the response before`
  })

/**
 * Runs the processors in order over the messages of a request and checks what comes out: not
 * empty, ending with a request, every tool call next to its result.
 *
 * @since 0.1.0
 * @category utils
 */
export const apply = <E, R>(
  processors: ReadonlyArray<HistoryProcessor<E, R>>,
  messages: ReadonlyArray<ModelMessage>
): Effect.Effect<ReadonlyArray<ModelMessage>, E | ProcessingError, R | RunContext> => {
  if (processors.length === 0) return Effect.succeed(messages)
  let processed: Effect.Effect<ReadonlyArray<ModelMessage>, E, R | RunContext> = Effect.succeed(messages)
  for (const processor of processors) processed = Effect.flatMap(processed, processor)
  return Effect.flatMap(processed, (result): Effect.Effect<ReadonlyArray<ModelMessage>, ProcessingError> => {
    const last = result.at(-1)
    if (last === undefined) {
      return Effect.fail(new InvalidProcessedHistory({ message: "A history processor left no messages to send" }))
    }
    if (last._tag !== "ModelRequest") {
      return Effect.fail(
        new InvalidProcessedHistory({
          message: "A history processor left a response last; the last message must be a request"
        })
      )
    }
    return checkPairing(result)
  })
}

/**
 * Where each turn starts: a request holding a user prompt and answering no tool call. A turn holds
 * the prompt, the responses and the tool results until the next prompt, so cutting at a turn's start
 * never separates a call from its result.
 *
 * @since 0.1.0
 * @category utils
 */
export const turnStarts = (messages: ReadonlyArray<ModelMessage>): ReadonlyArray<number> => {
  const starts: Array<number> = []
  messages.forEach((message, index) => {
    if (
      message._tag === "ModelRequest" &&
      message.parts.some((part) => part._tag === "UserPromptPart") &&
      message.parts.every((part) => answeredCallId(part) === undefined)
    ) {
      starts.push(index)
    }
  })
  return starts
}

/**
 * Options of `keepLastTurns`.
 *
 * @since 0.1.0
 * @category models
 */
export interface KeepLastTurnsOptions {
  /** Keep the system prompts of dropped requests, moved into the first request kept (default true). */
  readonly keepSystemPrompts?: boolean | undefined
}

/**
 * The last `turns` turns of a conversation (pure); see `keepLastTurns`.
 *
 * @since 0.1.0
 * @category utils
 */
export const lastTurns = (
  messages: ReadonlyArray<ModelMessage>,
  turns: number,
  options?: KeepLastTurnsOptions
): ReadonlyArray<ModelMessage> => {
  const starts = turnStarts(messages)
  if (starts.length <= turns) return messages
  const cut = starts[starts.length - turns] as number
  const kept = messages.slice(cut)
  if (options?.keepSystemPrompts === false) return kept
  const systemPrompts: Array<SystemPromptPart> = []
  for (const message of messages.slice(0, cut)) {
    if (message._tag === "ModelRequest") {
      for (const part of message.parts) if (part._tag === "SystemPromptPart") systemPrompts.push(part)
    }
  }
  if (systemPrompts.length === 0) return kept
  const first = kept[0] as ModelRequest
  const withPrompts = new ModelRequest(
    { parts: [...systemPrompts, ...first.parts], instructions: first.instructions },
    trustedInput
  )
  return [withPrompts, ...kept.slice(1)]
}

/**
 * Sends only the last `turns` turns (a turn: a user prompt and the responses and tool results that
 * follow it); system prompts of dropped turns are kept unless told otherwise. `turns` must be a
 * positive integer, else the run fails with `UserError` before the request.
 *
 * @since 0.1.0
 * @category utils
 */
export const keepLastTurns = (turns: number, options?: KeepLastTurnsOptions): HistoryProcessor<UserError> => {
  const invalid = !Number.isInteger(turns) || turns < 1
  return (messages) =>
    invalid
      ? Effect.fail(new UserError({ message: `keepLastTurns needs a positive whole number of turns, got ${turns}` }))
      : Effect.succeed(lastTurns(messages, turns, options))
}

/**
 * Options of `dropOldToolResults`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DropOldToolResultsOptions {
  /** How many of the latest tool results to send as they are (default 3). */
  readonly keepLast?: number | undefined
  /** What older results are replaced with (default "[tool result removed]"). */
  readonly placeholder?: string | undefined
}

/**
 * Replaces the content of all but the last tool results with a placeholder (pure); see `dropOldToolResults`.
 *
 * @since 0.1.0
 * @category utils
 */
export const withoutOldToolResults = (
  messages: ReadonlyArray<ModelMessage>,
  options?: DropOldToolResultsOptions
): ReadonlyArray<ModelMessage> => {
  const keepLast = Math.max(0, options?.keepLast ?? 3)
  const placeholder = options?.placeholder ?? "[tool result removed]"
  let seen = 0
  const result = messages.slice()
  for (let index = result.length - 1; index >= 0; index--) {
    const message = result[index] as ModelMessage
    if (message._tag !== "ModelRequest") continue
    let changed = false
    const parts = message.parts.slice()
    for (let partIndex = parts.length - 1; partIndex >= 0; partIndex--) {
      const part = parts[partIndex] as ModelRequestPart
      if (part._tag !== "ToolReturnPart") continue
      seen++
      if (seen > keepLast && part.content !== placeholder) {
        parts[partIndex] = new ToolReturnPart(
          { toolName: part.toolName, toolCallId: part.toolCallId, content: placeholder, isError: part.isError },
          trustedInput
        )
        changed = true
      }
    }
    if (changed) result[index] = new ModelRequest({ parts, instructions: message.instructions }, trustedInput)
  }
  return result
}

/**
 * Sends the content of the latest `keepLast` tool results only; older results keep their place
 * (so every call still has its result) with a placeholder as content.
 *
 * @since 0.1.0
 * @category utils
 */
export const dropOldToolResults =
  (options?: DropOldToolResultsOptions): HistoryProcessor =>
  (messages) =>
    Effect.succeed(withoutOldToolResults(messages, options))

/**
 * Removes reasoning from the responses before the current turn (pure); see `dropThinking`.
 *
 * @since 0.1.0
 * @category utils
 */
export const withoutThinking = (messages: ReadonlyArray<ModelMessage>): ReadonlyArray<ModelMessage> => {
  const currentTurn = turnStarts(messages).at(-1) ?? messages.length
  return messages.map((message, index) => {
    if (index >= currentTurn || message._tag !== "ModelResponse") return message
    const parts = message.parts.filter((part) => part._tag !== "ThinkingPart")
    // A response of reasoning alone stays whole: an empty response cannot be sent.
    if (parts.length === message.parts.length || parts.length === 0) return message
    return new ModelResponse(
      {
        parts,
        usage: message.usage,
        modelName: message.modelName,
        finishReason: message.finishReason,
        providerResponseId: message.providerResponseId,
        providerDetails: message.providerDetails,
        providerName: message.providerName,
        timestamp: message.timestamp
      },
      trustedInput
    )
  })
}

/**
 * Sends no reasoning from earlier turns. The current turn keeps it: providers want the reasoning
 * of a tool-calling turn sent back while the turn goes on.
 *
 * @since 0.1.0
 * @category utils
 */
export const dropThinking = (): HistoryProcessor => (messages) => Effect.succeed(withoutThinking(messages))
