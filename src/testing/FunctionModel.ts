/**
 * A `Model` whose answers come from a function you write: the quickest way to script a model in
 * a test. The function sees the whole conversation and the request parameters (tools, output
 * mode) and returns the response; an optional stream function returns the answer as deltas.
 *
 * Parts built from typed values may skip their Schema check, as the second example does with
 * `Message.unvalidated`: TypeScript has already checked them, and the check costs more than the rest
 * of a fake's step (the benchmarks' fake builds its parts this way). `unvalidated` gives the instance
 * `new Message.ToolCallPart(props, { disableValidation: true })` gives, without the constructor's
 * copies of the props.
 *
 * @example
 * import { Effect } from "effect"
 * import { Message } from "effect-claude"
 * import { FunctionModel } from "effect-claude/testing"
 *
 * const echo = FunctionModel.layer((messages) =>
 *   Effect.succeed([new Message.TextPart({ content: `I saw ${messages.length} message(s)` })])
 * )
 *
 * // Typed parts, built without the Schema check.
 * const caller = FunctionModel.layer(() =>
 *   Effect.succeed([
 *     Message.unvalidated(Message.ToolCallPart, { toolName: "lookup", args: { id: 1 }, toolCallId: "call_1" })
 *   ])
 * )
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import {
  type ModelMessage,
  ModelResponse,
  type ModelResponsePart,
  TextPart,
  ThinkingPart,
  ToolCallPart,
  unvalidated
} from "../Message.js"
import type { ModelError, ModelRequestParameters, Service } from "../Model.js"
import * as Model from "../Model.js"
import { ModelResponseBuilder } from "../ModelResponseBuilder.js"
import type { ModelSettings } from "../ModelSettings.js"
import type { ModelResponseStreamEvent } from "../StreamEvent.js"
import { ConversationWords, estimateUsage } from "./estimateUsage.js"

/**
 * What the function is told besides the messages.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestInfo {
  readonly settings: ModelSettings
  readonly parameters: ModelRequestParameters
  readonly modelName: string
}

/**
 * A scripted answer: a whole response, or just its parts (usage is then estimated).
 *
 * @since 0.1.0
 * @category models
 */
export type ModelFunction = (
  messages: ReadonlyArray<ModelMessage>,
  info: RequestInfo
) => Effect.Effect<ModelResponse | ReadonlyArray<ModelResponsePart>, ModelError>

/**
 * A fragment of a streamed tool call; chunks with the same `key` build the same call.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolCallChunk {
  readonly _tag: "ToolCallChunk"
  readonly key: number | string
  readonly toolName?: string | undefined
  readonly argsDelta?: string | undefined
  readonly toolCallId?: string | undefined
}

/**
 * A fragment of streamed reasoning.
 *
 * @since 0.1.0
 * @category models
 */
export interface ThinkingChunk {
  readonly _tag: "ThinkingChunk"
  readonly content: string
}

/**
 * One streamed item: a string is a text delta.
 *
 * @since 0.1.0
 * @category models
 */
export type StreamItem = string | ToolCallChunk | ThinkingChunk

/**
 * A scripted streamed answer.
 *
 * @since 0.1.0
 * @category models
 */
export type StreamFunction = (
  messages: ReadonlyArray<ModelMessage>,
  info: RequestInfo
) => Stream.Stream<StreamItem, ModelError>

/**
 * Builds a `ToolCallChunk`.
 *
 * @since 0.1.0
 * @category utils
 */
export const toolCallChunk = (chunk: Omit<ToolCallChunk, "_tag">): ToolCallChunk => ({
  _tag: "ToolCallChunk",
  ...chunk
})

/**
 * Builds a `ThinkingChunk`.
 *
 * @since 0.1.0
 * @category utils
 */
export const thinkingChunk = (content: string): ThinkingChunk => ({ _tag: "ThinkingChunk", content })

/**
 * Options of a function model.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly modelName?: string | undefined
  readonly settings?: ModelSettings | undefined
  readonly supportsNativeOutput?: boolean | undefined
  /**
   * Counts a request's input tokens without answering it (`Model.Service.countTokens`, used by
   * `UsageLimits.countTokensBeforeRequest`); without it the model cannot count.
   */
  readonly countTokens?:
    | ((messages: ReadonlyArray<ModelMessage>, info: RequestInfo) => Effect.Effect<number, ModelError>)
    | undefined
}

