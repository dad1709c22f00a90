/**
 * The Anthropic SDK client as an Effect service. Its HTTP goes through the `@effect/platform`
 * `HttpClient` in context (so the network is a Layer you can swap, e.g. for
 * `Transcript.layer`), it never retries on its own (`maxRetries: 0`: retrying is the library's
 * job), and every SDK error becomes the mirrored typed `AnthropicError`.
 *
 * @example
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Redacted } from "effect"
 * import { AnthropicClient } from "effect-claude/anthropic"
 *
 * const program = Effect.gen(function* () {
 *   const client = yield* AnthropicClient.AnthropicClient
 *   return yield* client.call((sdk, options) =>
 *     sdk.messages.create(
 *       { model: "claude-sonnet-4-6", max_tokens: 256, messages: [{ role: "user", content: "Hi" }] },
 *       options
 *     )
 *   )
 * }).pipe(
 *   Effect.provide(AnthropicClient.layer({ apiKey: Redacted.make("sk-ant-...") })),
 *   Effect.provide(NodeHttpClient.layerUndici)
 * )
 */
import Anthropic from "@anthropic-ai/sdk"
import type { BaseAnthropic } from "@anthropic-ai/sdk/client"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import {
  type AnthropicError,
  type AnthropicSdkError,
  type PlatformPackageMissing,
  UnsupportedFeature
} from "./AnthropicError.js"
import * as Bedrock from "./cloud/Bedrock.js"
import * as Foundry from "./cloud/Foundry.js"
import { asAnthropicClient } from "./cloud/loadPackage.js"
import * as Vertex from "./cloud/Vertex.js"
import { bridgedFetch, commonClientOptions, makeService } from "./internal/clientService.js"
import type { CommonOptions, Platform, Service } from "./internal/clientTypes.js"
import * as sdkErrors from "./internal/sdkErrors.js"
import { sdkLogger } from "./internal/secrets.js"

/**
 * The client's service and the options every variant shares.
 * @since 0.1.0
 * @category models
 */
export type { CommonOptions, Platform, RequestOptions, Service, StreamOptions } from "./internal/clientTypes.js"

/**
 * The Anthropic client a program talks to.
 * @since 0.1.0
 * @category tags
 */
export class AnthropicClient extends Context.Tag("effect-claude/AnthropicClient")<AnthropicClient, Service>() {}

/**
 * Options of `make` / `layer`: an API key or an OAuth bearer token, and the common options.
 * @since 0.1.0
 * @category models
 */
export type Options = CommonOptions &
  (
    | { readonly apiKey: Redacted.Redacted<string>; readonly authToken?: undefined }
    | { readonly authToken: Redacted.Redacted<string>; readonly apiKey?: undefined }
  )

/**
 * Options of `layerConfig`: where to read the key and base URL, and the common options.
 * @since 0.1.0
 * @category models
 */
export interface ConfigOptions extends Omit<CommonOptions, "baseURL"> {
  /** Default `Config.redacted("ANTHROPIC_API_KEY")`. */
  readonly apiKey?: Config.Config<Redacted.Redacted<string>> | undefined
  /** Default the optional `ANTHROPIC_BASE_URL`. */
  readonly baseURL?: Config.Config<Option.Option<string>> | undefined
}

/**
 * Builds the service: an SDK client whose HTTP goes through the `HttpClient` in context.
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const fetch = yield* bridgedFetch(options)
    const secret = options.apiKey ?? options.authToken
    const logger = yield* sdkLogger([Redacted.value(secret)])
    const sdk = new Anthropic({
      ...commonClientOptions(options, logger),
      ...(options.apiKey === undefined
        ? { apiKey: null, authToken: Redacted.value(options.authToken) }
        : { apiKey: Redacted.value(options.apiKey), authToken: null }),
      baseURL: options.baseURL ?? "https://api.anthropic.com",
      maxRetries: 0,
      fetch
    })
    return makeService(sdk, "anthropic", [Redacted.value(secret)], { bridged: true })
  })

/**
 * The client as a Layer, over the `HttpClient` in context.
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<AnthropicClient, never, HttpClient.HttpClient> =>
  Layer.effect(AnthropicClient, make(options))

/**
 * The client configured from Effect `Config`: `ANTHROPIC_API_KEY` (redacted; missing = a
 * `ConfigError` when the Layer is built) and the optional `ANTHROPIC_BASE_URL`.
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options?: ConfigOptions
): Layer.Layer<AnthropicClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    AnthropicClient,
    Effect.gen(function* () {
      const apiKey = yield* options?.apiKey ?? Config.redacted("ANTHROPIC_API_KEY")
      const baseURL = yield* options?.baseURL ?? Config.option(Config.string("ANTHROPIC_BASE_URL"))
      return yield* make({
        ...(options?.timeout === undefined ? {} : { timeout: options.timeout }),
        ...(options?.defaultHeaders === undefined ? {} : { defaultHeaders: options.defaultHeaders }),
        ...(options?.defaultQuery === undefined ? {} : { defaultQuery: options.defaultQuery }),
        apiKey,
        baseURL: Option.getOrUndefined(baseURL)
      })
    })
  )

const platformByClassName: Readonly<Record<string, Platform>> = {
  AnthropicBedrock: "bedrock",
  AnthropicVertex: "vertex",
  AnthropicFoundry: "foundry"
}

const detectPlatform = (sdk: object): Platform => {
  for (let proto: unknown = Object.getPrototypeOf(sdk); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (Predicate.hasProperty(proto, "constructor") && typeof proto.constructor === "function") {
      const platform = platformByClassName[proto.constructor.name]
      if (platform !== undefined) return platform
    }
    if (typeof proto !== "object") break
  }
  return "anthropic"
}

/**
 * A client you built yourself (its own `fetch`, middleware, credentials; also a Bedrock, Vertex or
 * Foundry client), as a Layer. It is copied with `maxRetries: 0` if it retries, since retrying is
 * the library's job. The platform is detected from the client's class unless given.
 * @since 0.1.0
 * @category layers
 */
