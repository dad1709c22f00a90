/**
 * The conversation as data: requests sent to a model, responses it returns, and their parts.
 *
 * Every type here is a `Schema` class, so a whole history encodes to JSON and decodes back to
 * equal values (store it, replay it, pass it as `messageHistory`).
 *
 * @example
 * import { Schema } from "effect"
 * import { Message } from "effect-claude"
 *
 * const history: ReadonlyArray<Message.ModelMessage> = [
 *   Message.ModelRequest.user("What is 2 + 2?")
 * ]
 * const json: string = Schema.encodeSync(Message.HistoryFromJson)(history)
 * const back = Schema.decodeUnknownSync(Message.HistoryFromJson)(json)
 */
import * as Schema from "effect/Schema"
import { Citation } from "./Citation.js"
import { CompactionPart } from "./internal/message/compactionPart.js"
import { construct, type SchemaClass } from "./internal/trustedInput.js"
import { ToolContent } from "./ToolContent.js"
import { RequestUsage } from "./Usage.js"

/**
 * Any JSON value: tool arguments, tool results and provider details are kept as plain JSON.
 *
 * @since 0.1.0
 * @category utils
 */
export const JsonValue: Schema.Schema<unknown> = Schema.Unknown

/**
 * Tool-call arguments: an object once parsed, or the raw JSON text when it did not parse.
 *
 * @since 0.1.0
 * @category utils
 */
export const ToolArgs = Schema.Union(Schema.String, Schema.Record({ key: Schema.String, value: Schema.Unknown }))
/**
 * @see ToolArgs
 *
 * @since 0.1.0
 * @category models
 */
export type ToolArgs = typeof ToolArgs.Type

// ---------------------------------------------------------------------------------------------
// User content
// ---------------------------------------------------------------------------------------------

/**
 * Plain text inside a user prompt.
 *
 * @since 0.1.0
 * @category models
 */
export class TextContent extends Schema.TaggedClass<TextContent>()("TextContent", {
  text: Schema.String
}) {}

/**
 * An image the provider downloads from a URL.
 *
 * @since 0.1.0
 * @category models
 */
export class ImageUrl extends Schema.TaggedClass<ImageUrl>()("ImageUrl", {
  url: Schema.String
}) {}

/**
 * A document (PDF or plain text) the provider downloads from a URL.
 *
 * @since 0.1.0
 * @category models
 */
export class DocumentUrl extends Schema.TaggedClass<DocumentUrl>()("DocumentUrl", {
  url: Schema.String,
  /** e.g. `application/pdf`, `text/plain`; when absent the provider infers it from the URL. */
  mediaType: Schema.optional(Schema.String)
}) {}

/**
 * Inline bytes with their media type (images, PDFs, plain text); JSON-encoded as base64.
 *
 * @since 0.1.0
 * @category models
 */
export class BinaryContent extends Schema.TaggedClass<BinaryContent>()("BinaryContent", {
  data: Schema.Uint8ArrayFromBase64,
  mediaType: Schema.String
}) {}

/**
 * A file uploaded earlier through the provider's Files API, referenced by its id.
 *
 * @since 0.1.0
 * @category models
 */
export class UploadedFile extends Schema.TaggedClass<UploadedFile>()("UploadedFile", {
  fileId: Schema.String,
  /** Which content block the file becomes: an image or a document. */
  kind: Schema.Literal("image", "document")
}) {}

/**
 * Marks a prompt-cache breakpoint: the provider caches everything up to the content just before
 * this marker.
 *
 * @since 0.1.0
 * @category models
 */
export class CachePoint extends Schema.TaggedClass<CachePoint>()("CachePoint", {
  /** How long the cache entry lives; the provider's default (5 minutes) when absent. */
  ttl: Schema.optional(Schema.Literal("5m", "1h"))
}) {}

/**
 * One piece of a multimodal user prompt.
 *
 * @since 0.1.0
 * @category utils
 */
export const UserContent = Schema.Union(TextContent, ImageUrl, DocumentUrl, BinaryContent, UploadedFile, CachePoint)
/**
 * @see UserContent
 *
 * @since 0.1.0
 * @category models
 */
export type UserContent = typeof UserContent.Type

// ---------------------------------------------------------------------------------------------
// Request parts
// ---------------------------------------------------------------------------------------------

/**
 * A system prompt. Providers send all system prompts of a conversation as system text.
 *
 * @since 0.1.0
 * @category models
 */
export class SystemPromptPart extends Schema.TaggedClass<SystemPromptPart>()("SystemPromptPart", {
  content: Schema.String
}) {}

/**
 * What the user said: plain text, or a list of multimodal content.
 *
 * @since 0.1.0
 * @category models
 */
export class UserPromptPart extends Schema.TaggedClass<UserPromptPart>()("UserPromptPart", {
  content: Schema.Union(Schema.String, Schema.Array(UserContent))
}) {}

