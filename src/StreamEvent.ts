/**
 * Events of a streamed model response: a part starts, grows by deltas, ends; response metadata
 * (usage, finish reason) arrives alongside. Folding these events gives the same `ModelResponse`
 * as the non-streamed request.
 *
 * They are plain immutable objects, not Schema classes: a long answer streams thousands of them,
 * and they are built in plain loops on the hot path.
 *
 * @example
 * import { StreamEvent } from "effect-claude"
 *
 * const onEvent = (event: StreamEvent.ModelResponseStreamEvent): string =>
 *   event._tag === "PartDelta" && event.delta._tag === "TextDelta" ? event.delta.content : ""
 */
import type { FinishReason, ModelResponsePart } from "./Message.js"
import type { RequestUsage } from "./Usage.js"

/**
 * A new part begins at `index` (its position in the response's parts).
 *
 * @since 0.1.0
 * @category models
 */
export interface PartStart {
  readonly _tag: "PartStart"
  readonly index: number
  /** The part as first seen: possibly empty text, or a tool call with no arguments yet. */
  readonly part: ModelResponsePart
}

/**
 * More text for a `TextPart`, and/or one more citation of it.
 *
 * @since 0.1.0
 * @category models
 */
export interface TextDelta {
  readonly _tag: "TextDelta"
  readonly content: string
  /** A source the text cites, as the provider returned it; appended to the part's `citations`. */
  readonly citation?: unknown
}

/**
 * More reasoning, or the signature, of a `ThinkingPart`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ThinkingDelta {
  readonly _tag: "ThinkingDelta"
  readonly content?: string | undefined
  readonly signature?: string | undefined
}

/**
 * More of a tool call: usually a fragment of its JSON arguments.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolCallDelta {
  readonly _tag: "ToolCallDelta"
  readonly toolName?: string | undefined
  /** A fragment of the arguments' JSON text; fragments concatenate. */
  readonly argsDelta?: string | undefined
  readonly toolCallId?: string | undefined
}

/**
 * The summary of a `CompactionPart`: it arrives whole, so it replaces the part's summary (and its
 * opaque data, when present) rather than adding to them.
 *
 * @since 0.1.0
 * @category models
 */
export interface CompactionDelta {
  readonly _tag: "CompactionDelta"
  /** The summary; `null` when the compaction failed. */
  readonly content: string | null
  /** The provider's opaque data of the compaction; left as it was when absent. */
  readonly encryptedContent?: string | null | undefined
}

/**
 * Any delta.
 *
 * @since 0.1.0
 * @category models
 */
export type PartDeltaValue = TextDelta | ThinkingDelta | ToolCallDelta | CompactionDelta

/**
 * The part at `index` grows.
 *
 * @since 0.1.0
 * @category models
 */
export interface PartDelta {
  readonly _tag: "PartDelta"
  readonly index: number
  readonly delta: PartDeltaValue
}

/**
 * The part at `index` is complete.
 *
 * @since 0.1.0
 * @category models
 */
export interface PartEnd {
  readonly _tag: "PartEnd"
  readonly index: number
}

/**
 * Facts about the whole response. Every field present replaces the previous value: providers
 * report cumulative usage, so usage is replaced, never added.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseMetadata {
  readonly _tag: "ResponseMetadata"
  readonly modelName?: string | undefined
  readonly providerResponseId?: string | undefined
  readonly providerName?: string | undefined
  readonly usage?: RequestUsage | undefined
  readonly finishReason?: FinishReason | undefined
  /** Merged key by key into the response's provider details. */
  readonly providerDetails?: Readonly<Record<string, unknown>> | undefined
}

/**
 * What `Model.requestStream` emits.
 *
 * @since 0.1.0
 * @category models
 */
export type ModelResponseStreamEvent = PartStart | PartDelta | PartEnd | ResponseMetadata

/**
 * Builds a `PartStart`.
 *
 * @since 0.1.0
 * @category utils
 */
export const partStart = (index: number, part: ModelResponsePart): PartStart => ({ _tag: "PartStart", index, part })

/**
 * Builds a `PartDelta` adding text.
 *
 * @since 0.1.0
 * @category utils
 */
export const textDelta = (index: number, content: string): PartDelta => ({
  _tag: "PartDelta",
  index,
  delta: { _tag: "TextDelta", content }
})

/**
 * Builds a `PartDelta` adding reasoning and/or a signature.
 *
 * @since 0.1.0
 * @category utils
 */
export const thinkingDelta = (
  index: number,
  delta: { readonly content?: string | undefined; readonly signature?: string | undefined }
): PartDelta => ({ _tag: "PartDelta", index, delta: { _tag: "ThinkingDelta", ...delta } })

/**
 * Builds a `PartDelta` adding a fragment of a tool call's JSON arguments.
 *
 * @since 0.1.0
 * @category utils
 */
export const toolCallArgsDelta = (index: number, argsDelta: string): PartDelta => ({
  _tag: "PartDelta",
  index,
  delta: { _tag: "ToolCallDelta", argsDelta }
})

/**
 * Builds a `PartEnd`.
 *
 * @since 0.1.0
 * @category utils
 */
export const partEnd = (index: number): PartEnd => ({ _tag: "PartEnd", index })

/**
 * Builds a `ResponseMetadata`.
 *
 * @since 0.1.0
 * @category utils
 */
export const responseMetadata = (metadata: Omit<ResponseMetadata, "_tag">): ResponseMetadata => ({
  _tag: "ResponseMetadata",
  ...metadata
})
