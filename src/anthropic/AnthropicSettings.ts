/**
 * Claude's own request settings, under the `anthropic` key of `ModelSettings`: prompt caching,
 * effort, service tier, betas, container reuse and the like. They merge agent < run < call like
 * every other setting, field by field.
 *
 * @example
 * import type { ModelSettings } from "effect-claude"
 * import "effect-claude/anthropic"
 *
 * const settings: ModelSettings.ModelSettings = {
 *   maxTokens: 2048,
 *   anthropic: { cacheInstructions: true, cacheMessages: "1h", effort: "high", userId: "user-1234" }
 * }
 */

import type { Edit as ContextManagementEdit } from "./ContextManagement.js"
import type { ServerTool, ToolOptions } from "./ServerTools.js"

/**
 * A prompt-cache breakpoint: `true` for the API's default lifetime (5 minutes), or an explicit
 * time to live.
 *
 * @since 0.1.0
 * @category models
 */
export type CacheSetting = true | "5m" | "1h"

/**
 * How much effort the model puts into its answer (`output_config.effort`).
 *
 * @since 0.1.0
 * @category models
 */
export type Effort = "low" | "medium" | "high" | "xhigh" | "max"

/**
 * Which function tool the model must (or must not) call, overriding the choice the agent makes.
 *
 * @since 0.1.0
 * @category models
 */
export type ToolChoiceSetting = "auto" | "any" | "none" | { readonly name: string }

/**
 * A container to reuse across requests (code execution), by id or with skills to load.
 *
 * @since 0.1.0
 * @category models
 */
export type ContainerSetting =
  | string
  | {
      readonly id?: string | undefined
      readonly skills?:
        | ReadonlyArray<{
            readonly type: "anthropic" | "custom"
            readonly skillId: string
            readonly version?: string | undefined
          }>
        | undefined
    }

/**
 * Settings only Claude understands. Every field is optional.
 *
 * @since 0.1.0
 * @category models
 */
export interface AnthropicSettings {
  /** Caches the system prompt and instructions (a breakpoint on the last system block). */
  readonly cacheInstructions?: CacheSetting | undefined
  /** Caches the tool definitions (a breakpoint on the last tool). */
  readonly cacheToolDefinitions?: CacheSetting | undefined
  /** Caches the conversation so far (a breakpoint on the last block of the last message). */
  readonly cacheMessages?: CacheSetting | undefined
  /**
   * Automatic caching: the request-level `cache_control`, which the API applies to the last
   * cacheable block itself. It takes one of the 4 breakpoints a request may have.
   */
  readonly automaticCaching?: CacheSetting | undefined
  /** An opaque id of the end user (`metadata.user_id`), which helps Anthropic detect abuse. */
  readonly userId?: string | undefined
  readonly effort?: Effort | undefined
  /** `auto` uses priority capacity when available; `standard_only` never does. */
  readonly serviceTier?: "auto" | "standard_only" | undefined
  /** Beta features to enable (`anthropic-beta` header), added to those the request needs itself. */
  readonly betas?: ReadonlyArray<string> | undefined
  readonly container?: ContainerSetting | undefined
  /** Overrides the tool choice derived from the output mode (`none` forbids tool calls). */
  readonly toolChoice?: ToolChoiceSetting | undefined
  /** Where inference runs (`inference_geo`), e.g. `us`; the workspace default when absent. */
  readonly inferenceGeo?: string | undefined
  /** `fast` asks for high output speed on models that offer it. */
  readonly speed?: "standard" | "fast" | undefined
  /** Context editing and compaction (see `ContextManagement`), with the betas they need. */
  readonly contextManagement?: ReadonlyArray<ContextManagementEdit> | undefined
  /** Anthropic-only server tools added to the request: tool search, the advisor (see `ServerTools`). */
  readonly serverTools?: ReadonlyArray<ServerTool> | undefined
  /** Per-tool options by tool name: eager input streaming, deferred loading, allowed callers, examples, cache. */
  readonly toolOptions?: Readonly<Record<string, ToolOptions>> | undefined
  /** Server-tool versions (`type`s) to send instead of those the model's profile names. */
  readonly serverToolVersions?:
    | {
        readonly webSearch?: string | undefined
        readonly webFetch?: string | undefined
        readonly codeExecution?: string | undefined
      }
    | undefined
  /** How thinking appears in responses: `summarized`, or `omitted` (signature only). */
  readonly thinkingDisplay?: "summarized" | "omitted" | undefined
  /** A total token budget across contexts (`output_config.task_budget`), on models that take one. */
  readonly taskBudget?: { readonly total: number; readonly remaining?: number | undefined } | undefined
}

declare module "../ModelSettings.js" {
  interface ProviderSettings {
    /** Settings only Claude understands (see `effect-claude/anthropic`). */
    readonly anthropic?: AnthropicSettings | undefined
  }
}
