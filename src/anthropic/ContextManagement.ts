/**
 * Context management as typed settings: the API clears old tool uses or thinking, or compacts
 * the conversation into a summary, once a trigger is reached. Set them with
 * `anthropic: { contextManagement: [...] }`; the request gets `context_management.edits` and the
 * betas the edits need, beside the agent's own tools (never through `extraBody`, which would
 * replace them).
 *
 * A compaction with `pauseAfterCompaction` stops the answer after the summary (stop reason
 * `compaction`); the agent sends the conversation again, as for `pause_turn`, and the summary
 * travels on as a `CompactionPart`.
 *
 * @example
 * import { ContextManagement } from "effect-claude/anthropic"
 *
 * const edits = [
 *   ContextManagement.clearToolUses({ trigger: { inputTokens: 100_000 }, keep: { toolUses: 3 } }),
 *   ContextManagement.compact({ trigger: { inputTokens: 150_000 }, pauseAfterCompaction: true })
 * ]
 */
import type {
  BetaClearThinking20251015Edit,
  BetaClearToolUses20250919Edit,
  BetaCompact20260112Edit,
  BetaContextManagementConfig
} from "@anthropic-ai/sdk/resources/beta/messages/messages.js"

/**
 * When clearing starts: above this many input tokens, or this many tool uses.
 *
 * @since 0.1.0
 * @category models
 */
export type Trigger = { readonly inputTokens: number } | { readonly toolUses: number }

/**
 * Clears the oldest tool uses and results once `trigger` is reached (`clear_tool_uses_20250919`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClearToolUses {
  readonly _tag: "ClearToolUses"
  readonly trigger?: Trigger | undefined
  /** The most recent tool uses to keep. */
  readonly keep?: { readonly toolUses: number } | undefined
  /** Clear only when at least this many input tokens go (so the cache is not broken for little). */
  readonly clearAtLeast?: { readonly inputTokens: number } | undefined
  /** Also clear the tool inputs: all (`true`) or those of the tools named. */
  readonly clearToolInputs?: boolean | ReadonlyArray<string> | undefined
  /** Tools whose uses are never cleared. */
  readonly excludeTools?: ReadonlyArray<string> | undefined
}

/**
 * Clears thinking blocks of older turns (`clear_thinking_20251015`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClearThinking {
  readonly _tag: "ClearThinking"
  /** The most recent assistant turns whose thinking stays, or `"all"`. */
  readonly keep?: { readonly thinkingTurns: number } | "all" | undefined
}

/**
 * Summarizes the conversation once `trigger` is reached (`compact_20260112`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Compact {
  readonly _tag: "Compact"
  /** Input tokens above which the API compacts (its default: 150,000). */
  readonly trigger?: { readonly inputTokens: number } | undefined
  /** Extra instructions for the summary. */
  readonly instructions?: string | undefined
  /** Stop after the summary (stop reason `compaction`); the agent continues the answer. */
  readonly pauseAfterCompaction?: boolean | undefined
}

/**
 * Any context management edit.
 *
 * @since 0.1.0
 * @category models
 */
export type Edit = ClearToolUses | ClearThinking | Compact

/**
 * Clearing of old tool uses.
 *
 * @since 0.1.0
 * @category utils
 */
export const clearToolUses = (options: Omit<ClearToolUses, "_tag"> = {}): ClearToolUses => ({
  _tag: "ClearToolUses",
  ...options
})

/**
 * Clearing of old thinking.
 *
 * @since 0.1.0
 * @category utils
 */
export const clearThinking = (options: Omit<ClearThinking, "_tag"> = {}): ClearThinking => ({
  _tag: "ClearThinking",
  ...options
})

/**
 * Compaction of the conversation into a summary.
 *
 * @since 0.1.0
 * @category utils
 */
export const compact = (options: Omit<Compact, "_tag"> = {}): Compact => ({ _tag: "Compact", ...options })

/**
 * The beta clearing tool uses and thinking needs.
 *
 * @since 0.1.0
 * @category utils
 */
export const contextManagementBeta = "context-management-2025-06-27"

/**
 * The beta compaction needs.
 *
 * @since 0.1.0
 * @category utils
 */
export const compactionBeta = "compact-2026-01-12"

type WireEdit = BetaClearToolUses20250919Edit | BetaClearThinking20251015Edit | BetaCompact20260112Edit

const trigger = (value: Trigger): NonNullable<BetaClearToolUses20250919Edit["trigger"]> =>
  "inputTokens" in value
    ? { type: "input_tokens", value: value.inputTokens }
    : { type: "tool_uses", value: value.toolUses }

const wireEdit = (edit: Edit): WireEdit => {
  switch (edit._tag) {
    case "ClearToolUses": {
      const wire: BetaClearToolUses20250919Edit = { type: "clear_tool_uses_20250919" }
      if (edit.trigger !== undefined) wire.trigger = trigger(edit.trigger)
      if (edit.keep !== undefined) wire.keep = { type: "tool_uses", value: edit.keep.toolUses }
      if (edit.clearAtLeast !== undefined) {
        wire.clear_at_least = { type: "input_tokens", value: edit.clearAtLeast.inputTokens }
      }
      if (edit.clearToolInputs !== undefined) {
        wire.clear_tool_inputs =
          typeof edit.clearToolInputs === "boolean" ? edit.clearToolInputs : [...edit.clearToolInputs]
      }
      if (edit.excludeTools !== undefined) wire.exclude_tools = [...edit.excludeTools]
      return wire
    }
    case "ClearThinking": {
      const wire: BetaClearThinking20251015Edit = { type: "clear_thinking_20251015" }
      if (edit.keep === "all") wire.keep = "all"
      else if (edit.keep !== undefined) wire.keep = { type: "thinking_turns", value: edit.keep.thinkingTurns }
      return wire
    }
    case "Compact": {
      const wire: BetaCompact20260112Edit = { type: "compact_20260112" }
      if (edit.trigger !== undefined) wire.trigger = { type: "input_tokens", value: edit.trigger.inputTokens }
      if (edit.instructions !== undefined) wire.instructions = edit.instructions
      if (edit.pauseAfterCompaction !== undefined) wire.pause_after_compaction = edit.pauseAfterCompaction
      return wire
    }
  }
}

/**
 * The request's `context_management` and the betas its edits need.
 *
 * @since 0.1.0
 * @category utils
 */
export const toWire = (
  edits: ReadonlyArray<Edit>
): { readonly contextManagement: BetaContextManagementConfig; readonly betas: ReadonlyArray<string> } => {
  const betas = new Set<string>()
  for (const edit of edits) betas.add(edit._tag === "Compact" ? compactionBeta : contextManagementBeta)
  return { contextManagement: { edits: edits.map(wireEdit) }, betas: [...betas] }
}

/**
 * Whether the edits ask the API to pause after a compaction (the agent then continues the answer).
 *
 * @since 0.1.0
 * @category utils
 */
export const pausesAfterCompaction = (edits: ReadonlyArray<Edit>): boolean =>
  edits.some((edit) => edit._tag === "Compact" && edit.pauseAfterCompaction === true)
