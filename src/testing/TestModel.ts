/**
 * A `Model` that needs no script: it calls every function tool once with arguments generated from
 * the tool's JSON Schema, then answers with the tool results (or calls the output tool with
 * generated arguments). It exercises an agent's whole loop — tools, argument decoding, retries,
 * structured output, streaming — without a network or a hand-written response.
 *
 * What it answers, request by request:
 * 1. No model response in the history yet and function tools to call: one call of each tool
 *    (`callTools` picks which), arguments valid for the tool's schema and fixed by `seed`.
 * 2. The last request carries retry prompts for some tools: those tools are called again, with
 *    new arguments (the seed is mixed with the attempt number).
 * 3. Otherwise the final answer: a call of the output tool when the request needs one (text is not
 *    allowed, or `customOutputArgs` is set), JSON text of the output object for `native` and
 *    `prompted` output, else text: `customOutputText`, or a JSON object of every tool's result by
 *    tool name (`success (no tool calls)` when there were none).
 *
 * Streamed answers arrive word by word; tool calls start empty and get their JSON arguments in
 * two fragments. Usage is estimated from the words, never zero.
 *
 * @example
 * import { Effect } from "effect"
 * import { Message, Model } from "effect-claude"
 * import { TestModel } from "effect-claude/testing"
 *
 * const program = Effect.gen(function* () {
 *   const model = yield* Model.Model
 *   const response = yield* model.request([Message.ModelRequest.user("hi")], {}, Model.textParameters)
 *   const recorded = yield* TestModel.TestModel
 *   const calls = yield* recorded.requests
 *   return [Message.responseText(response), calls.length] as const
 * }).pipe(Effect.provide(TestModel.layer({ customOutputText: "hello" })))
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { UserError } from "../AgentError.js"
import {
  type ModelMessage,
  ModelResponse,
  type ModelResponsePart,
  TextPart,
  type ToolArgs,
  ToolCallPart
} from "../Message.js"
import {
  defaultProfile,
  Model,
  type ModelError,
  type ModelProfile,
  type ModelRequestParameters,
  type Service as ModelService,
  make as makeModel,
  type ToolDefinition
} from "../Model.js"
import type { ModelSettings } from "../ModelSettings.js"
import * as StreamEvent from "../StreamEvent.js"
import { isToolContent, ToolContent } from "../ToolContent.js"
import { estimateUsage } from "./estimateUsage.js"
import { generate, mixSeed } from "./internal/jsonSchemaValues.js"

/**
 * Options of a test model.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Fixes every generated value: the same seed gives the same arguments and output. Default 0. */
  readonly seed?: number | undefined
  /** Which function tools the first response calls: all of them (default) or those named. */
  readonly callTools?: "all" | ReadonlyArray<string> | undefined
  /** The final text answer, instead of the JSON summary of tool results. */
  readonly customOutputText?: string | undefined
  /**
   * The final structured output, instead of generated arguments: the first output tool's arguments
   * (then the output tool is called even when text is allowed), or the JSON answer for `native` and
   * `prompted` output.
   */
  readonly customOutputArgs?: unknown
  /** Default `test`. */
  readonly modelName?: string | undefined
  /** Settings the model reports it was built with. */
  readonly settings?: ModelSettings | undefined
  /** Overrides of the model's profile; by default it supports every output mode. */
  readonly profile?: Partial<ModelProfile> | undefined
}

/**
 * One call of the model, as it received it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly messages: ReadonlyArray<ModelMessage>
  readonly settings: ModelSettings
  readonly parameters: ModelRequestParameters
  /** Whether it came through `requestStream` rather than `request`. */
  readonly streamed: boolean
}

/**
 * The test model: a `Model` that also tells what it was called with.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service extends ModelService {
  /** Every call so far, oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** The latest call, if any. */
  readonly lastRequest: Effect.Effect<Option.Option<RecordedRequest>>
}

/**
 * The test model provided by `layer`, for reading what it was called with.
 *
 * @since 0.1.0
 * @category tags
 */
export class TestModel extends Context.Tag("effect-claude/testing/TestModel")<TestModel, Service>() {}

/**
 * The provider name test model responses carry.
 *
 * @since 0.1.0
 * @category utils
 */
export const providerName = "test"

/**
 * The id of the call of `toolName` in the response that follows `responseCount` earlier responses.
 *
 * @since 0.1.0
 * @category utils
 */
export const toolCallId = (toolName: string, responseCount: number): string => `test_${toolName}_${responseCount}`

/** Each tool and attempt draws from its own sequence, so adding a tool does not change the others' values. */
const seedFor = (seed: number, name: string, attempt: number): number => mixSeed(seed, `${name}#${attempt}`)

/**
 * Arguments for a tool call, generated from its JSON Schema: valid for the schema and the same for
 * the same `seed`, `toolName` and `attempt` (0 for the first call, then one more per retry).
 *
 * @since 0.1.0
 * @category utils
 */
