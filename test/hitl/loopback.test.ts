/**
 * Human-in-the-loop features end to end: the real SDK and `AnthropicModel` against the loopback
 * Anthropic server.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Redacted, Schema, Stream } from "effect"
import { Agent, AgentEvent, DeferredTools, HistoryProcessor, RunContext, Tool } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"

const modelOf = (server: MockAnthropicServer.Service) =>
  AnthropicModel.layer("claude-sonnet-4-5").pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL })),
    Layer.provide(NodeHttpClient.layerUndici)
  )

const bodyText = (request: { readonly body?: unknown }) => JSON.stringify(request.body ?? null)

describe("human in the loop over the loopback Anthropic server", () => {
  it.scopedLive("point 1: deferred tools and approval: a call waits, the resumed run sends its result", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.message([
          MockAnthropicServer.toolUseBlock("delete_file", { path: "a.txt" }, "toolu_1"),
          MockAnthropicServer.toolUseBlock("ship_order", { orderId: 7 }, "toolu_2")
        ]),
        MockAnthropicServer.textMessage("Deleted a.txt and shipped order 7.")
      ])
      const deleteFile = Tool.make("delete_file", {
        parameters: Schema.Struct({ path: Schema.String }),
        handler: ({ path }) => Effect.succeed(`deleted ${path}`),
        needsApproval: true
      })
      const shipOrder = Tool.external("ship_order", { parameters: Schema.Struct({ orderId: Schema.Number }) })
      const agent = Agent.make({ tools: [deleteFile, shipOrder] })
      const first = yield* Agent.run(agent, "Delete a.txt, ship order 7").pipe(Effect.provide(modelOf(server)))
      const pending = DeferredTools.isPendingCalls(first.output) ? first.output.calls : []
      expect(pending.map((call) => [call.toolCallId, call.kind, call.args])).toEqual([
        ["toolu_1", "approval", { path: "a.txt" }],
        ["toolu_2", "external", { orderId: 7 }]
      ])
      const answers = [DeferredTools.approve("toolu_1"), DeferredTools.result("toolu_2", "shipped")]
      const resumed = yield* Agent.resume(agent, answers, { messageHistory: first.messages }).pipe(
        Effect.provide(modelOf(server))
      )
      expect(resumed.output).toBe("Deleted a.txt and shipped order 7.")
      const requests = yield* server.requests
      const second = bodyText(requests.at(-1) ?? {})
      expect(second).toContain('"tool_use_id":"toolu_1"')
      expect(second).toContain("deleted a.txt")
      expect(second).toContain('"tool_use_id":"toolu_2"')
    })
  )

  it.scopedLive("point 1: deferred tools and approval: decoded arguments after the SDK round trip", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.message([
          MockAnthropicServer.toolUseBlock("book", { room: "A1", day: "2026-12-24T00:00:00.000Z" }, "toolu_1"),
          MockAnthropicServer.toolUseBlock("book", { room: "B2" }, "toolu_2")
        ]),
        MockAnthropicServer.textMessage("Booked.")
      ])
      const booked: Array<string> = []
      const book = Tool.make("book", {
        parameters: Schema.Struct({ room: Schema.String, day: Schema.DateFromString }),
        handler: ({ day, room }) =>
          Effect.sync(() => booked.push(`${room} ${day.toISOString()}`)).pipe(Effect.as("ok")),
        needsApproval: true
      })
      const agent = Agent.make({ tools: [book] })
      const first = yield* Agent.run(agent, "Book rooms").pipe(Effect.provide(modelOf(server)))
      // The call without a day does not wait: it goes back to the model as a retry. The other waits, decoded.
      const pending = DeferredTools.isPendingCalls(first.output) ? first.output.calls : []
      expect(pending.map((call) => [call.toolCallId, call.args, call.input])).toEqual([
        [
          "toolu_1",
          { room: "A1", day: new Date("2026-12-24T00:00:00.000Z") },
          { room: "A1", day: "2026-12-24T00:00:00.000Z" }
        ]
      ])
      // An approval may change the decoded arguments: the tool runs with them.
      const answers = pending.map((call) =>
        DeferredTools.approve(call, { args: { ...call.args, day: new Date("2026-12-31T00:00:00.000Z") } })
      )
      const resumed = yield* Agent.resume(agent, answers, { messageHistory: first.messages }).pipe(
        Effect.provide(modelOf(server))
      )
      expect(resumed.output).toBe("Booked.")
      expect(booked).toEqual(["A1 2026-12-31T00:00:00.000Z"])
      const second = bodyText((yield* server.requests).at(-1) ?? {})
      expect(second).toContain('"tool_use_id":"toolu_2"')
      expect(second).toContain('"is_error":true')
    })
  )

  it.scopedLive("point 6: partial structured output: the output tool's streamed arguments as partials", () =>
    Effect.gen(function* () {
      const answer = { title: "Pancakes", steps: ["Mix", "Fry", "Serve"] }
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.message([MockAnthropicServer.toolUseBlock("final_result", answer, "toolu_out")])
      ])
      const agent = Agent.make({ output: Schema.Struct({ title: Schema.String, steps: Schema.Array(Schema.String) }) })
      const outputs = Chunk.toReadonlyArray(
        yield* Stream.runCollect(Agent.streamOutput(agent, "A recipe").pipe(Stream.provideLayer(modelOf(server))))
      )
      expect(outputs.at(-1)).toEqual(answer)
      expect(outputs.length).toBeGreaterThan(1)
    })
  )

  it.scopedLive("points 2 and 3: dynamic instructions and history processors: what the SDK sends", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.textMessage("First answer."),
        MockAnthropicServer.textMessage("Second answer.")
      ])
      const agent = Agent.make({
        instructions: Effect.map(RunContext.RunContext, (run) => `Prompt: ${String(run.prompt)}.`),
        historyProcessors: [HistoryProcessor.keepLastTurns(1)]
      })
      const first = yield* Agent.run(agent, "one").pipe(Effect.provide(modelOf(server)))
      yield* Agent.run(agent, "two", { messageHistory: first.messages }).pipe(Effect.provide(modelOf(server)))
      const requests = yield* server.requests
      const second = bodyText(requests.at(-1) ?? {})
      expect(second).toContain("Prompt: two.")
      expect(second).not.toContain("First answer.")
    })
  )

  it.scopedLive("point 4: per-step preparation: the tools, tool choice and settings the SDK sends", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.message([MockAnthropicServer.toolUseBlock("fetch_page", { url: "a" }, "toolu_1")]),
        MockAnthropicServer.textMessage("The page says hello.")
      ])
      const search = Tool.make("search", {
        description: "Searches",
        parameters: Schema.Struct({ query: Schema.String }),
        handler: () => Effect.succeed("nothing"),
        prepare: (definition) =>
          Effect.map(RunContext.RunContext, (run) => ({ ...definition, description: `Searches (step ${run.runStep})` }))
      })
      const fetchPage = Tool.make("fetch_page", {
        parameters: Schema.Struct({ url: Schema.String }),
        handler: ({ url }) => Effect.succeed(`hello from ${url}`)
      })
      const agent = Agent.make({
        tools: [search, fetchPage],
        prepareStep: () =>
          Effect.map(RunContext.RunContext, (run) =>
            run.runStep === 1
              ? { toolChoice: { tool: "fetch_page" }, settings: { temperature: 0 } }
              : { toolChoice: "none" }
          )
      })
      const result = yield* Agent.run(agent, "Read page a").pipe(Effect.provide(modelOf(server)))
      expect(result.output).toBe("The page says hello.")
      const bodies = (yield* server.requests).map((request) => request.body as Record<string, unknown>)
      expect(bodies.map((body) => body.tool_choice)).toEqual([{ type: "tool", name: "fetch_page" }, { type: "none" }])
      expect(bodies.map((body) => body.temperature)).toEqual([0, undefined])
      const toolsOf = (body: Record<string, unknown>) =>
        (body.tools as ReadonlyArray<{ readonly name: string; readonly description?: string }>).map((tool) =>
          tool.name === "search" ? `${tool.name}: ${tool.description}` : tool.name
        )
      // A forced tool is offered alone; with `none` the tools stay declared, as the history holds a call.
      expect(bodies.map(toolsOf)).toEqual([["fetch_page"], ["search: Searches (step 2)", "fetch_page"]])
    })
  )

  it.scopedLive("point 5: delegation: the child's requests through the SDK, its events in the parent's stream", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.message([
          MockAnthropicServer.toolUseBlock("ask_researcher", { prompt: "A fact about tides" }, "toolu_1")
        ]),
        MockAnthropicServer.textMessage("The Moon raises the tides."),
        MockAnthropicServer.textMessage("Fact: the Moon raises the tides.")
      ])
      const researcher = Agent.make({ name: "researcher", instructions: "Answer with one fact." })
      const editor = Agent.make({
        tools: [Agent.asTool(researcher, { name: "ask_researcher", description: "Finds a fact" })]
      })
      const events = Chunk.toReadonlyArray(
        yield* Stream.runCollect(
          Agent.runStream(editor, "Tell me about tides", { usageLimits: { requestLimit: 3 } }).pipe(
            Stream.provideLayer(modelOf(server))
          )
        )
      )
      const last = events.at(-1)
      const result = last?._tag === "RunFinished" ? last.result : undefined
      expect(result?.output).toBe("Fact: the Moon raises the tides.")
      expect(result?.usage.requests).toBe(3)
      const child = events.flatMap((event) =>
        event._tag === "ChildEvent" && event.agentName === "researcher" ? [event.event] : []
      )
      expect(child.map(AgentEvent.textOf).join("")).toBe("The Moon raises the tides.")
      expect(child.at(-1)?._tag).toBe("RunFinished")
      const bodies = (yield* server.requests).map(bodyText)
      expect(bodies[1]).toContain("A fact about tides")
      expect(bodies[1]).toContain("Answer with one fact.")
      expect(bodies[2]).toContain('"tool_use_id":"toolu_1"')
    })
  )
})
