/**
 * Response mapping: Claude's content blocks, usage and stop reason become core parts, usage and
 * finish reason.
 *
 * The stream mapping and the mapping of a whole message start their parts from the same
 * `partOfBlock`; a whole message's response is the value the core fold gives for the events a
 * stream of it would have (built without them: `wholeResponse.ts`), so a streamed response and a
 * non-streamed one are the same value.
 */
import type {
  BetaMessageDeltaUsage,
  BetaStopReason,
  BetaUsage
} from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { UnexpectedModelBehavior } from "../../AgentError.js"
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
  ToolCallPart,
  unvalidated
} from "../../Message.js"
import type { ResponseMetadata } from "../../StreamEvent.js"
import { RequestUsage } from "../../Usage.js"
import { citationOfWire } from "./citations.js"
import { CompactionBlock, compactionPart } from "./compaction.js"
import { sumIterations } from "./iterationUsage.js"
import { mcpToolName, providerName, unknownMcpToolName } from "./names.js"
import { wholeResponse, wholeToolArgs } from "./wholeResponse.js"
import { hasUsageCounts, isTextBlock, isToolUseBlock, isWireMessage } from "./wireGuards.js"

/** A block type this library does not model: only its `type` is read, the rest is kept as JSON. */
const UnknownBlock = Schema.Struct(
  { type: Schema.String },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)
const decodeUnknownBlock = Schema.decodeUnknownOption(UnknownBlock)

/**
 * A decoder of what the API sent that throws on a value of the wrong shape (the callers turn that
 * into `UnexpectedModelBehavior`). The decoded values are then trusted: the parts built from them
 * skip their constructors' validation, which costs several times the decoding.
 */
const wireDecoder = <A, I>(schema: Schema.Schema<A, I>, what: string): ((value: unknown) => A) => {
  // Named, so a value of the wrong type reads "Expected text block, actual null".
  const decode = Schema.decodeUnknownEither(schema.annotations({ identifier: what }))
  return (value) => {
    const result = decode(value)
    if (Either.isRight(result)) return result.right
    // The first issue: the others of a union only list the alternatives that did not fit either.
    const issue = ParseResult.ArrayFormatter.formatErrorSync(result.left)[0]
    const detail =
      issue === undefined ? "" : `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`
    throw new Error(`malformed ${what}: ${detail}`)
  }
}

// The fields of each block type that its part reads; the rest is left as it came. (`wireGuards.ts`
// checks the text and tool use blocks by hand; a property test holds them together.)
/** What the mapping reads of a text block. */
export const TextBlock = Schema.Struct({
  text: Schema.String,
  citations: Schema.optional(Schema.NullOr(Schema.Array(Schema.Unknown)))
})
const decodeTextBlock = wireDecoder(TextBlock, "text block")
const decodeThinkingBlock = wireDecoder(
  Schema.Struct({ thinking: Schema.String, signature: Schema.String }),
  "thinking block"
)
const decodeRedactedThinkingBlock = wireDecoder(Schema.Struct({ data: Schema.String }), "redacted thinking block")
/** What the mapping reads of a tool use block (client or server tool). */
export const ToolUseBlock = Schema.Struct({ id: Schema.String, name: Schema.String, input: Schema.Unknown })
const decodeToolUseBlock = wireDecoder(ToolUseBlock, "tool use block")
const decodeMcpToolUseBlock = wireDecoder(
  Schema.Struct({ id: Schema.String, name: Schema.String, server_name: Schema.String, input: Schema.Unknown }),
  "MCP tool use block"
)
const decodeToolResultBlock = wireDecoder(
  Schema.Struct({ tool_use_id: Schema.String, content: Schema.Unknown, is_error: Schema.optional(Schema.Unknown) }),
  "tool result block"
)

const decodeCompactionBlock = wireDecoder(CompactionBlock, "compaction block")

// Parts built from decoded fields: their constructors need not validate them again.
const decoded = true