const eventsOfItems = (
  items: Stream.Stream<StreamItem, ModelError>
): Stream.Stream<ModelResponseStreamEvent, ModelError> =>
  Stream.suspend(() => {
    // Which part index each text run, thinking run and tool-call key was given.
    let nextIndex = 0
    let openTextIndex: number | undefined
    let openThinkingIndex: number | undefined
    const toolCallIndexes = new Map<number | string, number>()
    return Stream.mapChunks(items, (chunk) => {
      const events: Array<ModelResponseStreamEvent> = []
      for (const item of chunk) {
        if (typeof item === "string") {
          openThinkingIndex = undefined
          if (openTextIndex === undefined) {
            openTextIndex = nextIndex++
            events.push({ _tag: "PartStart", index: openTextIndex, part: new TextPart({ content: item }) })
          } else {
            events.push({ _tag: "PartDelta", index: openTextIndex, delta: { _tag: "TextDelta", content: item } })
          }
        } else if (item._tag === "ThinkingChunk") {
          openTextIndex = undefined
          if (openThinkingIndex === undefined) {
            openThinkingIndex = nextIndex++
            events.push({
              _tag: "PartStart",
              index: openThinkingIndex,
              part: new ThinkingPart({ content: item.content })
            })
          } else {
            events.push({
              _tag: "PartDelta",
              index: openThinkingIndex,
              delta: { _tag: "ThinkingDelta", content: item.content }
            })
          }
        } else {
          openTextIndex = undefined
          openThinkingIndex = undefined
          const existing = toolCallIndexes.get(item.key)
          if (existing === undefined) {
            const index = nextIndex++
            toolCallIndexes.set(item.key, index)
            const part = new ToolCallPart({
              toolName: item.toolName ?? "",
              args: item.argsDelta ?? "",
              toolCallId: item.toolCallId ?? `call_${index}`
            })
            events.push({ _tag: "PartStart", index, part })
          } else {
            events.push({
              _tag: "PartDelta",
              index: existing,
              delta: {
                _tag: "ToolCallDelta",
                toolName: item.toolName,
                argsDelta: item.argsDelta,
                toolCallId: item.toolCallId
              }
            })
          }
        }
      }
      return Chunk.unsafeFromArray(events)
    })
  })

const finishReasonOf = (parts: ReadonlyArray<ModelResponsePart>) =>
  parts.some((part) => part._tag === "ToolCallPart") ? ("tool_call" as const) : ("stop" as const)

/**
 * A `Model` service answering with `modelFunction` (and streaming with `streamFunction` when given).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  modelFunction: ModelFunction | undefined,
  streamFunction?: StreamFunction | undefined,
  options: Options = {}
): Service => {
  const modelName = options.modelName ?? "function"
  // The words of the conversation this model last answered, so each step counts only what is new.
  const conversation = new ConversationWords()
  const infoOf = (settings: ModelSettings, parameters: ModelRequestParameters): RequestInfo => ({
    settings,
    parameters,
    modelName
  })

  const streamWithUsage: Model.RequestStreamFunction = (messages, settings, parameters) =>
    Stream.suspend(() => {
      if (streamFunction === undefined) return Stream.empty
      // Usage is only known at the end: estimate it from the parts streamed so far and emit it last.
      const builder = new ModelResponseBuilder()
      const events = eventsOfItems(streamFunction(messages, infoOf(settings, parameters))).pipe(
        Stream.mapChunks((chunk) => {
          builder.addAll(chunk)
          return chunk
        })
      )
      const trailer = Stream.sync((): ModelResponseStreamEvent => {
        const parts = builder.response(new Date(0)).parts
        return {
          _tag: "ResponseMetadata",
          modelName,
          providerName: "function",
          usage: estimateUsage(messages, parts, conversation),
          finishReason: finishReasonOf(parts)
        }
      })
      return Stream.concat(events, trailer)
    })

  const request =
    (modelFunction: ModelFunction): Model.RequestFunction =>
    (messages, settings, parameters) =>
      Effect.flatMap(modelFunction(messages, infoOf(settings, parameters)), (result) =>
        result instanceof ModelResponse
          ? Effect.succeed(result)
          : Effect.clockWith((clock) => {
              // The parts are typed instances already, the usage is counted: nothing to validate.
              const response = unvalidated(ModelResponse, {
                parts: [...result],
                usage: estimateUsage(messages, result, conversation),
                modelName,
                providerName: "function",
                finishReason: finishReasonOf(result),
                timestamp: new Date(clock.unsafeCurrentTimeMillis())
              })
              conversation.remember(response)
              return Effect.succeed(response)
            })
      )

  const countTokens = options.countTokens
  const base = {
    modelName,
    providerName: "function",
    profile: { ...Model.defaultProfile, supportsNativeOutput: options.supportsNativeOutput ?? false },
    settings: options.settings ?? {},
    countTokens:
      countTokens === undefined
        ? undefined
        : (messages: ReadonlyArray<ModelMessage>, settings: ModelSettings, parameters: ModelRequestParameters) =>
            countTokens(messages, infoOf(settings, parameters))
  }
  // Without either function, the stream is empty and the response has no parts.
  if (modelFunction === undefined) return Model.make({ ...base, requestStream: streamWithUsage })
  return Model.make({
    ...base,
    request: request(modelFunction),
    requestStream: streamFunction === undefined ? undefined : streamWithUsage
  })
}

/**
 * A Layer providing a `Model` that answers with your function.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  modelFunction: ModelFunction | undefined,
  streamFunction?: StreamFunction | undefined,
  options?: Options
): Layer.Layer<Model.Model> => Layer.succeed(Model.Model, make(modelFunction, streamFunction, options))
