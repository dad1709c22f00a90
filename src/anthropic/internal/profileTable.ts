/**
 * What each Claude model family accepts, from Anthropic's public model and feature pages
 * (thinking, effort, structured outputs, server tools). Keys are model ids without their date:
 * `claude-opus-4-5-20251101` and `claude-opus-4-5-latest` find `claude-opus-4-5`. Any other
 * suffix finds nothing, so a newer model (`claude-opus-4-9`) never inherits an older profile.
 *
 * A family missing here gets the permissive profile: nothing is checked or translated and the API
 * decides. A wrong entry is fixed per model with `AnthropicModel.layer(..., { profile })` or by
 * reading the Models API (`AnthropicProfile.layerModelsApi`).
 */
import type { Capabilities as ProfileEntry } from "../AnthropicProfile.js"
import type { Effort } from "../AnthropicSettings.js"

const allEfforts: ReadonlyArray<Effort> = ["low", "medium", "high", "xhigh", "max"]
const withoutXhigh: ReadonlyArray<Effort> = ["low", "medium", "high", "max"]

/** Nothing checked: what a model id the table does not know gets. */
export const permissive: ProfileEntry = {
  budgetThinking: true,
  adaptiveThinking: true,
  disableThinking: true,
  samplingSettings: true,
  forcedToolChoice: true,
  effortLevels: allEfforts,
  nativeOutput: true,
  webSearchTool: "web_search_20250305",
  webFetchTool: "web_fetch_20250910",
  codeExecutionTool: "code_execution_20260120",
  fastMode: true,
  taskBudget: true,
  contextManagement: true,
  compaction: true,
  contextWindow: undefined,
  maxOutputTokens: undefined
}

/** Claude 3.x and 4.0/4.1: budget thinking only, no effort, no structured outputs. */
const legacy: ProfileEntry = {
  ...permissive,
  adaptiveThinking: false,
  effortLevels: [],
  nativeOutput: false,
  codeExecutionTool: "code_execution_20250825",
  fastMode: false,
  taskBudget: false,
  compaction: false,
  contextWindow: 200_000
}

/** The 4.5 generation: budget thinking, structured outputs, context editing. */
const generation45: ProfileEntry = { ...legacy, nativeOutput: true, maxOutputTokens: 64_000 }

/** The 4.6 generation: adaptive thinking beside budgets, effort up to `max`, dynamic-filtering web tools. */
const generation46: ProfileEntry = {
  ...generation45,
  adaptiveThinking: true,
  effortLevels: withoutXhigh,
  webSearchTool: "web_search_20260209",
  webFetchTool: "web_fetch_20260209",
  codeExecutionTool: "code_execution_20260120",
  compaction: true,
  contextWindow: 1_000_000
}

/** Opus 4.7 and later: adaptive thinking only, no sampling settings, `xhigh` effort, task budgets. */
const adaptiveOnly: ProfileEntry = {
  ...generation46,
  budgetThinking: false,
  samplingSettings: false,
  effortLevels: allEfforts,
  taskBudget: true,
  maxOutputTokens: 128_000
}

/** Fable and Mythos: as `adaptiveOnly`, and neither disabled thinking nor a forced tool choice. */
const unforced: ProfileEntry = { ...adaptiveOnly, disableThinking: false, forcedToolChoice: false }

/** The built-in table, by model id prefix. */
export const table: Readonly<Record<string, ProfileEntry>> = {
  "claude-3-haiku": { ...legacy, maxOutputTokens: 4_096 },
  "claude-3-opus": { ...legacy, maxOutputTokens: 4_096 },
  "claude-3-5-haiku": { ...legacy, maxOutputTokens: 8_192 },
  "claude-3-7-sonnet": { ...legacy, maxOutputTokens: 64_000 },
  "claude-sonnet-4": { ...legacy, maxOutputTokens: 64_000 },
  "claude-sonnet-4-0": { ...legacy, maxOutputTokens: 64_000 },
  "claude-opus-4": { ...legacy, maxOutputTokens: 32_000 },
  "claude-opus-4-0": { ...legacy, maxOutputTokens: 32_000 },
  "claude-opus-4-1": { ...legacy, nativeOutput: true, maxOutputTokens: 32_000 },
  "claude-haiku-4-5": { ...generation45, codeExecutionTool: "code_execution_20250825" },
  "claude-sonnet-4-5": { ...generation45, codeExecutionTool: "code_execution_20260120" },
  "claude-opus-4-5": {
    ...generation45,
    effortLevels: ["low", "medium", "high"],
    codeExecutionTool: "code_execution_20260120"
  },
  "claude-sonnet-4-6": generation46,
  "claude-opus-4-6": { ...generation46, fastMode: true, maxOutputTokens: 128_000 },
  "claude-opus-4-7": { ...adaptiveOnly, disableThinking: false },
  "claude-mythos-preview": { ...unforced, effortLevels: withoutXhigh },
  "claude-opus-4-8": adaptiveOnly,
  "claude-opus-5": adaptiveOnly,
  "claude-sonnet-5": { ...adaptiveOnly, maxOutputTokens: 64_000 },
  "claude-fable-5": unforced,
  "claude-fable-5-1": unforced,
  "claude-fable-5-2": unforced,
  "claude-mythos-5": unforced,
  "claude-mythos-5-1": unforced,
  "claude-mythos-5-2": unforced,
  "claude-opus-5-5": adaptiveOnly,
  "claude-sonnet-5-5": { ...adaptiveOnly, maxOutputTokens: 64_000 },
  "claude-haiku-5-5": { ...adaptiveOnly, maxOutputTokens: 64_000, contextWindow: 200_000 }
}

/**
 * The model id as the table names it: without a cloud prefix (`anthropic.`, `us.anthropic.`), a
 * Bedrock version suffix (`-v1:0`) or a Vertex date (`@20250929`).
 */
export const normalizeModelId = (modelId: string): string => {
  const lower = modelId.toLowerCase()
  const start = lower.indexOf("claude-")
  const fromClaude = start === -1 ? lower : lower.slice(start)
  return fromClaude.replace(/@.*$/, "").replace(/-v\d+(:\d+)?$/, "")
}

const dateSuffix = /-(\d{8}|latest)$/

/** The table key for a model id, if the table has its family. */
export const familyOf = (modelId: string): string | undefined => {
  const id = normalizeModelId(modelId).replace(dateSuffix, "")
  return Object.hasOwn(table, id) ? id : undefined
}
