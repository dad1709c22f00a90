import type { BetaRawMessageStreamEvent } from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Redacted, Stream } from "effect"
import { AgentError, Message, Model, ModelResponseBuilder, Usage } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { mapMessage } from "../../../src/anthropic/internal/responseMapping.js"
import { accumulate, loadTranscript, sseEvents, transcriptNames } from "./fixtures.js"

/** Raw events as the SDK types them (built from JSON like a parsed SSE stream). */
const rawEvents = (events: ReadonlyArray<unknown>): Array<BetaRawMessageStreamEvent> =>
  JSON.parse(JSON.stringify(events))

const messageStart = (usage: Record<string, unknown>) => ({
  type: "message_start",
  message: {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5-20250929",
    content: [],
    stop_reason: null,
    stop_sequence: null,
    container: null,
    usage
  }
})

const start = (index: number, block: unknown) => ({ type: "content_block_start", index, content_block: block })
const delta = (index: number, value: unknown) => ({ type: "content_block_delta", index, delta: value })
const stop = (index: number) => ({ type: "content_block_stop", index })

/** Every kind of block and delta, including the ones this library does not know. */
const everything = rawEvents([
  messageStart({ input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 5 }),
  start(0, { type: "thinking", thinking: "", signature: "" }),
  delta(0, { type: "thinking_delta", thinking: "Let me " }),
  delta(0, { type: "thinking_delta", thinking: "think." }),
  delta(0, { type: "signature_delta", signature: "sig" }),
  stop(0),
  { type: "ping" },
  start(1, { type: "text", text: "" }),
  delta(1, { type: "text_delta", text: "Calling " }),
  delta(1, { type: "citations_delta", citation: { type: "char_location", cited_text: "x" } }),
  delta(1, { type: "text_delta", text: "tools." }),
  stop(1),
  start(2, { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} }),
  delta(2, { type: "input_json_delta", partial_json: "" }),
  delta(2, { type: "input_json_delta", partial_json: '{"city": "Pa' }),
  delta(2, { type: "input_json_delta", partial_json: 'ris"}' }),
  stop(2),
  start(3, { type: "tool_use", id: "toolu_2", name: "no_args", input: {} }),
  stop(3),
  start(4, { type: "mcp_tool_use", id: "mcptoolu_1", name: "ask", server_name: "wiki", input: { q: "whole" } }),
  stop(4),
  start(5, { type: "mcp_tool_result", tool_use_id: "mcptoolu_1", content: "answer", is_error: false }),
  stop(5),
  start(6, { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] }),
  stop(6),
  start(7, { type: "future_block", payload: 1 }),
  delta(7, { type: "future_delta", value: 2 }),
  stop(7),
  start(8, { type: "compaction", content: null, encrypted_content: null }),
  delta(8, { type: "compaction_delta", content: "summary", encrypted_content: "enc" }),
  stop(8),
  {
    type: "message_delta",
    delta: {
      stop_reason: "tool_use",
      stop_sequence: null,
      stop_details: null,
      container: { id: "container_1", expires_at: "2030-01-01T00:00:00Z" }
    },
    usage: { output_tokens: 50, server_tool_use: { web_search_requests: 1, web_fetch_requests: 0 } }
  },
  { type: "message_stop" }
])

/**
 * The path users take: `AnthropicModel.requestStream` over an `HttpClient` that answers with the
 * events as an SSE body, sent in pieces of `pieceSize` bytes (the whole body at once by default).
 */
