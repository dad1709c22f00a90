import type { BetaMessage } from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { Citation, Message, Usage } from "effect-claude"
import { finishReason, mapMessage, mapUsage } from "../../../src/anthropic/internal/responseMapping.js"
import { fold as foldResponseStream, toEvents as responseToEvents } from "../../../src/ModelResponseBuilder.js"
import { loadTranscript, messageBody, transcriptNames } from "./fixtures.js"

/** A message as the API would send it, typed by the SDK (built from JSON like a response body). */
const apiMessage = (content: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}): BetaMessage =>
  JSON.parse(
    JSON.stringify({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5-20250929",
      content,
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
      ...extra
    })
  )

const anthropic = "anthropic"

describe("response mapping", () => {
  it("maps every block type of the SDK to a part, and an unknown one to an opaque part", () => {
    const citation = {
      type: "char_location",
      cited_text: "x",
      document_index: 0,
      start_char_index: 0,
      end_char_index: 1
    }
    // Every kind of citation the API sends, as it sends them (nulls included), a future kind and
    // a known kind with a field missing: the last two are kept whole.
    const wireCitations = [
      citation,
      {
        type: "page_location",
        cited_text: "Revenue grew 12%.",
        document_index: 1,
        document_title: "Annual report",
        file_id: null,
        start_page_number: 3,
        end_page_number: 4
      },
      {
        type: "content_block_location",
        cited_text: "Step two.",
        document_index: 2,
        document_title: null,
        file_id: "file_011",
        start_block_index: 1,
        end_block_index: 2
      },
      {
        type: "search_result_location",
        cited_text: "Refunds are paid within 5 days.",
        search_result_index: 0,
        source: "https://kb.example.com/refunds",
        title: "Refunds",
        start_block_index: 0,
        end_block_index: 1
      },
      {
        type: "web_search_result_location",
        cited_text: "Sunny all week",
        encrypted_index: "Eo8BCioIAhgB",
        title: null,
        url: "https://weather.example.com"
      },
      { type: "future_location", where: 7 },
      { type: "char_location", cited_text: "x" }
    ]
    const typedCitations = [
      new Citation.CharLocation({ citedText: "x", documentIndex: 0, startCharIndex: 0, endCharIndex: 1 }),
      new Citation.PageLocation({
        citedText: "Revenue grew 12%.",
        documentIndex: 1,
        documentTitle: "Annual report",
        startPageNumber: 3,
        endPageNumber: 4
      }),
      new Citation.ContentBlockLocation({
        citedText: "Step two.",
        documentIndex: 2,
        fileId: "file_011",
        startBlockIndex: 1,
        endBlockIndex: 2
      }),
      new Citation.SearchResultLocation({
        citedText: "Refunds are paid within 5 days.",
        searchResultIndex: 0,
        source: "https://kb.example.com/refunds",
        title: "Refunds",
        startBlockIndex: 0,
        endBlockIndex: 1
      }),
      new Citation.WebSearchResultLocation({
        citedText: "Sunny all week",
        url: "https://weather.example.com",
        encryptedIndex: "Eo8BCioIAhgB"
      }),
      new Citation.UnknownCitation({ type: "future_location", data: { type: "future_location", where: 7 } }),
      new Citation.UnknownCitation({ type: "char_location", data: { type: "char_location", cited_text: "x" } })
    ]
    const webFetchResult = {
      type: "web_fetch_result",
      url: "https://example.com",
      content: { type: "document", source: { type: "text", media_type: "text/plain", data: "page" } }
    }
    const editorResult = { type: "text_editor_code_execution_create_result", is_file_update: false }
    const searchResult = { type: "tool_search_tool_search_result", tool_references: [] }
    const response = mapMessage(
      apiMessage([
        { type: "text", text: "Cited", citations: wireCitations },
        { type: "text", text: "Plain", citations: null },
        { type: "thinking", thinking: "Hmm", signature: "sig" },
        { type: "redacted_thinking", data: "opaque" },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        { type: "server_tool_use", id: "srvtoolu_1", name: "web_fetch", input: { url: "https://example.com" } },
        { type: "web_fetch_tool_result", tool_use_id: "srvtoolu_1", content: webFetchResult },
        {
          type: "code_execution_tool_result",
          tool_use_id: "srvtoolu_2",
          content: { type: "code_execution_result", stdout: "2", stderr: "", return_code: 0, content: [] }
        },
        { type: "text_editor_code_execution_tool_result", tool_use_id: "srvtoolu_3", content: editorResult },
        { type: "tool_search_tool_result", tool_use_id: "srvtoolu_4", content: searchResult },
        { type: "mcp_tool_use", id: "mcptoolu_1", name: "ask", server_name: "wiki", input: { q: "?" } },
        { type: "mcp_tool_result", tool_use_id: "mcptoolu_1", content: "answer", is_error: false },
        { type: "mcp_tool_result", tool_use_id: "mcptoolu_0", content: [{ type: "text", text: "e" }], is_error: true },
        { type: "container_upload", file_id: "file_1" },
        { type: "future_block", payload: { a: 1 } }
      ]),
      new Date(0)
    )
    expect(response.parts).toEqual([
      new Message.TextPart({ content: "Cited", citations: typedCitations }),
      new Message.TextPart({ content: "Plain" }),
      new Message.ThinkingPart({ content: "Hmm", signature: "sig", provider: anthropic }),
      new Message.ThinkingPart({ content: "", redactedData: "opaque", provider: anthropic }),
      new Message.ToolCallPart({ toolName: "get_weather", args: { city: "Paris" }, toolCallId: "toolu_1" }),
      new Message.BuiltinToolCallPart({
        toolName: "web_fetch",
        args: { url: "https://example.com" },
        toolCallId: "srvtoolu_1",
        provider: anthropic
      }),
      new Message.BuiltinToolReturnPart({
        toolName: "web_fetch",
        toolCallId: "srvtoolu_1",
        content: webFetchResult,
        provider: anthropic
      }),
      new Message.BuiltinToolReturnPart({
        toolName: "code_execution",
        toolCallId: "srvtoolu_2",
        content: { type: "code_execution_result", stdout: "2", stderr: "", return_code: 0, content: [] },
        provider: anthropic
      }),
      new Message.BuiltinToolReturnPart({
        toolName: "text_editor_code_execution",
        toolCallId: "srvtoolu_3",
        content: editorResult,
        provider: anthropic
      }),
      new Message.BuiltinToolReturnPart({
        toolName: "tool_search",
        toolCallId: "srvtoolu_4",
        content: searchResult,
        provider: anthropic
      }),
      new Message.BuiltinToolCallPart({
        toolName: "mcp_server:wiki:ask",
        args: { q: "?" },
        toolCallId: "mcptoolu_1",
        provider: anthropic
      }),
      new Message.BuiltinToolReturnPart({
        toolName: "mcp_server:wiki:ask",
        toolCallId: "mcptoolu_1",
        content: { content: "answer", is_error: false },
        provider: anthropic
      }),
      new Message.BuiltinToolReturnPart({
        toolName: "mcp_server",
        toolCallId: "mcptoolu_0",
        content: { content: [{ type: "text", text: "e" }], is_error: true },
        provider: anthropic
      }),
      new Message.OpaquePart({
        type: "container_upload",
        data: { type: "container_upload", file_id: "file_1" },
        provider: anthropic
      }),
      new Message.OpaquePart({
        type: "future_block",
        data: { type: "future_block", payload: { a: 1 } },
        provider: anthropic
      })
    ])
  })

  it("maps every stop reason, and keeps the raw one with the stop sequence and container", () => {
    expect(
      [
        "end_turn",
        "stop_sequence",
        "max_tokens",
        "model_context_window_exceeded",
        "tool_use",
        "refusal",
        "pause_turn"
      ].map(finishReason)
    ).toEqual(["stop", "stop", "length", "length", "tool_call", "content_filter", "suspended"])
    // #16: a compaction pause is continued like pause_turn (it mapped to nothing before).
    expect(finishReason("compaction")).toBe("suspended")
    const paused = mapMessage(
      apiMessage([{ type: "text", text: "…" }], {
        stop_reason: "stop_sequence",
        stop_sequence: "END",
        container: { id: "container_1", expires_at: "2030-01-01T00:00:00Z" }
      }),
      new Date(0)
    )
    expect(paused.finishReason).toBe("stop")
    expect(paused.providerDetails).toEqual({
      stop_reason: "stop_sequence",
      stop_sequence: "END",
      container_id: "container_1",
      container_expires_at: "2030-01-01T00:00:00Z"
    })
    expect(mapMessage(apiMessage([], { stop_reason: "pause_turn" }), new Date(0)).finishReason).toBe("suspended")
  })

  it("throws on a message whose fields are not what the API documents, naming the field", () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [null, "malformed message: Expected message, actual null"],
      [apiMessage([], { model: 7 }), "malformed message: model: Expected string, actual 7"],
      [apiMessage([], { id: undefined }), "malformed message: id: is missing"],
      [
        apiMessage([], { content: "text" }),
        'malformed message: content: Expected ReadonlyArray<unknown>, actual "text"'
      ],
      [apiMessage([], { stop_reason: 1 }), "malformed message: stop_reason: Expected string, actual 1"],
      [apiMessage([], { container: { expires_at: "never" } }), "malformed message: container.id: is missing"],
      [
        apiMessage([], { usage: { input_tokens: "10" } }),
        'malformed usage: input_tokens: Expected number, actual "10"'
      ],
      [apiMessage([], { usage: null }), "malformed usage: Expected usage, actual null"],
      [apiMessage([null]), "malformed content block: null"],
      [apiMessage([{ type: "text", text: 42 }]), "malformed text block: text: Expected string, actual 42"],
      [
        apiMessage([{ type: "text", text: "x", citations: {} }]),
        "malformed text block: citations: Expected ReadonlyArray<unknown>, actual {}"
      ],
      [apiMessage([{ type: "thinking", thinking: "x" }]), "malformed thinking block: signature: is missing"],
      [
        apiMessage([{ type: "redacted_thinking", data: 1 }]),
        "malformed redacted thinking block: data: Expected string, actual 1"
      ],
      [
        apiMessage([{ type: "tool_use", id: 1, name: "f", input: {} }]),
        "malformed tool use block: id: Expected string, actual 1"
      ],
      [apiMessage([{ type: "server_tool_use", id: "s", input: {} }]), "malformed tool use block: name: is missing"],
      [
        apiMessage([{ type: "mcp_tool_use", id: "m", name: "f", input: {} }]),
        "malformed MCP tool use block: server_name: is missing"
      ],
      [
        apiMessage([{ type: "web_search_tool_result", content: [] }]),
        "malformed tool result block: tool_use_id: is missing"
      ],
      [
        apiMessage([{ type: "mcp_tool_result", tool_use_id: 5, content: "x" }]),
        "malformed tool result block: tool_use_id: Expected string, actual 5"
      ]
    ]
    const errors = cases.map(([message]) => {
      try {
        mapMessage(message, new Date(0))
        return "no error"
      } catch (error) {
        return error instanceof Error ? error.message : String(error)
      }
    })
    expect(errors).toEqual(cases.map(([, error]) => error))
  })

  it("counts cache writes and reads as input, and keeps every raw count in the details", () => {
    expect(
      mapUsage({
        input_tokens: 10,
        output_tokens: 200,
        cache_creation_input_tokens: 300,
        cache_read_input_tokens: 1000,
        cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
        server_tool_use: { web_search_requests: 2, web_fetch_requests: 1 },
        output_tokens_details: { thinking_tokens: 150 }
      })
    ).toEqual(
      new Usage.RequestUsage({
        inputTokens: 1310,
        outputTokens: 200,
        cacheWriteTokens: 300,
        cacheReadTokens: 1000,
        details: {
          input_tokens: 10,
          output_tokens: 200,
          cache_creation_input_tokens: 300,
          cache_read_input_tokens: 1000,
          ephemeral_5m_input_tokens: 100,
          ephemeral_1h_input_tokens: 200,
          web_search_requests: 2,
          web_fetch_requests: 1,
          thinking_tokens: 150
        }
      })
    )
    expect(mapUsage({ input_tokens: 3, output_tokens: 4 })).toEqual(
      new Usage.RequestUsage({ inputTokens: 3, outputTokens: 4, details: { input_tokens: 3, output_tokens: 4 } })
    )
  })

  it.effect("every recorded whole answer turns into events that fold back to the same response", () =>
    Effect.gen(function* () {
      let checked = 0
      for (const name of transcriptNames) {
        for (const interaction of loadTranscript(name).interactions) {
          if (interaction.response.contentType !== "application/json" || interaction.request.path !== "/v1/messages") {
            continue
          }
          const response = mapMessage(messageBody(interaction), new Date(0))
          const folded = yield* foldResponseStream(Stream.fromChunk(responseToEvents(response)))
          expect(folded).toEqual(response)
          checked++
        }
      }
      expect(checked).toBe(22)
    })
  )
})
