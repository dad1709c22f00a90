/**
 * Requests the API is certain to reject fail with a clear `UserError` before anything is sent:
 * the loopback server must not see a single request.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema, Stream } from "effect"
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
