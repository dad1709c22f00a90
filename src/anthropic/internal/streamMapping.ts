/**
 * Stream mapping: the SDK's raw stream events become core part events, in a plain loop over each
 * chunk. Parts start from the same `partOfBlock` the non-streamed mapping uses; deltas grow them.
 */
import type { BetaContentBlock, BetaRawMessageStreamEvent } from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import * as Chunk from "effect/Chunk"
import type { ModelResponseStreamEvent } from "../../StreamEvent.js"
import { citationOfWire } from "./citations.js"
import { providerName } from "./names.js"
import {
  BlockContext,
  finishReason,
  type MessageFacts,
  mapUsage,
  mergeUsage,
  providerDetails,
  type UsageFields,
  unknownPart
} from "./responseMapping.js"
import type { StreamReader } from "./retrying.js"

/** How a streamed block grows. */
type BlockState =
  /** Grows by text (and citation) deltas the core fold applies. */
  | { readonly kind: "text" }
  /** Grows by thinking (and signature) deltas the core fold applies. */
  | { readonly kind: "thinking" }
  /** Stopped: nothing may target it again. */
  | { readonly kind: "stopped" }
  /** A tool call: its input arrives as JSON fragments, or whole in the start event. */
  | { readonly kind: "toolCall"; readonly startInput: unknown; sawDelta: boolean }
  /** A compaction: its summary arrives whole in one delta. */
  | { readonly kind: "compaction" }
  /** Complete at its start (server tool results, redacted thinking). */
  | { readonly kind: "complete" }
  /** Not modelled: buffered and emitted whole when it stops. */
  | { readonly kind: "buffered"; readonly block: Record<string, unknown> }

// Shared states: the per-delta check is one Map lookup and an identity comparison.
const textBlock: BlockState = { kind: "text" }
const thinkingBlock: BlockState = { kind: "thinking" }
const stoppedBlock: BlockState = { kind: "stopped" }
const compactionBlock: BlockState = { kind: "compaction" }

/**
 * The most content blocks one message may have. Far above what the API sends; an index beyond it
 * is hostile, and bounding it keeps any index-keyed work downstream bounded.
 */
const maxBlockIndex = 4096

/** An event the protocol does not allow: the answer cannot be read. */
const violation = (event: { readonly type: unknown }, problem: string): Error =>
  new Error(`malformed stream event ${String(event.type).slice(0, 64)}: ${problem}`)

/** The index of a block event, checked: a non-negative integer within `maxBlockIndex`. */
const blockIndex = (event: { readonly type: unknown; readonly index: unknown }): number => {
  const index = event.index
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= maxBlockIndex) {
    throw violation(
      event,
      `block index ${typeof index === "number" ? index : typeof index} is not an integer in [0, ${maxBlockIndex})`
    )
  }
  return index
}

const stringField = (event: { readonly type: unknown }, name: string, value: unknown): string => {
  if (typeof value !== "string") throw violation(event, `${name} is a ${typeof value}, not a string`)
  return value
}

const nullableString = (event: { readonly type: unknown }, name: string, value: unknown): string | null =>
  value === null ? null : stringField(event, name, value)

const isEmptyInput = (input: unknown): boolean =>
  input === undefined || input === null || (typeof input === "object" && Object.keys(input).length === 0)

/**
 * Whether an event only opens the answer (its message or a block) without content: the retry
 * wrapper holds these back until content begins, so a retried attempt repeats nothing.
 * @since 0.1.0
 * @category guards
 */
export const isPreamble = (event: BetaRawMessageStreamEvent): boolean =>
  event.type === "message_start" || event.type === "content_block_start"

/**
 * Whether an event is `message_stop`, the event a complete message ends with.
 * @since 0.1.0
 * @category guards
 */
export const isEnd = (event: BetaRawMessageStreamEvent): boolean => event.type === "message_stop"

/**
 * Maps the events of one streamed message. Stateful: make one per stream.
 * @since 0.1.0
 * @category models
 */
export class StreamMapper implements StreamReader<BetaRawMessageStreamEvent, ModelResponseStreamEvent> {
  private readonly context = new BlockContext()
  private readonly blocks = new Map<number, BlockState>()
  private usage: UsageFields = {}
  private facts: MessageFacts = {}
  /** Whether `message_stop` was read: nothing may follow it. */
  private stopped = false

