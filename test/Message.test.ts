import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { Message, Usage } from "effect-claude"

const request = new Message.ModelRequest({
  instructions: "Answer in French.",
  parts: [
    new Message.SystemPromptPart({ content: "You are a helpful assistant." }),
    new Message.UserPromptPart({ content: "Plain text prompt" }),
    new Message.UserPromptPart({
      content: [
        new Message.TextContent({ text: "Look at these:" }),
        new Message.ImageUrl({ url: "https://example.com/cat.png" }),
        new Message.DocumentUrl({ url: "https://example.com/report.pdf", mediaType: "application/pdf" }),
        new Message.DocumentUrl({ url: "https://example.com/notes.txt" }),
        new Message.BinaryContent({ data: new Uint8Array([0, 1, 2, 250, 255]), mediaType: "image/png" }),
        new Message.UploadedFile({ fileId: "file_011", kind: "document" }),
        new Message.UploadedFile({ fileId: "file_012", kind: "image" }),
        new Message.CachePoint({}),
        new Message.CachePoint({ ttl: "1h" })
      ]
    }),
    new Message.ToolReturnPart({
      toolName: "get_weather",
      toolCallId: "toolu_1",
      content: { city: "Paris", celsius: 21.5, tags: ["sunny", null] }
    }),
    new Message.ToolReturnPart({
      toolName: "divide",
      toolCallId: "toolu_2",
      content: "division by zero",
      isError: true
    }),
    new Message.RetryPromptPart({ content: "city must not be empty", toolName: "get_weather", toolCallId: "toolu_3" }),
    new Message.RetryPromptPart({ content: "Please answer with text." })
  ]
})

const response = new Message.ModelResponse({
  parts: [
    new Message.ThinkingPart({ content: "Let me think.", signature: "sig==", provider: "anthropic" }),
    new Message.ThinkingPart({ content: "", redactedData: "ENCRYPTED", provider: "anthropic" }),
    new Message.TextPart({ content: "Checking the weather." }),
    new Message.TextPart({
      content: "Paris is sunny.",
      citations: [{ type: "web_search_result_location", url: "https://example.com/weather", title: "Weather" }]
    }),
    new Message.ToolCallPart({ toolName: "get_weather", args: { city: "Paris", days: [1, 2] }, toolCallId: "toolu_4" }),
    new Message.ToolCallPart({ toolName: "broken", args: '{"city": "Par', toolCallId: "toolu_5" }),
    new Message.BuiltinToolCallPart({
      toolName: "web_search",
      args: { query: "weather Paris" },
      toolCallId: "srvtoolu_1",
      provider: "anthropic"
    }),
    new Message.BuiltinToolReturnPart({
      toolName: "web_search",
      toolCallId: "srvtoolu_1",
      content: [{ type: "web_search_result", url: "https://example.com/weather" }],
      provider: "anthropic"
    }),
    new Message.OpaquePart({ type: "future_block", data: { nested: { value: 1 } }, provider: "anthropic" }),
    // #16 point 2: `null`s and absent fields stay as they were received.
    new Message.CompactionPart({
      content: "The user asked about Paris.",
      encryptedContent: null,
      signature: "c2ln",
      toolChanges: [{ type: "tool_addition", tool: { type: "tool_reference", name: "get_weather" } }],
      providerData: { future_field: { kept: true } },
      provider: "anthropic"
    }),
    new Message.CompactionPart({ content: null, provider: "anthropic" })
  ],
  usage: new Usage.RequestUsage({
    inputTokens: 120,
    outputTokens: 40,
    cacheWriteTokens: 10,
    cacheReadTokens: 30,
    details: { web_search_requests: 1 }
  }),
  modelName: "claude-sonnet-4-5",
  finishReason: "tool_call",
  providerResponseId: "msg_01",
  providerDetails: { stop_reason: "tool_use", container: { id: "container_1" } },
  providerName: "anthropic",
  timestamp: new Date("2025-01-02T03:04:05.678Z")
})

// One short response per remaining finish reason, and one with only the required fields.
const finishReasons = Message.FinishReason.literals.map(
  (finishReason, index) =>
    new Message.ModelResponse({
      parts: [new Message.TextPart({ content: `reason ${finishReason}` })],
      usage: new Usage.RequestUsage({ inputTokens: index + 1, outputTokens: 1 }),
      finishReason,
      timestamp: new Date(1_700_000_000_000 + index)
    })
)
const minimal = new Message.ModelResponse({ parts: [], usage: Usage.RequestUsage.empty, timestamp: new Date(0) })

