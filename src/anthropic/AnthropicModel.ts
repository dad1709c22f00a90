/**
 * Claude as a `Model` Layer: conversations, tools, output modes, thinking and prompt caching
 * mapped to the Messages API through the official SDK, and Claude's answers (whole or streamed)
 * mapped back to core parts, usage and finish reasons.
 *
 * @example
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 * import { Message, Model } from "effect-claude"
 * import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
 *
 * const ClaudeLive = AnthropicModel.layer("claude-sonnet-4-6", {
 *   maxTokens: 2048,
 *   anthropic: { cacheInstructions: true }
 * }).pipe(Layer.provide(AnthropicClient.layerConfig()), Layer.provide(NodeHttpClient.layerUndici))
 *
 * const program = Effect.gen(function* () {
 *   const model = yield* Model.Model
 *   const response = yield* model.request([Message.ModelRequest.user("Hello")], {}, Model.textParameters)
 *   return Message.responseText(response)
 * }).pipe(Effect.provide(ClaudeLive))
 */
import type {
  MessageCreateParamsNonStreaming,
  MessageCreateParamsStreaming
} from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Clock from "effect/Clock"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type { UserError } from "../AgentError.js"
import type { ModelMessage } from "../Message.js"
import {
  Model,
  type ModelProfile,
  type ModelRequestParameters,
  type Service as ModelService,
  make as makeModel,
  streamFromPull,
  textParameters
} from "../Model.js"
import * as ModelSettings from "../ModelSettings.js"
import {
  AnthropicClient,
  type ConfigOptions as ClientConfigOptions,
  layerConfig as clientLayerConfig,
  requireFeature
} from "./AnthropicClient.js"
import { type AnthropicError, APIConnectionTimeoutError } from "./AnthropicError.js"
import type { Policy as RetryPolicy } from "./AnthropicRetry.js"
import "./AnthropicSettings.js"
import * as AnthropicProfile from "./AnthropicProfile.js"
import type { Interruption } from "./internal/callInterrupt.js"
import { callInterruptible } from "./internal/clientService.js"
import { providerName } from "./internal/names.js"
import { countTokensBody, type MappedRequest, mapRequest } from "./internal/requestMapping.js"
import { malformedResponse, mapMessage } from "./internal/responseMapping.js"
import { retryEffect, retryStreamPull } from "./internal/retrying.js"
import { isEnd, isPreamble, StreamMapper } from "./internal/streamMapping.js"

/**
 * What Claude can do, in general: structured output through a JSON Schema (`output_config.format`),
 * but no forced tool call while thinking on a budget. Each model's own comes from its
 * `AnthropicProfile` (see `coreProfile`).
 * @since 0.1.0
 * @category constants
 */
export const profile: ModelProfile = {
  supportsForcedToolCallsWithThinking: false,
  supportsNativeOutput: true
}

/**
 * The core profile of a model: forcing the output tool while thinking works where `thinking`
 * means adaptive thinking (budgets rejected), never with a budget.
 *
 * @since 0.1.0
 * @category utils
 */
export const coreProfile = (model: AnthropicProfile.AnthropicProfile): ModelProfile =>
  AnthropicProfile.isChecked(model)
    ? {
        supportsForcedToolCallsWithThinking: model.forcedToolChoice && !model.budgetThinking,
        supportsNativeOutput: model.nativeOutput,
        ...(model.forcedToolChoice ? {} : { supportsForcedToolCalls: false })
      }
    : profile

/**
 * The `Model` service for Claude, plus token counting with the same request mapping.
 * @since 0.1.0
 * @category models
 */
export interface Service extends ModelService {
  /** Counts the input tokens the request would use, without sending it to the model. */
  readonly countTokens: (
    messages: ReadonlyArray<ModelMessage>,
    settings?: ModelSettings.ModelSettings | undefined,
    parameters?: ModelRequestParameters | undefined
  ) => Effect.Effect<number, AnthropicError | UserError>
}