  /**
   * Maps a chunk of raw events in a plain loop; throws on an event it cannot read or that the
   * protocol does not allow (a bad block index, a block opened twice, a delta for a block that is
   * not open or of another kind, anything after `message_stop`). Well-formed text and thinking
   * deltas (nearly every event of an answer) are mapped right here; the rest go through `map`, so
   * the loop the JIT optimizes stays small and sees few shapes.
   */
  read(events: Chunk.Chunk<BetaRawMessageStreamEvent>): Chunk.Chunk<ModelResponseStreamEvent> {
    const out: Array<ModelResponseStreamEvent> = []
    for (const event of events) {
      if (event.type === "content_block_delta" && !this.stopped) {
        const delta = event.delta
        if (delta.type === "text_delta") {
          const state = this.blocks.get(event.index)
          if (state === textBlock && typeof delta.text === "string") {
            out.push({ _tag: "PartDelta", index: event.index, delta: { _tag: "TextDelta", content: delta.text } })
            continue
          }
        } else if (delta.type === "thinking_delta") {
          const state = this.blocks.get(event.index)
          if (state === thinkingBlock && typeof delta.thinking === "string") {
            out.push({
              _tag: "PartDelta",
              index: event.index,
              delta: { _tag: "ThinkingDelta", content: delta.thinking }
            })
            continue
          }
        }
      }
      this.map(event, out)
    }
    return Chunk.unsafeFromArray(out)
  }

  /** The state of the open block an event targets; throws when there is none. */
  private open(event: { readonly type: unknown; readonly index: unknown }): BlockState {
    const index = blockIndex(event)
    const state = this.blocks.get(index)
    if (state === undefined || state === stoppedBlock) {
      throw violation(event, `block ${index} is ${state === undefined ? "not open" : "already stopped"}`)
    }
    return state
  }

  /** Throws unless the open block of `event` is `expected`. */
  private expectKind(
    event: { readonly type: unknown; readonly index: unknown },
    expected: BlockState,
    deltaType: string
  ): number {
    const state = this.open(event)
    if (state !== expected) throw violation(event, `${deltaType} for a ${state.kind} block`)
    return blockIndex(event)
  }

