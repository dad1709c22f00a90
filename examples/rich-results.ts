/**
 * Rich tool results: a knowledge-base tool answers with search results (citable) and a chart image,
 * instead of one JSON string. The request Claude gets carries them as `search_result` and `image`
 * blocks inside the `tool_result`; Claude's answer cites the search result, and the citations come
 * back typed (`Citation.SearchResultLocation`). The conversation, image bytes included, is stored
 * as JSON and loaded back.
 *
 * Offline: the bundled loopback Anthropic server plays Claude through the real SDK and request
 * mapping, so what is printed is what the API would receive. Run: `npx tsx examples/rich-results.ts`.
 */
import { Effect, Schema } from "effect"
import { Agent, Message, Tool, ToolContent } from "effect-claude"
import { MockAnthropicServer } from "effect-claude/testing"

// A 1x1 PNG, standing in for a rendered chart.
const chartPng = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="),
  (char) => char.charCodeAt(0)
)

const searchKnowledgeBase = Tool.make("search_kb", {
  description: "Searches the support knowledge base",
  parameters: Schema.Struct({ query: Schema.String }),
  handler: ({ query }) =>
    Effect.succeed(
      ToolContent.make([
        `2 results for "${query}"`,
        ToolContent.searchResult({
          source: "https://kb.example.com/refunds",
          title: "Refund policy",
          content: ["Refunds are paid within 5 business days.", "Gift cards are not refundable."],
          citations: true
        }),
        ToolContent.document(
          { text: "Refund requests peak in January." },
          { title: "Support notes", context: "Internal, 2026", citations: true }
        ),
        ToolContent.image({ data: chartPng, mediaType: "image/png" })
      ])
    )
})

// What Claude answers: a tool call, then text citing the search result it was sent.
const script = [
  MockAnthropicServer.message([MockAnthropicServer.toolUseBlock("search_kb", { query: "refunds" }, "toolu_1")]),
  MockAnthropicServer.message([
    MockAnthropicServer.textBlock("Refunds are paid within 5 business days", [
      {
        type: "search_result_location",
        cited_text: "Refunds are paid within 5 business days.",
        search_result_index: 0,
        source: "https://kb.example.com/refunds",
        title: "Refund policy",
        start_block_index: 0,
        end_block_index: 1
      }
    ]),
    MockAnthropicServer.textBlock("; gift cards are the exception.")
  ])
]

const program = Effect.gen(function* () {
  const agent = Agent.make({
    instructions: "Answer from the knowledge base and cite it.",
    tools: [searchKnowledgeBase]
  })
  const result = yield* Agent.run(agent, "How long do refunds take?")
  console.log("Answer:", result.output)

  for (const part of result.response.parts) {
    if (part._tag !== "TextPart") continue
    for (const citation of part.citations ?? []) {
      if (citation._tag === "SearchResultLocation") {
        console.log(
          `  "${part.content}" cites ${citation.source} (blocks ${citation.startBlockIndex}-${citation.endBlockIndex}): ${citation.citedText}`
        )
      }
    }
  }

  const server = yield* MockAnthropicServer.MockAnthropicServer
  const sent = (yield* server.requests).at(-1)?.body
  const toolResult = Schema.decodeUnknownSync(
    Schema.Struct({
      messages: Schema.Array(
        Schema.Struct({
          content: Schema.Array(
            Schema.Struct({
              type: Schema.String,
              content: Schema.optional(Schema.Array(Schema.Struct({ type: Schema.String })))
            })
          )
        })
      )
    })
  )(sent)
    .messages.at(-1)
    ?.content.find((block) => block.type === "tool_result")
  console.log("The tool_result Claude received holds:", toolResult?.content?.map((block) => block.type).join(", "))

  const json = Schema.encodeSync(Message.HistoryFromJson)(result.messages)
  const restored = Schema.decodeUnknownSync(Message.HistoryFromJson)(json)
  const stored = restored
    .flatMap((message) => (message._tag === "ModelRequest" ? message.parts : []))
    .find((part) => part._tag === "ToolReturnPart")
  console.log(
    "Stored as JSON and loaded back:",
    ToolContent.isToolContent(stored?.content) ? stored.content.parts.map((part) => part._tag).join(", ") : "?"
  )
})

Effect.runPromise(program.pipe(Effect.provide(MockAnthropicServer.layerModel(script)))).catch((error) => {
  console.error(error)
  process.exit(1)
})
