/**
 * Request mapping: a conversation, settings and request parameters become the body of a
 * Messages API request (plus its betas, headers and timeout).
 *
 * Everything the API would reject for certain (a thinking budget below 1024, an unsupported
 * media type, too many cache points) fails here with a `UserError`, before any request is sent.
 */
import type {
  BetaRequestMCPServerURLDefinition,
  BetaTextBlockParam,
  BetaThinkingConfigParam,
  BetaToolChoice,
  BetaToolChoiceAny,
  BetaToolChoiceAuto,
  BetaToolChoiceTool,
  BetaToolUnion,
  MessageCountTokensParams,
  MessageCreateParamsNonStreaming
} from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import { UserError } from "../../AgentError.js"
import type { BuiltinTool } from "../../BuiltinTool.js"
import type { ModelMessage } from "../../Message.js"
import type { ModelRequestParameters, ToolDefinition } from "../../Model.js"
import type { ModelSettings } from "../../ModelSettings.js"
import { type AnthropicProfile, unchecked as uncheckedProfile } from "../AnthropicProfile.js"
import type { AnthropicSettings, ContainerSetting, ToolChoiceSetting } from "../AnthropicSettings.js"
import { cacheControl, cacheLastMessageBlock, limitCachePoints } from "./cachePoints.js"
import { countableTools } from "./countTokensBody.js"
import { mapMessages, type WireMessage } from "./messageMapping.js"
import { conform } from "./profileRules.js"
import { applyExtras, clientToolDefinitions } from "./requestExtras.js"
import { requestTimeoutMillis, validateSettings, validateToolName } from "./requestValidation.js"
import { strictOrFail } from "./strictSchema.js"

export { filesBeta, type WireMessage } from "./messageMapping.js"

/** The default `max_tokens`: the API requires one. */
export const defaultMaxTokens = 4096

/** The smallest thinking budget the API accepts. */
export const minThinkingBudget = 1024

/** Beta needed by the MCP connector (`mcp_servers`). */
export const mcpBeta = "mcp-client-2025-04-04"

/**
 * The JSON body of a Messages request, without `stream` (added by the caller). Fields the 1.x SDK
 * does not type (`temperature`, `top_p`, `top_k`, extra body) ride along as extra keys: the SDK
 * sends every key of its params object.
 */
export type RequestBody = Omit<MessageCreateParamsNonStreaming, "betas" | "stream"> & {
  messages: Array<WireMessage>
  [key: string]: unknown
}

/** Everything needed to send one request. */
export interface MappedRequest {
  readonly body: RequestBody
  /** Sent as the `anthropic-beta` header by the SDK. */
  readonly betas: ReadonlyArray<string>
  /** Extra HTTP headers. */
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMillis?: number | undefined
}

/** Maps a request. Fails with a `UserError` for what the API is certain to reject. */
export const mapRequest = (
  modelName: string,
  messages: ReadonlyArray<ModelMessage>,
  settings: ModelSettings,
  parameters: ModelRequestParameters,
  profile: AnthropicProfile = uncheckedProfile(modelName)
): Either.Either<MappedRequest, UserError> => {
  try {
    return Either.right(buildRequest(modelName, messages, settings, parameters, profile))
  } catch (error) {
    if (error instanceof UserError) return Either.left(error)
    throw error
  }
}

/** The keys of a Messages body that the token-counting endpoint accepts too (not `mcp_servers`). */
const countTokensKeys = [
  "messages",
  "model",
  "system",
  "tools",
  "tool_choice",
  "thinking",
  "output_config",
  "speed",
  "cache_control",
  "context_management"
] as const

/**
 * The body of a token-counting request for the same conversation, without what the endpoint
 * rejects: server tools and MCP servers (and the tool choice when no tool is left).
 */
