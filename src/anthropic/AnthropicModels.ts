/**
 * The models the API serves, with what each can do (context window, output limit, lifecycle and
 * capabilities such as thinking, effort levels, structured outputs, batch), as Schema classes.
 * Bedrock, Vertex and Foundry have no models endpoint: there every call fails with
 * `UnsupportedFeature`.
 *
 * @example
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Stream } from "effect"
 * import {AnthropicClient, AnthropicModels} from "effect-claude/anthropic"
 *
 * const thinkingModels = AnthropicModels.list().pipe(
 *   Stream.filter((model) => AnthropicModels.supports(model, "thinking")),
 *   Stream.map((model) => model.id),
 *   Stream.runCollect,
 *   Effect.provide(AnthropicClient.layerConfig()),
 *   Effect.provide(NodeHttpClient.layerUndici)
 * )
 */
import type { ModelInfo as SdkModelInfo } from "@anthropic-ai/sdk/resources/models"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { AnthropicClient, requireFeature } from "./AnthropicClient.js"
import type { AnthropicError } from "./AnthropicError.js"
import { decodeStream, decodeWire } from "./internal/wireDecoding.js"

/**
 * Whether a model supports something.
 * @since 0.1.0
 * @category schemas
 */
export const Support = Schema.Struct({ supported: Schema.Boolean })

/**
 * Effort levels (`output_config.effort`) the model accepts.
 * @since 0.1.0
 * @category schemas
 */
export const EffortCapability = Schema.Struct({
  supported: Schema.Boolean,
  low: Schema.optional(Support),
  medium: Schema.optional(Support),
  high: Schema.optional(Support),
  xhigh: Schema.optionalWith(Support, { nullable: true }),
  max: Schema.optional(Support)
})

/**
 * Thinking, and which thinking modes the model accepts.
 * @since 0.1.0
 * @category schemas
 */
export const ThinkingCapability = Schema.Struct({
  supported: Schema.Boolean,
  types: Schema.optional(
    Schema.Struct({
      enabled: Schema.optional(Support),
      adaptive: Schema.optional(Support),
      disabled: Schema.optional(Support),
      betweenTools: Schema.optional(Support).pipe(Schema.fromKey("between_tools"))
    })
  )
})

/**
 * Context management strategies, under their dated API names.
 * @since 0.1.0
 * @category schemas
 */
export const ContextManagementCapability = Schema.Struct({
  supported: Schema.Boolean,
  clear_thinking_20251015: Schema.optionalWith(Support, { nullable: true }),
  clear_tool_uses_20250919: Schema.optionalWith(Support, { nullable: true }),
  compact_20260112: Schema.optionalWith(Support, { nullable: true })
})

/**
 * Server tools the model can call.
 * @since 0.1.0
 * @category schemas
 */
export const ServerToolsCapability = Schema.Struct({
  supported: Schema.Boolean,
  codeExecution: Schema.optional(Support).pipe(Schema.fromKey("code_execution")),
  webSearch: Schema.optional(Support).pipe(Schema.fromKey("web_search"))
})

/**
 * What the model can do, as the API reports it. Every field is optional, so a capability the API
 * adds or drops never breaks decoding.
 * @since 0.1.0
 * @category models
 */
export class ModelCapabilities extends Schema.Class<ModelCapabilities>("ModelCapabilities")({
  batch: Schema.optional(Support),
  citations: Schema.optional(Support),
  codeExecution: Schema.optional(Support).pipe(Schema.fromKey("code_execution")),
  contextManagement: Schema.optional(ContextManagementCapability).pipe(Schema.fromKey("context_management")),
  effort: Schema.optional(EffortCapability),
  imageInput: Schema.optional(Support).pipe(Schema.fromKey("image_input")),
  pdfInput: Schema.optional(Support).pipe(Schema.fromKey("pdf_input")),
  serverTools: Schema.optional(ServerToolsCapability).pipe(Schema.fromKey("server_tools")),
  structuredOutputs: Schema.optional(Support).pipe(Schema.fromKey("structured_outputs")),
  thinking: Schema.optional(ThinkingCapability)
}) {}

/**
 * A model the API serves.
 * @since 0.1.0
 * @category models
 */
export class ModelInfo extends Schema.Class<ModelInfo>("ModelInfo")({
  /** What `AnthropicModel.layer` takes, e.g. `claude-haiku-4-5-20251001`. */
  id: Schema.String,
  displayName: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("display_name")),
  /** When it was released (for models not yet released, when it may be used). */
  createdAt: Schema.propertySignature(Schema.Date).pipe(Schema.fromKey("created_at")),
  /** `active`, `deprecated` or `retired` (kept as a string: the API may add states). */
  lifecycle: Schema.optionalWith(Schema.String, { nullable: true }),
  /** The model family, e.g. `sonnet`. */
  line: Schema.optionalWith(Schema.String, { nullable: true }),
  /** The context window, in tokens. */
  maxInputTokens: Schema.optionalWith(Schema.Number, { nullable: true }).pipe(Schema.fromKey("max_input_tokens")),
  /** The most output tokens (`maxTokens`) one answer may have. */
  maxTokens: Schema.optionalWith(Schema.Number, { nullable: true }).pipe(Schema.fromKey("max_tokens")),
  deprecatedAt: Schema.optionalWith(Schema.Date, { nullable: true }).pipe(Schema.fromKey("deprecated_at")),
  retiresAt: Schema.optionalWith(Schema.Date, { nullable: true }).pipe(Schema.fromKey("retires_at")),
  capabilities: Schema.optionalWith(ModelCapabilities, { nullable: true })
}) {}

/**
 * The capabilities `supports` can ask about.
 * @since 0.1.0
 * @category models
 */
export type Capability =
  | "batch"
  | "citations"
  | "codeExecution"
  | "contextManagement"
  | "effort"
  | "imageInput"
  | "pdfInput"
  | "serverTools"
  | "structuredOutputs"
  | "thinking"

/**
 * Whether the API reports the capability as supported (false when it reports nothing).
 * @since 0.1.0
 * @category guards
 */
export const supports = (model: ModelInfo, capability: Capability): boolean =>
  model.capabilities?.[capability]?.supported === true

/**
 * Options of `list`.
 * @since 0.1.0
 * @category models
 */
export interface ListOptions {
  /** Models per page (1 to 1000, default 20); the Stream reads every page either way. */
  readonly limit?: number | undefined
}

/**
 * Every model the API serves, newest first, as a Stream over all pages.
 * @since 0.1.0
 * @category operations
 */
export const list = (options: ListOptions = {}): Stream.Stream<ModelInfo, AnthropicError, AnthropicClient> =>
  Stream.unwrap(
    Effect.map(AnthropicClient, (client) =>
      Stream.unwrap(
        Effect.as(
          requireFeature(client, "models"),
          client.stream<SdkModelInfo>(
            async (sdk, requestOptions) =>
              await sdk.models.list(options.limit === undefined ? {} : { limit: options.limit }, requestOptions)
          )
        )
      )
    )
  ).pipe(decodeStream(ModelInfo, "model"))

/**
 * One model, by id or alias (e.g. `claude-haiku-4-5` gives the dated id it stands for).
 * @since 0.1.0
 * @category operations
 */
export const retrieve = (modelId: string): Effect.Effect<ModelInfo, AnthropicError, AnthropicClient> =>
  Effect.flatMap(AnthropicClient, (client) =>
    Effect.zipRight(
      requireFeature(client, "models"),
      client.call((sdk, options) => sdk.models.retrieve(modelId, {}, options))
    )
  ).pipe(Effect.flatMap(decodeWire(ModelInfo, "model")))
