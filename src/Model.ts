/**
 * The `Model` service: one model of one provider, able to answer a conversation in one go or as a
 * stream of part events. Providers (`AnthropicModel.layer`) and fakes (`TestModel.layer`,
 * `FunctionModel.layer`) are Layers providing it, so swapping a model is swapping one Layer.
 *
 * A provider is built with `make`: give it one side (`request` or `requestStream`) or both; it
 * derives the other and opens the request's `chat {model}` span.
 *
 * @example
 * import { Effect } from "effect"
 * import { Message, Model } from "effect-claude"
 *
 * const ask = (question: string) =>
 *   Effect.gen(function* () {
 *     const model = yield* Model.Model
 *     const response = yield* model.request([Message.ModelRequest.user(question)], {}, Model.textParameters)
 *     return Message.responseText(response)
 *   })
 */
import type * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import type { UnexpectedModelBehavior, UserError } from "./AgentError.js"
import type { BuiltinTool } from "./BuiltinTool.js"
import * as GenAiTelemetry from "./GenAiTelemetry.js"
import * as ChatSpan from "./internal/chatSpan.js"
import { fromScopedPull, scopedPullOf } from "./internal/pullStream.js"
import { inSpan } from "./internal/span.js"
import type { ModelMessage, ModelResponse } from "./Message.js"
import * as ModelResponseBuilder from "./ModelResponseBuilder.js"
import type { ModelSettings } from "./ModelSettings.js"
import type { ModelResponseStreamEvent } from "./StreamEvent.js"

/**
 * A JSON Schema document (draft 2020-12 subset), as produced by `effect`'s `JSONSchema.make`.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonSchema = Readonly<Record<string, unknown>>

/**
 * A tool as the model sees it: a name, a description and the JSON Schema of its arguments.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolDefinition {
  readonly name: string
  readonly description?: string | undefined
  readonly parametersJsonSchema: JsonSchema
  /** `function`: a tool the agent runs; `output`: calling it gives the run's final output. */
  readonly kind: "function" | "output"
  /** Ask the provider to enforce the schema strictly, where it can. */
  readonly strict?: boolean | undefined
  /**
   * Definitions by provider name that the provider sends instead of the JSON Schema (its own
   * client tools, e.g. Anthropic's memory tool); other providers ignore them.
   */
  readonly providerDefinitions?: Readonly<Record<string, unknown>> | undefined
}

/**
 * How structured output is obtained: `text` (plain text answer), `tool` (the model calls an output
 * tool), `native` (the provider constrains the answer to a JSON Schema), `prompted` (the schema is
 * put in the instructions and the text answer is parsed).
 *
 * @since 0.1.0
 * @category models
 */
export type OutputMode = "text" | "tool" | "native" | "prompted"

/**
 * The JSON Schema the answer must follow, for `native` and `prompted` output.
 *
 * @since 0.1.0
 * @category models
 */
export interface OutputObject {
  readonly name: string
  readonly description?: string | undefined
  readonly jsonSchema: JsonSchema
  readonly strict?: boolean | undefined
}

/**
 * Everything about a request besides messages and settings: tools and how output is expected.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelRequestParameters {
  readonly functionTools: ReadonlyArray<ToolDefinition>
  readonly outputTools: ReadonlyArray<ToolDefinition>
  readonly builtinTools: ReadonlyArray<BuiltinTool>
  readonly outputMode: OutputMode
  /** Whether a plain text answer ends the run. When false the model must call a tool. */
  readonly allowTextOutput: boolean
  readonly outputObject?: OutputObject | undefined
  /**
   * How the model must use the function tools in this request, when a step says so (an agent's
   * `prepareStep`): `none` calls none of them (they stay declared: the conversation may hold calls
   * of them), `required` calls one, `{ tool }` calls that one. Undefined: as the output mode implies.
   */
  readonly toolChoice?: "none" | "required" | { readonly tool: string } | undefined
}

/**
 * Parameters of a request with no tools that expects a text answer.
 *
 * @since 0.1.0
 * @category utils
 */
export const textParameters: ModelRequestParameters = {
  functionTools: [],
  outputTools: [],
  builtinTools: [],
  outputMode: "text",
  allowTextOutput: true
}

/**
 * What a model can do, so the agent picks a way to get structured output that the model accepts.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelProfile {
  /** Whether the model can be forced to call a tool while thinking is on (Anthropic: no). */
  readonly supportsForcedToolCallsWithThinking: boolean
  /** Whether the provider can constrain the answer to a JSON Schema (`native` output). */
  readonly supportsNativeOutput: boolean
  /** Whether the model can be forced to call a tool at all (Claude Fable and Mythos: no); true when absent. */
  readonly supportsForcedToolCalls?: boolean | undefined
}

