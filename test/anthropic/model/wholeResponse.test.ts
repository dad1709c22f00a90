/**
 * The fast path of a whole message (`wholeResponse.ts`, `BlockContext` in whole-message mode) gives
 * the value the core fold gives for the events a stream of the message would have: the same parts
 * (same classes, same keys in the same order, nothing left `undefined`), the same usage and
 * metadata. Checked on every recorded transcript and on generated messages, malformed ones too;
 * and the block guards it reads blocks through accept no more than their Schemas.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { type Message, ModelResponseBuilder, type StreamEvent } from "effect-claude"
import * as fc from "fast-check"
import {
  BlockContext,
  finishReason,
  mapMessage,
  mapUsage,
  providerDetails,
  TextBlock,
  ToolUseBlock,
  WireMessage
} from "../../../src/anthropic/internal/responseMapping.js"
import { isTextBlock, isToolUseBlock } from "../../../src/anthropic/internal/wireGuards.js"
import { loadTranscript, messageBody, transcriptNames } from "./fixtures.js"

/** The mapping as it was before the fast path: each block's part started and ended, then folded. */
const folded = (message: unknown, timestamp: Date): Message.ModelResponse => {
  const wire = Schema.decodeUnknownSync(WireMessage)(message)
  const context = new BlockContext()
  const events: Array<StreamEvent.ModelResponseStreamEvent> = []
  wire.content.forEach((block, index) => {
    events.push({ _tag: "PartStart", index, part: context.partOfBlock(block) }, { _tag: "PartEnd", index })
  })
  events.push({
    _tag: "ResponseMetadata",
    modelName: wire.model,
    providerResponseId: wire.id,
    providerName: "anthropic",
    usage: mapUsage(wire.usage),
    finishReason: finishReason(wire.stop_reason),
    providerDetails: providerDetails(wire)
  })
  const builder = new ModelResponseBuilder.ModelResponseBuilder()
  builder.addAll(events)
  return builder.response(timestamp)
}

/** The same value, key for key and class for class. */
const expectSame = (actual: Message.ModelResponse, expected: Message.ModelResponse): void => {
  expect(actual).toStrictEqual(expected)
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected))
  actual.parts.forEach((part, index) => {
    expect(Object.keys(part)).toEqual(Object.keys(expected.parts[index]!))
  })
}

const outcome = (f: () => Message.ModelResponse) => {
  try {
    return Either.right(f())
  } catch (error) {
    return Either.left(error)
  }
}

/** Tool input as the API sends it, and the odd values a malformed or hand-built message may hold. */
const toolInput = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.constant({}),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constant(undefined),
  fc.constant(JSON.parse('{"__proto__":{"x":1},"a":-0}')),
  fc.constant({ a: -0, b: [1, { c: null }] })
)

const citation = fc.constantFrom(
  { type: "char_location", cited_text: "x", document_index: 0, start_char_index: 0, end_char_index: 1 },
  { type: "web_search_result_location", cited_text: "y", url: "https://e.x", title: null, encrypted_index: "e" },
  { type: "some_future_citation", detail: 1 }
)

const block = fc.oneof(
  fc.record({
    type: fc.constant("text"),
    text: fc.string({ maxLength: 8 }),
    citations: fc.option(fc.array(citation, { maxLength: 2 }), { nil: undefined })
  }),
  fc.record({ type: fc.constant("text"), text: fc.string(), citations: fc.constant(null) }),
  fc.record({
    type: fc.constant("thinking"),
    thinking: fc.string({ maxLength: 8 }),
    signature: fc.constantFrom("", "sig")
  }),
  fc.record({ type: fc.constant("redacted_thinking"), data: fc.string({ maxLength: 8 }) }),
  fc.record(
    {
      type: fc.constantFrom("tool_use", "server_tool_use"),
      id: fc.string({ maxLength: 4 }),
      name: fc.string(),
      input: toolInput
    },
    { requiredKeys: ["type", "id", "name"] }
  ),
  fc.record({
    type: fc.constant("mcp_tool_use"),
    id: fc.constantFrom("m1", "m2"),
    name: fc.string({ maxLength: 4 }),
    server_name: fc.constantFrom("docs", "files"),
    input: toolInput
  }),
  fc.record({
    type: fc.constant("mcp_tool_result"),
    tool_use_id: fc.constantFrom("m1", "m2", "m3"),
    content: fc.jsonValue({ maxDepth: 1 }),
    is_error: fc.boolean()
  }),
  fc.record({
    type: fc.constant("web_search_tool_result"),
    tool_use_id: fc.string(),
    content: fc.jsonValue({ maxDepth: 1 })
  }),
  fc.record({ type: fc.constant("future_block"), payload: fc.jsonValue({ maxDepth: 1 }) }),
  // Malformed blocks: a text block without text, a tool call without a name, not an object.
  fc.record({ type: fc.constant("text"), citations: fc.constant([]) }),
  fc.record({ type: fc.constant("tool_use"), id: fc.string(), input: toolInput }),
  fc.constantFrom(null, 3, "text")
)

