import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { Agent, Message, Model, ModelResponseBuilder, StreamEvent, Usage } from "effect-claude"
import * as CustomModel from "../examples/custom-model.js"

const hello = [Message.ModelRequest.user("Hello")]

const response = new Message.ModelResponse({
  parts: [new Message.TextPart({ content: "Hi there" })],
  usage: new Usage.RequestUsage({ inputTokens: 3, outputTokens: 2 }),
  modelName: "m",
  providerName: "p",
  finishReason: "stop",
  timestamp: new Date(0)
})

describe("Model.make", () => {
  it.effect("derives the stream from the request: the events fold back to the response", () =>
    Effect.gen(function* () {
      const model = Model.make({ modelName: "m", providerName: "p", request: () => Effect.succeed(response) })
      const events = yield* Stream.runCollect(model.requestStream(hello, {}, Model.textParameters))
      expect(Chunk.toReadonlyArray(events)).toEqual(Chunk.toReadonlyArray(ModelResponseBuilder.toEvents(response)))
      expect(yield* model.request(hello, {}, Model.textParameters)).toEqual(response)
    })
  )

  it.effect("derives the request from the stream by folding it", () =>
    Effect.gen(function* () {
      const model = Model.make({
        modelName: "m",
        providerName: "p",
        requestStream: () =>
          Stream.make(
            StreamEvent.partStart(0, new Message.TextPart({ content: "Hi " })),
            StreamEvent.textDelta(0, "there"),
            StreamEvent.responseMetadata({
              modelName: "m",
              providerName: "p",
              usage: response.usage,
              finishReason: "stop"
            })
          )
      })
      expect(yield* model.request(hello, {}, Model.textParameters)).toEqual(response)
      expect(model.profile).toEqual(Model.defaultProfile)
    })
  )
})

describe("examples/custom-model.ts", () => {
  it.effect("runs an agent with a tool, streamed, on a provider built from the public API", () =>
    Effect.gen(function* () {
      expect(yield* CustomModel.program).toEqual({ streamed: "The sum is 42.", output: "The sum is 42." })
      const result = yield* Agent.run(CustomModel.agent, "Add 1 and 2").pipe(Effect.provide(CustomModel.layer()))
      expect(result.output).toBe("The sum is 3.")
      expect(result.usage.requests).toBe(2)
      expect(result.usage.toolCalls).toBe(1)
    })
  )
})
