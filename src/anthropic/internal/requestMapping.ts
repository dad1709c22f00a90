/**
 * Request mapping: a conversation, settings and request parameters become the body of a
 * Messages API request (plus its betas, headers and timeout).
 *
 * Everything the API would reject for certain (a thinking budget below 1024, an unsupported
 * media type, too many cache points) fails here with a `UserError`, before any request is sent.
 */
import type {
  BetaContentBlockParam,
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
import { Either, Encoding, Option, Predicate, Schema } from "effect"
import { UserError } from "../../AgentError.js"
import type { BuiltinTool } from "../../BuiltinTool.js"
import type {
  BuiltinToolCallPart,
  BuiltinToolReturnPart,
  ModelMessage,
  ModelRequest,
  ModelResponse,
  OpaquePart,
  ToolArgs,
  UserContent
} from "../../Message.js"
import type { ModelRequestParameters, ToolDefinition } from "../../Model.js"
import { parseToolArgs } from "../../ModelResponseBuilder.js"
import type { ModelSettings } from "../../ModelSettings.js"
import { type AnthropicProfile, unchecked as uncheckedProfile } from "../AnthropicProfile.js"
import type { AnthropicSettings, ContainerSetting, ToolChoiceSetting } from "../AnthropicSettings.js"
import { cacheControl, cacheLastMessageBlock, limitCachePoints, setBlockCacheControl } from "./cachePoints.js"
import { countableTools } from "./countTokensBody.js"
import { isMcpToolName, parseMcpToolName, providerName } from "./names.js"
import { conform } from "./profileRules.js"
import { applyExtras, clientToolDefinitions } from "./requestExtras.js"
import { requestTimeoutMillis, toolResultText, validateSettings, validateToolName } from "./requestValidation.js"
import { strictOrFail } from "./strictSchema.js"

/** The default `max_tokens`: the API requires one. */
export const defaultMaxTokens = 4096

/** The smallest thinking budget the API accepts. */
export const minThinkingBudget = 1024

/** Beta needed by the MCP connector (`mcp_servers`). */
export const mcpBeta = "mcp-client-2025-04-04"

/** Beta needed to reference uploaded files. */
export const filesBeta = "files-api-2025-04-14"

/**
 * The JSON body of a Messages request, without `stream` (added by the caller). Fields the 1.x SDK
 * does not type (`temperature`, `top_p`, `top_k`, extra body) ride along as extra keys: the SDK
 * sends every key of its params object.
 */
export type RequestBody = Omit<MessageCreateParamsNonStreaming, "betas" | "stream"> & {
  messages: Array<WireMessage>
  [key: string]: unknown
}

/** A message of the body; its content is always a list of blocks. */
export interface WireMessage {
  role: "user" | "assistant"
  content: Array<BetaContentBlockParam>
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
// Messages
// ---------------------------------------------------------------------------------------------

const mapMessages = (history: ReadonlyArray<ModelMessage>, betas: Set<string>): Array<WireMessage> => {
  const messages: Array<WireMessage> = []
  const append = (role: WireMessage["role"], blocks: Array<BetaContentBlockParam>) => {
    if (blocks.length === 0) return
    const last = messages.at(-1)
    // The API wants alternating turns: consecutive messages of one role become one message.
    if (last !== undefined && last.role === role) last.content.push(...blocks)
    else messages.push({ role, content: blocks })
  }
  for (const message of history) {
    if (message._tag === "ModelRequest") {
      const previous = messages.at(-1)
      append("user", requestBlocks(message, previous?.role === "user" ? previous.content : [], betas))
    } else {
      append("assistant", responseBlocks(message))
    }
  }
  return messages
}

const retrySuffix = "\n\nFix the errors and try again."

const requestBlocks = (
  request: ModelRequest,
  before: ReadonlyArray<BetaContentBlockParam>,
  betas: Set<string>
): Array<BetaContentBlockParam> => {
  const blocks: Array<BetaContentBlockParam> = []
  for (const part of request.parts) {
    switch (part._tag) {
      case "SystemPromptPart":
        break
      case "UserPromptPart":
        if (typeof part.content === "string") {
          // The API rejects a text block of only whitespace: it counts as no prompt.
          if (part.content.trim() !== "") blocks.push({ type: "text", text: part.content })
        } else {
          for (const content of part.content) {
            if (content._tag === "CachePoint") {
              // A marker caches everything before it: the block just before, even across parts.
              const target = blocks.at(-1) ?? before.at(-1)
              if (target === undefined || !setBlockCacheControl(target, cacheControl(content.ttl))) {
                throw new UserError({
                  message: "A CachePoint must follow some user content: it caches what comes before it"
                })
              }
            } else {
              const block = userContentBlock(content, betas)
              if (block !== undefined) blocks.push(block)
            }
          }
        }
        break
      case "ToolReturnPart":
        blocks.push({
          type: "tool_result",
          tool_use_id: part.toolCallId,
          content: toolResultText(part.toolName, part.content),
          is_error: part.isError
        })
        break
      case "RetryPromptPart":
        if (part.toolCallId !== undefined) {
          blocks.push({
            type: "tool_result",
            tool_use_id: part.toolCallId,
            content: part.content + retrySuffix,
            is_error: true
          })
        } else {
          blocks.push({ type: "text", text: "Validation feedback:\n" + part.content + retrySuffix })
        }
        break
    }
  }
  return blocks
}

const isImageMediaType = (mediaType: string): mediaType is "image/jpeg" | "image/png" | "image/gif" | "image/webp" =>
  mediaType === "image/jpeg" || mediaType === "image/png" || mediaType === "image/gif" || mediaType === "image/webp"

const userContentBlock = (
  content: Exclude<UserContent, { readonly _tag: "CachePoint" }>,
  betas: Set<string>
): BetaContentBlockParam | undefined => {
  switch (content._tag) {
    case "TextContent":
      return content.text === "" ? undefined : { type: "text", text: content.text }
    case "ImageUrl":
      return { type: "image", source: { type: "url", url: content.url } }
    case "DocumentUrl":
      if (content.mediaType !== undefined && content.mediaType !== "application/pdf") {
        throw new UserError({
          message: `Anthropic reads only PDF documents from a URL, not ${content.mediaType}: send the document's bytes as BinaryContent`
        })
      }
      return { type: "document", source: { type: "url", url: content.url } }
    case "BinaryContent": {
      const mediaType = content.mediaType
      if (isImageMediaType(mediaType)) {
        return {
          type: "image",
          source: { type: "base64", media_type: mediaType, data: Encoding.encodeBase64(content.data) }
        }
      }
      if (mediaType === "application/pdf") {
        return {
          type: "document",
          source: { type: "base64", media_type: "application/pdf", data: Encoding.encodeBase64(content.data) }
        }
      }
      if (mediaType === "text/plain") {
        return {
          type: "document",
          source: { type: "text", media_type: "text/plain", data: new TextDecoder().decode(content.data) }
        }
      }
      throw new UserError({
        message: `Anthropic does not accept ${mediaType} content: use a JPEG, PNG, GIF or WebP image, a PDF or plain text`
      })
    }
    case "UploadedFile":
      betas.add(filesBeta)
      return content.kind === "image"
        ? { type: "image", source: { type: "file", file_id: content.fileId } }
        : { type: "document", source: { type: "file", file_id: content.fileId } }
  }
}

const responseBlocks = (response: ModelResponse): Array<BetaContentBlockParam> => {
  const blocks: Array<BetaContentBlockParam> = []
  for (const part of response.parts) {
    switch (part._tag) {
      case "TextPart":
        // The API rejects empty text blocks (a streamed answer may hold some).
        if (part.content !== "") blocks.push({ type: "text", text: part.content })
        break
      case "ToolCallPart":
        blocks.push({ type: "tool_use", id: part.toolCallId, name: part.toolName, input: toolInput(part.args) })
        break
      case "ThinkingPart":
        // Signatures are only valid where they were made: other providers' reasoning goes back as text.
        if (part.provider === providerName && part.redactedData !== undefined) {
          blocks.push({ type: "redacted_thinking", data: part.redactedData })
        } else if (part.provider === providerName && part.signature !== undefined) {
          blocks.push({ type: "thinking", thinking: part.content, signature: part.signature })
        } else if (part.content !== "") {
          blocks.push({ type: "text", text: part.content })
        }
        break
      case "BuiltinToolCallPart":
      case "BuiltinToolReturnPart":
      case "OpaquePart": {
        // Other providers' server-side calls and results mean nothing to Claude.
        if (part.provider !== providerName) break
        const block =
          part._tag === "BuiltinToolCallPart"
            ? builtinCallBlock(part)
            : part._tag === "BuiltinToolReturnPart"
              ? builtinReturnBlock(part)
              : opaqueBlock(part)
        if (block !== undefined) blocks.push(block)
        break
      }
    }
  }
  return blocks
}

/** Tool input must be an object; arguments that never parsed go back wrapped, as they were seen. */
const toolInput = (args: ToolArgs): Record<string, unknown> => {
  const parsed = typeof args === "string" ? parseToolArgs(args) : args
  return typeof parsed === "string" ? { INVALID_JSON: parsed } : parsed
}

const builtinCallBlock = (part: BuiltinToolCallPart): BetaContentBlockParam | undefined => {
  const mcp = parseMcpToolName(part.toolName)
  if (mcp !== undefined) {
    return {
      type: "mcp_tool_use",
      id: part.toolCallId,
      name: mcp.toolName,
      server_name: mcp.serverName,
      input: toolInput(part.args)
    }
  }
  const input = toolInput(part.args)
  if (isServerToolName(part.toolName))
    return { type: "server_tool_use", id: part.toolCallId, name: part.toolName, input }
  // A server tool newer than this library: sent back as it came; the API knows its name.
  return passThrough({ type: "server_tool_use", id: part.toolCallId, name: part.toolName, input })
}

const serverToolNames = [
  "advisor",
  "web_search",
  "web_fetch",
  "code_execution",
  "bash_code_execution",
  "text_editor_code_execution",
  "tool_search_tool_regex",
  "tool_search_tool_bm25"
] as const
type ServerToolName = (typeof serverToolNames)[number]
const isServerToolName = (name: string): name is ServerToolName => serverToolNames.some((known) => known === name)

/** What the response mapping keeps of an MCP result (see `responseMapping`). */
const McpResult = Schema.Struct({
  content: Schema.Union(Schema.String, Schema.Array(Schema.Struct({ text: Schema.String }))),
  is_error: Schema.optional(Schema.Boolean)
})
const decodeMcpResult = Schema.decodeUnknownOption(McpResult)
const decodeRecord = Schema.decodeUnknownOption(Schema.Record({ key: Schema.String, value: Schema.Unknown }))

const builtinReturnBlock = (part: BuiltinToolReturnPart): BetaContentBlockParam | undefined => {
  if (isMcpToolName(part.toolName)) {
    return Option.match(decodeMcpResult(part.content), {
      // Not the shape this library stores: the content goes back as text.
      onNone: () => ({
        type: "mcp_tool_result",
        tool_use_id: part.toolCallId,
        content: typeof part.content === "string" ? part.content : (JSON.stringify(part.content) ?? "")
      }),
      onSome: (result) => ({
        type: "mcp_tool_result",
        tool_use_id: part.toolCallId,
        content:
          typeof result.content === "string"
            ? result.content
            : result.content.map((item): BetaTextBlockParam => ({ type: "text", text: item.text })),
        is_error: result.is_error === true
      })
    })
  }
  const type = part.toolName.startsWith("tool_search") ? "tool_search_tool_result" : `${part.toolName}_tool_result`
  return passThrough({ type, tool_use_id: part.toolCallId, content: part.content })
}

const opaqueBlock = (part: OpaquePart): BetaContentBlockParam | undefined =>
  Option.match(decodeRecord(part.data), {
    onNone: () => undefined,
    onSome: (data) => passThrough({ ...data, type: part.type })
  })

/**
 * Blocks Claude returned that go back exactly as they came (server tool results, blocks this
 * library does not model). Their contents are the API's own JSON, kept in history; only the
 * block's `type` is checked here, and the API validates the rest.
 */
const passThrough = (block: Record<string, unknown>): BetaContentBlockParam | undefined =>
  isBlockParam(block) ? block : undefined

const isBlockParam = (block: Record<string, unknown>): block is Record<string, unknown> & BetaContentBlockParam =>
  typeof block.type === "string" && block.type !== ""

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
  if (setting === "none") return { type: "none" }
  const choice: BetaToolChoiceAuto | BetaToolChoiceAny | BetaToolChoiceTool =
    setting === "auto" || setting === "any"
      ? { type: setting }
      : setting !== undefined
        ? { type: "tool", name: setting.name }
        : // Where the output tool cannot be forced, Claude may answer in text and is asked again.
          parameters.outputMode === "tool" && !parameters.allowTextOutput && mayForceOutputTool
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
