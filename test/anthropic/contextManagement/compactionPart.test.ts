import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Predicate, Redacted, Schema, Stream } from "effect"
import { Agent, Message, Usage } from "effect-claude"
import { AnthropicClient, AnthropicModel, ContextManagement } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { mapMessages } from "../../../src/anthropic/internal/messageMapping.js"
import { mapMessage } from "../../../src/anthropic/internal/responseMapping.js"
import { apiMessage } from "./fixtures.js"

/** A compaction block with every field the API may send, `null`s included, and one from a newer API. */
const compaction = {
  type: "compaction",
  content: "The user is planning a trip to Paris in May.",
  encrypted_content: null,
  signature: "c2lnbmF0dXJl",
  tool_changes: [{ type: "tool_addition", tool: { type: "tool_reference", name: "get_weather" } }],
  future_field: { kept: true }
}

/** A message the server answers with: JSON to a plain request, the API's SSE events to a streamed one. */
const reply = (content: ReadonlyArray<unknown>, stopReason: string): MockAnthropicServer.Message =>
  JSON.parse(JSON.stringify(apiMessage(content, stopReason)))

const expectedPart = new Message.CompactionPart({
  content: "The user is planning a trip to Paris in May.",
  encryptedContent: null,
  signature: "c2lnbmF0dXJl",
  toolChanges: [{ type: "tool_addition", tool: { type: "tool_reference", name: "get_weather" } }],
  providerData: { future_field: { kept: true } },
  provider: "anthropic"
})

const responseWith = (part: Message.ModelResponsePart) =>
  new Message.ModelResponse({ parts: [part], usage: Usage.RequestUsage.empty, timestamp: new Date(0) })

const assistantBlocks = (history: ReadonlyArray<Message.ModelMessage>) =>
  mapMessages(history, new Set()).flatMap((message) => (message.role === "assistant" ? message.content : []))

describe("#16 point 2: CompactionPart", () => {
  it("a compaction block becomes a typed part, every field as received", () => {
    const response = mapMessage(apiMessage([compaction], "compaction"), new Date(0))
    expect(response.parts).toEqual([expectedPart])
    expect(response.finishReason).toBe("suspended")
    // A failed compaction: the summary is null, and nothing else is invented.
    const failed = mapMessage(apiMessage([{ type: "compaction", content: null }], "compaction"), new Date(0))
    expect(failed.parts).toStrictEqual([new Message.CompactionPart({ content: null, provider: "anthropic" })])
  })

  it("a malformed compaction block is an error naming it, never a part", () => {
    expect(() => mapMessage(apiMessage([{ type: "compaction", content: 42 }], "compaction"), new Date(0))).toThrow(
      /malformed compaction block/
    )
  })

  it("goes back to the API exactly as it came, through the history's JSON", () => {
    const history = [
      Message.ModelRequest.user("Plan my trip"),
      mapMessage(apiMessage([compaction], "compaction"), new Date(0))
    ]
    expect(assistantBlocks(history)).toStrictEqual([compaction])
    const json = Schema.encodeSync(Message.HistoryFromJson)(history)
    const decoded = Schema.decodeUnknownSync(Message.HistoryFromJson)(json)
    expect(decoded).toStrictEqual(history)
    expect(assistantBlocks(decoded)).toStrictEqual([compaction])
    // Absent fields stay absent.
    const bare = { type: "compaction", content: "Short summary" }
    expect(assistantBlocks([mapMessage(apiMessage([bare], "compaction"), new Date(0))])).toStrictEqual([bare])
  })

  it("another provider's summary goes back as text; a failed one of another provider not at all", () => {
    const foreign = new Message.CompactionPart({
      content: "Summary elsewhere",
      encryptedContent: "x",
      provider: "openai"
    })
    expect(assistantBlocks([responseWith(foreign)])).toStrictEqual([{ type: "text", text: "Summary elsewhere" }])
    expect(assistantBlocks([responseWith(new Message.CompactionPart({ content: null }))])).toStrictEqual([])
  })
})

const modelLayer = (server: MockAnthropicServer.Service) =>
  AnthropicModel.layer("claude-opus-4-6", {
    anthropic: { contextManagement: [ContextManagement.compact({ pauseAfterCompaction: true })] }
  }).pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL })),
    Layer.provide(NodeHttpClient.layerUndici)
  )

const bodyOf = (request: MockAnthropicServer.ReceivedRequest | undefined): Record<string, unknown> =>
  Predicate.isRecord(request?.body) ? request.body : {}

const messagesOf = (request: MockAnthropicServer.ReceivedRequest | undefined): ReadonlyArray<unknown> => {
  const messages = bodyOf(request).messages
  return Array.isArray(messages) ? messages : []
}

describe("#16 point 2: a compaction over the loopback server", () => {
  it.scopedLive("is kept as a CompactionPart, sent back unchanged, and again after the history's JSON", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([
        reply([compaction], "compaction"),
        reply([{ type: "text", text: "Paris in May it is." }], "end_turn"),
        reply([{ type: "text", text: "Pack an umbrella." }], "end_turn")
      ])
      const agent = Agent.make({})
      const first = yield* Agent.run(agent, "Plan my trip").pipe(Effect.provide(modelLayer(server)))
      expect(first.output).toBe("Paris in May it is.")
      const parts = first.newMessages.flatMap((message) => (message._tag === "ModelResponse" ? message.parts : []))
      expect(parts[0]).toEqual(expectedPart)

      const stored = Schema.encodeSync(Message.HistoryFromJson)(first.messages)
      const history = Schema.decodeUnknownSync(Message.HistoryFromJson)(stored)
      const second = yield* Agent.run(agent, "What should I pack?", { messageHistory: history }).pipe(
        Effect.provide(modelLayer(server))
      )
      expect(second.output).toBe("Pack an umbrella.")

      const requests = yield* server.requests
      expect(requests).toHaveLength(3)
      // The paused turn is continued with the block as it came; the next run sends it again.
      expect(messagesOf(requests[1]).at(-1)).toStrictEqual({ role: "assistant", content: [compaction] })
      // The paused response and its continuation are one assistant turn: the block first, as it came.
      const turns = messagesOf(requests[2]).filter(
        (message) => Predicate.isRecord(message) && message.role === "assistant"
      )
      expect(turns).toStrictEqual([
        { role: "assistant", content: [compaction, { type: "text", text: "Paris in May it is." }] }
      ])
    })
  )

  it.scopedLive("streamed: the part starts, gets its summary in one CompactionDelta, and goes back unchanged", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([
        reply([compaction], "compaction"),
        reply([{ type: "text", text: "Paris in May it is." }], "end_turn")
      ])
      const events = Chunk.toReadonlyArray(
        yield* Stream.runCollect(Agent.runStream(Agent.make({}), "Plan my trip")).pipe(
          Effect.provide(modelLayer(server))
        )
      )
      const starts = events.flatMap((event) => (event._tag === "PartStart" ? [event.part] : []))
      expect(starts[0]).toEqual(new Message.CompactionPart({ ...expectedPart, content: null }))
      const deltas = events.flatMap((event) =>
        event._tag === "PartDelta" && event.delta._tag === "CompactionDelta" ? [event.delta] : []
      )
      expect(deltas).toEqual([{ _tag: "CompactionDelta", content: compaction.content, encryptedContent: null }])
      const requests = yield* server.requests
      expect(requests).toHaveLength(2)
      expect(bodyOf(requests[0]).stream).toBe(true)
      expect(messagesOf(requests[1]).at(-1)).toStrictEqual({ role: "assistant", content: [compaction] })
    })
  )
})
