/**
 * Whole agent runs against recorded Claude traffic: the real SDK and `AnthropicModel` answer from a
 * transcript (`Transcript.layer` replays it as the HTTP client), and the run must reach the
 * recorded final output with the recorded usage.
 */

import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Predicate, Redacted, Schema, Stream } from "effect"
import { Agent, AgentEvent, type ModelSettings, Output, Tool, Usage } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { MockAnthropicServer, Transcript } from "effect-claude/testing"

const transcripts = new URL("../fixtures/transcripts/", import.meta.url)

/** Claude `modelName` answering from transcript `name`. */
const replay = (name: string, modelName: string, settings?: ModelSettings.ModelSettings) =>
  AnthropicModel.layer(modelName, settings).pipe(
    Layer.provideMerge(AnthropicClient.layer({ apiKey: Redacted.make("sk-ant-test") })),
    Layer.provideMerge(Transcript.layer(new URL(`${name}.json`, transcripts)))
  )

/** The bodies of the requests the SDK sent, once the whole recording was used. */
const sentBodies = Effect.gen(function* () {
  const transcript = yield* Transcript.Transcript
  expect(yield* transcript.remaining).toBe(0)
  const received = yield* transcript.received
  return received.map((request) => (Predicate.isRecord(request.body) ? request.body : {}))
})

const userCountry = Tool.make("get_user_country", {
  parameters: Schema.Struct({}),
  handler: () => Effect.succeed("Mexico")
})

const CityLocation = Schema.Struct({ city: Schema.String, country: Schema.String })

/** The run's usage: the recorded counts summed, the API's raw counts kept in `details`. */
const recordedUsage = (requests: number, toolCalls: number, inputTokens: number, outputTokens: number) =>
  new Usage.RunUsage({
    requests,
    toolCalls,
    inputTokens,
    outputTokens,
    details: {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      ephemeral_1h_input_tokens: 0,
      ephemeral_5m_input_tokens: 0
    }
  })

