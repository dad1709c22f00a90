/**
 * Fast path: hand-written checks of the common, well-formed shapes of what the API sends, for
 * the response mapping (`responseMapping.ts`): a message, its usage, and its two common block
 * types. Each accepts what its Schema accepts, or less; a value that passes is used as it is,
 * without the Schema decoding's copy of it (and its allocations, per message of a results file or
 * a request, per block); any other value is decoded by the Schema, which gives its error message.
 */
import * as Predicate from "effect/Predicate"

/**
 * The fields of a message the mapping reads (its blocks and usage are checked as they are mapped).
 * @since 0.1.0
 * @category models
 */
export interface WireMessage {
  readonly id: string
  readonly model: string
  readonly content: ReadonlyArray<unknown>
  readonly usage: unknown
  readonly stop_reason?: string | null | undefined
  readonly stop_sequence?: string | null | undefined
  readonly stop_details?: unknown
  readonly container?: { readonly id: string; readonly expires_at?: string | null | undefined } | null | undefined
}

/**
 * The counts of a usage the mapping sums.
 * @since 0.1.0
 * @category models
 */
export interface UsageCounts {
  readonly input_tokens?: number | null | undefined
  readonly output_tokens?: number | null | undefined
  readonly cache_creation_input_tokens?: number | null | undefined
  readonly cache_read_input_tokens?: number | null | undefined
}

const isOptionalString = (value: unknown): value is string | null | undefined =>
  value === undefined || value === null || typeof value === "string"

/**
 * What `WireMessage` accepts (or less), checked without copying the message: a well-formed one,
 * nearly every message, is used as it is; any other is decoded, for its error message.
 */
export const isWireMessage = (message: unknown): message is WireMessage =>
  Predicate.isRecord(message) &&
  typeof message.id === "string" &&
  typeof message.model === "string" &&
  Array.isArray(message.content) &&
  "usage" in message &&
  isOptionalString(message.stop_reason) &&
  isOptionalString(message.stop_sequence) &&
  (message.container === undefined ||
    message.container === null ||
    (Predicate.isRecord(message.container) &&
      typeof message.container.id === "string" &&
      isOptionalString(message.container.expires_at)))

const isCount = (value: unknown): value is number | null | undefined =>
  value === undefined || value === null || typeof value === "number"

/** What `decodeUsageCounts` accepts, checked without copying the usage; only a wrong one is decoded (for its message). */
export const hasUsageCounts = (usage: unknown): usage is UsageCounts =>
  Predicate.isRecord(usage) &&
  isCount(usage.input_tokens) &&
  isCount(usage.output_tokens) &&
  isCount(usage.cache_creation_input_tokens) &&
  isCount(usage.cache_read_input_tokens)

/**
 * The fields of a text block the mapping reads.
 * @since 0.1.0
 * @category models
 */
export interface TextBlockFields {
  readonly text: string
  readonly citations?: ReadonlyArray<unknown> | null | undefined
}

/** What the text block's Schema accepts (or less), checked without copying the block. */
export const isTextBlock = (block: unknown): block is TextBlockFields =>
  Predicate.isRecord(block) &&
  typeof block.text === "string" &&
  (block.citations === undefined || block.citations === null || Array.isArray(block.citations))

/**
 * The fields of a tool use block (client or server tool) the mapping reads.
 * @since 0.1.0
 * @category models
 */
export interface ToolUseBlockFields {
  readonly id: string
  readonly name: string
  readonly input?: unknown
}

/** What the tool use block's Schema accepts (or less), checked without copying the block. */
export const isToolUseBlock = (block: unknown): block is ToolUseBlockFields =>
  Predicate.isRecord(block) && typeof block.id === "string" && typeof block.name === "string"
