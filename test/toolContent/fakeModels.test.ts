/**
 * Rich tool results as the fake models see them: a FunctionModel reads the typed parts from
 * history; TestModel answers with them in their JSON form.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Agent, Message, Tool, ToolContent } from "effect-claude"
import { FunctionModel, TestModel } from "effect-claude/testing"
import { lastToolReturns } from "../support/toolReturns.js"

const screenshot = Tool.make("screenshot", {
  description: "Takes a screenshot",
  parameters: Schema.Struct({}),
  handler: () =>
    Effect.succeed(
      ToolContent.make(["The screen:", ToolContent.image({ data: new Uint8Array([1, 2, 3]), mediaType: "image/png" })])
    )
})

describe("rich tool results in the fake models", () => {
  it.effect("a FunctionModel sees the tool's parts, typed, in history", () =>
    Effect.gen(function* () {
      const seen: Array<unknown> = []
      const model = FunctionModel.layer((messages) => {
        const returned = lastToolReturns(messages)[0]
        if (returned === undefined) {
          return Effect.succeed([new Message.ToolCallPart({ toolName: "screenshot", args: {}, toolCallId: "c1" })])
        }
        seen.push(returned.content)
        return Effect.succeed([new Message.TextPart({ content: "I see the screen." })])
      })
      const result = yield* Agent.run(Agent.make({ tools: [screenshot] }), "Look").pipe(Effect.provide(model))
      expect(result.output).toBe("I see the screen.")
      expect(seen).toEqual([
        new ToolContent.ToolContent({
          parts: [
            new ToolContent.Text({ text: "The screen:" }),
            new ToolContent.Image({
              source: new ToolContent.Base64Source({ data: new Uint8Array([1, 2, 3]), mediaType: "image/png" })
            })
          ]
        })
      ])
      expect(ToolContent.textOf(seen[0] as ToolContent.ToolContent)).toBe("The screen:")
    })
  )

  it.effect("TestModel answers with the rich result's JSON form, bytes as base64", () =>
    Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ tools: [screenshot] }), "Look").pipe(
        Effect.provide(TestModel.layer())
      )
      expect(JSON.parse(result.output)).toEqual({
        screenshot: {
          _tag: "ToolContent",
          parts: [
            { _tag: "Text", text: "The screen:" },
            { _tag: "Image", source: { _tag: "Base64Source", data: "AQID", mediaType: "image/png" } }
          ]
        }
      })
    })
  )
})