/**
 * The errors a model request can fail with. Provider modules add theirs by declaration merging
 * (`effect-claude/anthropic` adds `anthropic: AnthropicError`), so a run's error channel names the
 * errors of the providers the program uses.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelErrors {
  readonly agent: UnexpectedModelBehavior | UserError
}

/**
 * Any error of a model request.
 *
 * @since 0.1.0
 * @category models
 */
export type ModelError = ModelErrors[keyof ModelErrors]

/**
 * The model service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The model's name as the provider knows it, e.g. `claude-sonnet-4-6`. */
  readonly modelName: string
  /** The provider's name, e.g. `anthropic`; parts carry it so provider-specific data goes back only there. */
  readonly providerName: string
  readonly profile: ModelProfile
  /** Settings this model was built with; the agent's and the run's settings are merged over them. */
  readonly settings: ModelSettings
  /** Answers a conversation in one response. */
  readonly request: (
    messages: ReadonlyArray<ModelMessage>,
    settings: ModelSettings,
    parameters: ModelRequestParameters
  ) => Effect.Effect<ModelResponse, ModelError>
  /** Answers a conversation as a stream of part events; folding it gives what `request` returns. */
  readonly requestStream: (
    messages: ReadonlyArray<ModelMessage>,
    settings: ModelSettings,
    parameters: ModelRequestParameters
  ) => Stream.Stream<ModelResponseStreamEvent, ModelError>
  /**
   * Counts the input tokens the request would use, without sending it to the model. Absent when
   * the model cannot count: a run with `UsageLimits.countTokensBeforeRequest` then fails with a
   * `UserError` before its first request.
   */
  readonly countTokens?: CountTokensFunction | undefined
}

/**
 * Counts the input tokens a request would use, without sending it (see `Service.countTokens`).
 *
 * @since 0.1.0
 * @category models
 */
export type CountTokensFunction = (
  messages: ReadonlyArray<ModelMessage>,
  settings: ModelSettings,
  parameters: ModelRequestParameters
) => Effect.Effect<number, ModelError>

/**
 * The model a program talks to.
 *
 * @since 0.1.0
 * @category tags
 */
export class Model extends Context.Tag("effect-claude/Model")<Model, Service>() {}

/**
 * A profile for models that accept every way of getting structured output.
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultProfile: ModelProfile = {
  supportsForcedToolCallsWithThinking: true,
  supportsNativeOutput: false
}

/**
 * The function answering a conversation in one response (see `Service.request`).
 *
 * @since 0.1.0
 * @category models
 */
export type RequestFunction = Service["request"]

/**
 * The function answering a conversation as a stream of part events (see `Service.requestStream`).
 *
 * @since 0.1.0
 * @category models
 */
export type RequestStreamFunction = Service["requestStream"]

/**
 * What a provider gives `make`: its names, what it can do, and one side of answering or both.
 *
 * @since 0.1.0
 * @category models
 */
export type Implementation = {
  readonly modelName: string
  readonly providerName: string
  /** Defaults to `defaultProfile`. */
  readonly profile?: ModelProfile | undefined
  /** The model's default settings (callers merge theirs over them). */
  readonly settings?: ModelSettings | undefined
  /** Token counting, when the provider can count without answering (see `Service.countTokens`). */
  readonly countTokens?: CountTokensFunction | undefined
} & (
  | { readonly request: RequestFunction; readonly requestStream?: RequestStreamFunction | undefined }
  | { readonly request?: RequestFunction | undefined; readonly requestStream: RequestStreamFunction }
)

/**
 * A provider's streamed answer built from a pull opened in a scope: the Stream of the chunks the
 * pull gives until it fails with `None`, `open` running in a scope that closes when the Stream ends
 * (what `Stream.fromPull` gives, when `open` cannot fail). `make` runs such a Stream and the
 * request's `chat {model}` span as one Stream rather than one inside another, which costs less than
 * the events of a short answer.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Chunk, Effect, Option } from "effect"
 * import { Model, StreamEvent } from "effect-claude"
 *
 * // One chunk of events, then the end.
 * const answer = Model.streamFromPull(
 *   Effect.sync(() => {
 *     let sent = false
 *     return Effect.suspend(() => {
 *       if (sent) return Effect.fail(Option.none())
 *       sent = true
 *       const events: Array<StreamEvent.ModelResponseStreamEvent> = [{ _tag: "PartEnd", index: 0 }]
 *       return Effect.succeed(Chunk.fromIterable(events))
 *     })
 *   })
 * )
 */
export const streamFromPull: <A, E, EOpen, R>(
  open: Effect.Effect<Effect.Effect<Chunk.Chunk<A>, Option.Option<E>>, EOpen, R | Scope.Scope>
) => Stream.Stream<A, E | EOpen, Exclude<R, Scope.Scope>> = fromScopedPull

