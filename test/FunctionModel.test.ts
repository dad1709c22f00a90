import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { Message, Model } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"

const history = [Message.ModelRequest.user("What is the weather in Paris?")]

describe("FunctionModel", () => {
  it.effect("answers with the parts the function returns, with estimated usage", () =>
    Effect.gen(function* () {
      const model = yield* Model.Model
      const response = yield* model.request(history, {}, Model.textParameters)
      expect(Message.responseText(response)).toBe("Sunny in Paris")
      expect(response.finishReason).toBe("stop")
      expect(response.usage.inputTokens).toBeGreaterThan(0)
      expect(response.usage.outputTokens).toBe(3)
    }).pipe(
      Effect.provide(FunctionModel.layer(() => Effect.succeed([new Message.TextPart({ content: "Sunny in Paris" })])))
    )
  )

  it.effect("streams text and tool-call chunks that fold to the non-streamed response", () =>
    Effect.gen(function* () {
      const model = yield* Model.Model
      const events = Chunk.toReadonlyArray(
        yield* Stream.runCollect(model.requestStream(history, {}, Model.textParameters))
      )
      const text = events.flatMap((event) =>
        event._tag === "PartDelta" && event.delta._tag === "TextDelta" ? [event.delta.content] : []
      )
      expect(text).toEqual([" in", " Paris"])
      const folded = yield* model.request(history, {}, Model.textParameters)
      expect(folded.parts).toEqual([
        new Message.TextPart({ content: "Sunny in Paris" }),
        new Message.ToolCallPart({ toolName: "get_weather", args: { city: "Paris" }, toolCallId: "call_1" })
      ])
      expect(folded.finishReason).toBe("tool_call")
    }).pipe(
      Effect.provide(
        FunctionModel.layer(undefined, () =>
          Stream.make(
            "Sunny",
            " in",
            " Paris",
            FunctionModel.toolCallChunk({ key: 0, toolName: "get_weather", argsDelta: '{"ci', toolCallId: "call_1" }),
            FunctionModel.toolCallChunk({ key: 0, argsDelta: 'ty":"Paris"}' })
          )
        )
      )
    )
  )
})