export const countTokensBody = (body: RequestBody): Omit<MessageCountTokensParams, "betas"> => {
  const counted: Omit<MessageCountTokensParams, "betas"> = { model: body.model, messages: body.messages }
  for (const key of countTokensKeys) {
    const value = body[key]
    if (value !== undefined) Object.assign(counted, { [key]: value })
  }
  if (body.tools !== undefined) {
    const tools = countableTools(body.tools)
    if (tools.length > 0) counted.tools = tools
    else {
      delete counted.tools
      delete counted.tool_choice
    }
  }
  return counted
}

// ---------------------------------------------------------------------------------------------

const outputModes: ReadonlySet<string> = new Set<ModelRequestParameters["outputMode"]>([
  "text",
  "tool",
  "native",
  "prompted"
])

const buildRequest = (
  modelName: string,
  history: ReadonlyArray<ModelMessage>,
  requested: ModelSettings,
  parameters: ModelRequestParameters,
  profile: AnthropicProfile
): MappedRequest => {
  validateSettings(requested)
  // What the model cannot take fails here, or is translated (see profileRules.ts).
  const conformed = conform(profile, requested, parameters)
  if (Either.isLeft(conformed)) throw conformed.left
  const settings = conformed.right.settings
  const anthropic: AnthropicSettings = settings.anthropic ?? {}
  const maxTokens = settings.maxTokens ?? defaultMaxTokens
  const betas = new Set<string>()

  const thinking = thinkingConfig(settings.thinking, maxTokens)
  // Claude cannot be forced to call a tool while it thinks on a budget; adaptive thinking can be.
  const mayForceOutputTool = thinking?.type !== "enabled" && conformed.right.forceOutputTool

  if (!outputModes.has(parameters.outputMode)) {
    throw new UserError({ message: `Unknown output mode '${String(parameters.outputMode)}'` })
  }
  const messages = mapMessages(history, betas)
  if (messages.length === 0 && settings.extraBody?.messages === undefined) {
    throw new UserError({ message: "Nothing to send: the prompt is empty and no message of the history has content" })
  }
  const body: RequestBody = { model: modelName, max_tokens: maxTokens, messages }

  const system = systemBlocks(history)
  if (system.length > 0) body.system = system

  const tools = toolDefinitions(parameters)
  const mcpServers: Array<BetaRequestMCPServerURLDefinition> = []
  for (const builtin of parameters.builtinTools) {
    const tool = builtinTool(builtin)
    if (tool._tag === "tool") tools.push(tool.tool)
    else {
      mcpServers.push(tool.server)
      betas.add(mcpBeta)
    }
  }
  if (tools.length > 0) {
    body.tools = tools
    body.tool_choice = toolChoice(anthropic.toolChoice, parameters, mayForceOutputTool, settings.parallelToolCalls)
  } else if (anthropic.toolChoice === "none") {
    body.tool_choice = { type: "none" }
  }
  if (mcpServers.length > 0) body.mcp_servers = mcpServers

  if (thinking !== undefined) body.thinking = thinking

  const outputConfig: NonNullable<RequestBody["output_config"]> = {}
  if (parameters.outputMode === "native") {
    if (parameters.outputObject === undefined) {
      throw new UserError({ message: "Native output needs an output object with a JSON Schema" })
    }
    outputConfig.format = { type: "json_schema", schema: { ...parameters.outputObject.jsonSchema } }
  }
  if (anthropic.effort !== undefined) outputConfig.effort = anthropic.effort
  if (Object.keys(outputConfig).length > 0) body.output_config = outputConfig

  const extras = applyExtras(body, betas, {
    extras: anthropic,
    profile,
    clientTools: clientToolDefinitions(parameters)
  })
  if (Either.isLeft(extras)) throw extras.left

  if (anthropic.userId !== undefined) body.metadata = { user_id: anthropic.userId }
  if (anthropic.serviceTier !== undefined) body.service_tier = anthropic.serviceTier
  if (anthropic.container !== undefined) body.container = container(anthropic.container)
  if (anthropic.inferenceGeo !== undefined) body.inference_geo = anthropic.inferenceGeo
  if (anthropic.speed !== undefined) body.speed = anthropic.speed
  if (settings.stopSequences !== undefined) body.stop_sequences = [...settings.stopSequences]
  // The 1.x SDK's types lack these three; the API still reads them from the body.
  if (settings.temperature !== undefined) body.temperature = settings.temperature
  if (settings.topP !== undefined) body.top_p = settings.topP
  if (settings.topK !== undefined) body.top_k = settings.topK

  // A copy: cache settings may mark the blocks and tools it brings, and they are the caller's.
  if (settings.extraBody !== undefined) Object.assign(body, structuredClone(settings.extraBody))

  // Last, so the limit holds for exactly what is sent, extra body included.
  applyCacheSettings(body, anthropic)
  const tooManyCachePoints = limitCachePoints(body)
  if (tooManyCachePoints !== undefined) throw tooManyCachePoints

  for (const beta of anthropic.betas ?? []) betas.add(beta)

  return {
    body,
    betas: [...betas],
    headers: { ...settings.extraHeaders },
    timeoutMillis: requestTimeoutMillis(settings.timeout)
  }
}

