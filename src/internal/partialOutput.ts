/**
 * Watches a streamed response for the output as it fills in: the arguments of the first output
 * tool call, or the JSON text of a native (or prompted) answer, fed to the incremental parser.
 * Called once per chunk of events, it gives at most one partial per chunk: the latest, and only
 * when something new can be shown.
 */
import * as Predicate from "effect/Predicate"
import type { DeepPartial, PartialOutput } from "../PartialOutput.js"
import type { ModelResponseStreamEvent } from "../StreamEvent.js"
import { wrapperKey } from "./jsonSchema.js"
import { PartialJsonParser } from "./partialJson.js"

/** Where the output comes from in a response. */
export interface PartialOutputSource {
  /** The output tools' names (tool output); empty when the output is JSON text. */
  readonly outputToolNames: ReadonlyArray<string>
  /** Whether the output is the response's JSON text (native or prompted output). */
  readonly jsonText: boolean
  /** Whether a non-object output is wrapped as `{ response: ... }` for the model. */
  readonly wrapped: boolean
  /** For a union: which members' values are wrapped; its partials name the member's output tool. */
  readonly union?: { readonly wrappedToolNames: ReadonlyArray<string> } | undefined
}

/** Follows one response's events; make one per response. */
export class PartialOutputTracker<O> {
  private readonly parser = new PartialJsonParser()
  /** The part index of the output tool call followed, once one has started. */
  private outputIndex: number | undefined = undefined
  private toolCallId: string | undefined = undefined
  private toolName: string | undefined = undefined
  private wrapped: boolean
  private shownVersion = 0

  constructor(private readonly source: PartialOutputSource) {
    this.wrapped = source.wrapped
  }

  /** The partial output after these events, when it shows something new. */
  onChunk(events: Iterable<ModelResponseStreamEvent>): PartialOutput<O> | undefined {
    for (const event of events) this.onEvent(event)
    if (this.parser.version === this.shownVersion) return undefined
    this.shownVersion = this.parser.version
    const snapshot = this.parser.snapshot()
    if (snapshot === undefined) return undefined
    let value: unknown = snapshot
    if (this.wrapped) {
      if (!Predicate.isRecord(snapshot) || !(wrapperKey in snapshot)) return undefined
      value = snapshot[wrapperKey]
    }
    // A partial cannot be decoded (required fields are still missing): it is shown as the JSON
    // parsed so far, which is what the output's encoded form looks like while it fills in.
    return {
      _tag: "PartialOutput",
      output: value as DeepPartial<O>,
      complete: false,
      toolCallId: this.toolCallId,
      toolName: this.toolName
    }
  }

  private onEvent(event: ModelResponseStreamEvent): void {
    switch (event._tag) {
      case "PartStart": {
        const part = event.part
        if (part._tag === "ToolCallPart" && this.outputIndex === undefined) {
          if (!this.source.outputToolNames.includes(part.toolName)) return
          this.outputIndex = event.index
          this.toolCallId = part.toolCallId
          const union = this.source.union
          if (union !== undefined) {
            this.toolName = part.toolName
            this.wrapped = union.wrappedToolNames.includes(part.toolName)
          }
          // Arguments given whole at the start are JSON text or an object already parsed.
          if (typeof part.args === "string") this.parser.push(part.args)
          else if (Object.keys(part.args).length > 0) this.parser.push(JSON.stringify(part.args))
        } else if (part._tag === "TextPart" && this.source.jsonText) {
          this.parser.push(part.content)
        }
        return
      }
      case "PartDelta": {
        const delta = event.delta
        if (delta._tag === "ToolCallDelta") {
          if (event.index === this.outputIndex && delta.argsDelta !== undefined) this.parser.push(delta.argsDelta)
        } else if (delta._tag === "TextDelta" && this.source.jsonText) {
          this.parser.push(delta.content)
        }
        return
      }
      default:
        return
    }
  }
}
