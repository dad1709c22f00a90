/**
 * Citations sent back in history: a `TextPart`'s citations go back to Claude on its text block, in
 * the shape the Messages API takes (`TextBlockParam.citations`); kinds the request cannot carry are
 * left out.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Redacted, Schema } from "effect"
import { Agent, Citation, Message, Model, Tool, ToolContent, Usage } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { mapRequest } from "../../src/anthropic/internal/requestMapping.js"

const document = { citedText: "Refunds are paid within 5 days.", documentIndex: 0, documentTitle: "Policy" }

const allKinds: ReadonlyArray<Citation.Citation> = [
  new Citation.CharLocation({ ...document, startCharIndex: 0, endCharIndex: 31 }),
  new Citation.PageLocation({ ...document, documentIndex: 1, startPageNumber: 2, endPageNumber: 3 }),
  new Citation.ContentBlockLocation({
    citedText: "Gift cards",
    documentIndex: 2,
    startBlockIndex: 1,
    endBlockIndex: 2
  }),
  new Citation.SearchResultLocation({
    citedText: "Ships in 2 days.",
    searchResultIndex: 0,
    source: "kb://shipping",
    startBlockIndex: 0,
    endBlockIndex: 1
  }),
  new Citation.WebSearchResultLocation({
    citedText: "Paris is the capital.",
    url: "https://example.com/paris",
    title: "Paris",
    encryptedIndex: "EpIBCioIB"
  }),
  // Neither can go back: the request has no shape for the first, the API needs the second's index.
  new Citation.WebSearchResultLocation({ citedText: "Lyon", url: "https://example.com/lyon" }),
  new Citation.UnknownCitation({ type: "audio_location", data: { type: "audio_location", start_ms: 0 } })
]

const assistantBlocksOf = (response: Message.ModelResponse) => {
  const history = [Message.ModelRequest.user("When are refunds paid?"), response, Message.ModelRequest.user("Thanks")]
  const mapped = Either.getOrThrow(mapRequest("claude-sonnet-4-5", history, {}, Model.textParameters))
  return mapped.body.messages[1]?.content
}

const responseOf = (parts: ReadonlyArray<Message.ModelResponsePart>, providerName?: string) =>
  new Message.ModelResponse({
    parts: [...parts],
    usage: Usage.RequestUsage.empty,
    timestamp: new Date(0),
    ...(providerName === undefined ? {} : { providerName })
  })

describe("citations of a TextPart sent back in history (wire payload)", () => {
  it("every kind the Messages API takes goes back on the text block; an unknown kind and an unindexed web result are left out", () => {
    const blocks = assistantBlocksOf(
      responseOf([new Message.TextPart({ content: "Refunds take 5 days.", citations: allKinds })], "anthropic")
    )
    expect(blocks).toEqual([
      {
        type: "text",
        text: "Refunds take 5 days.",
        citations: [
          {
            type: "char_location",
            cited_text: "Refunds are paid within 5 days.",
            document_index: 0,
            document_title: "Policy",
            start_char_index: 0,
            end_char_index: 31
          },
          {
            type: "page_location",
            cited_text: "Refunds are paid within 5 days.",
            document_index: 1,
            document_title: "Policy",
            start_page_number: 2,
            end_page_number: 3
          },
          {
            type: "content_block_location",
            cited_text: "Gift cards",
            document_index: 2,
            document_title: null,
            start_block_index: 1,
            end_block_index: 2
          },
          {
            type: "search_result_location",
            cited_text: "Ships in 2 days.",
            search_result_index: 0,
            source: "kb://shipping",
            title: null,
            start_block_index: 0,
            end_block_index: 1
          },
          {
            type: "web_search_result_location",
            cited_text: "Paris is the capital.",
            url: "https://example.com/paris",
            title: "Paris",
            encrypted_index: "EpIBCioIB"
          }
        ]
      }
    ])
  })

  it("a text block whose citations all drop goes back plain; another provider's citations are not sent", () => {
    const unknownOnly = [new Citation.UnknownCitation({ type: "audio_location", data: {} })]
    expect(
      assistantBlocksOf(responseOf([new Message.TextPart({ content: "Heard it.", citations: unknownOnly })]))
    ).toEqual([{ type: "text", text: "Heard it." }])
    expect(
      assistantBlocksOf(responseOf([new Message.TextPart({ content: "Cited.", citations: allKinds })], "openai"))
    ).toEqual([{ type: "text", text: "Cited." }])
  })
})

const modelOf = (server: MockAnthropicServer.Service) =>
  AnthropicModel.layer("claude-sonnet-4-5").pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL })),
    Layer.provide(NodeHttpClient.layerUndici)
  )

const searchDocs = Tool.make("search_docs", {
  description: "Searches the knowledge base",
  parameters: Schema.Struct({ query: Schema.String }),
  handler: () =>
    Effect.succeed(
      ToolContent.make([
        ToolContent.searchResult({
          source: "https://kb.example.com/refunds",
          title: "Refund policy",
          content: ["Refunds are paid within 5 days."],
          citations: true
        })
      ])
    )
})

const wireCitation = {
  type: "search_result_location" as const,
  cited_text: "Refunds are paid within 5 days.",
  search_result_index: 0,
  source: "https://kb.example.com/refunds",
  title: "Refund policy",
  start_block_index: 0,
  end_block_index: 1
}

describe("citations round trip over the loopback Anthropic server", () => {
  it.scopedLive("a cited answer's citations go back in the next run's history as Claude sent them", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.message([MockAnthropicServer.toolUseBlock("search_docs", { query: "refunds" }, "toolu_1")]),
        MockAnthropicServer.message([MockAnthropicServer.textBlock("Refunds take up to 5 days.", [wireCitation])]),
        MockAnthropicServer.message([MockAnthropicServer.textBlock("Yes, five days.")])
      ])
      const agent = Agent.make({ tools: [searchDocs] })
      const first = yield* Agent.run(agent, "How long do refunds take?").pipe(Effect.provide(modelOf(server)))
      expect(first.response.parts[0]).toMatchObject({ _tag: "TextPart", citations: [{ _tag: "SearchResultLocation" }] })
      // Stored as JSON and loaded back, as an application keeps its conversations.
      const stored = Schema.decodeUnknownSync(Message.HistoryFromJson)(
        Schema.encodeSync(Message.HistoryFromJson)(first.messages)
      )
      const second = yield* Agent.run(agent, "Five days, really?", { messageHistory: stored }).pipe(
        Effect.provide(modelOf(server))
      )
      expect(second.output).toBe("Yes, five days.")
      const requests = yield* server.requests
      const body = requests.at(-1)?.body as { messages: Array<{ role: string; content: Array<unknown> }> }
      const answered = body.messages.filter((message) => message.role === "assistant").at(-1)
      expect(answered?.content).toEqual([
        { type: "text", text: "Refunds take up to 5 days.", citations: [wireCitation] }
      ])
    })
  )
})