/**
 * The result of running a function tool, sent back to the model.
 *
 * @since 0.1.0
 * @category models
 */
export class ToolReturnPart extends Schema.TaggedClass<ToolReturnPart>()("ToolReturnPart", {
  toolName: Schema.String,
  toolCallId: Schema.String,
  /**
   * A rich result (`ToolContent`: text, images, documents, search results) or any JSON value;
   * strings are sent as they are, other values as JSON text.
   */
  content: Schema.Union(ToolContent, JsonValue),
  /** True when the tool failed and `content` describes the failure. */
  isError: Schema.optionalWith(Schema.Boolean, { default: () => false })
}) {}

/**
 * Feedback asking the model to try again: invalid tool arguments, an unknown tool, a
 * `ModelRetry` from a tool or output validator, or an empty answer.
 *
 * @since 0.1.0
 * @category models
 */
export class RetryPromptPart extends Schema.TaggedClass<RetryPromptPart>()("RetryPromptPart", {
  content: Schema.String,
  /** Set when the feedback is about one tool call; the provider then answers that call with it. */
  toolName: Schema.optional(Schema.String),
  toolCallId: Schema.optional(Schema.String)
}) {}

/**
 * Any part of a request.
 *
 * @since 0.1.0
 * @category utils
 */
export const ModelRequestPart = Schema.Union(SystemPromptPart, UserPromptPart, ToolReturnPart, RetryPromptPart)
/**
 * @see ModelRequestPart
 *
 * @since 0.1.0
 * @category models
 */
export type ModelRequestPart = typeof ModelRequestPart.Type

/**
 * A message sent to the model.
 *
 * @since 0.1.0
 * @category models
 */
export class ModelRequest extends Schema.TaggedClass<ModelRequest>()("ModelRequest", {
  parts: Schema.Array(ModelRequestPart),
  /**
   * The agent's instructions for this request. Unlike system prompts they are not replayed from
   * history: each request carries the instructions of the run that sent it.
   */
  instructions: Schema.optional(Schema.String)
}) {
  /** A request holding one user prompt. */
  static user(content: string | ReadonlyArray<UserContent>): ModelRequest {
    // Typed content, copied as the validating constructor would: validating it again rebuilds the
    // classes' type-side schemas on every call: ~6% of a small request's CPU time, measured.
    const part = construct(UserPromptPart, { content: typeof content === "string" ? content : [...content] })
    return construct(ModelRequest, { parts: [part] })
  }
}

// ---------------------------------------------------------------------------------------------
// Response parts
// ---------------------------------------------------------------------------------------------

/**
 * Text the model wrote.
 *
 * @since 0.1.0
 * @category models
 */
export class TextPart extends Schema.TaggedClass<TextPart>()("TextPart", {
  content: Schema.String,
  /** The sources this text cites: documents and search results you sent, web pages the provider found. */
  citations: Schema.optional(Schema.Array(Citation))
}) {}

/**
 * The model asks to run a function tool (or an output tool).
 *
 * @since 0.1.0
 * @category models
 */
export class ToolCallPart extends Schema.TaggedClass<ToolCallPart>()("ToolCallPart", {
  toolName: Schema.String,
  args: ToolArgs,
  toolCallId: Schema.String
}) {}

/**
 * The model's reasoning. `signature` (Anthropic) must be sent back unchanged with the part;
 * `redactedData` holds encrypted reasoning the provider returned instead of text.
 *
 * @since 0.1.0
 * @category models
 */
export class ThinkingPart extends Schema.TaggedClass<ThinkingPart>()("ThinkingPart", {
  content: Schema.String,
  signature: Schema.optional(Schema.String),
  redactedData: Schema.optional(Schema.String),
  /** The provider that produced it (e.g. `anthropic`); signatures are only valid there. */
  provider: Schema.optional(Schema.String)
}) {}

/**
 * A call of a tool the provider runs itself (web search, code execution, MCP).
 *
 * @since 0.1.0
 * @category models
 */
export class BuiltinToolCallPart extends Schema.TaggedClass<BuiltinToolCallPart>()("BuiltinToolCallPart", {
  toolName: Schema.String,
  args: ToolArgs,
  toolCallId: Schema.String,
  provider: Schema.optional(Schema.String)
}) {}

/**
 * The result of a built-in tool, as the provider returned it.
 *
 * @since 0.1.0
 * @category models
 */
export class BuiltinToolReturnPart extends Schema.TaggedClass<BuiltinToolReturnPart>()("BuiltinToolReturnPart", {
  toolName: Schema.String,
  toolCallId: Schema.String,
  content: JsonValue,
  provider: Schema.optional(Schema.String)
}) {}

export { CompactionPart }

/**
 * A response block this library does not model (a newer API feature). It is kept whole so it is
 * never lost and can be sent back to the provider that produced it.
 *
 * @since 0.1.0
 * @category models
 */
