import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Schema, Stream } from "effect"
import { Agent, AgentError, AgentEvent, Message, Model, Tool, Usage } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { call, response, scripted, text } from "./helpers.js"

const ping = Tool.make("ping", { parameters: Schema.Struct({}), handler: () => Effect.succeed("pong") })
const loops = Agent.make({ tools: [ping] })
const alwaysPing = () => scripted([(messages) => Effect.succeed([call("ping", {}, `c${messages.length}`)])])

describe("usage limits", () => {
  it.effect("stops before a request past requestLimit, with the numbers in the message", () => {
    const model = alwaysPing()
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(loops, "go", { usageLimits: { requestLimit: 3 } }))
      expect(error).toEqual(
        new AgentError.UsageLimitExceeded({
          limit: "requests",
          maximum: 3,
          value: 4,
          message: "The next request would exceed the requests limit of 3 (requests: 4)"
        })
      )
      expect(model.requests).toHaveLength(3)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("limits a run to 50 requests by default", () => {
    const model = alwaysPing()
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(loops, "go"))
      expect(error._tag === "UsageLimitExceeded" && [error.limit, error.maximum]).toEqual(["requests", 50])
      expect(model.requests).toHaveLength(50)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("the run's limits override the agent's, field by field", () => {
    const model = alwaysPing()
    const agent = Agent.make({ tools: [ping], usageLimits: { requestLimit: 2, toolCallsLimit: 100 } })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(agent, "go", { usageLimits: { requestLimit: 4 } }))
      expect(error._tag === "UsageLimitExceeded" && error.maximum).toBe(4)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("checks token limits after each response", () => {
    const check = (limits: Usage.UsageLimits, expected: Partial<AgentError.UsageLimitExceeded>) => {
      const model = alwaysPing()
      return Effect.gen(function* () {
        const error = yield* Effect.flip(Agent.run(loops, "go", { usageLimits: limits }))
        expect(error).toMatchObject(expected)
        return model.requests.length
      }).pipe(Effect.provide(model.layer))
    }
    return Effect.gen(function* () {
      // Each scripted response reports 10 input and 5 output tokens.
      expect(
        yield* check(
          { totalTokensLimit: 40 },
          {
            limit: "totalTokens",
            maximum: 40,
            value: 45,
            message: "Exceeded the totalTokens limit of 40 (totalTokens: 45)"
          }
        )
      ).toBe(3)
      expect(yield* check({ inputTokensLimit: 15 }, { limit: "inputTokens", value: 20 })).toBe(2)
      expect(yield* check({ outputTokensLimit: 5 }, { limit: "outputTokens", value: 10 })).toBe(2)
    })
  })
})

describe("odd model behaviour", () => {
  it.effect("an empty response gets one retry prompt", () => {
    const model = scripted([[], [text("Hello!")]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({}), "Hi")
      expect(result.output).toBe("Hello!")
      expect(result.messages).toEqual([
        Message.ModelRequest.user("Hi"),
        response([]),
        new Message.ModelRequest({ parts: [new Message.RetryPromptPart({ content: "Please return text." })] }),
        response([text("Hello!")])
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a second empty response fails with UnexpectedModelBehavior", () => {
    const model = scripted([[]])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({ tools: [ping] }), "Hi"))
      expect(error).toEqual(
        new AgentError.UnexpectedModelBehavior({
          message: "Exceeded maximum retries (1) for output validation: Please return text or call a tool.",
          body: "Please return text or call a tool."
        })
      )
      expect(model.requests).toHaveLength(2)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("an empty response cut off by the token limit fails at once", () => {
    const model = scripted([response([], { finishReason: "length" })])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({ settings: { maxTokens: 64 } }), "Hi"))
      expect(error).toEqual(
        new AgentError.UnexpectedModelBehavior({
          message:
            "Model token limit (64) exceeded before any response was generated. Increase the maxTokens setting, or simplify the prompt."
        })
      )
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a tool call cut off by the token limit fails with IncompleteToolCall", () => {
    const model = scripted([
      response([text("Checking"), call("ping", '{"city": "Par', "c1")], { finishReason: "length" })
    ])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(loops, "Hi"))
      expect(error).toEqual(
        new AgentError.IncompleteToolCall({
          message:
            "Model token limit (provider default) exceeded while generating a tool call, so its arguments are incomplete. Increase the maxTokens setting, or simplify the prompt so the answer fits.",
          toolName: "ping",
          toolCallId: "c1"
        })
      )
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a refusal fails with ContentFilterError carrying the response", () => {
    const refused = new Message.ModelResponse({
      ...response([text("I can't help with that.")], { finishReason: "content_filter" }),
      providerDetails: { stop_reason: "refusal" }
    })
    const model = scripted([refused])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({}), "Hi"))
      expect(error._tag).toBe("ContentFilterError")
      expect(error.message).toBe("Content filter triggered. Finish reason: 'refusal'")
      const body = error._tag === "ContentFilterError" ? error.body : undefined
      expect(Schema.decodeUnknownSync(Schema.parseJson(Message.ModelResponse))(body)).toEqual(refused)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a paused turn is continued and merged into one response", () => {
    const search = new Message.BuiltinToolCallPart({ toolName: "web_search", args: { query: "x" }, toolCallId: "s1" })
    const found = new Message.BuiltinToolReturnPart({ toolName: "web_search", toolCallId: "s1", content: ["result"] })
    const paused = response([search], { finishReason: "suspended" })
    const model = scripted([paused, response([found, text("Found it.")])])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({}), "Search")
      expect(result.output).toBe("Found it.")
      // The continuation request is the conversation with the paused response as it is.
      expect(model.requests[1]!.messages).toEqual([Message.ModelRequest.user("Search"), paused])
      expect(result.messages).toEqual([
        Message.ModelRequest.user("Search"),
        new Message.ModelResponse({
          ...response([search, found, text("Found it.")]),
          usage: Usage.addRequestUsage(paused.usage, paused.usage)
        })
      ])
      expect(result.usage.requests).toBe(2)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a turn paused too often fails with UnexpectedModelBehavior", () => {
    const model = scripted([response([text("…")], { finishReason: "suspended" })])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({ maxContinuations: 2 }), "Search"))
      expect(error).toEqual(
        new AgentError.UnexpectedModelBehavior({
          message: "The model paused its turn 3 times; stopped after 2 continuations"
        })
      )
      expect(model.requests).toHaveLength(3)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a streamed paused turn continues with part indexes following the first response's", () => {
    let requests = 0
    const service = FunctionModel.make(undefined, () =>
      Stream.suspend(() => {
        requests += 1
        return requests === 1 ? Stream.make("Searching. ") : Stream.make("Found ", "it.")
      })
    )
    // FunctionModel reports `stop`; this wrapper marks the first response as paused.
    const pausing: Model.Service = {
      ...service,
      requestStream: (messages, settings, parameters) =>
        service
          .requestStream(messages, settings, parameters)
          .pipe(
            Stream.map((event) =>
              event._tag === "ResponseMetadata" && requests === 1
                ? { ...event, finishReason: "suspended" as const }
                : event
            )
          )
    }
    return Effect.gen(function* () {
      const events = Chunk.toReadonlyArray(
        yield* Stream.runCollect(
          Agent.runStream(Agent.make({}), "Search").pipe(Stream.provideService(Model.Model, pausing))
        )
      )
      const starts = events.flatMap((event) => (event._tag === "PartStart" ? [event.index] : []))
      expect(starts).toEqual([0, 1])
      const last = events.at(-1)
      expect(last?._tag === "RunFinished" && last.result.output).toBe("Searching. Found it.")
      expect(events.map(AgentEvent.textOf).join("")).toBe("Searching. Found it.")
    })
  })
})