/**
 * What the mapping of one message remembers across its blocks: an MCP result names its server
 * only through the call it answers. `whole`: the blocks of a whole message, whose parts are built
 * as the fold of a stream of it leaves them (no field left `undefined`, tool arguments parsed back
 * from their JSON text), so its response is built from them directly (`wholeResponse.ts`).
 * @since 0.1.0
 * @category models
 */
export class BlockContext {
  private readonly mcpToolNames = new Map<string, string>()

  constructor(private readonly whole = false) {}

  private args(input: unknown): ToolArgs {
    return this.whole ? wholeToolArgs(input, toolArgs) : toolArgs(input)
  }

  /** The part a complete content block becomes; throws on a block of the wrong shape. */
  partOfBlock(block: unknown): ModelResponsePart {
    if (block === null || block === undefined) throw new Error(`malformed content block: ${block}`)
    const type = Predicate.hasProperty(block, "type") ? block.type : undefined
    switch (type) {
      case "text": {
        const { citations, text } = isTextBlock(block) ? block : decodeTextBlock(block)
        const cited =
          citations !== null && citations !== undefined && citations.length > 0
            ? citations.map(citationOfWire)
            : undefined
        return unvalidated(
          TextPart,
          cited === undefined && this.whole ? { content: text } : { content: text, citations: cited }
        )
      }
      case "thinking": {
        const { signature, thinking } = decodeThinkingBlock(block)
        // A streamed thinking block starts with an empty signature that its deltas then fill.
        return new ThinkingPart(
          signature === "" && this.whole
            ? { content: thinking, provider: providerName }
            : { content: thinking, signature: signature === "" ? undefined : signature, provider: providerName },
          decoded
        )
      }
      case "redacted_thinking":
        return new ThinkingPart(
          { content: "", redactedData: decodeRedactedThinkingBlock(block).data, provider: providerName },
          decoded
        )
      case "tool_use": {
        const { id, input, name } = isToolUseBlock(block) ? block : decodeToolUseBlock(block)
        return unvalidated(ToolCallPart, { toolName: name, args: this.args(input), toolCallId: id })
      }
      case "server_tool_use": {
        const { id, input, name } = isToolUseBlock(block) ? block : decodeToolUseBlock(block)
        return new BuiltinToolCallPart(
          { toolName: name, args: this.args(input), toolCallId: id, provider: providerName },
          decoded
        )
      }
      case "mcp_tool_use": {
        const { id, input, name, server_name } = decodeMcpToolUseBlock(block)
        const toolName = mcpToolName(server_name, name)
        this.mcpToolNames.set(id, toolName)
        return new BuiltinToolCallPart(
          { toolName, args: this.args(input), toolCallId: id, provider: providerName },
          decoded
        )
      }
      case "mcp_tool_result": {
        const { content, is_error, tool_use_id } = decodeToolResultBlock(block)
        return new BuiltinToolReturnPart(
          {
            toolName: this.mcpToolNames.get(tool_use_id) ?? unknownMcpToolName,
            toolCallId: tool_use_id,
            content: { content, is_error },
            provider: providerName
          },
          decoded
        )
      }
      case "web_search_tool_result":
      case "web_fetch_tool_result":
      case "code_execution_tool_result":
      case "bash_code_execution_tool_result":
      case "text_editor_code_execution_tool_result":
      case "tool_search_tool_result":
      case "advisor_tool_result": {
        const { content, tool_use_id } = decodeToolResultBlock(block)
        return new BuiltinToolReturnPart(
          {
            // The tool's name is the block type's stem: `web_search_tool_result` answers `web_search`.
            toolName: type.slice(0, -"_tool_result".length),
            toolCallId: tool_use_id,
            content,
            provider: providerName
          },
          decoded
        )
      }
      case "compaction":
        return compactionPart(decodeCompactionBlock(block))
      case "container_upload":
      case "fallback":
      case "mcp_tool_listing":
        return opaquePart(type, block)
      default:
        return unknownPart(block)
    }
  }
}

// `type` is the block's (a string), `data` any JSON.
const opaquePart = (type: string, data: unknown): OpaquePart =>
  new OpaquePart({ type, data, provider: providerName }, decoded)