const requestStream = (events: ReadonlyArray<BetaRawMessageStreamEvent>, pieceSize = Number.POSITIVE_INFINITY) => {
  const body = new TextEncoder().encode(
    events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join("")
  )
  const sseBody = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        const size = Math.min(body.length, pieceSize)
        for (let offset = 0; offset < body.length; offset += size) controller.enqueue(body.slice(offset, offset + size))
        controller.close()
      }
    })
  const http = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.succeed(
        HttpClientResponse.fromWeb(
          request,
          new Response(sseBody(), { status: 200, headers: { "content-type": "text/event-stream" } })
        )
      )
    )
  )
  return Stream.unwrap(
    Effect.map(AnthropicModel.make("claude-sonnet-4-5-20250929"), (model) =>
      model.requestStream([Message.ModelRequest.user("Hi")], {}, Model.textParameters)
    )
  ).pipe(
    Stream.provideLayer(
      AnthropicClient.layer({ apiKey: Redacted.make("sk-ant-test"), baseURL: "http://anthropic.test" }).pipe(
        Layer.provide(http)
      )
    )
  )
}

const fold = (events: ReadonlyArray<BetaRawMessageStreamEvent>, pieceSize?: number) =>
  ModelResponseBuilder.fold(requestStream(events, pieceSize))

