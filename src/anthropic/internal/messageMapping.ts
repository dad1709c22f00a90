/**
 * The conversation as Messages API blocks: requests (user content, tool results, retry prompts),
 * responses replayed (text, thinking with signatures, tool calls, server tool calls and results,
 * opaque blocks passed through), merged so roles alternate.
 */
import type {
  BetaContentBlockParam,
  BetaTextBlockParam,
  BetaTextCitationParam
} from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { UserError } from "../../AgentError.js"
import type {
  BuiltinToolCallPart,
  BuiltinToolReturnPart,
  ModelMessage,
  ModelRequest,
  ModelResponse,
  OpaquePart,
  TextPart,
  ToolArgs,
  UserContent
} from "../../Message.js"
import { parseToolArgs } from "../../ModelResponseBuilder.js"
import { cacheControl, setBlockCacheControl } from "./cachePoints.js"
import { citationToWire } from "./citations.js"
import { compactionBlock } from "./compaction.js"
import { isMcpToolName, parseMcpToolName, providerName } from "./names.js"
import { bytesBlock, toolResultContent } from "./toolResultContent.js"

/** Beta needed to reference uploaded files. */
export const filesBeta = "files-api-2025-04-14"

/** A message of the body; its content is always a list of blocks. */
export interface WireMessage {
  role: "user" | "assistant"
  content: Array<BetaContentBlockParam>
}

export const mapMessages = (history: ReadonlyArray<ModelMessage>, betas: Set<string>): Array<WireMessage> => {
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
          content: toolResultContent(part.toolName, part.content),
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
    case "BinaryContent":
      return bytesBlock(content.data, content.mediaType)
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
        if (part.content !== "") blocks.push(textBlock(part, response.providerName))
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
      case "CompactionPart":
        if (part.provider === providerName) {
          const block = passThrough(compactionBlock(part))
          if (block !== undefined) blocks.push(block)
        } else if (part.content !== null && part.content !== "") {
          // Another provider's summary means something to Claude only as text.
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

/**
 * A text block, with its citations when Claude made them: their indices count the documents and
 * search results of this conversation as Claude saw it; another provider's may not.
 */
const textBlock = (part: TextPart, provider: string | undefined): BetaTextBlockParam => {
  if (part.citations === undefined || (provider !== undefined && provider !== providerName)) {
    return { type: "text", text: part.content }
  }
  const citations: Array<BetaTextCitationParam> = []
  for (const citation of part.citations) {
    const wire = citationToWire(citation)
    if (wire !== undefined) citations.push(wire)
  }
  return citations.length === 0 ? { type: "text", text: part.content } : { type: "text", text: part.content, citations }
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