export class OpaquePart extends Schema.TaggedClass<OpaquePart>()("OpaquePart", {
  /** The provider's own name for the block type. */
  type: Schema.String,
  data: JsonValue,
  provider: Schema.optional(Schema.String)
}) {}

/**
 * Any part of a response.
 *
 * @since 0.1.0
 * @category utils
 */
export const ModelResponsePart = Schema.Union(
  TextPart,
  ToolCallPart,
  ThinkingPart,
  BuiltinToolCallPart,
  BuiltinToolReturnPart,
  CompactionPart,
  OpaquePart
)
/**
 * @see ModelResponsePart
 *
 * @since 0.1.0
 * @category models
 */
export type ModelResponsePart = typeof ModelResponsePart.Type

/**
 * Why the model stopped. `suspended` means the provider paused a long turn (Anthropic's
 * `pause_turn`) and expects the conversation to be continued as it is.
 *
 * @since 0.1.0
 * @category utils
 */
export const FinishReason = Schema.Literal("stop", "length", "tool_call", "content_filter", "error", "suspended")
/**
 * @see FinishReason
 *
 * @since 0.1.0
 * @category models
 */
export type FinishReason = typeof FinishReason.Type

/**
 * A message returned by the model.
 *
 * @since 0.1.0
 * @category models
 */
export class ModelResponse extends Schema.TaggedClass<ModelResponse>()("ModelResponse", {
  parts: Schema.Array(ModelResponsePart),
  usage: RequestUsage,
  modelName: Schema.optional(Schema.String),
  finishReason: Schema.optional(FinishReason),
  /** The provider's id of this response (Anthropic's message id). */
  providerResponseId: Schema.optional(Schema.String),
  /** Provider-specific facts kept as JSON: the raw stop reason, container id, ... */
  providerDetails: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  /** The provider's name (e.g. `anthropic`), so provider-specific parts are sent back only there. */
  providerName: Schema.optional(Schema.String),
  timestamp: Schema.Date
}) {}

/**
 * One message of a conversation.
 *
 * @since 0.1.0
 * @category utils
 */
export const ModelMessage = Schema.Union(ModelRequest, ModelResponse)
/**
 * @see ModelMessage
 *
 * @since 0.1.0
 * @category models
 */
export type ModelMessage = typeof ModelMessage.Type

/**
 * A whole conversation.
 *
 * @since 0.1.0
 * @category utils
 */
export const History = Schema.Array(ModelMessage)

/**
 * A whole conversation as JSON text: `encode` to store it, `decodeUnknown` to load it back.
 *
 * @since 0.1.0
 * @category utils
 */
export const HistoryFromJson = Schema.parseJson(History)

/**
 * The text of a response: all its text parts, joined.
 *
 * @since 0.1.0
 * @category utils
 */
export const responseText = (response: ModelResponse): string => {
  let text = ""
  for (const part of response.parts) if (part._tag === "TextPart") text += part.content
  return text
}

/**
 * The function-tool calls of a response, in the order the model emitted them.
 *
 * @since 0.1.0
 * @category utils
 */
export const toolCalls = (response: ModelResponse): ReadonlyArray<ToolCallPart> =>
  response.parts.filter((part): part is ToolCallPart => part._tag === "ToolCallPart")

/**
 * A class of the conversation's data: a part, a message, a response, or a response's usage.
 *
 * @since 0.1.0
 * @category models
 */
export type DataClass =
  | typeof TextContent
  | typeof ImageUrl
  | typeof DocumentUrl
  | typeof BinaryContent
  | typeof UploadedFile
  | typeof CachePoint
  | typeof SystemPromptPart
  | typeof UserPromptPart
  | typeof ToolReturnPart
  | typeof RetryPromptPart
  | typeof ModelRequest
  | typeof TextPart
  | typeof ToolCallPart
  | typeof ThinkingPart
  | typeof BuiltinToolCallPart
  | typeof BuiltinToolReturnPart
  | typeof CompactionPart
  | typeof OpaquePart
  | typeof ModelResponse
  | typeof RequestUsage

/**
 * The instance `new dataClass(props, { disableValidation: true })` gives, built without the
 * constructor: for values TypeScript has already checked, on a hot path (a fake model's parts and
 * responses, a provider's mapping). Even unvalidated, a Schema class constructor copies its props
 * twice and walks its fields for defaults, several times the cost of the instance.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * import { Message } from "effect-claude"
 *
 * const call = Message.unvalidated(Message.ToolCallPart, { toolName: "lookup", args: { id: 1 }, toolCallId: "call_1" })
 */
export const unvalidated = <C extends DataClass>(dataClass: C, props: ConstructorParameters<C>[0]): InstanceType<C> =>
  // Each class of the union is such a class; TypeScript cannot relate `C` to its instance type.
  construct(dataClass as unknown as SchemaClass<InstanceType<C>, object>, props ?? {})
