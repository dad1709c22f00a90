/**
 * Rich tool results end to end: the real SDK and `AnthropicModel` against the loopback Anthropic
 * server. The server receives the tool's image and search result as `tool_result` blocks, and the
 * answer's citations of that search result come back typed, streamed or not.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Redacted, Schema, Stream } from "effect"
import { Agent, Citation, Message, Tool, ToolContent } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"

const modelOf = (server: MockAnthropicServer.Service) =>
  AnthropicModel.layer("claude-sonnet-4-5").pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL })),
    Layer.provide(NodeHttpClient.layerUndici)
  )

const chart = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13])

const searchDocs = Tool.make("search_docs", {
  description: "Searches the knowledge base",
  parameters: Schema.Struct({ query: Schema.String }),
  handler: ({ query }) =>
    Effect.succeed(
      ToolContent.make([
        `Results for ${query}:`,
        ToolContent.searchResult({
          source: "https://kb.example.com/refunds",
          title: "Refund policy",
          content: ["Refunds are paid within 5 days.", "Gift cards are not refunded."],
          citations: true
        }),
        ToolContent.image({ data: chart, mediaType: "image/png" })
      ])
    )
})

// The answer as the API gives it when the model cites a search result a tool returned.
const citedAnswer = MockAnthropicServer.message([
  MockAnthropicServer.textBlock("Refunds take up to 5 days", [
    {
      type: "search_result_location",
      cited_text: "Refunds are paid within 5 days.",
      search_result_index: 0,
      source: "https://kb.example.com/refunds",
      title: "Refund policy",
      start_block_index: 0,
      end_block_index: 1
    }
  ]),
  MockAnthropicServer.textBlock(", except for gift cards.")
])

const expectedCitation = new Citation.SearchResultLocation({
  citedText: "Refunds are paid within 5 days.",
  searchResultIndex: 0,
  source: "https://kb.example.com/refunds",
  title: "Refund policy",
  startBlockIndex: 0,
  endBlockIndex: 1
})

const script = () => [
  MockAnthropicServer.message([MockAnthropicServer.toolUseBlock("search_docs", { query: "refunds" }, "toolu_1")]),
  citedAnswer
]

const sentToolResult = (server: MockAnthropicServer.Service) =>
  Effect.map(server.requests, (requests) => {
    const body = requests.at(-1)?.body as { messages: Array<{ content: Array<Record<string, unknown>> }> }
    return body.messages.at(-1)?.content.find((block) => block.type === "tool_result")
  })

const expectedToolResult = {
  type: "tool_result",
  tool_use_id: "toolu_1",
  is_error: false,
  content: [
    { type: "text", text: "Results for refunds:" },
    {
      type: "search_result",
      source: "https://kb.example.com/refunds",
      title: "Refund policy",
      content: [
        { type: "text", text: "Refunds are paid within 5 days." },
        { type: "text", text: "Gift cards are not refunded." }
      ],
      citations: { enabled: true }
    },
    { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgoAAAAN" } }
  ]
}

describe("rich tool results over the loopback Anthropic server", () => {
  it.scopedLive("a search result and an image go out as tool_result blocks; the cited answer comes back typed", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make(script())
      const agent = Agent.make({ tools: [searchDocs] })
      const result = yield* Agent.run(agent, "How long do refunds take?").pipe(Effect.provide(modelOf(server)))
      expect(result.output).toBe("Refunds take up to 5 days, except for gift cards.")
      expect(yield* sentToolResult(server)).toEqual(expectedToolResult)
      expect(result.response.parts[0]).toEqual(
        new Message.TextPart({ content: "Refunds take up to 5 days", citations: [expectedCitation] })
      )
      // The rich result is kept in history as typed parts, and survives JSON.
      const json = Schema.encodeSync(Message.HistoryFromJson)(result.messages)
      expect(Schema.decodeUnknownSync(Message.HistoryFromJson)(json)).toEqual(result.messages)
      const returned = result.messages
        .flatMap((message) => (message._tag === "ModelRequest" ? message.parts : []))
        .find((part) => part._tag === "ToolReturnPart")
      expect(ToolContent.isToolContent(returned?.content)).toBe(true)
    })
  )

  it.scopedLive("streamed: citations_delta events become the same typed citations", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make(script())
      const agent = Agent.make({ tools: [searchDocs] })
      const events = Chunk.toReadonlyArray(
        yield* Stream.runCollect(
          Agent.runStream(agent, "How long do refunds take?").pipe(Stream.provideLayer(modelOf(server)))
        )
      )
      const finished = events.at(-1)
      expect(finished?._tag).toBe("RunFinished")
      const result = finished?._tag === "RunFinished" ? finished.result : undefined
      expect(result?.response.parts[0]).toEqual(
        new Message.TextPart({ content: "Refunds take up to 5 days", citations: [expectedCitation] })
      )
      expect(yield* sentToolResult(server)).toEqual(expectedToolResult)
    })
  )
})