/**
 * A block of a type newer than this library's SDK: kept whole, never a crash.
 * @since 0.1.0
 * @category utils
 */
export const unknownPart = (block: unknown): OpaquePart =>
  Option.match(decodeUnknownBlock(block), {
    onNone: () => opaquePart("unknown", block),
    onSome: (decoded) => opaquePart(decoded.type, block)
  })

/** Tool input is a JSON object; anything else is kept as its JSON text. */
const toolArgs = (input: unknown): ToolArgs =>
  Option.getOrElse(decodeObject(input), () => (input === undefined ? {} : JSON.stringify(input)))

const decodeObject = Schema.decodeUnknownOption(Schema.Record({ key: Schema.String, value: Schema.Unknown }))

// ---------------------------------------------------------------------------------------------
// Usage
// ---------------------------------------------------------------------------------------------

/**
 * Usage as the API reports it; fields may be missing in older responses.
 * @since 0.1.0
 * @category models
 */
export type UsageFields = Partial<BetaUsage>

/**
 * Cumulative usage: a field present in a later report replaces the earlier one, never adds.
 * @since 0.1.0
 * @category utils
 */
export const mergeUsage = (usage: UsageFields, delta: Partial<BetaMessageDeltaUsage>): UsageFields => {
  const merged: UsageFields = { ...usage }
  if (delta.output_tokens != null) merged.output_tokens = delta.output_tokens
  if (delta.input_tokens != null) merged.input_tokens = delta.input_tokens
  if (delta.cache_creation_input_tokens != null) merged.cache_creation_input_tokens = delta.cache_creation_input_tokens
  if (delta.cache_read_input_tokens != null) merged.cache_read_input_tokens = delta.cache_read_input_tokens
  if (delta.server_tool_use != null) merged.server_tool_use = delta.server_tool_use
  if (delta.output_tokens_details != null) merged.output_tokens_details = delta.output_tokens_details
  if (delta.iterations != null) merged.iterations = delta.iterations
  return merged
}

const addCount = (details: Record<string, number>, key: string, value: unknown): void => {
  if (typeof value === "number") details[key] = value
}

const Count = Schema.optional(Schema.NullOr(Schema.Number))

/** The counts core usage is summed from; the details' counts are taken when they are numbers. */
export const UsageCounts = Schema.Struct({
  input_tokens: Count,
  output_tokens: Count,
  cache_creation_input_tokens: Count,
  cache_read_input_tokens: Count
})
const decodeUsageCounts = wireDecoder(UsageCounts, "usage")

/** `value[key]` when `value` is an object that has it. */
const field = (value: unknown, key: string): unknown => (Predicate.hasProperty(value, key) ? value[key] : undefined)

/**
 * Core usage: input counts every input token (uncached + written to + read from the cache), as
 * Anthropic bills them; details keep the raw counts. Throws on counts that are not numbers.
 * @since 0.1.0
 * @category utils
 */
export const mapUsage = (usage: unknown): RequestUsage => {
  const counts = hasUsageCounts(usage) ? usage : decodeUsageCounts(usage)
  const uncached = counts.input_tokens ?? 0
  const cacheWrite = counts.cache_creation_input_tokens ?? 0
  const cacheRead = counts.cache_read_input_tokens ?? 0
  const details: Record<string, number> = {}
  addCount(details, "input_tokens", counts.input_tokens)
  addCount(details, "output_tokens", counts.output_tokens)
  addCount(details, "cache_creation_input_tokens", counts.cache_creation_input_tokens)
  addCount(details, "cache_read_input_tokens", counts.cache_read_input_tokens)
  const cacheCreation = field(usage, "cache_creation")
  addCount(details, "ephemeral_5m_input_tokens", field(cacheCreation, "ephemeral_5m_input_tokens"))
  addCount(details, "ephemeral_1h_input_tokens", field(cacheCreation, "ephemeral_1h_input_tokens"))
  const serverToolUse = field(usage, "server_tool_use")
  addCount(details, "web_search_requests", field(serverToolUse, "web_search_requests"))
  addCount(details, "web_fetch_requests", field(serverToolUse, "web_fetch_requests"))
  addCount(details, "thinking_tokens", field(field(usage, "output_tokens_details"), "thinking_tokens"))
  // Several iterations (a compaction, advisor calls): the top-level counts are only the last one's.
  const iterations = sumIterations(usage)
  if (Option.isSome(iterations)) {
    const summed = iterations.value
    return unvalidated(RequestUsage, {
      inputTokens: summed.uncachedInput + summed.cacheWrite + summed.cacheRead,
      outputTokens: summed.output,
      cacheWriteTokens: summed.cacheWrite,
      cacheReadTokens: summed.cacheRead,
      details: { ...details, ...summed.details }
    })
  }
  // Built without the constructor's copy of the props (see `Message.unvalidated`): one per response.
  return unvalidated(RequestUsage, {
    inputTokens: uncached + cacheWrite + cacheRead,
    outputTokens: counts.output_tokens ?? 0,
    cacheWriteTokens: cacheWrite,
    cacheReadTokens: cacheRead,
    details
  })
}

