/**
 * Response mapping: Claude's content blocks, usage and stop reason become core parts, usage and
 * finish reason.
 *
 * A whole message is mapped to the part events a stream of it would give, then folded by the
 * core fold. The stream mapping uses the same `partOfBlock`, so a streamed response and a
 * non-streamed one are the same value by construction.
 */
import type {
  BetaContentBlock,
  BetaMessage,
  BetaMessageDeltaUsage,
  BetaStopReason,
  BetaUsage
} from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import { Option, Schema } from "effect"
import { UnexpectedModelBehavior } from "../../AgentError.js"
import { ResponseBuilder } from "../../internal/responseFold.js"
import {
  BuiltinToolCallPart,
  BuiltinToolReturnPart,
  type FinishReason,
  type ModelResponse,
  type ModelResponsePart,
  OpaquePart,
  TextPart,
  ThinkingPart,
  type ToolArgs,
  ToolCallPart
} from "../../Message.js"
import type { ModelResponseStreamEvent, ResponseMetadata } from "../../StreamEvent.js"
import { RequestUsage } from "../../Usage.js"
import { mcpToolName, providerName, unknownMcpToolName } from "./names.js"

/** A block type this library does not model: only its `type` is read, the rest is kept as JSON. */
const UnknownBlock = Schema.Struct(
  { type: Schema.String },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)
const decodeUnknownBlock = Schema.decodeUnknownOption(UnknownBlock)

/**
 * What the mapping of one message remembers across its blocks: an MCP result names its server
 * only through the call it answers.
 */
export class BlockContext {
  private readonly mcpToolNames = new Map<string, string>()

  /** The part a complete content block becomes. */
  partOfBlock(block: BetaContentBlock): ModelResponsePart {
    switch (block.type) {
      case "text": {
        const citations = block.citations
        return new TextPart({
          content: block.text,
          citations: citations !== null && citations !== undefined && citations.length > 0 ? citations : undefined
        })
      }
      case "thinking":
        return new ThinkingPart({
          content: block.thinking,
          // A streamed thinking block starts with an empty signature that its deltas then fill.
          signature: block.signature === "" ? undefined : block.signature,
          provider: providerName
        })
      case "redacted_thinking":
        return new ThinkingPart({ content: "", redactedData: block.data, provider: providerName })
      case "tool_use":
        return new ToolCallPart({ toolName: block.name, args: toolArgs(block.input), toolCallId: block.id })
      case "server_tool_use":
        return new BuiltinToolCallPart({
          toolName: block.name,
          args: toolArgs(block.input),
          toolCallId: block.id,
          provider: providerName
        })
      case "mcp_tool_use": {
        const toolName = mcpToolName(block.server_name, block.name)
        this.mcpToolNames.set(block.id, toolName)
        return new BuiltinToolCallPart({
          toolName,
          args: toolArgs(block.input),
          toolCallId: block.id,
          provider: providerName
        })
      }
      case "mcp_tool_result":
        return new BuiltinToolReturnPart({
          toolName: this.mcpToolNames.get(block.tool_use_id) ?? unknownMcpToolName,
          toolCallId: block.tool_use_id,
          content: { content: block.content, is_error: block.is_error },
          provider: providerName
        })
      case "web_search_tool_result":
      case "web_fetch_tool_result":
      case "code_execution_tool_result":
      case "bash_code_execution_tool_result":
      case "text_editor_code_execution_tool_result":
      case "tool_search_tool_result":
      case "advisor_tool_result":
        return new BuiltinToolReturnPart({
          // The tool's name is the block type's stem: `web_search_tool_result` answers `web_search`.
          toolName: block.type.slice(0, -"_tool_result".length),
          toolCallId: block.tool_use_id,
          content: block.content,
          provider: providerName
        })
      case "container_upload":
      case "compaction":
      case "fallback":
      case "mcp_tool_listing":
        return opaquePart(block.type, block)
      default:
        return unknownPart(block)
    }
  }
}

const opaquePart = (type: string, data: unknown): OpaquePart => new OpaquePart({ type, data, provider: providerName })

/** A block of a type newer than this library's SDK: kept whole, never a crash. */
export const unknownPart = (block: unknown): OpaquePart =>
  Option.match(decodeUnknownBlock(block), {
    onNone: () => opaquePart("unknown", block),
    onSome: (decoded) => opaquePart(decoded.type, block)
  })

/** Tool input is a JSON object; anything else is kept as its JSON text. */
export const toolArgs = (input: unknown): ToolArgs =>
  Option.getOrElse(decodeObject(input), () => (input === undefined ? {} : JSON.stringify(input)))

const decodeObject = Schema.decodeUnknownOption(Schema.Record({ key: Schema.String, value: Schema.Unknown }))

// ---------------------------------------------------------------------------------------------
// Usage
// ---------------------------------------------------------------------------------------------

/** Usage as the API reports it; fields may be missing in older responses. */
export type UsageFields = Partial<BetaUsage>

