/**
 * Canned Messages API answers for scripts (text, thinking and tool-use blocks, whole messages with
 * deterministic ids and plausible usage), and readers of what a request asked for.
 */
import type Anthropic from "@anthropic-ai/sdk"
import * as Schema from "effect/Schema"
import { fileIdsIn, filesBeta as filesBetaName } from "./filesApi.js"
import type { BatchItem, ReceivedRequest } from "./receivedRequest.js"
import type { Message } from "./replyLanguage.js"

/**
 * Options of a canned message.
 *
 * @since 0.1.0
 * @category fixtures
 */
export interface MessageOptions {
  /** Default: derived from the content, so equal messages get equal ids. */
  readonly id?: string | undefined
  /** Default `claude-sonnet-4-6`. */
  readonly model?: string | undefined
  readonly stopReason?: Anthropic.StopReason | undefined
  readonly stopSequence?: string | null | undefined
  /** Counts to set; the rest default (10 input tokens, output estimated from the content). */
  readonly usage?: Partial<Anthropic.Usage> | undefined
}

// FNV-1a: a short, stable id from content, so canned messages stay deterministic.
const hashOf = (text: string): string => {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(36).padStart(7, "0")
}

/**
 * A full `Usage` with the given counts; the rest are zero or null.
 *
 * @since 0.1.0
 * @category fixtures
 */
export const usage = (counts: Partial<Anthropic.Usage> = {}): Anthropic.Usage => ({
  input_tokens: 10,
  output_tokens: 1,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  server_tool_use: null,
  service_tier: "standard",
  inference_geo: null,
  output_tokens_details: null,
  speed: null,
  ...counts
})

/**
 * A text block.
 *
 * @since 0.1.0
 * @category fixtures
 */
export const textBlock = (
  text: string,
  citations: Array<Anthropic.TextCitation> | null = null
): Anthropic.TextBlock => ({
  type: "text",
  text,
  citations
})

/**
 * A thinking block with its signature.
 *
 * @since 0.1.0
 * @category fixtures
 */
export const thinkingBlock = (thinking: string, signature = "mock-signature"): Anthropic.ThinkingBlock => ({
  type: "thinking",
  thinking,
  signature
})

/**
 * A client tool call; the id defaults to one derived from name and input.
 *
 * @since 0.1.0
 * @category fixtures
 */
export const toolUseBlock = (name: string, input: unknown, id?: string): Anthropic.ToolUseBlock => ({
  type: "tool_use",
  id: id ?? `toolu_mock_${hashOf(name + JSON.stringify(input))}`,
  name,
  input,
  caller: { type: "direct" }
})

const contentLength = (content: ReadonlyArray<Anthropic.ContentBlock>): number => {
  let length = 0
  for (const block of content) {
    if (block.type === "text") length += block.text.length
    else if (block.type === "thinking") length += block.thinking.length
    else if (block.type === "tool_use") length += JSON.stringify(block.input).length
  }
  return length
}

/**
 * A complete assistant `Message` with these content blocks.
 *
 * @since 0.1.0
 * @category fixtures
 */
export const message = (content: ReadonlyArray<Anthropic.ContentBlock>, options: MessageOptions = {}): Message => {
  const hasToolUse = content.some((block) => block.type === "tool_use")
  return {
    id: options.id ?? `msg_mock_${hashOf(JSON.stringify(content))}`,
    type: "message",
    role: "assistant",
    model: options.model ?? "claude-sonnet-4-6",
    content: [...content],
    stop_reason: options.stopReason ?? (hasToolUse ? "tool_use" : "end_turn"),
    stop_sequence: options.stopSequence ?? null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: usage({ output_tokens: Math.max(1, Math.ceil(contentLength(content) / 4)), ...options.usage })
  }
}

/**
 * A text answer.
 *
 * @since 0.1.0
 * @category fixtures
 */
export const textMessage = (text: string, options: MessageOptions = {}): Message => message([textBlock(text)], options)

/**
 * One tool call of `toolUseMessage`.
 *
 * @since 0.1.0
 * @category fixtures
 */
export interface ToolCall {
  readonly name: string
  readonly input: unknown
  readonly id?: string | undefined
}

/**
 * An answer calling these tools (stop reason `tool_use`), optionally after some text.
 *
 * @since 0.1.0
 * @category fixtures
 */
export const toolUseMessage = (
  calls: ReadonlyArray<ToolCall>,
  options: MessageOptions & { readonly text?: string | undefined } = {}
): Message =>
  message(
    [
      ...(options.text === undefined ? [] : [textBlock(options.text)]),
      ...calls.map((call, index) =>
        toolUseBlock(
          call.name,
          call.input,
          call.id ?? `toolu_mock_${hashOf(call.name + index + JSON.stringify(call.input))}`
        )
      )
    ],
    options
  )

const TextContent = Schema.Struct({ type: Schema.Literal("text"), text: Schema.String })
const isTextContent = Schema.is(TextContent)
const MessagesBody = Schema.Struct({
  messages: Schema.Array(
    Schema.Struct({ role: Schema.String, content: Schema.Union(Schema.String, Schema.Array(Schema.Unknown)) })
  )
})
const decodeMessagesBody = Schema.decodeUnknownOption(MessagesBody)

/**
 * The text of the last user message of a Messages request, or of a batch item's `params` (handy to
 * pick an answer per prompt).
 *
 * @since 0.1.0
 * @category fixtures
 */
export const lastUserText = (request: ReceivedRequest | BatchItem): string | undefined => {
  const body = decodeMessagesBody("params" in request ? request.params : request.body)
  if (body._tag === "None") return undefined
  const { messages } = body.value
  for (let index = messages.length - 1; index >= 0; index--) {
    const entry = messages[index]!
    if (entry.role !== "user") continue
    if (typeof entry.content === "string") return entry.content
    return entry.content.flatMap((block) => (isTextContent(block) ? [block.text] : [])).join("")
  }
  return undefined
}

/**
 * The ids of the uploaded files a Messages request (or a batch item) references.
 *
 * @since 0.1.0
 * @category fixtures
 */
export const fileReferences = (request: ReceivedRequest | BatchItem): ReadonlyArray<string> =>
  fileIdsIn("params" in request ? request.params : request.body)

/**
 * The `anthropic-beta` the Files API and Messages requests referencing a file need.
 *
 * @since 0.1.0
 * @category fixtures
 */
export const filesBeta: string = filesBetaName