/** The SDK call's options: how an interruption aborts it, then the request's own headers and timeout. */
const sdkOptions = (mapped: MappedRequest, interruption: Interruption) => {
  const sdk: { headers?: Record<string, string>; timeout?: number } & Interruption = interruption
  if (Object.keys(mapped.headers).length > 0) sdk.headers = { ...mapped.headers }
  if (mapped.timeoutMillis !== undefined) sdk.timeout = mapped.timeoutMillis
  return sdk
}

/**
 * `settings.timeout` over one whole non-streamed attempt. The SDK's own timer stops once the
 * headers arrive; a JSON body is read before that (the bridge buffers it), but a body of another
 * content type is read afterwards, and a server stalling in it would otherwise be bounded only by
 * the client's `timeout`.
 */
const withWholeTimeout = <A, E>(
  effect: Effect.Effect<A, E>,
  timeoutMillis: number | undefined
): Effect.Effect<A, E | APIConnectionTimeoutError> =>
  timeoutMillis === undefined
    ? effect
    : Effect.timeoutFail(effect, {
        duration: timeoutMillis,
        onTimeout: () =>
          new APIConnectionTimeoutError({
            message: `Request timed out: no whole response within ${timeoutMillis} ms (settings.timeout)`,
            headers: {}
          })
      })

/** How a streamed answer is read; what it quotes of an unreadable event is scrubbed of credentials. */
const streamReading = (scrub: ((text: string) => string) | undefined) => ({
  makeReader: () => new StreamMapper(),
  isPreamble,
  isEnd,
  unreadable: (cause: unknown) => malformedResponse(cause, scrub)
})

const withBetas = <P extends object>(params: P, betas: ReadonlyArray<string>): P & { betas?: Array<string> } =>
  betas.length > 0 ? { ...params, betas: [...betas] } : params

/**
 * Options of `make` / `layer` beside the settings.
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * When failed requests are tried again (default `AnthropicRetry.defaultPolicy`: 2 retries);
   * `AnthropicRetry.withPolicy` overrides it for a run.
   */
  readonly retry?: RetryPolicy | undefined
  /** Capabilities that replace those of the model's profile (the table's, or `AnthropicProfiles`'). */
  readonly profile?: Parameters<typeof AnthropicProfile.override>[1] | undefined
}

