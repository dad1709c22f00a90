import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"
import { Agent, FallbackModel, Message, Model, StreamEvent } from "effect-claude"
import { AnthropicError } from "effect-claude/anthropic"
import { FunctionModel } from "effect-claude/testing"

const rateLimited = new AnthropicError.RateLimitError({ message: "slow down", status: 429, headers: {} })
const overloaded = new AnthropicError.OverloadedError({ message: "busy", status: 529, headers: {} })
const badRequest = new AnthropicError.BadRequestError({ message: "bad", status: 400, headers: {} })

/** A model answering `answer`, or failing with `error`, counting its calls. */
const fake = (name: string, outcome: Model.ModelError | string) => {
  const calls = { count: 0 }
  const service = FunctionModel.make(
    () =>
      Effect.suspend(() => {
        calls.count += 1
        return typeof outcome === "string"
          ? Effect.succeed([new Message.TextPart({ content: outcome })])
          : Effect.fail(outcome)
      }),
    undefined,
    { modelName: name }
  )
  return { service, calls }
}

const run = (model: Model.Service) => Agent.run(Agent.make({}), "hi").pipe(Effect.provideService(Model.Model, model))

describe("FallbackModel", () => {
  it.effect("moves on to the next model on a retryable provider error", () =>
    Effect.gen(function* () {
      const first = fake("first", rateLimited)
      const second = fake("second", overloaded)
      const third = fake("third", "from the third")
      const result = yield* run(FallbackModel.make([first.service, second.service, third.service]))
      expect(result.output).toBe("from the third")
      expect([first.calls.count, second.calls.count, third.calls.count]).toEqual([1, 1, 1])
      expect(result.response.modelName).toBe("third")
    })
  )

  it.effect("fails at once on an error that is not worth trying elsewhere", () =>
    Effect.gen(function* () {
      const first = fake("first", badRequest)
      const second = fake("second", "unused")
      const error = yield* Effect.flip(run(FallbackModel.make([first.service, second.service])))
      expect(error).toEqual(badRequest)
      expect(second.calls.count).toBe(0)
    })
  )

  it.effect("fails with one error holding every model's error when all fail", () =>
    Effect.gen(function* () {
      const first = fake("first", rateLimited)
      const second = fake("second", overloaded)
      const error = yield* Effect.flip(run(FallbackModel.make([first.service, second.service])))
      expect(error).toEqual(
        new FallbackModel.FallbackModelError({
          message: "All 2 models failed: first (RateLimitError: slow down); second (OverloadedError: busy)",
          errors: [rateLimited, overloaded]
        })
      )
    })
  )

  it.effect("falls back on the errors a predicate chooses", () =>
    Effect.gen(function* () {
      const first = fake("first", badRequest)
      const second = fake("second", "from the second")
      const model = FallbackModel.make([first.service, second.service], {
        fallbackOn: (error) => error._tag === "BadRequestError"
      })
      expect((yield* run(model)).output).toBe("from the second")
    })
  )

  it.effect("builds from layers", () =>
    Effect.gen(function* () {
      const first = fake("first", rateLimited)
      const layer = FallbackModel.layer([
        Layer.succeed(Model.Model, first.service),
        FunctionModel.layer(() => Effect.succeed([new Message.TextPart({ content: "from the layer" })]))
      ])
      const result = yield* Agent.run(Agent.make({}), "hi").pipe(Effect.provide(layer))
      expect(result.output).toBe("from the layer")
      const model = yield* Effect.provide(Model.Model, layer)
      expect(model.modelName).toBe("fallback:first,function")
    })
  )

  it.effect("a stream falls back while nothing was streamed, and fails once events went out", () =>
    Effect.gen(function* () {
      const failing: Model.Service = {
        ...fake("failing", "unused").service,
        requestStream: () => Stream.fail(rateLimited)
      }
      const midway: Model.Service = {
        ...fake("midway", "unused").service,
        requestStream: () =>
          Stream.concat(
            Stream.make(StreamEvent.partStart(0, new Message.TextPart({ content: "partial" }))),
            Stream.fail(rateLimited)
          )
      }
      const good = fake("good", "complete")
      const stream = (model: Model.Service) =>
        Agent.runStream(Agent.make({}), "hi").pipe(Stream.provideService(Model.Model, model), Stream.runCollect)
      const events = Chunk.toReadonlyArray(yield* stream(FallbackModel.make([failing, good.service])))
      const last = events.at(-1)
      expect(last?._tag === "RunFinished" && last.result.output).toBe("complete")
      const error = yield* Effect.flip(stream(FallbackModel.make([midway, good.service])))
      expect(error).toEqual(rateLimited)
    })
  )

  it.effect("reports a profile every model supports", () =>
    Effect.sync(() => {
      const a = fake("a", "x").service
      const b = {
        ...fake("b", "x").service,
        profile: { supportsForcedToolCallsWithThinking: false, supportsNativeOutput: true }
      }
      expect(FallbackModel.make([a, b]).profile).toEqual({
        supportsForcedToolCallsWithThinking: false,
        supportsNativeOutput: false
      })
    })
  )
})
