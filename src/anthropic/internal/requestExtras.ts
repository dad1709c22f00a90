/**
 * The parts of a Messages request that depend on the model's profile or on Anthropic-only
 * settings, applied to a mapped body: server-tool versions, client tool definitions, extra server
 * tools, per-tool options, context management, thinking display and the task budget. Each adds
 * the beta it needs; a setting the model cannot take is a `UserError` naming both.
 */
import * as Either from "effect/Either"
import { UserError } from "../../AgentError.js"
import type { ModelRequestParameters } from "../../Model.js"
import type { AnthropicProfile } from "../AnthropicProfile.js"
import type { AnthropicSettings } from "../AnthropicSettings.js"
import { type AnthropicDefinition, isAnthropicDefinition } from "../ClientTools.js"
import * as ContextManagement from "../ContextManagement.js"
import * as ServerTools from "../ServerTools.js"
import { cacheControl } from "./cachePoints.js"
import { providerName } from "./names.js"

/** The beta task budgets need. */
export const taskBudgetBeta = "task-budgets-2026-03-13"

/** The Anthropic-only settings applied here. */
export type Extras = Pick<
  AnthropicSettings,
  "contextManagement" | "serverTools" | "toolOptions" | "serverToolVersions" | "thinkingDisplay" | "taskBudget"
>

type ServerToolVersions = NonNullable<AnthropicSettings["serverToolVersions"]>

/** The body fields this step reads and writes. */
export interface MutableBody {
  tools?: Array<unknown> | undefined
  thinking?: unknown
  output_config?: unknown
  context_management?: unknown
  [key: string]: unknown
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const versioned: ReadonlyArray<readonly [name: string, prefix: string, key: keyof ServerToolVersions]> = [
  ["web_search", "web_search_", "webSearch"],
  ["web_fetch", "web_fetch_", "webFetch"],
  ["code_execution", "code_execution_", "codeExecution"]
]

const profileVersion = (profile: AnthropicProfile, key: keyof ServerToolVersions): string =>
  key === "webSearch" ? profile.webSearchTool : key === "webFetch" ? profile.webFetchTool : profile.codeExecutionTool

const rejected = (profile: AnthropicProfile, setting: string) =>
  new UserError({ message: `Model ${profile.modelId} does not accept ${setting}` })

/**
 * Applies the extras to `body` (in place) and `betas`. `clientTools` maps a tool name to the
 * Anthropic definition sent instead of its JSON Schema.
 */
export const applyExtras = (
  body: MutableBody,
  betas: Set<string>,
  options: {
    readonly extras: Extras
    readonly profile: AnthropicProfile
    readonly clientTools: ReadonlyMap<string, AnthropicDefinition>
  }
): Either.Either<void, UserError> => {
  const { extras, profile, clientTools } = options
  const tools = body.tools ?? []

  for (let index = 0; index < tools.length; index++) {
    const tool = tools[index]
    if (!isRecord(tool) || typeof tool.name !== "string") continue
    const client = clientTools.get(tool.name)
    if (client !== undefined && !("type" in tool && typeof tool.type === "string" && tool.type !== "custom")) {
      const replaced: Record<string, unknown> = { ...client.tool }
      if (client.cacheControl !== undefined) replaced.cache_control = cacheControl(client.cacheControl)
      tools[index] = replaced
      if (client.beta !== undefined) betas.add(client.beta)
      continue
    }
    for (const [name, prefix, key] of versioned) {
      if (tool.name === name && typeof tool.type === "string" && tool.type.startsWith(prefix)) {
        tool.type = extras.serverToolVersions?.[key] ?? profileVersion(profile, key)
      }
    }
  }

  for (const serverTool of extras.serverTools ?? []) {
    const definition = ServerTools.toDefinition(serverTool)
    const tool: Record<string, unknown> = { ...definition.tool }
    if (definition.cacheControl !== undefined) tool.cache_control = cacheControl(definition.cacheControl)
    tools.push(tool)
    if (definition.beta !== undefined) betas.add(definition.beta)
  }

  if (extras.toolOptions !== undefined) {
    const unknown = ServerTools.applyToolOptions(tools.filter(isRecord), extras.toolOptions)
    if (unknown.length > 0) {
      return Either.left(
        new UserError({ message: `anthropic.toolOptions names tools the request does not have: ${unknown.join(", ")}` })
      )
    }
  }
  if (tools.length > 0) body.tools = tools

  const edits = extras.contextManagement ?? []
  if (edits.length > 0) {
    if (edits.some((edit) => edit._tag === "Compact") && !profile.compaction) {
      return Either.left(rejected(profile, "compaction (ContextManagement.compact)"))
    }
    if (edits.some((edit) => edit._tag !== "Compact") && !profile.contextManagement) {
      return Either.left(rejected(profile, "context editing (ContextManagement.clearToolUses / clearThinking)"))
    }
    const wire = ContextManagement.toWire(edits)
    body.context_management = wire.contextManagement
    for (const beta of wire.betas) betas.add(beta)
  }

  if (extras.thinkingDisplay !== undefined && isRecord(body.thinking) && body.thinking.type !== "disabled") {
    body.thinking = { ...body.thinking, display: extras.thinkingDisplay }
  }

  if (extras.taskBudget !== undefined) {
    if (!profile.taskBudget) return Either.left(rejected(profile, "a task budget (anthropic.taskBudget)"))
    const budget: Record<string, unknown> = { type: "tokens", total: extras.taskBudget.total }
    if (extras.taskBudget.remaining !== undefined) budget.remaining = extras.taskBudget.remaining
    body.output_config = { ...(isRecord(body.output_config) ? body.output_config : {}), task_budget: budget }
    betas.add(taskBudgetBeta)
  }
  return Either.void
}

/** The Anthropic definitions of client tools (`ClientTools`), by tool name. */
export const clientToolDefinitions = (parameters: ModelRequestParameters): ReadonlyMap<string, AnthropicDefinition> => {
  const found = new Map<string, AnthropicDefinition>()
  for (const tool of parameters.functionTools) {
    const definition = tool.providerDefinitions?.[providerName]
    if (isAnthropicDefinition(definition)) found.set(tool.name, definition)
  }
  return found
}