const thinkingConfig = (
  thinking: ModelSettings["thinking"],
  maxTokens: number
): BetaThinkingConfigParam | undefined => {
  if (thinking === undefined) return undefined
  if (thinking === false) return { type: "disabled" }
  if (thinking === "adaptive") return { type: "adaptive" }
  // `true` leaves half of the answer's tokens to thinking, but never less than the API's minimum.
  const budget = thinking === true ? Math.max(minThinkingBudget, Math.floor(maxTokens / 2)) : thinking.budgetTokens
  if (!Number.isInteger(budget) || budget < minThinkingBudget) {
    throw new UserError({
      message: `Anthropic needs a thinking budget of at least ${minThinkingBudget} tokens, got ${budget}`
    })
  }
  if (budget >= maxTokens) {
    throw new UserError({
      message: `The thinking budget (${budget} tokens) must be less than maxTokens (${maxTokens}): raise maxTokens or lower the budget`
    })
  }
  return { type: "enabled", budget_tokens: budget }
}

const systemBlocks = (history: ReadonlyArray<ModelMessage>): Array<BetaTextBlockParam> => {
  const blocks: Array<BetaTextBlockParam> = []
  let instructions: string | undefined
  for (const message of history) {
    if (message._tag !== "ModelRequest") continue
    for (const part of message.parts) {
      if (part._tag === "SystemPromptPart" && part.content !== "") blocks.push({ type: "text", text: part.content })
    }
    // Instructions are not replayed from history: the latest request's are the ones in force.
    if (message.instructions !== undefined) instructions = message.instructions
  }
  if (instructions !== undefined && instructions !== "") blocks.push({ type: "text", text: instructions })
  return blocks
}

// ---------------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------------

const functionTool = (tool: ToolDefinition): BetaToolUnion => {
  validateToolName(tool.name)
  const schema =
    tool.strict === true
      ? strictOrFail(tool.parametersJsonSchema, `the strict tool '${tool.name}'`)
      : tool.parametersJsonSchema
  const definition: BetaToolUnion = { name: tool.name, input_schema: { ...schema, type: "object" } }
  if (tool.description !== undefined) definition.description = tool.description
  if (tool.strict !== undefined) definition.strict = tool.strict
  return definition
}

const toolDefinitions = (parameters: ModelRequestParameters): Array<BetaToolUnion> => {
  const tools: Array<BetaToolUnion> = []
  for (const tool of parameters.functionTools) tools.push(functionTool(tool))
  for (const tool of parameters.outputTools) tools.push(functionTool(tool))
  return tools
}

type BuiltinMapping =
  | { readonly _tag: "tool"; readonly tool: BetaToolUnion }
  | { readonly _tag: "mcp"; readonly server: BetaRequestMCPServerURLDefinition }

