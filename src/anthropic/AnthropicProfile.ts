/**
 * What a Claude model accepts: thinking modes, sampling settings, a forced tool choice, effort
 * levels, structured outputs, server-tool versions, fast mode, task budgets, context window.
 * Request mapping checks every request against the model's profile, before anything is sent:
 * a setting the model cannot take either fails with a `UserError` naming the model and the setting,
 * or is translated when the intent is clear (see `conform`).
 *
 * Profiles come from a built-in table by model family; a model id the table does not know gets
 * the permissive profile (nothing checked, the API decides). Override fields per model with
 * `override`, or read them from the Models API once with `layerModelsApi`.
 *
 * @example
 * import { AnthropicProfile } from "effect-claude/anthropic"
 *
 * const opus = AnthropicProfile.forModel("claude-opus-4-7")
 * // opus.budgetThinking === false: `thinking: true` is sent as adaptive thinking
 * const patched = AnthropicProfile.override(opus, { samplingSettings: true })
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AnthropicClient } from "./AnthropicClient.js"
import { retrieve } from "./AnthropicModels.js"
import type { Effort } from "./AnthropicSettings.js"
import { familyOf, permissive, table } from "./internal/profileTable.js"

/**
 * The capabilities a profile lists.
 *
 * @since 0.1.0
 * @category models
 */
export interface Capabilities {
  /** `thinking: { budgetTokens }` (the API's `enabled` type). */
  readonly budgetThinking: boolean
  /** `thinking: "adaptive"`. */
  readonly adaptiveThinking: boolean
  /** `thinking: false` (the API's `disabled` type); where rejected, `thinking` is left out. */
  readonly disableThinking: boolean
  /** `temperature`, `topP` and `topK`. */
  readonly samplingSettings: boolean
  /** A `tool_choice` of `any` or a named tool (the output tool is forced this way). */
  readonly forcedToolChoice: boolean
  /** The `anthropic.effort` levels accepted; empty when the model takes no effort setting. */
  readonly effortLevels: ReadonlyArray<Effort>
  /** Structured outputs: native output (`output_config.format`) and strict tools. */
  readonly nativeOutput: boolean
  /** The web search tool's `type` sent for `BuiltinTool.webSearch`. */
  readonly webSearchTool: string
  /** The web fetch tool's `type` sent for `BuiltinTool.webFetch`. */
  readonly webFetchTool: string
  /** The code execution tool's `type` sent for `BuiltinTool.codeExecution`. */
  readonly codeExecutionTool: string
  /** `anthropic.speed: "fast"`. */
  readonly fastMode: boolean
  /** `output_config.task_budget`. */
  readonly taskBudget: boolean
  /** Context editing (clearing tool uses and thinking). */
  readonly contextManagement: boolean
  /** Server-side compaction (`compact_20260112`). */
  readonly compaction: boolean
  /** The context window in tokens, when known. */
  readonly contextWindow: number | undefined
  /** The largest `maxTokens` one answer may ask for, when known. */
  readonly maxOutputTokens: number | undefined
}

/**
 * A model's capabilities and where they came from.
 *
 * @since 0.1.0
 * @category models
 */
export interface AnthropicProfile extends Capabilities {
  /** The model id the profile is for. */
  readonly modelId: string
  /** The table family that matched, `undefined` when none did (then nothing is checked). */
  readonly family: string | undefined
  /** `table`, `models-api` or `override` when fields were replaced. */
  readonly source: "table" | "permissive" | "models-api" | "override"
}

/**
 * The profile of a model id from the built-in table (permissive for an unknown family).
 *
 * @since 0.1.0
 * @category utils
 */
export const forModel = (modelId: string): AnthropicProfile => {
  const family = familyOf(modelId)
  const entry = family === undefined ? undefined : table[family]
  return entry === undefined ? unchecked(modelId) : { ...entry, modelId, family, source: "table" }
}

/**
 * The permissive profile for a model id: nothing is checked or translated.
 *
 * @since 0.1.0
 * @category utils
 */
export const unchecked = (modelId: string): AnthropicProfile => ({
  ...permissive,
  modelId,
  family: undefined,
  source: "permissive"
})

/**
 * Replaces some capabilities of a profile (the ones given and not undefined).
 *
 * @since 0.1.0
 * @category utils
 */
export const override = (
  profile: AnthropicProfile,
  overrides: { readonly [K in keyof Capabilities]?: Capabilities[K] | undefined }
): AnthropicProfile => {
  const given: Partial<Capabilities> = Object.fromEntries(
    Object.entries(overrides).filter(([, value]) => value !== undefined)
  )
  return Object.keys(given).length === 0 ? profile : { ...profile, ...given, source: "override" }
}

