/**
 * Stream mapping: the SDK's raw stream events become core part events, in a plain loop over each
 * chunk. Parts start from the same `partOfBlock` the non-streamed mapping uses; deltas grow them.
 */
import type { BetaContentBlock, BetaRawMessageStreamEvent } from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import { Chunk, Effect, Stream } from "effect"
import type { UnexpectedModelBehavior } from "../../AgentError.js"
import type { ModelResponseStreamEvent } from "../../StreamEvent.js"
import { providerName } from "./names.js"
import {
  BlockContext,
  finishReason,
  type MessageFacts,
  malformedResponse,
  mapUsage,
  mergeUsage,
  providerDetails,
  type UsageFields,
  unknownPart
} from "./responseMapping.js"
import type { StreamReader } from "./retrying.js"

/** How a streamed block grows. */
type BlockState =
  /** Grows by deltas the core fold applies (text, thinking). */
  | { readonly kind: "deltas" }
  /** A tool call: its input arrives as JSON fragments, or whole in the start event. */
  | { readonly kind: "toolCall"; readonly startInput: unknown; sawDelta: boolean }
  /** Complete at its start (server tool results, redacted thinking). */
  | { readonly kind: "complete" }
  /** Not modelled: buffered and emitted whole when it stops. */
  | { readonly kind: "buffered"; block: Record<string, unknown> }

const isEmptyInput = (input: unknown): boolean =>
  input === undefined || input === null || (typeof input === "object" && Object.keys(input).length === 0)

/**
 * Maps the events of one streamed message. Stateful: make one per stream. Besides mapping, it
 * notes what the retry wrapper needs to know (see `retrying.ts`), in the same pass over the events.
 */
export class StreamMapper implements StreamReader<BetaRawMessageStreamEvent, ModelResponseStreamEvent> {
  private readonly context = new BlockContext()
  private readonly blocks = new Map<number, BlockState>()
  private usage: UsageFields = {}
  private facts: MessageFacts = {}
  /** Whether an event after the preamble (message and block starts) was read. */
  content = false
  /** Whether `message_stop`, the event a complete message ends with, was read. */
  ended = false

  /**
   * Maps a chunk of raw events in a plain loop; throws on an event it cannot read. Text and
   * thinking deltas (nearly every event of an answer) are mapped right here; the rest go through
   * `map`, so the loop the JIT optimizes stays small and sees few shapes.
   */
  read(events: Chunk.Chunk<BetaRawMessageStreamEvent>): Chunk.Chunk<ModelResponseStreamEvent> {
    const out: Array<ModelResponseStreamEvent> = []
    for (const event of events) {
      if (event.type === "content_block_delta") {
        const delta = event.delta
        if (delta.type === "text_delta") {
          this.content = true
          out.push({ _tag: "PartDelta", index: event.index, delta: { _tag: "TextDelta", content: delta.text } })
          continue
        }
        if (delta.type === "thinking_delta") {
          this.content = true
          out.push({ _tag: "PartDelta", index: event.index, delta: { _tag: "ThinkingDelta", content: delta.thinking } })
          continue
        }
      }
      this.map(event, out)
    }
    return Chunk.unsafeFromArray(out)
  }

  /** Appends the core events of one raw event to `out`. */
  map(event: BetaRawMessageStreamEvent, out: Array<ModelResponseStreamEvent>): void {
    const type = event.type
    if (type !== "message_start" && type !== "content_block_start") {
      this.content = true
      if (type === "message_stop") this.ended = true
    }
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
      case "content_block_start":
        this.start(event.index, event.content_block, out)
        return
      case "content_block_delta": {
        const index = event.index
        const delta = event.delta
        switch (delta.type) {
          case "text_delta":
            out.push({ _tag: "PartDelta", index, delta: { _tag: "TextDelta", content: delta.text } })
            return
          case "citations_delta":
            out.push({ _tag: "PartDelta", index, delta: { _tag: "TextDelta", content: "", citation: delta.citation } })
            return
          case "thinking_delta":
            out.push({ _tag: "PartDelta", index, delta: { _tag: "ThinkingDelta", content: delta.thinking } })
            return
          case "signature_delta":
            out.push({ _tag: "PartDelta", index, delta: { _tag: "ThinkingDelta", signature: delta.signature } })
            return
          case "input_json_delta": {
            const state = this.blocks.get(index)
            if (state?.kind !== "toolCall") return
            state.sawDelta = true
            if (delta.partial_json !== "") {
              out.push({ _tag: "PartDelta", index, delta: { _tag: "ToolCallDelta", argsDelta: delta.partial_json } })
            }
            return
          }
          case "compaction_delta": {
            const state = this.blocks.get(index)
            // The delta carries the block's final value.
            if (state?.kind === "buffered") {
              state.block = { ...state.block, content: delta.content, encrypted_content: delta.encrypted_content }
            }
            return
          }
          default:
            // A delta type newer than this library: nothing to grow.
            return
        }
      }
      case "content_block_stop":
        this.stop(event.index, out)
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
      case "thinking":
        this.blocks.set(index, { kind: "deltas" })
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

  private stop(index: number, out: Array<ModelResponseStreamEvent>): void {
    const state = this.blocks.get(index)
    if (state === undefined) return
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

/**
 * Maps a stream of raw events, one plain loop per chunk. Events of a shape the mapping cannot
 * read fail the stream with `UnexpectedModelBehavior` rather than a defect. (A streamed answer of
 * `AnthropicModel` is mapped inside its retry wrapper instead, in the same pass.)
 */
export const mapEventStream = <E, R>(
  events: Stream.Stream<BetaRawMessageStreamEvent, E, R>
): Stream.Stream<ModelResponseStreamEvent, E | UnexpectedModelBehavior, R> =>
  Stream.suspend(() => {
    const mapper = new StreamMapper()
    return Stream.mapChunksEffect(events, (chunk) => {
      try {
        return Effect.succeed(mapper.read(chunk))
      } catch (cause) {
        return Effect.fail(malformedResponse(cause))
      }
    })
  })
