/**
 * The one fold from part events to a `ModelResponse`. Every provider's stream and every fake goes
 * through it, so a streamed response and a non-streamed one are the same value. A provider written
 * outside this package builds its responses with it too.
 *
 * It is a mutable builder on purpose: a long answer is thousands of deltas, and the fold is a plain
 * loop over each chunk of events, with one immutable `ModelResponse` built at the end.
 *
 * @example
 * import { Message, ModelResponseBuilder, StreamEvent } from "effect-claude"
 *
 * const builder = new ModelResponseBuilder.ModelResponseBuilder()
 * builder.addAll([
 *   StreamEvent.partStart(0, new Message.TextPart({ content: "Hel" })),
 *   StreamEvent.textDelta(0, "lo")
 * ])
 * const response = builder.response(new Date(0)) // one TextPart: "Hello"
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import type { Citation } from "./Citation.js"
import { trustedInput } from "./internal/trustedInput.js"
import {
  BuiltinToolCallPart,
  CompactionPart,
  type FinishReason,
  ModelResponse,
  type ModelResponsePart,
  TextPart,
  ThinkingPart,
  type ToolArgs,
  ToolCallPart
} from "./Message.js"
import type { ModelResponseStreamEvent, PartDeltaValue } from "./StreamEvent.js"
import { RequestUsage } from "./Usage.js"

type Draft =
  | { kind: "text"; content: string; citations?: Array<Citation> }
  | { kind: "thinking"; content: string; signature?: string; redactedData?: string; provider?: string }
  | {
      kind: "toolCall"
      builtin: boolean
      toolName: string
      toolCallId: string
      argsText: string
      provider?: string
    }
  | { kind: "compaction"; part: CompactionPart }
  | { kind: "complete"; part: ModelResponsePart }

const argsToText = (args: ToolArgs): string =>
  typeof args === "string" ? args : Object.keys(args).length === 0 ? "" : JSON.stringify(args)

/**
 * Parses complete argument text: an object when it is a JSON object, `{}` when empty, the raw text
 * otherwise (the agent reports unparsable arguments back to the model).
 *
 * @since 0.1.0
 * @category utils
 */
export const parseToolArgs = (text: string): ToolArgs => {
  if (text.trim() === "") return {}
  try {
    const parsed: unknown = JSON.parse(text)
    if (Predicate.isRecord(parsed)) return parsed
  } catch {
    // Unparsable (e.g. cut off by the token limit): keep the text so nothing is lost.
  }
  return text
}

const draftOf = (part: ModelResponsePart): Draft => {
  switch (part._tag) {
    case "TextPart": {
      const draft: Draft = { kind: "text", content: part.content }
      if (part.citations !== undefined) draft.citations = [...part.citations]
      return draft
    }
    case "ThinkingPart": {
      const draft: Draft = { kind: "thinking", content: part.content }
      if (part.signature !== undefined) draft.signature = part.signature
      if (part.redactedData !== undefined) draft.redactedData = part.redactedData
      if (part.provider !== undefined) draft.provider = part.provider
      return draft
    }
    case "ToolCallPart":
    case "BuiltinToolCallPart": {
      const draft: Draft = {
        kind: "toolCall",
        builtin: part._tag === "BuiltinToolCallPart",
        toolName: part.toolName,
        toolCallId: part.toolCallId,
        argsText: argsToText(part.args)
      }
      if (part._tag === "BuiltinToolCallPart" && part.provider !== undefined) draft.provider = part.provider
      return draft
    }
    case "CompactionPart":
      return { kind: "compaction", part }
    default:
      return { kind: "complete", part }
  }
}

/**
 * Drops fields that are `undefined`, so a folded value has exactly the keys a decoded one has
 * (and `Equal.equals` holds between a streamed response and the same response read from JSON).
 */
const definedFields = <T extends object>(fields: T): T => {
  const result: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) result[key] = value
  return result as T
}

// Drafts hold the fields of parts and typed deltas (strings grown by concatenation), so the parts
// built from them are valid and their constructors skip validation (`trustedInput`).

const partOf = (draft: Draft): ModelResponsePart => {
  switch (draft.kind) {
    case "text":
      return new TextPart(definedFields({ content: draft.content, citations: draft.citations?.slice() }), trustedInput)
    case "thinking":
      return new ThinkingPart(
        definedFields({
          content: draft.content,
          signature: draft.signature,
          redactedData: draft.redactedData,
          provider: draft.provider
        }),
        trustedInput
      )
    case "toolCall": {
      const args = parseToolArgs(draft.argsText)
      return draft.builtin
        ? new BuiltinToolCallPart(
            definedFields({ toolName: draft.toolName, args, toolCallId: draft.toolCallId, provider: draft.provider }),
            trustedInput
          )
        : new ToolCallPart({ toolName: draft.toolName, args, toolCallId: draft.toolCallId }, trustedInput)
    }
    case "compaction":
    case "complete":
      return draft.part
  }
}