  /** Appends the core events of one raw event to `out`. */
  map(event: BetaRawMessageStreamEvent, out: Array<ModelResponseStreamEvent>): void {
    if (this.stopped) throw violation(event, "it came after message_stop")
    if (event.type === "message_stop") this.stopped = true
    switch (event.type) {
      case "message_start": {
        const message = event.message
        this.usage = { ...message.usage }
        this.facts = { container: message.container ?? null }
        out.push({
          _tag: "ResponseMetadata",
          modelName: message.model,
          providerResponseId: message.id,
          providerName,
          usage: mapUsage(this.usage),
          providerDetails: providerDetails(this.facts)
        })
        return
      }
      case "content_block_start": {
        const index = blockIndex(event)
        if (this.blocks.has(index)) throw violation(event, `block ${index} was already started`)
        const block = event.content_block
        if (typeof block !== "object" || block === null) throw violation(event, "it has no content block")
        this.start(index, block, out)
        return
      }
      case "content_block_delta": {
        const delta = event.delta
        if (typeof delta !== "object" || delta === null) throw violation(event, "it has no delta")
        switch (delta.type) {
          case "text_delta": {
            const index = this.expectKind(event, textBlock, delta.type)
            const content = stringField(event, "text", delta.text)
            out.push({ _tag: "PartDelta", index, delta: { _tag: "TextDelta", content } })
            return
          }
          case "citations_delta": {
            const index = this.expectKind(event, textBlock, delta.type)
            out.push({
              _tag: "PartDelta",
              index,
              delta: { _tag: "TextDelta", content: "", citation: citationOfWire(delta.citation) }
            })
            return
          }
          case "thinking_delta": {
            const index = this.expectKind(event, thinkingBlock, delta.type)
            const content = stringField(event, "thinking", delta.thinking)
            out.push({ _tag: "PartDelta", index, delta: { _tag: "ThinkingDelta", content } })
            return
          }
          case "signature_delta": {
            const index = this.expectKind(event, thinkingBlock, delta.type)
            const signature = stringField(event, "signature", delta.signature)
            out.push({ _tag: "PartDelta", index, delta: { _tag: "ThinkingDelta", signature } })
            return
          }
          case "input_json_delta": {
            const state = this.open(event)
            if (state.kind !== "toolCall") throw violation(event, `${delta.type} for a ${state.kind} block`)
            const index = blockIndex(event)
            const fragment = stringField(event, "partial_json", delta.partial_json)
            state.sawDelta = true
            if (fragment !== "") {
              out.push({ _tag: "PartDelta", index, delta: { _tag: "ToolCallDelta", argsDelta: fragment } })
            }
            return
          }
          case "compaction_delta": {
            const index = this.expectKind(event, compactionBlock, delta.type)
            // The delta carries the block's final value; `encrypted_content` only when the server sent it.
            out.push({
              _tag: "PartDelta",
              index,
              delta: {
                _tag: "CompactionDelta",
                content: nullableString(event, "content", delta.content),
                encryptedContent:
                  "encrypted_content" in delta
                    ? nullableString(event, "encrypted_content", delta.encrypted_content)
                    : undefined
              }
            })
            return
          }
          default:
            // A delta type newer than this library: nothing to grow, but its block must be open.
            this.open(event)
            return
        }
      }
      case "content_block_stop":
        this.stop(event, out)
        return
      case "message_delta": {
        this.usage = mergeUsage(this.usage, event.usage)
        this.facts = {
          ...this.facts,
          stop_reason: event.delta.stop_reason,
          stop_sequence: event.delta.stop_sequence,
          stop_details: event.delta.stop_details,
          ...(event.delta.container != null ? { container: event.delta.container } : {})
        }
        out.push({
          _tag: "ResponseMetadata",
          usage: mapUsage(this.usage),
          finishReason: finishReason(event.delta.stop_reason),
          providerDetails: providerDetails(this.facts)
        })
        return
      }
      default:
        // message_stop, ping (never typed by the SDK but sent by the API) and anything newer.
        return
    }
  }

  private start(index: number, block: BetaContentBlock, out: Array<ModelResponseStreamEvent>): void {
    switch (block.type) {
      case "text":
        this.blocks.set(index, textBlock)
        out.push({ _tag: "PartStart", index, part: this.context.partOfBlock(block) })
        return
      case "thinking":
        this.blocks.set(index, thinkingBlock)
        out.push({ _tag: "PartStart", index, part: this.context.partOfBlock(block) })
        return
      case "tool_use":
      case "server_tool_use":
      case "mcp_tool_use":
        // The input grows from empty: the start event's `{}` is a placeholder the deltas replace.
        this.blocks.set(index, { kind: "toolCall", startInput: block.input, sawDelta: false })
        out.push({ _tag: "PartStart", index, part: this.context.partOfBlock({ ...block, input: {} }) })
        return
      case "compaction":
        this.blocks.set(index, compactionBlock)
        out.push({ _tag: "PartStart", index, part: this.context.partOfBlock(block) })
        return
      case "fallback":
      case "mcp_tool_listing":
        this.blocks.set(index, { kind: "buffered", block: { ...block } })
        return
      default:
        // Complete at its start: server tool results, redacted thinking, and unknown block types.
        this.blocks.set(index, { kind: "complete" })
        out.push({ _tag: "PartStart", index, part: this.context.partOfBlock(block) })
        return
    }
  }

  private stop(event: { readonly type: unknown; readonly index: unknown }, out: Array<ModelResponseStreamEvent>): void {
    const state = this.open(event)
    const index = blockIndex(event)
    this.blocks.set(index, stoppedBlock)
    if (state.kind === "toolCall" && !state.sawDelta && !isEmptyInput(state.startInput)) {
      // No fragments came: the start event held the whole input.
      out.push({
        _tag: "PartDelta",
        index,
        delta: { _tag: "ToolCallDelta", argsDelta: JSON.stringify(state.startInput) }
      })
    }
    if (state.kind === "buffered") {
      out.push({ _tag: "PartStart", index, part: unknownPart(state.block) })
    }
    out.push({ _tag: "PartEnd", index })
  }
}