export const fromClient = (
  sdk: BaseAnthropic,
  options?: { readonly platform?: Platform | undefined }
): Layer.Layer<AnthropicClient> =>
  Layer.sync(AnthropicClient, () => {
    const client = sdk.maxRetries === 0 ? sdk : sdk.withOptions({ maxRetries: 0 })
    const secrets = [client.apiKey, client.authToken].filter(Predicate.isString)
    return makeService(asAnthropicClient(client), options?.platform ?? detectPlatform(sdk), secrets)
  })

/**
 * Options of `bedrock`.
 * @since 0.1.0
 * @category models
 */
export type BedrockOptions = Bedrock.Options
/**
 * Options of `vertex`.
 * @since 0.1.0
 * @category models
 */
export type VertexOptions = Vertex.Options
/**
 * Options of `foundry`.
 * @since 0.1.0
 * @category models
 */
export type FoundryOptions = Foundry.Options

/**
 * Claude on Amazon Bedrock (`@anthropic-ai/bedrock-sdk`, an optional peer dependency: missing, the
 * Layer fails with `PlatformPackageMissing`). Signs with the given AWS credentials, or the AWS
 * default chain, or uses a Bedrock API key.
 * @since 0.1.0
 * @category layers
 */
export const bedrock = (
  options: BedrockOptions
): Layer.Layer<AnthropicClient, PlatformPackageMissing | AnthropicSdkError, HttpClient.HttpClient> =>
  Layer.effect(AnthropicClient, Bedrock.make(options))

/**
 * Claude on Google Vertex AI (`@anthropic-ai/vertex-sdk`, an optional peer dependency).
 * @since 0.1.0
 * @category layers
 */
export const vertex = (
  options: VertexOptions
): Layer.Layer<AnthropicClient, PlatformPackageMissing | AnthropicSdkError, HttpClient.HttpClient> =>
  Layer.effect(AnthropicClient, Vertex.make(options))

/**
 * Claude on Microsoft Foundry (`@anthropic-ai/foundry-sdk`, an optional peer dependency).
 * @since 0.1.0
 * @category layers
 */
export const foundry = (
  options: FoundryOptions
): Layer.Layer<AnthropicClient, PlatformPackageMissing | AnthropicSdkError, HttpClient.HttpClient> =>
  Layer.effect(AnthropicClient, Foundry.make(options))

/**
 * API features some platforms lack.
 * @since 0.1.0
 * @category models
 */
export type Feature = "batches" | "countTokens" | "models"

const missingFeatures: Readonly<Record<Platform, ReadonlyArray<Feature>>> = {
  anthropic: [],
  bedrock: ["batches", "countTokens", "models"],
  vertex: ["batches", "models"],
  foundry: ["batches", "models"]
}

/**
 * Whether the platform serves the feature.
 * @since 0.1.0
 * @category guards
 */
export const supports = (platform: Platform, feature: Feature): boolean => !missingFeatures[platform].includes(feature)

/**
 * Succeeds when the client's platform serves the feature, else fails with `UnsupportedFeature`.
 * @since 0.1.0
 * @category guards
 */
export const requireFeature = (service: Service, feature: Feature): Effect.Effect<void, UnsupportedFeature> =>
  supports(service.platform, feature)
    ? Effect.void
    : Effect.fail(
        new UnsupportedFeature({
          message: `${feature} is not available on ${service.platform}`,
          platform: service.platform,
          feature
        })
      )

/**
 * Options of `fromSdkError`.
 * @since 0.1.0
 * @category errors
 */
export type FromSdkErrorOptions = sdkErrors.FromSdkErrorOptions

/**
 * Translates whatever an SDK call threw into the mirrored `AnthropicError` (for code that calls
 * the SDK itself): the SDK's class decides; an error already mirrored passes through; anything
 * else becomes `AnthropicSdkError`. Never throws.
 * @since 0.1.0
 * @category errors
 */
export const fromSdkError: (error: unknown, options?: FromSdkErrorOptions) => AnthropicError = sdkErrors.fromSdkError