const applyDelta = (draft: Draft, delta: PartDeltaValue): void => {
  switch (delta._tag) {
    case "TextDelta":
      if (draft.kind === "text" || draft.kind === "thinking") draft.content += delta.content
      if (draft.kind === "text" && delta.citation !== undefined) {
        if (draft.citations === undefined) draft.citations = []
        draft.citations.push(delta.citation)
      }
      return
    case "ThinkingDelta":
      if (draft.kind !== "thinking") return
      if (delta.content !== undefined) draft.content += delta.content
      if (delta.signature !== undefined) draft.signature = (draft.signature ?? "") + delta.signature
      return
    case "ToolCallDelta":
      if (draft.kind !== "toolCall") return
      if (delta.argsDelta !== undefined) draft.argsText += delta.argsDelta
      if (delta.toolName !== undefined) draft.toolName += delta.toolName
      if (delta.toolCallId !== undefined) draft.toolCallId = delta.toolCallId
      return
    case "CompactionDelta": {
      if (draft.kind !== "compaction") return
      // The summary arrives whole: the part is rebuilt with it (one delta per compaction).
      const { _tag, ...fields } = draft.part
      draft.part = new CompactionPart(
        definedFields({
          ...fields,
          content: delta.content,
          encryptedContent: delta.encryptedContent === undefined ? fields.encryptedContent : delta.encryptedContent
        }),
        trustedInput
      )
      return
    }
  }
}

/**
 * Accumulates part events; `response()` gives the `ModelResponse` they describe so far.
 *
 * @since 0.1.0
 * @category models
 */
export class ModelResponseBuilder {
  private readonly drafts: Array<Draft | undefined> = []
  private usage: RequestUsage = RequestUsage.empty
  private modelName: string | undefined
  private providerResponseId: string | undefined
  private providerName: string | undefined
  private finishReason: FinishReason | undefined
  private providerDetails: Record<string, unknown> | undefined

  /** Applies one event. Deltas for a part that never started are ignored rather than invented. */
  add(event: ModelResponseStreamEvent): void {
    switch (event._tag) {
      case "PartStart":
        this.drafts[event.index] = draftOf(event.part)
        return
      case "PartDelta": {
        const draft = this.drafts[event.index]
        if (draft !== undefined) applyDelta(draft, event.delta)
        return
      }
      case "PartEnd":
        return
      case "ResponseMetadata":
        if (event.usage !== undefined) this.usage = event.usage
        if (event.modelName !== undefined) this.modelName = event.modelName
        if (event.providerResponseId !== undefined) this.providerResponseId = event.providerResponseId
        if (event.providerName !== undefined) this.providerName = event.providerName
        if (event.finishReason !== undefined) this.finishReason = event.finishReason
        if (event.providerDetails !== undefined) {
          this.providerDetails = { ...this.providerDetails, ...event.providerDetails }
        }
        return
    }
  }

  /** Applies every event of a chunk in a plain loop. */
  addAll(events: Iterable<ModelResponseStreamEvent>): void {
    for (const event of events) this.add(event)
  }

  /** The response described by the events so far, stamped with `timestamp`. */
  response(timestamp: Date): ModelResponse {
    const parts: Array<ModelResponsePart> = []
    for (const draft of this.drafts) if (draft !== undefined) parts.push(partOf(draft))
    // The parts and usage are already valid instances; a batch results file builds one response per
    // line, so re-validating the whole tree would dominate reading it.
    return new ModelResponse(
      definedFields({
        parts,
        usage: this.usage,
        modelName: this.modelName,
        finishReason: this.finishReason,
        providerResponseId: this.providerResponseId,
        providerDetails: this.providerDetails,
        providerName: this.providerName,
        timestamp
      }),
      trustedInput
    )
  }
}

/**
 * Folds a whole event stream into its `ModelResponse`, timestamped with the clock at the end.
 *
 * @since 0.1.0
 * @category utils
 */
export const fold = <E, R>(events: Stream.Stream<ModelResponseStreamEvent, E, R>): Effect.Effect<ModelResponse, E, R> =>
  Effect.suspend(() => {
    const builder = new ModelResponseBuilder()
    return Stream.runForEachChunk(events, (chunk) => Effect.sync(() => builder.addAll(chunk))).pipe(
      Effect.zipRight(Clock.currentTimeMillis),
      Effect.map((now) => builder.response(new Date(now)))
    )
  })

/**
 * The events that rebuild `response` when folded: one start and one end per part, then metadata.
 *
 * @since 0.1.0
 * @category utils
 */
export const toEvents = (response: ModelResponse): Chunk.Chunk<ModelResponseStreamEvent> => {
  const events: Array<ModelResponseStreamEvent> = []
  for (let index = 0; index < response.parts.length; index++) {
    events.push({ _tag: "PartStart", index, part: response.parts[index]! }, { _tag: "PartEnd", index })
  }
  events.push({
    _tag: "ResponseMetadata",
    usage: response.usage,
    modelName: response.modelName,
    providerResponseId: response.providerResponseId,
    providerName: response.providerName,
    finishReason: response.finishReason,
    providerDetails: response.providerDetails
  })
  return Chunk.unsafeFromArray(events)
}