const builtinTool = (builtin: BuiltinTool): BuiltinMapping => {
  switch (builtin._tag) {
    case "WebSearch": {
      const tool: BetaToolUnion = { type: "web_search_20250305", name: "web_search" }
      if (builtin.maxUses !== undefined) tool.max_uses = builtin.maxUses
      if (builtin.allowedDomains !== undefined) tool.allowed_domains = [...builtin.allowedDomains]
      if (builtin.blockedDomains !== undefined) tool.blocked_domains = [...builtin.blockedDomains]
      if (builtin.userLocation !== undefined) {
        const location: NonNullable<typeof tool.user_location> = { type: "approximate" }
        const { city, region, country, timezone } = builtin.userLocation
        if (city !== undefined) location.city = city
        if (region !== undefined) location.region = region
        if (country !== undefined) location.country = country
        if (timezone !== undefined) location.timezone = timezone
        tool.user_location = location
      }
      return { _tag: "tool", tool }
    }
    case "WebFetch": {
      const tool: BetaToolUnion = { type: "web_fetch_20250910", name: "web_fetch" }
      if (builtin.maxUses !== undefined) tool.max_uses = builtin.maxUses
      if (builtin.allowedDomains !== undefined) tool.allowed_domains = [...builtin.allowedDomains]
      if (builtin.blockedDomains !== undefined) tool.blocked_domains = [...builtin.blockedDomains]
      return { _tag: "tool", tool }
    }
    case "CodeExecution":
      return { _tag: "tool", tool: { type: "code_execution_20260120", name: "code_execution" } }
    case "McpServer": {
      const server: BetaRequestMCPServerURLDefinition = { type: "url", name: builtin.name, url: builtin.url }
      if (builtin.authorizationToken !== undefined) server.authorization_token = builtin.authorizationToken
      if (builtin.allowedTools !== undefined) server.tool_configuration = { allowed_tools: [...builtin.allowedTools] }
      return { _tag: "mcp", server }
    }
  }
}

const toolChoice = (
  setting: ToolChoiceSetting | undefined,
  parameters: ModelRequestParameters,
  mayForceOutputTool: boolean,
  parallelToolCalls: boolean | undefined
): BetaToolChoice => {
  const step = parameters.toolChoice
  if (setting === "none" || (setting === undefined && step === "none")) return { type: "none" }
  const choice: BetaToolChoiceAuto | BetaToolChoiceAny | BetaToolChoiceTool =
    setting === "auto" || setting === "any"
      ? { type: setting }
      : setting !== undefined
        ? { type: "tool", name: setting.name }
        : // Where a tool cannot be forced, Claude may answer in text and is asked again.
          !mayForceOutputTool
          ? { type: "auto" }
          : typeof step === "object"
            ? { type: "tool", name: step.tool }
            : step === "required" || (parameters.outputMode === "tool" && !parameters.allowTextOutput)
              ? { type: "any" }
              : { type: "auto" }
  if (parallelToolCalls === false) choice.disable_parallel_tool_use = true
  return choice
}

const container = (setting: ContainerSetting): NonNullable<RequestBody["container"]> => {
  if (typeof setting === "string") return setting
  const params: Exclude<NonNullable<RequestBody["container"]>, string> = {}
  if (setting.id !== undefined) params.id = setting.id
  if (setting.skills !== undefined) {
    params.skills = setting.skills.map((skill) =>
      skill.version === undefined
        ? { type: skill.type, skill_id: skill.skillId }
        : { type: skill.type, skill_id: skill.skillId, version: skill.version }
    )
  }
  return params
}

const applyCacheSettings = (body: RequestBody, anthropic: AnthropicSettings): void => {
  if (anthropic.cacheInstructions !== undefined && Array.isArray(body.system)) {
    const last = body.system.at(-1)
    if (Predicate.isRecord(last)) last.cache_control = cacheControl(anthropic.cacheInstructions)
  }
  if (anthropic.cacheToolDefinitions !== undefined && Array.isArray(body.tools)) {
    const last = body.tools.at(-1)
    if (Predicate.isRecord(last)) last.cache_control = cacheControl(anthropic.cacheToolDefinitions)
  }
  if (anthropic.cacheMessages !== undefined) cacheLastMessageBlock(body.messages, cacheControl(anthropic.cacheMessages))
  if (anthropic.automaticCaching !== undefined) body.cache_control = cacheControl(anthropic.automaticCaching)
}
