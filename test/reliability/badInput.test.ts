/**
 * Requests the API is certain to reject fail with a clear `UserError` before anything is sent:
 * the loopback server must not see a single request.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Schema, Stream } from "effect"
import { Agent, Message, Model, type ModelSettings, Output, Tool } from "effect-claude"
import { collect, failureOf, M, serve, watchUnhandledRejections, withClaude } from "./harness.js"

watchUnhandledRejections()

const lookup = Tool.make("lookup", {
  description: "Looks a word up",
  parameters: Schema.Struct({ word: Schema.String }),
  handler: ({ word }) => Effect.succeed(word)
})

/**
 * Runs the agent on `prompt` both ways (whole and streamed) and returns the message of the
 * `UserError` each failed with; the server must have received nothing.
 */
const rejected = (
  agent: Agent.Agent<unknown, never, never>,
  prompt: string | ReadonlyArray<Message.UserContent>,
  options: Agent.RunOptions = {}
) =>
  Effect.gen(function* () {
    const server = yield* serve(M.textMessage("should never be sent"))
    const whole = failureOf(yield* Effect.exit(Agent.run(agent, prompt, options).pipe(withClaude(server))), "UserError")
    const streamed = yield* collect(Agent.runStream(agent, prompt, options)).pipe(withClaude(server))
    expect(failureOf(streamed.exit, "UserError").message).toBe(whole.message)
    expect(streamed.events).toEqual([])
    expect(yield* server.requestCount).toBe(0)
    return whole.message
  })

describe("bad input fails with UserError before any request", () => {
  it.scopedLive("a thinking budget below 1024 tokens", () =>
    Effect.gen(function* () {
      const settings: ModelSettings.ModelSettings = { maxTokens: 4096, thinking: { budgetTokens: 1000 } }
      expect(yield* rejected(Agent.make({}), "Think hard", { settings })).toBe(
        "Anthropic needs a thinking budget of at least 1024 tokens, got 1000"
      )
    })
  )

  it.scopedLive("a cache point with nothing before it to cache", () =>
    Effect.gen(function* () {
      const prompt = [new Message.CachePoint({}), new Message.TextContent({ text: "Hello" })]
      expect(yield* rejected(Agent.make({}), prompt)).toBe(
        "A CachePoint must follow some user content: it caches what comes before it"
      )
    })
  )

  it.scopedLive("more than 4 cache breakpoints from the system prompt and tools alone", () =>
    Effect.gen(function* () {
      const cachedBlock = (text: string) => ({ type: "text", text, cache_control: { type: "ephemeral" } })
      const settings: ModelSettings.ModelSettings = {
        extraBody: {
          system: [cachedBlock("You are terse."), cachedBlock("You like tables."), cachedBlock("Be kind.")]
        },
        anthropic: { cacheInstructions: true, cacheToolDefinitions: true, automaticCaching: true }
      }
      expect(yield* rejected(Agent.make({ tools: [lookup] }), "Define 'cache'", { settings })).toBe(
        "Anthropic allows at most 4 cache points per request, but the system prompt, tool definitions and automatic caching alone use 5"
      )
    })
  )

  it.scopedLive("an empty prompt with no history", () =>
    Effect.gen(function* () {
      const message = "Nothing to send: the prompt is empty and no message of the history has content"
      expect(yield* rejected(Agent.make({ instructions: "Be brief." }), "")).toBe(message)
      expect(yield* rejected(Agent.make({}), [])).toBe(message)
      expect(yield* rejected(Agent.make({}), "", { messageHistory: [] })).toBe(message)
      // The model alone, asked about nothing.
      const server = yield* serve(M.textMessage("should never be sent"))
      const asked = yield* Effect.exit(
        Effect.flatMap(Model.Model, (model) => model.request([], {}, Model.textParameters)).pipe(withClaude(server))
      )
      expect(failureOf(asked, "UserError").message).toBe(message)
      const streamed = yield* collect(
        Stream.unwrap(Effect.map(Model.Model, (model) => model.requestStream([], {}, Model.textParameters)))
      ).pipe(withClaude(server))
      expect(failureOf(streamed.exit, "UserError").message).toBe(message)
      expect(yield* server.requestCount).toBe(0)
    })
  )

  it.scopedLive("an unknown output mode", () =>
    Effect.gen(function* () {
      // What a JavaScript caller, or data read from a config file, could hand over.
      const xml: Output.Output<string> = Object.assign(Object.create(Object.getPrototypeOf(Output.text)), {
        ...Output.text,
        mode: "xml"
      })
      expect(yield* rejected(Agent.make({ output: xml }), "Answer in XML")).toBe("Unknown output mode 'xml'")

      const server = yield* serve(M.textMessage("should never be sent"))
      const parameters = { ...Model.textParameters, outputMode: "xml" } as unknown as Model.ModelRequestParameters
      const asked = yield* Effect.exit(
        Effect.flatMap(Model.Model, (model) => model.request([Message.ModelRequest.user("Hi")], {}, parameters)).pipe(
          withClaude(server)
        )
      )
      expect(failureOf(asked, "UserError").message).toBe("Unknown output mode 'xml'")
      expect(yield* server.requestCount).toBe(0)
    })
  )
})