const usage = fc.oneof(
  fc.record(
    {
      input_tokens: fc.nat(1000),
      output_tokens: fc.nat(1000),
      cache_creation_input_tokens: fc.option(fc.nat(100), { nil: null }),
      cache_read_input_tokens: fc.option(fc.nat(100), { nil: null }),
      server_tool_use: fc.record({ web_search_requests: fc.nat(3) })
    },
    { requiredKeys: ["input_tokens", "output_tokens"] }
  ),
  fc.constant({ input_tokens: "many" })
)

const message = fc.record(
  {
    id: fc.string({ maxLength: 6 }),
    model: fc.constantFrom("claude-sonnet-4-6", "claude-opus-4-6"),
    content: fc.array(block, { maxLength: 4 }),
    usage,
    stop_reason: fc.constantFrom("end_turn", "tool_use", "max_tokens", "pause_turn", "refusal", "new_reason", null),
    stop_sequence: fc.constantFrom(null, "STOP"),
    container: fc.constantFrom(null, { id: "c_1", expires_at: "2026-12-02T08:00:00Z" }, { id: "c_2" })
  },
  { requiredKeys: ["id", "model", "content", "usage"] }
)

describe("a whole message's response (fast path)", () => {
  it("is the fold of its events for every recorded message", () => {
    let checked = 0
    for (const name of transcriptNames) {
      for (const interaction of loadTranscript(name).interactions) {
        const body = interaction.response.body
        if (typeof body !== "object" || body === null || !("content" in body)) continue
        expectSame(mapMessage(messageBody(interaction), new Date(0)), folded(messageBody(interaction), new Date(0)))
        checked++
      }
    }
    expect(checked).toBeGreaterThan(5)
  })

  it("is the fold of its events for generated messages, and fails where the fold fails", () => {
    fc.assert(
      fc.property(message, (generated) => {
        // As a response body arrives: parsed from its JSON text.
        const json = JSON.stringify(generated)
        const actual = outcome(() => mapMessage(JSON.parse(json), new Date(7)))
        const expected = outcome(() => folded(JSON.parse(json), new Date(7)))
        expect(Either.isRight(actual)).toBe(Either.isRight(expected))
        if (Either.isRight(actual) && Either.isRight(expected)) expectSame(actual.right, expected.right)
      }),
      { numRuns: 1_000 }
    )
  })

  it("keeps hand-built tool input exactly as the fold does", () => {
    // Values no JSON body holds, in messages built in code: the fold's JSON round trip decides.
    const inputs: ReadonlyArray<unknown> = [
      JSON.parse('{"__proto__":{"x":1},"a":1}'),
      Object.assign(Object.create(null), { b: 2 }),
      new Date(0),
      [1, 2],
      { a: undefined, b: -0, c: [undefined] },
      "text",
      null
    ]
    for (const input of inputs) {
      const built = {
        id: "msg_1",
        model: "claude-sonnet-4-6",
        content: [{ type: "tool_use", id: "t1", name: "lookup", input }],
        usage: { input_tokens: 1, output_tokens: 1 }
      }
      expectSame(mapMessage(built, new Date(0)), folded(built, new Date(0)))
    }
  })
})

describe("block guards accept no more than their Schemas", () => {
  const decodes = <A, I>(schema: Schema.Schema<A, I>) => {
    const decode = Schema.decodeUnknownEither(schema)
    return (value: unknown) => Either.isRight(decode(value))
  }
  const field = fc.option(
    fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null), fc.array(fc.anything(), { maxLength: 2 })),
    {
      nil: undefined
    }
  )

  it("isTextBlock", () => {
    const schemaAccepts = decodes(TextBlock)
    fc.assert(
      fc.property(
        fc.oneof(fc.record({ type: fc.constant("text"), text: field, citations: field }), fc.anything()),
        (value) => {
          if (isTextBlock(value)) expect(schemaAccepts(value)).toBe(true)
          // On objects (what a block is), the guard passes what the Schema passes.
          if (typeof value === "object" && value !== null && !Array.isArray(value)) {
            expect(isTextBlock(value)).toBe(schemaAccepts(value))
          }
        }
      ),
      { numRuns: 2_000 }
    )
  })

  it("isToolUseBlock", () => {
    const schemaAccepts = decodes(ToolUseBlock)
    fc.assert(
      fc.property(fc.oneof(fc.record({ id: field, name: field, input: field }), fc.anything()), (value) => {
        if (isToolUseBlock(value)) expect(schemaAccepts(value)).toBe(true)
      }),
      { numRuns: 2_000 }
    )
    expect(isToolUseBlock({ type: "tool_use", id: "t1", name: "lookup", input: { a: 1 } })).toBe(true)
  })
})