export const generateArgs = (definition: ToolDefinition, seed: number, attempt = 0): ToolArgs => {
  const value = generate(definition.parametersJsonSchema, seedFor(seed, definition.name, attempt))
  // Tool arguments are an object; a schema asking for anything else still gets valid JSON text.
  return Predicate.isRecord(value) ? value : JSON.stringify(value)
}

/** Keeps only what survives JSON, so a streamed (re-parsed) call equals the non-streamed one. */
const jsonArgs = (value: unknown): ToolArgs => {
  const text = JSON.stringify(value) ?? "null"
  const parsed: unknown = JSON.parse(text)
  return Predicate.isRecord(parsed) ? parsed : text
}

const countResponses = (messages: ReadonlyArray<ModelMessage>): number => {
  let count = 0
  for (const message of messages) if (message._tag === "ModelResponse") count++
  return count
}

/**
 * How often `toolName` has been retried so far: one retry prompt per earlier attempt. `undefined`
 * counts the retry prompts about no tool (invalid native or prompted output, say).
 */
const retryCount = (messages: ReadonlyArray<ModelMessage>, toolName: string | undefined): number => {
  let count = 0
  for (const message of messages) {
    if (message._tag !== "ModelRequest") continue
    for (const part of message.parts) if (part._tag === "RetryPromptPart" && part.toolName === toolName) count++
  }
  return count
}

const encodeToolContent = Schema.encodeSync(ToolContent)
const plainResult = (content: unknown): unknown => (isToolContent(content) ? encodeToolContent(content) : content)

/** Every tool result of the conversation, by tool name (a later result of the same tool wins). */
const toolResults = (messages: ReadonlyArray<ModelMessage>): Record<string, unknown> => {
  const results: Record<string, unknown> = {}
  for (const message of messages) {
    if (message._tag !== "ModelRequest") continue
    for (const part of message.parts) {
      // A rich result is shown as its JSON form (bytes as base64), as history stores it.
      if (part._tag === "ToolReturnPart") results[part.toolName] = plainResult(part.content)
    }
  }
  return results
}

const toolCall = (definition: ToolDefinition, args: ToolArgs, responseCount: number): ToolCallPart =>
  new ToolCallPart({ toolName: definition.name, args, toolCallId: toolCallId(definition.name, responseCount) })

/** The parts a test model answers `messages` with. */
const answer = (
  messages: ReadonlyArray<ModelMessage>,
  parameters: ModelRequestParameters,
  options: Options
): Effect.Effect<ReadonlyArray<ModelResponsePart>, UserError> => {
  if (parameters.builtinTools.length > 0) {
    return Effect.fail(
      new UserError({
        message: "TestModel cannot run built-in tools; script their parts with FunctionModel instead"
      })
    )
  }
  const seed = options.seed ?? 0
  const responseCount = countResponses(messages)
  const callTools = options.callTools ?? "all"
  // A step's tool choice `none` declares the tools but forbids calling them.
  const offered = parameters.toolChoice === "none" ? [] : parameters.functionTools
  const functionTools = callTools === "all" ? offered : offered.filter((tool) => callTools.includes(tool.name))

  if (responseCount === 0 && functionTools.length > 0) {
    return Effect.succeed(functionTools.map((tool) => toolCall(tool, generateArgs(tool, seed), responseCount)))
  }

  const last = messages[messages.length - 1]
  if (last?._tag === "ModelRequest") {
    const retried = new Set<string>()
    for (const part of last.parts) {
      if (part._tag === "RetryPromptPart" && part.toolName !== undefined) retried.add(part.toolName)
    }
    const retries: Array<ModelResponsePart> = []
    for (const tool of functionTools) {
      if (!retried.has(tool.name)) continue
      retries.push(toolCall(tool, generateArgs(tool, seed, retryCount(messages, tool.name)), responseCount))
    }
    parameters.outputTools.forEach((tool, index) => {
      if (!retried.has(tool.name)) return
      const args =
        options.customOutputArgs !== undefined && index === 0
          ? jsonArgs(options.customOutputArgs)
          : generateArgs(tool, seed, retryCount(messages, tool.name))
      retries.push(toolCall(tool, args, responseCount))
    })
    // A retry about no known tool (e.g. an output validator on text) falls through to a new answer.
    if (retries.length > 0) return Effect.succeed(retries)
  }

  return Effect.succeed([finalAnswer(messages, parameters, options, seed, responseCount)])
}