/**
 * Builds a model service from a provider's implementation. The side it lacks is derived (a stream is
 * folded with `ModelResponseBuilder`; a response is replayed as its events), and each request, either
 * side, gets one `chat {model}` span with the GenAI attributes of the request and of its response.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (implementation: Implementation): Service => {
  const { modelName, providerName } = implementation
  const settings = implementation.settings ?? {}
  const requestImpl: RequestFunction =
    implementation.request ??
    ((messages, callSettings, parameters) => ModelResponseBuilder.fold(streamImpl(messages, callSettings, parameters)))
  const streamImpl: RequestStreamFunction =
    implementation.requestStream ??
    ((messages, callSettings, parameters) =>
      Stream.flattenChunks(
        Stream.fromEffect(Effect.map(requestImpl(messages, callSettings, parameters), ModelResponseBuilder.toEvents))
      ))
  const name = ChatSpan.spanName(modelName)
  const spanOptions = (callSettings: ModelSettings) =>
    ChatSpan.spanOptions(providerName, modelName, settings, callSettings)

  const labels = GenAiTelemetry.modelLabels(providerName, modelName)
  /** Records a finished request's metrics; `startMillis` is when it was sent. */
  const record = (summary: ChatSpan.ResponseSummary | undefined, startMillis: number, endMillis: number) => {
    GenAiTelemetry.operationDuration.unsafeUpdate((endMillis - startMillis) / 1000, labels.duration)
    if (summary === undefined) return
    GenAiTelemetry.tokenUsage.unsafeUpdate(summary.usage.inputTokens, labels.input)
    GenAiTelemetry.tokenUsage.unsafeUpdate(summary.usage.outputTokens, labels.output)
  }

  const request: RequestFunction = (messages, callSettings, parameters) =>
    inSpan(name, spanOptions(callSettings), (span, fiber) => {
      const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
      const start = clock.unsafeCurrentTimeMillis()
      const capture = fiber.getFiberRef(GenAiTelemetry.captureContent)
      if (capture) span.attribute("gen_ai.input.messages", JSON.stringify(messages))
      return {
        effect: requestImpl(messages, callSettings, parameters),
        onEnd: (exit) => {
          const end = clock.unsafeCurrentTimeMillis()
          if (Exit.isFailure(exit)) return record(undefined, start, end)
          const response = exit.value
          ChatSpan.annotateResponse(span, response)
          if (capture) span.attribute("gen_ai.output.messages", JSON.stringify(response.parts))
          record(response, start, end)
        }
      }
    })

  // The span lives in the stream's scope and is the parent of each pull (the provider's effects run
  // when the stream is pulled); the response's attributes come from its metadata events, noted per
  // chunk in a plain loop, and are set when the stream has ended well, before the span ends.
  const openSpan = (messages: ReadonlyArray<ModelMessage>, callSettings: ModelSettings) =>
    Effect.flatMap(Effect.makeSpanScoped(name, spanOptions(callSettings)), (span) => {
      const summary = new ChatSpan.StreamSummary()
      // The finalizer goes straight into the scope: it reads no fiber ref, so it needs none of
      // the refs `Effect.addFinalizer` would diff and restore around it.
      const annotate = Effect.withFiberRuntime<void, never, Scope.Scope>((fiber) => {
        const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
        const start = clock.unsafeCurrentTimeMillis()
        if (fiber.getFiberRef(GenAiTelemetry.captureContent)) {
          span.attribute("gen_ai.input.messages", JSON.stringify(messages))
        }
        return Effect.scopeWith((scope) =>
          Scope.addFinalizerExit(scope, (exit) =>
            Effect.sync(() => {
              const success = Exit.isSuccess(exit)
              if (success) ChatSpan.annotateResponse(span, summary)
              record(success ? summary : undefined, start, clock.unsafeCurrentTimeMillis())
            })
          )
        )
      })
      return Effect.as(annotate, { span, summary })
    })

  const requestStream: RequestStreamFunction = (messages, callSettings, parameters) => {
    const provided = streamImpl(messages, callSettings, parameters)
    const openProvided = scopedPullOf(provided)
    if (openProvided !== undefined) {
      // Fast path (`internal/pullStream.ts`): the provider's Stream came from `streamFromPull`, so
      // the span and the provider's request share one Stream, and each pull notes its chunk.
      return fromScopedPull(
        Effect.flatMap(openSpan(messages, callSettings), ({ span, summary }) =>
          Effect.map(Effect.withParentSpan(openProvided, span), (pull) =>
            Effect.withParentSpan(
              Effect.map(pull, (chunk) => {
                summary.addAll(chunk)
                return chunk
              }),
              span
            )
          )
        )
      )
    }
    return Stream.unwrapScoped(
      Effect.map(openSpan(messages, callSettings), ({ span, summary }) =>
        provided.pipe(
          Stream.mapChunks((chunk) => {
            summary.addAll(chunk)
            return chunk
          }),
          Stream.provideService(Tracer.ParentSpan, span)
        )
      )
    )
  }

  return {
    modelName,
    providerName,
    profile: implementation.profile ?? defaultProfile,
    settings,
    request,
    requestStream,
    countTokens: implementation.countTokens
  }
}
