/**
 * Anthropic server tools beyond the core's `BuiltinTool`s, and per-tool options for any tool the
 * request carries. Set them with `anthropic: { serverTools: [...], toolOptions: { name: {...} } }`.
 *
 * - `toolSearch` lets Claude find tools marked `deferLoading` instead of reading every definition.
 * - `advisor` lets Claude consult a stronger model mid-answer.
 * - `ToolOptions` sets, per tool name, eager input streaming, deferred loading, allowed callers,
 *   input examples and a cache point.
 *
 * @example
 * import { ServerTools } from "effect-claude/anthropic"
 *
 * const serverTools = [ServerTools.toolSearch({ variant: "bm25" }), ServerTools.advisor({ model: "claude-opus-4-7", maxUses: 2 })]
 * const toolOptions = { lookup_order: { deferLoading: true, eagerInputStreaming: true } }
 */
import type { CacheSetting } from "./AnthropicSettings.js"
import type { AnthropicDefinition, DefinitionOptions } from "./ClientTools.js"
import { cacheControl } from "./internal/cachePoints.js"

/**
 * Tool search over the request's deferred tools, by BM25 ranking or by regular expression.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolSearch extends DefinitionOptions {
  readonly _tag: "ToolSearch"
  readonly variant: "bm25" | "regex"
}

/**
 * The advisor tool: Claude asks `model` for advice while it answers.
 *
 * @since 0.1.0
 * @category models
 */
export interface Advisor extends DefinitionOptions {
  readonly _tag: "Advisor"
  /** The model giving advice. */
  readonly model: string
  readonly maxUses?: number | undefined
  /** Caps each piece of advice (thinking and text). */
  readonly maxTokens?: number | undefined
  /** Caches the advisor's own prompt at this lifetime. */
  readonly caching?: CacheSetting | undefined
}

/**
 * Any Anthropic-only server tool.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerTool = ToolSearch | Advisor

/**
 * A tool search tool.
 *
 * @since 0.1.0
 * @category utils
 */
export const toolSearch = (options: Omit<ToolSearch, "_tag">): ToolSearch => ({ _tag: "ToolSearch", ...options })

/**
 * An advisor tool.
 *
 * @since 0.1.0
 * @category utils
 */
export const advisor = (options: Omit<Advisor, "_tag">): Advisor => ({ _tag: "Advisor", ...options })

/**
 * The beta the advisor tool needs.
 *
 * @since 0.1.0
 * @category utils
 */
export const advisorBeta = "advisor-tool-2026-03-01"

/**
 * Options for one tool of the request, by its name.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolOptions extends DefinitionOptions {
  /** Stream this tool's input as it is generated, without buffering (`eager_input_streaming`). */
  readonly eagerInputStreaming?: boolean | undefined
}

/**
 * The common options as wire fields.
 *
 * @since 0.1.0
 * @category utils
 */
export const definitionFields = (options: ToolOptions): Record<string, unknown> => {
  const fields: Record<string, unknown> = {}
  if (options.deferLoading !== undefined) fields.defer_loading = options.deferLoading
  if (options.allowedCallers !== undefined) fields.allowed_callers = [...options.allowedCallers]
  if (options.inputExamples !== undefined)
    fields.input_examples = options.inputExamples.map((example) => ({ ...example }))
  if (options.eagerInputStreaming !== undefined) fields.eager_input_streaming = options.eagerInputStreaming
  if (options.cacheControl !== undefined) fields.cache_control = cacheControl(options.cacheControl)
  return fields
}

/**
 * A server tool's definition and beta.
 *
 * @since 0.1.0
 * @category utils
 */
export const toDefinition = (tool: ServerTool): AnthropicDefinition => {
  switch (tool._tag) {
    case "ToolSearch": {
      const name = tool.variant === "bm25" ? "tool_search_tool_bm25" : "tool_search_tool_regex"
      return {
        tool: { type: `${name}_20251119`, name, ...definitionFields({ ...tool, cacheControl: undefined }) },
        beta: undefined,
        cacheControl: tool.cacheControl
      }
    }
    case "Advisor": {
      const fields: Record<string, unknown> = { type: "advisor_20260301", name: "advisor", model: tool.model }
      if (tool.maxUses !== undefined) fields.max_uses = tool.maxUses
      if (tool.maxTokens !== undefined) fields.max_tokens = tool.maxTokens
      if (tool.caching !== undefined) fields.caching = cacheControl(tool.caching)
      return {
        tool: { ...fields, ...definitionFields({ ...tool, cacheControl: undefined }) },
        beta: advisorBeta,
        cacheControl: tool.cacheControl
      }
    }
  }
}

/**
 * Adds per-tool options to the request's tools, matched by name; names no tool has are returned.
 *
 * @since 0.1.0
 * @category utils
 */
export const applyToolOptions = (
  tools: ReadonlyArray<Record<string, unknown>>,
  options: Readonly<Record<string, ToolOptions>>
): ReadonlyArray<string> => {
  const unknown = new Set(Object.keys(options))
  for (const tool of tools) {
    const name = tool.name
    if (typeof name !== "string" || !Object.hasOwn(options, name)) continue
    unknown.delete(name)
    Object.assign(tool, definitionFields(options[name] ?? {}))
  }
  return [...unknown]
}
