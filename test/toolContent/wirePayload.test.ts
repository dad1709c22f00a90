/**
 * Rich tool results on the wire: each `ToolContent` part becomes the `tool_result` content block the
 * Messages API documents (text, image, document, search_result), with its citation switch.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { AgentError, Message, Model, ToolContent, Usage } from "effect-claude"
import "effect-claude/anthropic"
import { mapRequest } from "../../src/anthropic/internal/requestMapping.js"

const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])
const pdf = new Uint8Array([37, 80, 68, 70, 45, 49, 46, 55])

const history = (content: unknown): ReadonlyArray<Message.ModelMessage> => [
  Message.ModelRequest.user("Find the refund policy"),
  new Message.ModelResponse({
    parts: [new Message.ToolCallPart({ toolName: "search_docs", args: { q: "refund" }, toolCallId: "toolu_1" })],
    usage: Usage.RequestUsage.empty,
    timestamp: new Date(0)
  }),
  new Message.ModelRequest({
    parts: [new Message.ToolReturnPart({ toolName: "search_docs", toolCallId: "toolu_1", content })]
  })
]

const toolResultOf = (content: unknown) => {
  const mapped = Either.getOrThrow(mapRequest("claude-sonnet-4-5", history(content), {}, Model.textParameters))
  return mapped.body.messages.at(-1)?.content
}

describe("rich tool results on the wire", () => {
  it("sends text, images, documents and search results as tool_result content blocks", () => {
    const content = ToolContent.make([
      "Found 2 sources.",
      ToolContent.image({ data: png, mediaType: "image/png" }),
      ToolContent.image({ url: "https://kb.example.com/chart.png" }),
      ToolContent.document({ data: pdf, mediaType: "application/pdf" }, { title: "Policy", citations: true }),
      ToolContent.document({ url: "https://kb.example.com/policy.pdf" }),
      ToolContent.document(
        { text: "Refunds are paid within 5 days." },
        { title: "FAQ", context: "Updated 2026-11", citations: true }
      ),
      ToolContent.document({ data: new TextEncoder().encode("plain bytes"), mediaType: "text/plain" }),
      ToolContent.searchResult({
        source: "https://kb.example.com/refunds",
        title: "Refunds",
        content: ["Refunds are paid within 5 days.", "Gift cards are not refunded."],
        citations: true
      }),
      ToolContent.searchResult({ source: "kb://shipping", title: "Shipping", content: "Ships in 2 days." }),
      ""
    ])
    expect(toolResultOf(content)).toEqual([
      {
        type: "tool_result",
        tool_use_id: "toolu_1",
        is_error: false,
        content: [
          { type: "text", text: "Found 2 sources." },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          { type: "image", source: { type: "url", url: "https://kb.example.com/chart.png" } },
          {
            type: "document",
            source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjc=" },
            title: "Policy",
            citations: { enabled: true }
          },
          { type: "document", source: { type: "url", url: "https://kb.example.com/policy.pdf" } },
          {
            type: "document",
            source: { type: "text", media_type: "text/plain", data: "Refunds are paid within 5 days." },
            title: "FAQ",
            context: "Updated 2026-11",
            citations: { enabled: true }
          },
          { type: "document", source: { type: "text", media_type: "text/plain", data: "plain bytes" } },
          {
            type: "search_result",
            source: "https://kb.example.com/refunds",
            title: "Refunds",
            content: [
              { type: "text", text: "Refunds are paid within 5 days." },
              { type: "text", text: "Gift cards are not refunded." }
            ],
            citations: { enabled: true }
          },
          {
            type: "search_result",
            source: "kb://shipping",
            title: "Shipping",
            content: [{ type: "text", text: "Ships in 2 days." }]
          }
        ]
      }
    ])
  })

  it("still sends a plain result as text", () => {
    expect(toolResultOf({ policy: "5 days" })).toEqual([
      { type: "tool_result", tool_use_id: "toolu_1", is_error: false, content: '{"policy":"5 days"}' }
    ])
  })

  it("rejects content the API cannot take, naming what to send instead", () => {
    const failure = (content: ToolContent.ToolContent) =>
      Either.getLeft(mapRequest("claude-sonnet-4-5", history(content), {}, Model.textParameters))
    const tiff = failure(ToolContent.make([ToolContent.image({ data: png, mediaType: "image/tiff" })]))
    expect(tiff._tag === "Some" && tiff.value).toBeInstanceOf(AgentError.UserError)
    expect(tiff._tag === "Some" && tiff.value.message).toBe(
      "A ToolContent.image must be a JPEG, PNG, GIF or WebP image, not image/tiff"
    )
    const imageAsDocument = failure(ToolContent.make([ToolContent.document({ data: png, mediaType: "image/png" })]))
    expect(imageAsDocument._tag === "Some" && imageAsDocument.value.message).toBe(
      "A ToolContent.document holds an image: use ToolContent.image for it"
    )
  })
})
