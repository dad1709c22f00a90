import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Ref, Schema, Stream } from "effect"
import { Agent, AgentError, FallbackModel, Message, Model, Tool, Usage } from "effect-claude"
import { FunctionModel, MockAnthropicServer, TestModel } from "effect-claude/testing"

const countTokensPath = "/v1/messages/count_tokens"
const messagesPath = "/v1/messages"

/** The paths the server was asked, in order. */
const askedPaths = Effect.flatMap(MockAnthropicServer.MockAnthropicServer, (server) =>
  Effect.map(server.requests, (requests) => requests.map((request) => request.path))
)

const counted = (inputTokens: number) => MockAnthropicServer.json({ input_tokens: inputTokens })

const weather = Tool.make("get_weather", {
  description: "Current weather",
  parameters: Schema.Struct({ city: Schema.String }),
  handler: ({ city }) => Effect.succeed(`Sunny in ${city}`)
})

describe("#16 point 6: an opt-in token count before each request", () => {
  it.scoped("a request over inputTokensLimit fails before it is sent: count_tokens asked, messages never", () =>
    Effect.gen(function* () {
      const error = yield* Agent.run(Agent.make({}), "A long prompt", {
        usageLimits: { inputTokensLimit: 1_000, countTokensBeforeRequest: true }
      }).pipe(Effect.flip)
      expect(AgentError.isUsageLimitExceeded(error)).toBe(true)
      expect(error).toMatchObject({ _tag: "UsageLimitExceeded", limit: "inputTokens", maximum: 1_000, value: 5_000 })
      expect(yield* askedPaths).toEqual([countTokensPath])
    }).pipe(
      Effect.provide(
        MockAnthropicServer.layerModel({
          messages: [MockAnthropicServer.textMessage("never")],
          countTokens: counted(5_000)
        })
      )
    )
  )

  it.scoped("a request under the limit is sent after its count", () =>
    Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({}), "A short prompt", {
        usageLimits: { inputTokensLimit: 1_000, countTokensBeforeRequest: true }
      })
      expect(result.output).toBe("Fine.")
      expect(yield* askedPaths).toEqual([countTokensPath, messagesPath])
    }).pipe(
      Effect.provide(
        MockAnthropicServer.layerModel({
          messages: [MockAnthropicServer.textMessage("Fine.")],
          countTokens: counted(400)
        })
      )
    )
  )

  it.scoped("each request is counted: the run's input so far plus the next count must fit", () =>
    Effect.gen(function* () {
      const error = yield* Agent.run(Agent.make({ tools: [weather] }), "Weather in Paris?", {
        usageLimits: { inputTokensLimit: 1_000, countTokensBeforeRequest: true }
      }).pipe(Effect.flip)
      // 800 tokens used by the first request, 300 counted for the second: 1,100 > 1,000.
      expect(error).toMatchObject({ _tag: "UsageLimitExceeded", limit: "inputTokens", value: 1_100 })
      expect(yield* askedPaths).toEqual([countTokensPath, messagesPath, countTokensPath])
    }).pipe(
      Effect.provide(
        MockAnthropicServer.layerModel({
          messages: [
            MockAnthropicServer.toolUseMessage([{ name: "get_weather", input: { city: "Paris" } }], {
              usage: { input_tokens: 800 }
            }),
            MockAnthropicServer.textMessage("never")
          ],
          countTokens: [counted(800), counted(300)]
        })
      )
    )
  )

  it.scoped("streamed: the run fails before the streamed request is sent", () =>
    Effect.gen(function* () {
      const error = yield* Stream.runDrain(
        Agent.runStream(Agent.make({}), "A long prompt", {
          usageLimits: { totalTokensLimit: 100, countTokensBeforeRequest: true }
        })
      ).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "UsageLimitExceeded", limit: "totalTokens", maximum: 100, value: 250 })
      expect(yield* askedPaths).toEqual([countTokensPath])
    }).pipe(
      Effect.provide(
        MockAnthropicServer.layerModel({
          messages: [MockAnthropicServer.textMessage("never")],
          countTokens: counted(250)
        })
      )
    )
  )

  it.scoped("off by default, and without a token limit to check: nothing is counted", () =>
    Effect.gen(function* () {
      yield* Agent.run(Agent.make({}), "Hi", { usageLimits: { inputTokensLimit: 1_000 } })
      yield* Agent.run(Agent.make({}), "Hi", { usageLimits: { countTokensBeforeRequest: true } })
      expect(yield* askedPaths).toEqual([messagesPath, messagesPath])
    }).pipe(
      Effect.provide(
        MockAnthropicServer.layerModel({
          messages: [MockAnthropicServer.textMessage("One."), MockAnthropicServer.textMessage("Two.")]
        })
      )
    )
  )

  it.effect(
    "FunctionModel: counts with the function it is given; the model function is never called over the limit",
    () =>
      Effect.gen(function* () {
        const answered = yield* Ref.make(0)
        const counts = yield* Ref.make<ReadonlyArray<number>>([])
        const model = FunctionModel.layer(
          () =>
            Effect.as(
              Ref.update(answered, (n) => n + 1),
              [new Message.TextPart({ content: "ok" })]
            ),
          undefined,
          {
            countTokens: (messages) =>
              Effect.as(
                Ref.update(counts, (seen) => [...seen, messages.length]),
                messages.length === 1 ? 10 : 10_000
              )
          }
        )
        const limits = { usageLimits: { inputTokensLimit: 500, countTokensBeforeRequest: true } }
        const first = yield* Agent.run(Agent.make({}), "Hi", limits).pipe(Effect.provide(model))
        expect(first.output).toBe("ok")
        const second = yield* Agent.run(Agent.make({}), "Again", { ...limits, messageHistory: first.messages }).pipe(
          Effect.provide(model),
          Effect.either
        )
        expect(Either.isLeft(second) && second.left._tag).toBe("UsageLimitExceeded")
        expect(yield* Ref.get(answered)).toBe(1)
        expect(yield* Ref.get(counts)).toEqual([1, 3])
      })
  )

  it.effect("a model that cannot count fails the run with a UserError before any request", () =>
    Effect.gen(function* () {
      const answered = yield* Ref.make(0)
      const model = FunctionModel.layer(() =>
        Effect.as(
          Ref.update(answered, (n) => n + 1),
          [new Message.TextPart({ content: "ok" })]
        )
      )
      const error = yield* Agent.run(Agent.make({}), "Hi", {
        usageLimits: { inputTokensLimit: 500, countTokensBeforeRequest: true }
      }).pipe(Effect.provide(model), Effect.flip)
      expect(error).toMatchObject({ _tag: "UserError" })
      expect(error.message).toContain("cannot count tokens")
      expect(yield* Ref.get(answered)).toBe(0)
    })
  )

  it.effect("TestModel counts what its answer will report as input", () =>
    Effect.gen(function* () {
      const allowed = yield* Agent.run(Agent.make({}), "one two three", {
        usageLimits: { inputTokensLimit: 53, countTokensBeforeRequest: true }
      })
      expect(allowed.usage.inputTokens).toBe(53)
      const error = yield* Agent.run(Agent.make({}), "one two three", {
        usageLimits: { inputTokensLimit: 52, countTokensBeforeRequest: true }
      }).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "UsageLimitExceeded", value: 53 })
      const recorded = yield* TestModel.TestModel
      expect(yield* recorded.requests).toHaveLength(1)
    }).pipe(Effect.provide(TestModel.layer({ customOutputText: "done" })))
  )

  it.effect("FallbackModel counts with its first model that can count", () =>
    Effect.gen(function* () {
      const answer = () => Effect.succeed([new Message.TextPart({ content: "ok" })])
      const fallback = FallbackModel.make([
        FunctionModel.make(answer),
        FunctionModel.make(answer, undefined, { countTokens: () => Effect.succeed(900) })
      ])
      const error = yield* Agent.run(Agent.make({}), "Hi", {
        usageLimits: { inputTokensLimit: 500, countTokensBeforeRequest: true }
      }).pipe(Effect.provide(Layer.succeed(Model.Model, fallback)), Effect.flip)
      expect(error).toMatchObject({ _tag: "UsageLimitExceeded", limit: "inputTokens", value: 900 })
    })
  )

  it.effect("under delegation, a child's count is checked against the tree's limits before its request", () =>
    Effect.gen(function* () {
      const answered: Array<string> = []
      const model = FunctionModel.layer(
        (messages, info) => {
          const parent = info.parameters.functionTools.some((tool) => tool.name === "research")
          answered.push(parent ? "parent" : "child")
          if (!parent) return Effect.succeed([new Message.TextPart({ content: "facts" })])
          return Effect.succeed(
            new Message.ModelResponse({
              parts:
                messages.length === 1
                  ? [new Message.ToolCallPart({ toolName: "research", toolCallId: "r", args: { prompt: "facts" } })]
                  : [new Message.TextPart({ content: "done" })],
              usage: new Usage.RequestUsage({ inputTokens: 300, outputTokens: 10 }),
              timestamp: new Date(0)
            })
          )
        },
        undefined,
        // The parent's requests count 300 tokens, the child's 800: 300 + 800 pass the tree's limit of 1,000.
        { countTokens: (_, info) => Effect.succeed(info.parameters.functionTools.length > 0 ? 300 : 800) }
      )
      // The child has no limit of its own: only the tree's limit can stop its request.
      const child = Agent.make({ name: "researcher" })
      const parent = Agent.make({ tools: [Agent.asTool(child, { name: "research", description: "Finds facts" })] })
      const limits = { usageLimits: { inputTokensLimit: 1_000, countTokensBeforeRequest: true } }
      const error = yield* Agent.run(parent, "Research", limits).pipe(Effect.provide(model), Effect.either)
      expect(Either.isLeft(error) ? error.left : "no error").toMatchObject({
        _tag: "UsageLimitExceeded",
        limit: "inputTokens",
        maximum: 1_000,
        value: 1_100
      })
      expect(answered).toEqual(["parent"])
      // Streamed, the child's events joining the parent's stream: the same check.
      const streamed = yield* Stream.runDrain(Agent.runStream(parent, "Research", limits)).pipe(
        Effect.provide(model),
        Effect.either
      )
      expect(Either.isLeft(streamed) ? streamed.left : "no error").toMatchObject({
        _tag: "UsageLimitExceeded",
        limit: "inputTokens",
        value: 1_100
      })
      expect(answered).toEqual(["parent", "parent"])
    })
  )
})