describe("stream mapping", () => {
  it.effect("maps every block and delta; the fold equals the mapping of the message the SDK accumulates", () =>
    Effect.gen(function* () {
      const folded = yield* fold(everything)
      const accumulated = yield* Effect.promise(() => accumulate(everything))
      expect(folded).toEqual(mapMessage(accumulated, folded.timestamp))
      expect(folded).toEqual(
        new Message.ModelResponse({
          parts: [
            new Message.ThinkingPart({ content: "Let me think.", signature: "sig", provider: "anthropic" }),
            new Message.TextPart({
              content: "Calling tools.",
              citations: [{ type: "char_location", cited_text: "x" }]
            }),
            new Message.ToolCallPart({ toolName: "get_weather", args: { city: "Paris" }, toolCallId: "toolu_1" }),
            new Message.ToolCallPart({ toolName: "no_args", args: {}, toolCallId: "toolu_2" }),
            new Message.BuiltinToolCallPart({
              toolName: "mcp_server:wiki:ask",
              args: { q: "whole" },
              toolCallId: "mcptoolu_1",
              provider: "anthropic"
            }),
            new Message.BuiltinToolReturnPart({
              toolName: "mcp_server:wiki:ask",
              toolCallId: "mcptoolu_1",
              content: { content: "answer", is_error: false },
              provider: "anthropic"
            }),
            new Message.BuiltinToolReturnPart({
              toolName: "web_search",
              toolCallId: "srvtoolu_1",
              content: [],
              provider: "anthropic"
            }),
            new Message.OpaquePart({
              type: "future_block",
              data: { type: "future_block", payload: 1 },
              provider: "anthropic"
            }),
            // #16 point 2: a compaction block is a typed part (it was an OpaquePart).
            new Message.CompactionPart({ content: "summary", encryptedContent: "enc", provider: "anthropic" })
          ],
          usage: new Usage.RequestUsage({
            inputTokens: 15,
            outputTokens: 50,
            cacheReadTokens: 5,
            details: {
              input_tokens: 10,
              output_tokens: 50,
              cache_read_input_tokens: 5,
              web_search_requests: 1,
              web_fetch_requests: 0
            }
          }),
          modelName: "claude-sonnet-4-5-20250929",
          finishReason: "tool_call",
          providerResponseId: "msg_1",
          providerDetails: {
            stop_reason: "tool_use",
            container_id: "container_1",
            container_expires_at: "2030-01-01T00:00:00Z"
          },
          providerName: "anthropic",
          timestamp: folded.timestamp
        })
      )
    })
  )

  it.effect("emits deltas as they come: text, thinking, signature, JSON fragments, citations; ping ignored", () =>
    Effect.gen(function* () {
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(requestStream(everything)))
      const deltas = events.flatMap((event) => (event._tag === "PartDelta" ? [event] : []))
      expect(deltas).toEqual([
        { _tag: "PartDelta", index: 0, delta: { _tag: "ThinkingDelta", content: "Let me " } },
        { _tag: "PartDelta", index: 0, delta: { _tag: "ThinkingDelta", content: "think." } },
        { _tag: "PartDelta", index: 0, delta: { _tag: "ThinkingDelta", signature: "sig" } },
        { _tag: "PartDelta", index: 1, delta: { _tag: "TextDelta", content: "Calling " } },
        {
          _tag: "PartDelta",
          index: 1,
          delta: { _tag: "TextDelta", content: "", citation: { type: "char_location", cited_text: "x" } }
        },
        { _tag: "PartDelta", index: 1, delta: { _tag: "TextDelta", content: "tools." } },
        { _tag: "PartDelta", index: 2, delta: { _tag: "ToolCallDelta", argsDelta: '{"city": "Pa' } },
        { _tag: "PartDelta", index: 2, delta: { _tag: "ToolCallDelta", argsDelta: 'ris"}' } },
        // The MCP call came whole in its start event: its input is one fragment at its end.
        { _tag: "PartDelta", index: 4, delta: { _tag: "ToolCallDelta", argsDelta: '{"q":"whole"}' } },
        // #16 point 2: the compaction summary arrives whole, in one delta.
        {
          _tag: "PartDelta",
          index: 8,
          delta: { _tag: "CompactionDelta", content: "summary", encryptedContent: "enc" }
        }
      ])
      expect(
        events.filter((event) => event._tag === "ResponseMetadata").map((event) => event.usage?.outputTokens)
      ).toEqual([1, 50])
    })
  )

  it.effect("gives the same events however the SSE body is split", () =>
    Effect.gen(function* () {
      const whole = yield* Stream.runCollect(requestStream(everything))
      for (const size of [1, 7, 100]) {
        const chunked = yield* Stream.runCollect(requestStream(everything, size))
        expect(Chunk.toReadonlyArray(chunked)).toEqual(Chunk.toReadonlyArray(whole))
      }
    })
  )

  it.effect("usage is cumulative: message_delta replaces what message_start said, field by field", () =>
    Effect.gen(function* () {
      const folded = yield* fold(
        rawEvents([
          messageStart({
            input_tokens: 100,
            output_tokens: 3,
            cache_creation_input_tokens: 20,
            cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 20 }
          }),
          start(0, { type: "text", text: "" }),
          delta(0, { type: "text_delta", text: "Hi" }),
          stop(0),
          {
            type: "message_delta",
            delta: { stop_reason: "max_tokens", stop_sequence: null },
            usage: { input_tokens: 120, output_tokens: 40, cache_creation_input_tokens: null }
          },
          { type: "message_stop" }
        ]),
        1
      )
      expect(folded.usage).toEqual(
        new Usage.RequestUsage({
          inputTokens: 140,
          outputTokens: 40,
          cacheWriteTokens: 20,
          details: {
            input_tokens: 120,
            output_tokens: 40,
            cache_creation_input_tokens: 20,
            ephemeral_5m_input_tokens: 0,
            ephemeral_1h_input_tokens: 20
          }
        })
      )
      expect(folded.finishReason).toBe("length")
    })
  )

  it.effect("an event of a shape the mapping cannot read fails the stream with UnexpectedModelBehavior", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(fold(rawEvents([{ type: "message_start", message: null }])))
      expect(error).toBeInstanceOf(AgentError.UnexpectedModelBehavior)
      expect(error.message).toMatch(/^Claude's response could not be read: /)
    })
  )

  it.effect("every recorded stream folds to the mapping of the message the SDK accumulates from it", () =>
    Effect.gen(function* () {
      let checked = 0
      for (const name of transcriptNames) {
        for (const interaction of loadTranscript(name).interactions) {
          const body = interaction.response.body
          if (typeof body !== "string") continue
          const events = yield* Effect.promise(() => sseEvents(body))
          const accumulated = yield* Effect.promise(() => accumulate(events))
          for (const pieceSize of [13, Number.POSITIVE_INFINITY]) {
            const folded = yield* fold(events, pieceSize)
            expect(folded).toEqual(mapMessage(accumulated, folded.timestamp))
          }
          checked++
        }
      }
      expect(checked).toBe(3)
    })
  )
})