describe("settings, names and values the API rejects fail with a UserError naming the field", () => {
  const cases: ReadonlyArray<readonly [string, ModelSettings.ModelSettings, RegExp]> = [
    ["negative maxTokens", { maxTokens: -5 }, /settings\.maxTokens/],
    ["fractional maxTokens", { maxTokens: 10.5 }, /settings\.maxTokens/],
    ["NaN temperature", { temperature: Number.NaN }, /settings\.temperature/],
    ["infinite temperature", { temperature: Number.POSITIVE_INFINITY }, /settings\.temperature/],
    ["topP above 1", { topP: 1.5 }, /settings\.topP/],
    ["negative topK", { topK: -1 }, /settings\.topK/],
    ["an extraBody holding a function", { extraBody: { hook: () => 1 } }, /settings\.extraBody.*\$\.hook/],
    ["an extraBody holding a BigInt", { extraBody: { big: 10n } }, /settings\.extraBody/],
    ["a malformed duration", { timeout: "soon" as never }, /settings\.timeout/]
  ]
  for (const [name, settings, message] of cases) {
    it.scopedLive(name, () =>
      Effect.gen(function* () {
        expect(yield* rejected(Agent.make({}), "Hi", { settings })).toMatch(message)
      })
    )
  }

  it.scopedLive("tool names the API does not accept", () =>
    Effect.gen(function* () {
      for (const name of ["has space", "", "x".repeat(65), "naïve", "line\nbreak"]) {
        const tool = Tool.make(name, {
          description: "A tool",
          parameters: Schema.Struct({}),
          handler: () => Effect.succeed("ok")
        })
        expect(yield* rejected(Agent.make({ tools: [tool] }), "Hi")).toMatch(/Tool name .* is not accepted/)
      }
    })
  )

  it.scopedLive("a whitespace-only prompt is no prompt", () =>
    Effect.gen(function* () {
      expect(yield* rejected(Agent.make({}), "  \n\t ")).toMatch(/Nothing to send/)
    })
  )
})

describe("durations are normalised, not failed", () => {
  it.scopedLive("30 days, infinity and 1.5 ms give a working request", () =>
    Effect.gen(function* () {
      const server = yield* serve(M.textMessage("fine"))
      for (const timeout of ["30 days", Duration.infinity, "1.5 millis"] as const) {
        const result = yield* Agent.run(Agent.make({}), "Hi", {
          settings: { timeout: timeout === "1.5 millis" ? Duration.millis(1.5) : timeout }
        }).pipe(Effect.either, withClaude(server))
        // 1.5 ms may really time out on a loaded machine; it must never be the SDK's integer check.
        if (result._tag === "Left") expect(result.left._tag).toBe("APIConnectionTimeoutError")
        else expect(result.right.output).toBe("fine")
      }
    })
  )
})

describe("tool results that cannot become JSON", () => {
  const circular: Record<string, unknown> = { name: "loop" }
  circular.self = circular
  const results: ReadonlyArray<readonly [string, unknown]> = [
    ["a BigInt", { count: 10n }],
    ["a cycle", circular],
    ["a Map", new Map([["a", 1]])],
    ["a Set", new Set([1])],
    ["a function", { run: () => 1 }]
  ]
  for (const [name, value] of results) {
    it.scopedLive(`${name}: a UserError naming the tool, never a defect`, () =>
      Effect.gen(function* () {
        const odd = Tool.make("odd_result", {
          description: "Returns something odd",
          parameters: Schema.Struct({}),
          handler: () => Effect.succeed(value)
        })
        const server = yield* serve([M.toolUseMessage([{ name: "odd_result", input: {} }]), M.textMessage("never")])
        const exit = yield* Effect.exit(Agent.run(Agent.make({ tools: [odd] }), "Go").pipe(withClaude(server)))
        expect(failureOf(exit, "UserError").message).toMatch(/odd_result/)
        expect(yield* server.requestCount).toBe(1)
      })
    )
  }
})