/**
 * Builds the Claude model `modelName` over the `AnthropicClient` in context.
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  modelName: string,
  settings: ModelSettings.ModelSettings = {},
  options: Options = {}
): Effect.Effect<Service, never, AnthropicClient> =>
  Effect.gen(function* () {
    const client = yield* AnthropicClient
    const reading = streamReading(client.scrub)
    const profiles = yield* Effect.serviceOption(AnthropicProfile.AnthropicProfiles)
    const resolved =
      profiles._tag === "Some" ? yield* profiles.value.resolve(modelName) : AnthropicProfile.forModel(modelName)
    const modelProfile = AnthropicProfile.override(resolved, options.profile ?? {})
    const prepare = (
      messages: ReadonlyArray<ModelMessage>,
      callSettings: ModelSettings.ModelSettings,
      parameters: ModelRequestParameters
    ): Effect.Effect<MappedRequest, UserError> =>
      Effect.suspend(() =>
        mapRequest(modelName, messages, ModelSettings.merge(settings, callSettings), parameters, modelProfile)
      )

    // `Model.make` opens each request's chat span and runs the request under it. Per request: the
    // mapping and the fiber's clock in one step, then the call, then the response mapped in the
    // step that has it (its timestamp read from that clock when it arrives).
    const request: Service["request"] = (messages, callSettings, parameters) =>
      Effect.withFiberRuntime((fiber) => {
        const prepared = mapRequest(
          modelName,
          messages,
          ModelSettings.merge(settings, callSettings),
          parameters,
          modelProfile
        )
        if (Either.isLeft(prepared)) return Effect.fail(prepared.left)
        const mapped = prepared.right
        const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
        const params: MessageCreateParamsNonStreaming = withBetas({ ...mapped.body, stream: false }, mapped.betas)
        return Effect.flatMap(
          retryEffect(
            withWholeTimeout(
              callInterruptible(client, (sdk, interruption) =>
                sdk.beta.messages.create(params, sdkOptions(mapped, interruption))
              ),
              mapped.timeoutMillis
            ),
            options.retry
          ),
          (message) => {
            try {
              return Effect.succeed(mapMessage(message, new Date(clock.unsafeCurrentTimeMillis())))
            } catch (cause) {
              return Effect.fail(malformedResponse(cause, client.scrub))
            }
          }
        )
      })

    const requestStream: Service["requestStream"] = (messages, callSettings, parameters) =>
      // One Stream over one pull: retries, mapping and the check for a cut-short answer all happen
      // in that pull, once per chunk (see `retrying.ts`); no Stream combinator per concern.
      streamFromPull(
        Effect.flatMap(prepare(messages, callSettings, parameters), (mapped) => {
          const params: MessageCreateParamsStreaming = withBetas({ ...mapped.body, stream: true }, mapped.betas)
          return retryStreamPull(
            client.openPull(
              // A fresh options object: `sdkOptions` adds to the one it is given.
              (sdk, { signal }) => sdk.beta.messages.create(params, sdkOptions(mapped, { signal })),
              { idleTimeout: mapped.timeoutMillis }
            ),
            reading,
            options.retry
          )
        })
      )

    const countTokens: Service["countTokens"] = (messages, callSettings = {}, parameters = textParameters) =>
      Effect.zipRight(
        requireFeature(client, "countTokens"),
        Effect.flatMap(prepare(messages, callSettings, parameters), (mapped) =>
          retryEffect(
            callInterruptible(client, (sdk, interruption) =>
              sdk.beta.messages.countTokens(
                withBetas(countTokensBody(mapped.body), mapped.betas),
                sdkOptions(mapped, interruption)
              )
            ),
            options.retry
          )
        )
      ).pipe(Effect.map((counted) => counted.input_tokens))

    const service: Service = {
      ...makeModel({
        modelName,
        providerName,
        profile: coreProfile(modelProfile),
        settings,
        request,
        requestStream,
        countTokens
      }),
      countTokens
    }
    return service
  })

/**
 * The Claude model `modelName` as the core `Model`; `settings` are its defaults.
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  modelName: string,
  settings?: ModelSettings.ModelSettings | undefined,
  options?: Options | undefined
): Layer.Layer<Model, never, AnthropicClient> => Layer.effect(Model, make(modelName, settings, options))

/**
 * Options of `layerConfig`: `Options` plus where the client reads its key and base URL.
 * @since 0.1.0
 * @category models
 */
export interface ConfigOptions extends Options {
  /** Default `AnthropicClient.layerConfig()`'s: `ANTHROPIC_API_KEY` and the optional `ANTHROPIC_BASE_URL`. */
  readonly client?: ClientConfigOptions | undefined
}

/**
 * Claude in one line: the model `modelName` with the client configured from Effect `Config`
 * (`AnthropicClient.layerConfig`: `ANTHROPIC_API_KEY`, optional `ANTHROPIC_BASE_URL`) over the
 * platform's `fetch` (`@effect/platform`'s `FetchHttpClient`: Node, Bun, Deno and browsers alike, no
 * extra package). A missing key fails the Layer with a `ConfigError`.
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  modelName: string,
  settings?: ModelSettings.ModelSettings | undefined,
  options?: ConfigOptions | undefined
): Layer.Layer<Model, ConfigError.ConfigError> =>
  layer(modelName, settings, options).pipe(
    Layer.provide(clientLayerConfig(options?.client)),
    Layer.provide(FetchHttpClient.layer)
  )

/**
 * Counts the input tokens a request to `modelName` would use (the same mapping as a real request:
 * system prompt, tools, thinking and all), without sending it to the model.
 * @since 0.1.0
 * @category operations
 */
export const countTokens = (
  modelName: string,
  messages: ReadonlyArray<ModelMessage>,
  settings?: ModelSettings.ModelSettings | undefined,
  parameters?: ModelRequestParameters | undefined
): Effect.Effect<number, AnthropicError | UserError, AnthropicClient> =>
  Effect.flatMap(make(modelName), (model) => model.countTokens(messages, settings, parameters))