const history: ReadonlyArray<Message.ModelMessage> = [
  request,
  response,
  ...finishReasons,
  minimal,
  Message.ModelRequest.user("bye")
]

describe("Message", () => {
  it("covers every part and user content kind in the round-trip history", () => {
    const tags = new Set<string>()
    for (const message of history) {
      tags.add(message._tag)
      for (const part of message.parts) {
        tags.add(part._tag)
        if (part._tag === "UserPromptPart" && typeof part.content !== "string") {
          for (const item of part.content) tags.add(item._tag)
        }
      }
    }
    const everyKind = [
      ...Message.ModelMessage.members,
      ...Message.ModelRequestPart.members,
      ...Message.ModelResponsePart.members,
      ...Message.UserContent.members
    ].map((member) => member._tag)
    expect([...tags].sort()).toEqual([...everyKind].sort())
    expect(new Set(finishReasons.map((message) => message.finishReason))).toEqual(
      new Set(Message.FinishReason.literals)
    )
  })

  it("encodes a history to JSON and decodes it back to equal values", () => {
    const json = Schema.encodeSync(Message.HistoryFromJson)(history)
    expect(typeof json).toBe("string")
    const decoded = Schema.decodeUnknownSync(Message.HistoryFromJson)(json)
    // Strict: same classes, same keys (no stray `undefined`), bytes and dates by value.
    expect(decoded).toStrictEqual(history)
    expect(decoded[0]).toBeInstanceOf(Message.ModelRequest)
    expect(decoded[1]).toBeInstanceOf(Message.ModelResponse)
    // Encoding the decoded history gives the same JSON again.
    expect(Schema.encodeSync(Message.HistoryFromJson)(decoded)).toBe(json)
  })

  it("stores bytes as base64 and dates as ISO strings", () => {
    const json = Schema.encodeSync(Message.HistoryFromJson)([
      Message.ModelRequest.user([
        new Message.BinaryContent({ data: new Uint8Array([104, 105]), mediaType: "text/plain" })
      ]),
      minimal
    ])
    expect(JSON.parse(json)).toEqual([
      {
        _tag: "ModelRequest",
        parts: [
          {
            _tag: "UserPromptPart",
            content: [{ _tag: "BinaryContent", data: "aGk=", mediaType: "text/plain" }]
          }
        ]
      },
      {
        _tag: "ModelResponse",
        parts: [],
        usage: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, details: {} },
        timestamp: "1970-01-01T00:00:00.000Z"
      }
    ])
  })

  it("decodes stored JSON with defaults filled in", () => {
    const stored = JSON.stringify([
      {
        _tag: "ModelRequest",
        parts: [{ _tag: "ToolReturnPart", toolName: "t", toolCallId: "c", content: 42 }]
      },
      {
        _tag: "ModelResponse",
        parts: [{ _tag: "TextPart", content: "hi" }],
        usage: { inputTokens: 3 },
        timestamp: "2025-01-01T00:00:00.000Z"
      }
    ])
    expect(Schema.decodeUnknownSync(Message.HistoryFromJson)(stored)).toStrictEqual([
      new Message.ModelRequest({
        parts: [new Message.ToolReturnPart({ toolName: "t", toolCallId: "c", content: 42, isError: false })]
      }),
      new Message.ModelResponse({
        parts: [new Message.TextPart({ content: "hi" })],
        usage: new Usage.RequestUsage({ inputTokens: 3 }),
        timestamp: new Date("2025-01-01T00:00:00.000Z")
      })
    ])
  })

  it("rejects malformed history with a parse error", () => {
    const decode = Schema.decodeUnknownEither(Message.HistoryFromJson)
    expect(Either.isLeft(decode("not json"))).toBe(true)
    expect(Either.isLeft(decode(JSON.stringify([{ _tag: "ModelResponse", parts: [] }])))).toBe(true)
    expect(Either.isLeft(decode(JSON.stringify([{ _tag: "Unknown" }])))).toBe(true)
  })

  it("reads a response's text and tool calls", () => {
    expect(Message.responseText(response)).toBe("Checking the weather.Paris is sunny.")
    expect(Message.toolCalls(response)).toEqual([response.parts[4], response.parts[5]])
  })
})
