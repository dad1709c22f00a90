/**
 * Settings of a model request, common to every provider, plus each provider's own settings in
 * its own namespace (`anthropic: {...}`). Settings merge agent < run < call: later ones win,
 * field by field, and provider namespaces merge field by field too.
 *
 * @example
 * import { ModelSettings } from "effect-claude"
 *
 * const settings = ModelSettings.merge({ maxTokens: 1024, temperature: 0.2 }, { temperature: 0 })
 * // { maxTokens: 1024, temperature: 0 }
 */
import type * as Duration from "effect/Duration"

/**
 * Provider namespaces. Each provider module adds its own key by declaration merging, e.g.
 * `effect-claude/anthropic` adds `anthropic?: AnthropicSettings`.
 *
 * @since 0.1.0
 * @category models
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by provider modules through declaration merging
export interface ProviderSettings {}

/**
 * How much the model may think before answering.
 *
 * @since 0.1.0
 * @category models
 */
export type ThinkingSetting =
  | boolean
  /** Extended thinking with a token budget (at least 1024 for Anthropic). */
  | { readonly budgetTokens: number }
  /** The model decides how much to think. */
  | "adaptive"

/**
 * Settings of a model request. Every field is optional; providers ignore what they cannot do.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelSettings extends ProviderSettings {
  readonly maxTokens?: number | undefined
  readonly temperature?: number | undefined
  readonly topP?: number | undefined
  readonly topK?: number | undefined
  readonly stopSequences?: ReadonlyArray<string> | undefined
  /** How long one request may take before it fails with the provider's timeout error. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Whether the model may call several tools in one response (default: the provider's, usually yes). */
  readonly parallelToolCalls?: boolean | undefined
  readonly thinking?: ThinkingSetting | undefined
  /** Extra HTTP headers sent with each request. */
  readonly extraHeaders?: Readonly<Record<string, string>> | undefined
  /** Extra top-level fields merged into the request body (for API features not modelled here). */
  readonly extraBody?: Readonly<Record<string, unknown>> | undefined
}

const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  Object.getPrototypeOf(value) === Object.prototype

/** Fields whose object values merge field by field instead of being replaced whole. */
const mergedObjectFields = new Set(["extraHeaders", "extraBody"])

/**
 * Merges settings from the least to the most specific (agent, run, call). `undefined` fields do
 * not override; provider namespaces, extra headers and extra body merge field by field.
 *
 * @since 0.1.0
 * @category utils
 */
export const merge = (...layers: ReadonlyArray<ModelSettings | undefined>): ModelSettings => {
  const merged: Record<string, unknown> = {}
  for (const settings of layers) {
    if (settings === undefined) continue
    for (const [key, value] of Object.entries(settings)) {
      if (value === undefined) continue
      const previous = merged[key]
      const isNamespace = !(key in knownFields) || mergedObjectFields.has(key)
      merged[key] =
        isNamespace && isPlainObject(previous) && isPlainObject(value) ? mergeRecords(previous, value) : value
    }
  }
  return merged
}

const mergeRecords = (left: Readonly<Record<string, unknown>>, right: Readonly<Record<string, unknown>>) => {
  const result: Record<string, unknown> = { ...left }
  for (const [key, value] of Object.entries(right)) if (value !== undefined) result[key] = value
  return result
}

/** The common fields; any other key is a provider namespace. */
const knownFields: Record<keyof Omit<ModelSettings, keyof ProviderSettings>, true> = {
  maxTokens: true,
  temperature: true,
  topP: true,
  topK: true,
  stopSequences: true,
  timeout: true,
  parallelToolCalls: true,
  thinking: true,
  extraHeaders: true,
  extraBody: true
}
