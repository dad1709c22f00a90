/**
 * A `Model` that tries several models in order: when one fails with an error worth trying
 * elsewhere (by default the retryable provider errors: rate limits, overload, server errors,
 * connection failures), the next one gets the same request. When every model fails that way, the
 * run fails with one `FallbackModelError` holding every error.
 *
 * A streamed request falls back only while nothing has been streamed yet. The fallback's `chat`
 * span holds the span of each model it tried.
 *
 * @example
 * import { Effect } from "effect"
 * import { FallbackModel, Message } from "effect-claude"
 * import { FunctionModel } from "effect-claude/testing"
 *
 * const primary = FunctionModel.layer(() => Effect.succeed([new Message.TextPart({ content: "from the primary" })]))
 * const backup = FunctionModel.layer(() => Effect.succeed([new Message.TextPart({ content: "from the backup" })]))
 * const model = FallbackModel.layer([primary, backup])
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { Model, type ModelError, type ModelProfile, make as makeModel, type Service } from "./Model.js"
import * as ModelSettings from "./ModelSettings.js"

/**
 * The error tags that move on to the next model by default: the provider errors worth retrying elsewhere.
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultFallbackTags: ReadonlyArray<string> = [
  "RateLimitError",
  "OverloadedError",
  "InternalServerError",
  "ServiceUnavailableError",
  "GatewayTimeoutError",
  "ConflictError",
  "APIConnectionError",
  "APIConnectionTimeoutError"
]

/**
 * The default of `fallbackOn`: one of `defaultFallbackTags`, or any error carrying an HTTP status
 * of 408, 409 or 5xx (a generic `APIError` for a 501 or 502 included).
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultFallbackOn = (error: ModelError): boolean => {
  const tag = Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : undefined
  if (tag !== undefined && defaultFallbackTags.includes(tag)) return true
  const status = Predicate.hasProperty(error, "status") && typeof error.status === "number" ? error.status : undefined
  return status !== undefined && (status === 408 || status === 409 || (status >= 500 && status < 600))
}

/**
 * Every model failed with an error that allowed falling back; `errors` holds them, in order.
 *
 * @since 0.1.0
 * @category errors
 */
export class FallbackModelError extends Schema.TaggedError<FallbackModelError>(
  "effect-claude/FallbackModel/FallbackModelError"
)("FallbackModelError", {
  message: Schema.String,
  errors: Schema.Array(Schema.Unknown)
}) {
  /** The error of each model, in the order they were tried. */
  declare readonly errors: ReadonlyArray<ModelError>
}

declare module "./Model.js" {
  interface ModelErrors {
    readonly fallback: FallbackModelError
  }
}

/**
 * Options of a fallback model.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Which errors move on to the next model: error `_tag`s, or a predicate. Defaults to
   * `defaultFallbackOn` (the retryable tags, and every 408, 409 and 5xx). Any other error fails
   * the request at once.
   */
  readonly fallbackOn?: ReadonlyArray<string> | ((error: ModelError) => boolean) | undefined
}

const describe = (error: unknown): string => {
  const tag = Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : "Error"
  const message = Predicate.hasProperty(error, "message") && typeof error.message === "string" ? error.message : ""
  return message === "" ? tag : `${tag}: ${message}`
}

const allFailed = (errors: ReadonlyArray<ModelError>, models: ReadonlyArray<Service>) =>
  new FallbackModelError({
    message: `All ${models.length} models failed: ${errors
      .map((error, index) => `${models[index]?.modelName ?? "model"} (${describe(error)})`)
      .join("; ")}`,
    errors
  })

/**
 * A model service trying `models` in order.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (models: readonly [Service, ...Array<Service>], options: Options = {}): Service => {
  const fallbackOn = options.fallbackOn ?? defaultFallbackOn
  const shouldFallBack =
    typeof fallbackOn === "function"
      ? fallbackOn
      : (error: ModelError) =>
          Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" && fallbackOn.includes(error._tag)

  const profile: ModelProfile = {
    supportsForcedToolCallsWithThinking: models.every((model) => model.profile.supportsForcedToolCallsWithThinking),
    supportsNativeOutput: models.every((model) => model.profile.supportsNativeOutput),
    ...(models.some((model) => model.profile.supportsForcedToolCalls === false)
      ? { supportsForcedToolCalls: false }
      : {})
  }

  const request: Service["request"] = (messages, settings, parameters) => {
    const attempt = (index: number, errors: ReadonlyArray<ModelError>): ReturnType<Service["request"]> => {
      const model = models[index]!
      return Effect.catchAll(
        model.request(messages, ModelSettings.merge(model.settings, settings), parameters),
        (error): ReturnType<Service["request"]> => {
          if (!shouldFallBack(error)) return Effect.fail(error)
          const failed = [...errors, error]
          return index + 1 < models.length ? attempt(index + 1, failed) : Effect.fail(allFailed(failed, models))
        }
      )
    }
    return attempt(0, [])
  }

  const requestStream: Service["requestStream"] = (messages, settings, parameters) => {
    const attempt = (index: number, errors: ReadonlyArray<ModelError>): ReturnType<Service["requestStream"]> =>
      Stream.suspend(() => {
        const model = models[index]!
        // Once events went out, switching models would mix two answers: fail instead.
        let started = false
        return model.requestStream(messages, ModelSettings.merge(model.settings, settings), parameters).pipe(
          Stream.mapChunks((chunk) => {
            if (chunk.length > 0) started = true
            return chunk
          }),
          Stream.catchAll((error): ReturnType<Service["requestStream"]> => {
            if (started || !shouldFallBack(error)) return Stream.fail(error)
            const failed = [...errors, error]
            return index + 1 < models.length ? attempt(index + 1, failed) : Stream.fail(allFailed(failed, models))
          })
        )
      })
    return attempt(0, [])
  }

  // Counted by the first model that can count: the one a request goes to unless it fails.
  const counter = models.find((model) => model.countTokens !== undefined)
  const count = counter?.countTokens
  return makeModel({
    modelName: `fallback:${models.map((model) => model.modelName).join(",")}`,
    providerName: "fallback",
    profile,
    request,
    requestStream,
    countTokens:
      counter === undefined || count === undefined
        ? undefined
        : (messages, settings, parameters) =>
            count(messages, ModelSettings.merge(counter.settings, settings), parameters)
  })
}

/**
 * A `Model` layer trying the models of `layers` in order.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <
  const Layers extends readonly [Layer.Layer<Model, unknown, unknown>, ...Array<Layer.Layer<Model, unknown, unknown>>]
>(
  layers: Layers,
  options?: Options
): Layer.Layer<Model, Layer.Layer.Error<Layers[number]>, Layer.Layer.Context<Layers[number]>> =>
  Layer.scoped(
    Model,
    Effect.gen(function* () {
      const services: Array<Service> = []
      for (const modelLayer of layers) services.push(Context.get(yield* Layer.build(modelLayer), Model))
      const [first, ...rest] = services
      return make([first!, ...rest], options)
    })
  ) as Layer.Layer<Model, Layer.Layer.Error<Layers[number]>, Layer.Layer.Context<Layers[number]>>