const finalAnswer = (
  messages: ReadonlyArray<ModelMessage>,
  parameters: ModelRequestParameters,
  options: Options,
  seed: number,
  responseCount: number
): ModelResponsePart => {
  const { outputTools } = parameters
  const wantsOutputTool =
    outputTools.length > 0 &&
    options.customOutputText === undefined &&
    (!parameters.allowTextOutput || options.customOutputArgs !== undefined)
  if (wantsOutputTool) {
    if (options.customOutputArgs !== undefined) {
      return toolCall(outputTools[0]!, jsonArgs(options.customOutputArgs), responseCount)
    }
    // The seed also picks among several output tools, so tests can reach each of them.
    const tool = outputTools[Math.abs(Math.trunc(seed)) % outputTools.length]!
    return toolCall(tool, generateArgs(tool, seed, retryCount(messages, tool.name)), responseCount)
  }
  if (options.customOutputText !== undefined) return new TextPart({ content: options.customOutputText })
  const outputObject = parameters.outputObject
  if ((parameters.outputMode === "native" || parameters.outputMode === "prompted") && outputObject !== undefined) {
    const value =
      options.customOutputArgs !== undefined
        ? options.customOutputArgs
        : generate(outputObject.jsonSchema, seedFor(seed, outputObject.name, retryCount(messages, undefined)))
    return new TextPart({ content: JSON.stringify(value) })
  }
  const results = toolResults(messages)
  return new TextPart({
    content: Object.keys(results).length > 0 ? JSON.stringify(results) : "success (no tool calls)"
  })
}

/** Splits text before each word that follows whitespace: the pieces concatenate back to `text`. */
const words = (text: string): ReadonlyArray<string> => text.split(/(?<=\s)(?=\S)/)

/** The events of `response` as a provider would stream them: word by word, arguments in fragments. */
const streamEvents = (response: ModelResponse): Array<Chunk.Chunk<StreamEvent.ModelResponseStreamEvent>> => {
  const chunks: Array<Chunk.Chunk<StreamEvent.ModelResponseStreamEvent>> = []
  response.parts.forEach((part, index) => {
    if (part._tag === "TextPart") {
      chunks.push(Chunk.of(StreamEvent.partStart(index, new TextPart({ content: "" }))))
      for (const word of words(part.content)) if (word !== "") chunks.push(Chunk.of(StreamEvent.textDelta(index, word)))
    } else if (part._tag === "ToolCallPart") {
      const start = new ToolCallPart({ toolName: part.toolName, args: "", toolCallId: part.toolCallId })
      chunks.push(Chunk.of(StreamEvent.partStart(index, start)))
      const args = typeof part.args === "string" ? part.args : JSON.stringify(part.args)
      const middle = Math.ceil(args.length / 2)
      for (const fragment of [args.slice(0, middle), args.slice(middle)]) {
        if (fragment !== "") chunks.push(Chunk.of(StreamEvent.toolCallArgsDelta(index, fragment)))
      }
    } else {
      chunks.push(Chunk.of(StreamEvent.partStart(index, part)))
    }
    chunks.push(Chunk.of(StreamEvent.partEnd(index)))
  })
  chunks.push(
    Chunk.of(
      StreamEvent.responseMetadata({
        modelName: response.modelName,
        providerName: response.providerName,
        usage: response.usage,
        finishReason: response.finishReason
      })
    )
  )
  return chunks
}

/**
 * A test model that records its calls.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service> =>
  Effect.map(Ref.make<ReadonlyArray<RecordedRequest>>([]), (recorded) => {
    const modelName = options.modelName ?? "test"
    const record = (request: RecordedRequest) => Ref.update(recorded, (requests) => [...requests, request])

    const respond = (
      messages: ReadonlyArray<ModelMessage>,
      parameters: ModelRequestParameters
    ): Effect.Effect<ModelResponse, ModelError> =>
      Effect.flatMap(answer(messages, parameters, options), (parts) =>
        Effect.map(
          Clock.currentTimeMillis,
          (now) =>
            new ModelResponse({
              parts,
              usage: estimateUsage(messages, parts),
              modelName,
              providerName,
              finishReason: parts.some((part) => part._tag === "ToolCallPart") ? "tool_call" : "stop",
              timestamp: new Date(now)
            })
        )
      )

    const model = makeModel({
      modelName,
      providerName,
      profile: { ...defaultProfile, supportsNativeOutput: true, ...options.profile },
      settings: options.settings ?? {},
      request: (messages, settings, parameters) =>
        Effect.zipRight(record({ messages, settings, parameters, streamed: false }), respond(messages, parameters)),
      requestStream: (messages, settings, parameters) =>
        Stream.unwrap(
          Effect.zipRight(
            record({ messages, settings, parameters, streamed: true }),
            Effect.map(respond(messages, parameters), (response) => Stream.fromChunks(...streamEvents(response)))
          )
        ),
      // The input tokens its answer will report: the same estimate, from the same words.
      countTokens: (messages) => Effect.sync(() => estimateUsage(messages, []).inputTokens)
    })
    return {
      ...model,
      requests: Ref.get(recorded),
      lastRequest: Effect.map(Ref.get(recorded), (requests) => Option.fromNullable(requests[requests.length - 1]))
    }
  })

/**
 * A Layer providing the test model as the `Model`, and as `TestModel` to read its recorded calls.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<Model | TestModel> =>
  Layer.effectContext(
    Effect.map(make(options), (service) => Context.make(Model, service).pipe(Context.add(TestModel, service)))
  )