// ---------------------------------------------------------------------------------------------
// Finish reason and provider details
// ---------------------------------------------------------------------------------------------

/**
 * The core finish reason of a stop reason; `undefined` for one this library does not know.
 * @since 0.1.0
 * @category utils
 */
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
    // A compaction that pauses (`pause_after_compaction`) is continued like a paused turn.
    case "compaction":
      return "suspended"
    default:
      return undefined
  }
}

/**
 * The message facts that have no core field.
 * @since 0.1.0
 * @category models
 */
export interface MessageFacts {
  readonly stop_reason?: string | null | undefined
  readonly stop_sequence?: string | null | undefined
  readonly stop_details?: unknown
  readonly container?: { readonly id: string; readonly expires_at?: string | null | undefined } | null | undefined
}

/**
 * Provider details: the raw stop reason, the matched stop sequence, the container. Empty ones are left out.
 * @since 0.1.0
 * @category utils
 */
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

/**
 * What the mapping reads of a whole message; its blocks and usage are decoded as they are mapped.
 * (`wireGuards.ts` checks the same shape by hand; a property test holds the two together.)
 */
export const WireMessage = Schema.Struct({
  id: Schema.String,
  model: Schema.String,
  content: Schema.Array(Schema.Unknown),
  usage: Schema.Unknown,
  stop_reason: Schema.optional(Schema.NullOr(Schema.String)),
  stop_sequence: Schema.optional(Schema.NullOr(Schema.String)),
  stop_details: Schema.optional(Schema.Unknown),
  container: Schema.optional(
    Schema.NullOr(Schema.Struct({ id: Schema.String, expires_at: Schema.optional(Schema.NullOr(Schema.String)) }))
  )
})
type WireMessage = typeof WireMessage.Type

const decodeMessage = wireDecoder(WireMessage, "message")

/** The response metadata of a whole message. */
const messageMetadata = (message: WireMessage): Omit<ResponseMetadata, "_tag"> => ({
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
 * @since 0.1.0
 * @category utils
 */
export const malformedResponse = (
  cause: unknown,
  scrub: ((text: string) => string) | undefined = undefined
): UnexpectedModelBehavior => {
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new UnexpectedModelBehavior({
    message: `Claude's response could not be read: ${scrub === undefined ? reason : scrub(reason)}`
  })
}

/**
 * The `ModelResponse` of a whole message, stamped with `timestamp`: what folding the events a
 * stream of it would have gives. Throws on a message of the wrong shape (the SDK parses the JSON,
 * but checks none of it).
 * @since 0.1.0
 * @category utils
 */
export const mapMessage = (message: unknown, timestamp: Date): ModelResponse => {
  const wire = isWireMessage(message) ? message : decodeMessage(message)
  const context = new BlockContext(true)
  const parts: Array<ModelResponsePart> = []
  wire.content.forEach((block) => {
    parts.push(context.partOfBlock(block))
  })
  return wholeResponse(parts, messageMetadata(wire), timestamp)
}