describe("agent runs over recorded Claude traffic", () => {
  it.effect("multiple_parallel_tool_calls: four parallel tool calls, then the answer", () => {
    const facts = new Map([
      ["Alice", "alice is bob's wife"],
      ["Bob", "bob is alice's husband"],
      ["Charlie", "charlie is alice's son"],
      ["Daisy", "daisy is bob's daughter and charlie's younger sister"]
    ])
    const retrieve = Tool.make("retrieve_entity_info", {
      description: "Get the knowledge about the given entity.",
      parameters: Schema.Struct({ name: Schema.String }),
      handler: ({ name }) => Effect.succeed(facts.get(name) ?? "unknown")
    })
    const agent = Agent.make({
      instructions:
        "Use the `retrieve_entity_info` tool to get information about a specific person. If you need to use `retrieve_entity_info` to get information about multiple people, try to call them in parallel as much as possible. Think step by step and then provide a single most probable concise answer.",
      tools: [retrieve]
    })
    return Effect.gen(function* () {
      const result = yield* Agent.run(agent, "Alice, Bob, Charlie and Daisy are a family. Who is the youngest?")
      expect(result.output).toMatch(/^Based on the retrieved information, we can see the family relationships:/)
      expect(result.output).toContain("Therefore, Daisy is the youngest in the family.")
      expect(result.usage).toEqual(recordedUsage(2, 4, 423 + 771, 202 + 77))
      const [, second] = yield* sentBodies
      const messages = Array.isArray(second?.messages) ? second.messages : []
      const results = messages.at(-1)
      expect(results).toMatchObject({
        role: "user",
        content: [...facts.values()].map((content) => ({ type: "tool_result", content, is_error: false }))
      })
    }).pipe(Effect.provide(replay("multiple_parallel_tool_calls", "claude-haiku-4-5")))
  })

  it.effect("anthropic_tool_output: structured output through the forced output tool", () =>
    Effect.gen(function* () {
      const result = yield* Agent.run(
        Agent.make({ tools: [userCountry], output: CityLocation }),
        "What is the largest city in the user country?"
      )
      expect(result.output).toEqual({ city: "Mexico City", country: "Mexico" })
      expect(result.usage).toEqual(recordedUsage(2, 1, 445 + 497, 23 + 56))
      const [first] = yield* sentBodies
      expect(first?.tool_choice).toEqual({ type: "any" })
      expect(first?.tools).toMatchObject([
        { name: "get_user_country" },
        {
          name: "final_result",
          description: "The final response which ends this conversation",
          input_schema: { type: "object", required: ["city", "country"] }
        }
      ])
    }).pipe(Effect.provide(replay("anthropic_tool_output", "claude-sonnet-4-5")))
  )

  it.effect("anthropic_prompted_output: the schema in the instructions, the JSON answer parsed", () =>
    Effect.gen(function* () {
      const result = yield* Agent.run(
        Agent.make({ tools: [userCountry], output: Output.prompted(CityLocation) }),
        "What is the largest city in the user country? Use the get_user_country tool and then your own world knowledge."
      )
      expect(result.output).toEqual({ city: "Mexico City", country: "Mexico" })
      expect(result.usage).toEqual(recordedUsage(2, 1, 459 + 510, 38 + 17))
      const [first] = yield* sentBodies
      expect(JSON.stringify(first?.system)).toContain(
        "Always respond with a JSON object that's compatible with this schema"
      )
      expect(first?.tool_choice).toEqual({ type: "auto" })
    }).pipe(Effect.provide(replay("anthropic_prompted_output", "claude-sonnet-4-5")))
  )

  it.effect("anthropic_tool_with_thinking: thinking is replayed with the tool results", () =>
    Effect.gen(function* () {
      const result = yield* Agent.run(
        Agent.make({ tools: [userCountry] }),
        "What is the largest city in the user country?"
      )
      expect(result.output).toMatch(
        /^Based on the information that you're from Mexico, the largest city in your country is \*\*Mexico City\*\*/
      )
      expect(result.usage).toEqual(recordedUsage(2, 1, 398 + 566, 155 + 126))
      const [, second] = yield* sentBodies
      const messages = Array.isArray(second?.messages) ? second.messages : []
      expect(messages[1]).toMatchObject({
        role: "assistant",
        content: [{ type: "thinking" }, { type: "text" }, { type: "tool_use" }]
      })
    }).pipe(
      Effect.provide(replay("anthropic_tool_with_thinking", "claude-sonnet-4-0", { thinking: { budgetTokens: 3000 } }))
    )
  )
})

describe("agent runs against the loopback Anthropic server", () => {
  it.scopedLive("runStream over real SSE: tool events between the answers, streamed text equals the output", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.message([
          MockAnthropicServer.textBlock("Let me check the country. "),
          MockAnthropicServer.toolUseBlock("get_user_country", {}, "toolu_1")
        ]),
        MockAnthropicServer.textMessage("The largest city in Mexico is Mexico City, with about 9 million people.")
      ])
      const model = AnthropicModel.layer("claude-sonnet-4-5").pipe(
        Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL })),
        Layer.provide(NodeHttpClient.layerUndici)
      )
      const events = Chunk.toReadonlyArray(
        yield* Stream.runCollect(
          Agent.runStream(Agent.make({ tools: [userCountry] }), "Largest city in my country?").pipe(
            Stream.provideLayer(model)
          )
        )
      )
      const last = events.at(-1)
      if (last?._tag !== "RunFinished") throw new Error("the last event is not RunFinished")
      const toolEvents = events.flatMap((event) =>
        event._tag === "ToolCallStarted"
          ? [`call ${event.part.toolName}`]
          : event._tag === "ToolResult"
            ? ["result"]
            : []
      )
      expect(toolEvents).toEqual(["call get_user_country", "result"])
      const afterTools = events.slice(events.findIndex((event) => event._tag === "ToolResult") + 1)
      expect(afterTools.map(AgentEvent.textOf).join("")).toBe(last.result.output)
      expect(last.result.output).toBe("The largest city in Mexico is Mexico City, with about 9 million people.")
      const received = yield* server.requests
      expect(received.map((request) => request.stream)).toEqual([true, true])
    })
  )
})
