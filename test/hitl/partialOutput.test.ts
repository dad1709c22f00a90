import { describe, expect, it } from "@effect/vitest"
import { Message, StreamEvent } from "effect-claude"
import { PartialOutputTracker } from "../../src/internal/partialOutput.js"
import type * as PartialOutput from "../../src/PartialOutput.js"

interface Recipe {
  readonly title: string
  readonly steps: ReadonlyArray<{ readonly text: string; readonly minutes: number }>
}

const toolSource = { outputToolNames: ["final_result"], jsonText: false, wrapped: false }
const outputs = <O>(
  tracker: PartialOutputTracker<O>,
  chunks: ReadonlyArray<ReadonlyArray<StreamEvent.ModelResponseStreamEvent>>
) => chunks.map((chunk) => tracker.onChunk(chunk)?.output)

describe("point 6: partial structured output", () => {
  it("follows the output tool's arguments, one partial per chunk that shows something new", () => {
    const tracker = new PartialOutputTracker<Recipe>(toolSource)
    const seen = outputs(tracker, [
      [
        StreamEvent.partStart(0, new Message.TextPart({ content: "Here it is" })),
        StreamEvent.partStart(1, new Message.ToolCallPart({ toolName: "final_result", toolCallId: "t1", args: "" }))
      ],
      [StreamEvent.toolCallArgsDelta(1, '{"title": "Pan'), StreamEvent.toolCallArgsDelta(1, "cakes")],
      [StreamEvent.toolCallArgsDelta(1, '", "steps": [{"text": "Mix", "minutes": 1')],
      [StreamEvent.toolCallArgsDelta(1, "0")],
      [StreamEvent.toolCallArgsDelta(1, "}]}"), StreamEvent.partEnd(1)]
    ])
    expect(seen).toEqual([
      undefined,
      { title: "Pancakes" },
      { title: "Pancakes", steps: [{ text: "Mix" }] },
      undefined,
      { title: "Pancakes", steps: [{ text: "Mix", minutes: 10 }] }
    ])
  })

  it("ignores function tool calls and later output calls; carries the output call's id", () => {
    const tracker = new PartialOutputTracker<Recipe>(toolSource)
    const partial = tracker.onChunk([
      StreamEvent.partStart(0, new Message.ToolCallPart({ toolName: "search", toolCallId: "s", args: "" })),
      StreamEvent.toolCallArgsDelta(0, '{"title": "not this"}'),
      StreamEvent.partStart(1, new Message.ToolCallPart({ toolName: "final_result", toolCallId: "t1", args: "" })),
      StreamEvent.toolCallArgsDelta(1, '{"title": "this"'),
      StreamEvent.partStart(2, new Message.ToolCallPart({ toolName: "final_result", toolCallId: "t2", args: "" })),
      StreamEvent.toolCallArgsDelta(2, '{"title": "nor this"}')
    ])
    expect(partial).toEqual({ _tag: "PartialOutput", output: { title: "this" }, complete: false, toolCallId: "t1" })
  })

  it("takes arguments given whole at the start", () => {
    const tracker = new PartialOutputTracker<Recipe>(toolSource)
    const args = { title: "Soup", steps: [] }
    const partial = tracker.onChunk([
      StreamEvent.partStart(0, new Message.ToolCallPart({ toolName: "final_result", toolCallId: "t", args }))
    ])
    expect(partial?.output).toEqual(args)
  })

  it("follows native JSON text, unwrapping a non-object output", () => {
    const tracker = new PartialOutputTracker<ReadonlyArray<string>>({
      outputToolNames: [],
      jsonText: true,
      wrapped: true
    })
    const seen = outputs(tracker, [
      [StreamEvent.partStart(0, new Message.TextPart({ content: "" }))],
      [StreamEvent.textDelta(0, ' {"resp')],
      [StreamEvent.textDelta(0, 'onse": ["a", "b')],
      [StreamEvent.textDelta(0, '"]}')]
    ])
    expect(seen).toEqual([undefined, undefined, ["a", "b"], ["a", "b"]])
  })

  it("shows nothing once the text is not JSON", () => {
    const tracker = new PartialOutputTracker<Recipe>({ outputToolNames: [], jsonText: true, wrapped: false })
    const seen = outputs(tracker, [[StreamEvent.textDelta(0, "Sure! ")], [StreamEvent.textDelta(0, '{"title": "x"}')]])
    expect(seen).toEqual([undefined, undefined])
  })

  it("types partials as a deep partial of the output", () => {
    const partial: PartialOutput.DeepPartial<Recipe> = { steps: [{ text: "Mix" }] }
    const complete: PartialOutput.DeepPartial<Recipe> = { title: "t", steps: [{ text: "Mix", minutes: 1 }] }
    // @ts-expect-error a partial keeps the field types
    const wrong: PartialOutput.DeepPartial<Recipe> = { title: 1 }
    expect([partial, complete, wrong].length).toBe(3)
  })
})