/** Cumulative usage: a field present in a later report replaces the earlier one, never adds. */
export const mergeUsage = (usage: UsageFields, delta: Partial<BetaMessageDeltaUsage>): UsageFields => {
  const merged: UsageFields = { ...usage }
  if (delta.output_tokens != null) merged.output_tokens = delta.output_tokens
  if (delta.input_tokens != null) merged.input_tokens = delta.input_tokens
  if (delta.cache_creation_input_tokens != null) merged.cache_creation_input_tokens = delta.cache_creation_input_tokens
  if (delta.cache_read_input_tokens != null) merged.cache_read_input_tokens = delta.cache_read_input_tokens
  if (delta.server_tool_use != null) merged.server_tool_use = delta.server_tool_use
  if (delta.output_tokens_details != null) merged.output_tokens_details = delta.output_tokens_details
  return merged
}

const addCount = (details: Record<string, number>, key: string, value: unknown): void => {
  if (typeof value === "number") details[key] = value
}

/**
 * Core usage: input counts every input token (uncached + written to + read from the cache), as
 * Anthropic bills them; details keep the raw counts.
 */
export const mapUsage = (usage: UsageFields): RequestUsage => {
  const uncached = usage.input_tokens ?? 0
  const cacheWrite = usage.cache_creation_input_tokens ?? 0
  const cacheRead = usage.cache_read_input_tokens ?? 0
  const details: Record<string, number> = {}
  addCount(details, "input_tokens", usage.input_tokens)
  addCount(details, "output_tokens", usage.output_tokens)
  addCount(details, "cache_creation_input_tokens", usage.cache_creation_input_tokens)
  addCount(details, "cache_read_input_tokens", usage.cache_read_input_tokens)
  addCount(details, "ephemeral_5m_input_tokens", usage.cache_creation?.ephemeral_5m_input_tokens)
  addCount(details, "ephemeral_1h_input_tokens", usage.cache_creation?.ephemeral_1h_input_tokens)
  addCount(details, "web_search_requests", usage.server_tool_use?.web_search_requests)
  addCount(details, "web_fetch_requests", usage.server_tool_use?.web_fetch_requests)
  addCount(details, "thinking_tokens", usage.output_tokens_details?.thinking_tokens)
  return new RequestUsage({
    inputTokens: uncached + cacheWrite + cacheRead,
    outputTokens: usage.output_tokens ?? 0,
    cacheWriteTokens: cacheWrite,
    cacheReadTokens: cacheRead,
    details
  })
}

// ---------------------------------------------------------------------------------------------
// Finish reason and provider details
// ---------------------------------------------------------------------------------------------

/** The core finish reason of a stop reason; `undefined` for one this library does not know. */
export const finishReason = (stopReason: BetaStopReason | string | null | undefined): FinishReason | undefined => {
  switch (stopReason) {
    case "end_turn":
    case "stop_sequence":
      return "stop"
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length"
    case "tool_use":
      return "tool_call"
    case "refusal":
      return "content_filter"
    case "pause_turn":
      return "suspended"
    default:
      return undefined
  }
}

/** The message facts that have no core field. */
export interface MessageFacts {
  readonly stop_reason?: string | null | undefined
  readonly stop_sequence?: string | null | undefined
  readonly stop_details?: unknown
  readonly container?: { readonly id: string; readonly expires_at?: string | undefined } | null | undefined
}

/** Provider details: the raw stop reason, the matched stop sequence, the container. Empty ones are left out. */
export const providerDetails = (facts: MessageFacts): Record<string, unknown> | undefined => {
  const details: Record<string, unknown> = {}
  if (facts.stop_reason != null) details.stop_reason = facts.stop_reason
  if (facts.stop_sequence != null) details.stop_sequence = facts.stop_sequence
  if (facts.stop_details != null) details.stop_details = facts.stop_details
  if (facts.container != null) {
    details.container_id = facts.container.id
    if (facts.container.expires_at !== undefined) details.container_expires_at = facts.container.expires_at
  }
  return Object.keys(details).length > 0 ? details : undefined
}

// ---------------------------------------------------------------------------------------------
// Whole messages
// ---------------------------------------------------------------------------------------------

/** The events a stream of `message` would give, whole parts instead of deltas. */
export const messageEvents = (message: BetaMessage): Array<ModelResponseStreamEvent> => {
  const context = new BlockContext()
  const events: Array<ModelResponseStreamEvent> = []
  message.content.forEach((block, index) => {
    events.push({ _tag: "PartStart", index, part: context.partOfBlock(block) }, { _tag: "PartEnd", index })
  })
  events.push(messageMetadata(message))
  return events
}

/** The response metadata of a whole message. */
export const messageMetadata = (message: BetaMessage): ResponseMetadata => ({
  _tag: "ResponseMetadata",
  modelName: message.model,
  providerResponseId: message.id,
  providerName,
  usage: mapUsage(message.usage),
  finishReason: finishReason(message.stop_reason),
  providerDetails: providerDetails(message)
})

/**
 * A response whose shape the mapping could not read (valid JSON, but not what the API documents):
 * a typed failure, never a defect.
 */
export const malformedResponse = (cause: unknown): UnexpectedModelBehavior =>
  new UnexpectedModelBehavior({
    message: `Claude's response could not be read: ${cause instanceof Error ? cause.message : String(cause)}`
  })

/** The `ModelResponse` of a whole message, stamped with `timestamp`. */
export const mapMessage = (message: BetaMessage, timestamp: Date): ModelResponse => {
  const builder = new ResponseBuilder()
  builder.addAll(messageEvents(message))
  return builder.response(timestamp)
}