/** Whether the Models API reports something supported. */
interface Support {
  readonly supported: boolean
}

/**
 * What the Models API reports about a model, as far as profiles use it (the shape of
 * `AnthropicModels.ModelInfo`, so any decoded model info fits).
 *
 * @since 0.1.0
 * @category models
 */
export interface ReportedModel {
  readonly maxInputTokens?: number | undefined
  readonly maxTokens?: number | undefined
  readonly capabilities?:
    | {
        readonly thinking?:
          | {
              readonly supported: boolean
              readonly types?:
                | {
                    readonly enabled?: Support | undefined
                    readonly adaptive?: Support | undefined
                    readonly disabled?: Support | undefined
                  }
                | undefined
            }
          | undefined
        readonly effort?:
          | ({ readonly supported: boolean } & { readonly [Level in Effort]?: Support | undefined })
          | undefined
        readonly structuredOutputs?: Support | undefined
        readonly contextManagement?:
          | {
              readonly supported: boolean
              readonly compact_20260112?: Support | undefined
            }
          | undefined
      }
    | undefined
}

const effortOrder: ReadonlyArray<Effort> = ["low", "medium", "high", "xhigh", "max"]

/**
 * A profile from what the Models API reports, over the table's (the API says nothing about
 * sampling settings, forced tool choice, server-tool versions, fast mode or task budgets: those
 * stay as the table has them).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromReported = (modelId: string, reported: ReportedModel): AnthropicProfile => {
  const base = forModel(modelId)
  const capabilities = reported.capabilities
  if (capabilities === undefined) return base
  const thinking = capabilities.thinking
  const types = thinking?.types
  const effort = capabilities.effort
  const context = capabilities.contextManagement
  const supported = (support: Support | undefined, fallback: boolean) =>
    support === undefined ? fallback : support.supported
  return {
    ...base,
    budgetThinking:
      thinking === undefined ? base.budgetThinking : thinking.supported && supported(types?.enabled, true),
    adaptiveThinking:
      thinking === undefined ? base.adaptiveThinking : thinking.supported && supported(types?.adaptive, false),
    disableThinking: supported(types?.disabled, base.disableThinking),
    effortLevels:
      effort === undefined
        ? base.effortLevels
        : effort.supported
          ? effortOrder.filter((level) => effort[level]?.supported === true)
          : [],
    nativeOutput: supported(capabilities.structuredOutputs, base.nativeOutput),
    contextManagement: supported(context, base.contextManagement),
    compaction:
      context === undefined ? base.compaction : context.supported && supported(context.compact_20260112, false),
    contextWindow: reported.maxInputTokens ?? base.contextWindow,
    maxOutputTokens: reported.maxTokens ?? base.maxOutputTokens,
    source: "models-api"
  }
}

/**
 * Whether anything is checked for this profile (false for the permissive one).
 *
 * @since 0.1.0
 * @category guards
 */
export const isChecked = (profile: AnthropicProfile): boolean => profile.source !== "permissive"

/**
 * The service that finds a model's profile: the table by default, the Models API with `layerModelsApi`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly resolve: (modelId: string) => Effect.Effect<AnthropicProfile>
}

/**
 * Finds profiles; `AnthropicModel` uses it when provided and the table otherwise.
 *
 * @since 0.1.0
 * @category tags
 */
export class AnthropicProfiles extends Context.Tag("effect-claude/AnthropicProfiles")<AnthropicProfiles, Service>() {}

/**
 * Profiles from the built-in table.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTable: Layer.Layer<AnthropicProfiles> = Layer.succeed(AnthropicProfiles, {
  resolve: (modelId) => Effect.succeed(forModel(modelId))
})

/**
 * Profiles from the Models API, read once per model and kept for the Layer's lifetime. Where the
 * API cannot answer (a cloud platform without a models endpoint, a network failure), the table's
 * profile is used.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerModelsApi: Layer.Layer<AnthropicProfiles, never, AnthropicClient> = Layer.effect(
  AnthropicProfiles,
  Effect.gen(function* () {
    const client = yield* AnthropicClient
    const resolve = yield* Effect.cachedFunction((modelId: string) =>
      retrieve(modelId).pipe(
        Effect.map((info) => fromReported(modelId, info)),
        Effect.orElseSucceed(() => forModel(modelId)),
        Effect.provideService(AnthropicClient, client)
      )
    )
    return { resolve }
  })
)
