import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Effect, Schema, Stream } from "effect"
import { Message, ModelResponseBuilder, StreamEvent, Usage } from "effect-claude"
import fc from "fast-check"

type Event = StreamEvent.ModelResponseStreamEvent

// A clock stopped at the epoch, so folded responses are stamped with `new Date(0)`. (Providing the
// whole TestContext per property run would cost more than the fold itself.)
const epoch: Clock.Clock = {
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => 0,
  currentTimeMillis: Effect.succeed(0),
  unsafeCurrentTimeNanos: () => 0n,
  currentTimeNanos: Effect.succeed(0n),
  sleep: () => Effect.void
}

/** Folds events delivered as the given chunks. */
const fold = (chunks: ReadonlyArray<ReadonlyArray<Event>>): Message.ModelResponse =>
  Effect.runSync(
    ModelResponseBuilder.fold(Stream.fromChunks(...chunks.map((chunk) => Chunk.fromIterable(chunk)))).pipe(
      Effect.withClock(epoch)
    )
  )

/** `text` cut at the given positions; repeated positions give empty pieces, which are legal deltas. */
const cut = (text: string, positions: ReadonlyArray<number>): Array<string> => {
  const sorted = [...positions].sort((left, right) => left - right)
  const pieces: Array<string> = []
  let from = 0
  for (const position of sorted) {
    pieces.push(text.slice(from, position))
    from = position
  }
  pieces.push(text.slice(from))
  return pieces
}

/** Any chunking of `text` into one or more pieces. */
const piecesOf = (text: string): fc.Arbitrary<Array<string>> =>
  fc.array(fc.nat({ max: text.length }), { maxLength: 6 }).map((positions) => cut(text, positions))

const optional = <A>(arbitrary: fc.Arbitrary<A>): fc.Arbitrary<A | undefined> =>
  fc.option(arbitrary, { nil: undefined })

/** Fields without their undefined entries, the way a decoded message holds them. */
const defined = <A extends object>(fields: A): A =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as A

const text = fc.string({ unit: "grapheme", maxLength: 40 })
const nonEmpty = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 })

// JSON objects as tool arguments; the JSON round trip matches what the fold's parse produces.
const jsonObject = fc
  .dictionary(
    fc.string({ maxLength: 8 }).filter((key) => key !== "__proto__"),
    fc.jsonValue({ maxDepth: 3 })
  )
  .map((value): Record<string, unknown> => JSON.parse(JSON.stringify(value)))

/** A response part and the events of one streaming of it (start, deltas, end) at a given index. */
interface StreamedPart {
  readonly part: Message.ModelResponsePart
  readonly events: (index: number) => Array<Event>
}

const textPart: fc.Arbitrary<StreamedPart> = text.chain((content) =>
  piecesOf(content).map(([first, ...rest]) => ({
    part: new Message.TextPart({ content }),
    events: (index) => [
      StreamEvent.partStart(index, new Message.TextPart({ content: first! })),
      ...rest.map((piece) => StreamEvent.textDelta(index, piece)),
      StreamEvent.partEnd(index)
    ]
  }))
)

const thinkingPart: fc.Arbitrary<StreamedPart> = fc
  .record({
    content: text,
    signature: optional(nonEmpty),
    redactedData: optional(nonEmpty),
    provider: optional(fc.constantFrom("anthropic", "other"))
  })
  .chain(({ content, signature, redactedData, provider }) =>
    fc
      .tuple(piecesOf(content), signature === undefined ? fc.constant([]) : piecesOf(signature))
      .map(([[first, ...rest], signaturePieces]) => ({
        part: new Message.ThinkingPart(defined({ content, signature, redactedData, provider })),
        events: (index) => [
          StreamEvent.partStart(index, new Message.ThinkingPart(defined({ content: first!, redactedData, provider }))),
          ...rest.map((piece) => StreamEvent.thinkingDelta(index, { content: piece })),
          ...signaturePieces.map((piece) => StreamEvent.thinkingDelta(index, { signature: piece })),
          StreamEvent.partEnd(index)
        ]
      }))
  )

/** A function or built-in tool call: name and arguments in pieces, the id possibly set late. */
const toolCallPart = (builtin: boolean): fc.Arbitrary<StreamedPart> =>
  fc
    .record({
      toolName: nonEmpty,
      toolCallId: nonEmpty,
      // Empty argument text stands for a call without arguments: it folds to `{}`.
      args: fc.oneof(
        jsonObject.chain((args) =>
          fc.constantFrom(0, 2).map((indent) => ({ args, argsText: JSON.stringify(args, null, indent) }))
        ),
        fc.constant({ args: {}, argsText: "" })
      ),
      provider: optional(fc.constant("anthropic")),
      lateId: fc.boolean()
    })
    .chain(({ toolName, toolCallId, args: { args, argsText }, provider, lateId }) =>
      fc.tuple(piecesOf(toolName), piecesOf(argsText)).map(([[firstName, ...restName], [firstArgs, ...restArgs]]) => {
        const make = (name: string, callArgs: Message.ToolArgs, id: string) =>
          builtin
            ? new Message.BuiltinToolCallPart(defined({ toolName: name, args: callArgs, toolCallId: id, provider }))
            : new Message.ToolCallPart({ toolName: name, args: callArgs, toolCallId: id })
        return {
          part: make(toolName, args, toolCallId),
          events: (index: number): Array<Event> => [
            StreamEvent.partStart(index, make(firstName!, firstArgs!, lateId ? "" : toolCallId)),
            ...restName.map((piece) => ({
              _tag: "PartDelta" as const,
              index,
              delta: { _tag: "ToolCallDelta" as const, toolName: piece }
            })),
            ...restArgs.map((piece) => StreamEvent.toolCallArgsDelta(index, piece)),
            ...(lateId
              ? [{ _tag: "PartDelta" as const, index, delta: { _tag: "ToolCallDelta" as const, toolCallId } }]
              : []),
            StreamEvent.partEnd(index)
          ]
        }
      })
    )

/** Parts that arrive whole, without deltas. */
const completePart: fc.Arbitrary<StreamedPart> = fc
  .oneof(
    fc
      .record({ toolName: nonEmpty, toolCallId: nonEmpty, content: fc.jsonValue({ maxDepth: 2 }) })
      .map((fields) => new Message.BuiltinToolReturnPart({ ...fields, provider: "anthropic" })),
    fc
      .record({ type: nonEmpty, data: fc.jsonValue({ maxDepth: 2 }) })
      .map((fields) => new Message.OpaquePart({ ...fields, provider: "anthropic" }))
  )
  .map((part) => ({
    part,
    events: (index) => [StreamEvent.partStart(index, part), StreamEvent.partEnd(index)]
  }))

const usage = fc
  .record({
    inputTokens: fc.nat(),
    outputTokens: fc.nat(),
    cacheWriteTokens: fc.nat(),
    cacheReadTokens: fc.nat(),
    details: fc.dictionary(fc.constantFrom("a", "b", "web_search_requests"), fc.nat())
  })
  .map((fields) => new Usage.RequestUsage(fields))

const metadata = fc.record({
  modelName: optional(nonEmpty),
  providerResponseId: optional(nonEmpty),
  providerName: optional(fc.constant("anthropic")),
  finishReason: optional(fc.constantFrom(...Message.FinishReason.literals)),
  earlyUsage: usage,
  usage,
  detailsEarly: optional(fc.dictionary(fc.constantFrom("x", "y"), fc.jsonValue({ maxDepth: 1 }))),
  detailsLate: optional(fc.dictionary(fc.constantFrom("z", "w"), fc.jsonValue({ maxDepth: 1 })))
})

/** A response, and one way a provider could stream it. */
const streamedResponse = fc
  .record({
    parts: fc.array(fc.oneof(textPart, thinkingPart, toolCallPart(false), toolCallPart(true), completePart), {
      maxLength: 6
    }),
    metadata,
    // Which part's next event comes next: parts may interleave, each keeps its own order.
    interleaving: fc.array(fc.nat(), { maxLength: 80 }),
    chunkCuts: fc.array(fc.nat(), { maxLength: 12 })
  })
  .map(({ parts, metadata, interleaving, chunkCuts }) => {
    const queues = parts.map((streamed, index) => streamed.events(index))
    const events: Array<Event> = [
      StreamEvent.responseMetadata({
        modelName: metadata.modelName,
        providerResponseId: metadata.providerResponseId,
        usage: metadata.earlyUsage,
        providerDetails: metadata.detailsEarly
      })
    ]
    for (const pick of interleaving) {
      const open = queues.filter((queue) => queue.length > 0)
      if (open.length === 0) break
      events.push(open[pick % open.length]!.shift()!)
    }
    for (const queue of queues) events.push(...queue)
    events.push(
      StreamEvent.responseMetadata({
        providerName: metadata.providerName,
        usage: metadata.usage,
        finishReason: metadata.finishReason,
        providerDetails: metadata.detailsLate
      })
    )
    const providerDetails =
      metadata.detailsEarly === undefined && metadata.detailsLate === undefined
        ? undefined
        : { ...metadata.detailsEarly, ...metadata.detailsLate }
    const expected = new Message.ModelResponse(
      defined({
        parts: parts.map((streamed) => streamed.part),
        usage: metadata.usage,
        modelName: metadata.modelName,
        finishReason: metadata.finishReason,
        providerResponseId: metadata.providerResponseId,
        providerDetails,
        providerName: metadata.providerName,
        timestamp: new Date(0)
      })
    )
    const positions = chunkCuts.map((position) => position % (events.length + 1))
    const chunks: Array<Array<Event>> = []
    let from = 0
    for (const position of [...positions].sort((left, right) => left - right)) {
      chunks.push(events.slice(from, position))
      from = position
    }
    chunks.push(events.slice(from))
    return { expected, events, chunks }
  })

describe("ModelResponseBuilder.fold", () => {
  it("folds any chunking of deltas and of the event stream to the same response", () => {
    fc.assert(
      fc.property(streamedResponse, ({ expected, chunks }) => {
        expect(fold(chunks)).toEqual(expected)
      }),
      { numRuns: 200 }
    )
  })

  it("gives the same response from the stream and from a builder fed all events at once", () => {
    fc.assert(
      fc.property(streamedResponse, ({ events, chunks }) => {
        const builder = new ModelResponseBuilder.ModelResponseBuilder()
        builder.addAll(events)
        expect(fold(chunks)).toEqual(builder.response(new Date(0)))
      }),
      { numRuns: 100 }
    )
  })

  it("rebuilds a response from ModelResponseBuilder.toEvents", () => {
    fc.assert(
      fc.property(streamedResponse, ({ expected }) => {
        expect(fold([Chunk.toReadonlyArray(ModelResponseBuilder.toEvents(expected))])).toEqual(expected)
      }),
      { numRuns: 100 }
    )
  })

  it("folds a hand-written stream", () => {
    const response = fold([
      [
        StreamEvent.responseMetadata({ modelName: "m", usage: new Usage.RequestUsage({ inputTokens: 5 }) }),
        StreamEvent.partStart(0, new Message.ThinkingPart({ content: "" })),
        StreamEvent.thinkingDelta(0, { content: "Hmm" }),
        StreamEvent.thinkingDelta(0, { content: ", ok", signature: "ab" })
      ],
      [
        StreamEvent.thinkingDelta(0, { signature: "c=" }),
        StreamEvent.partEnd(0),
        StreamEvent.partStart(1, new Message.TextPart({ content: "Hel" })),
        StreamEvent.textDelta(1, "lo")
      ],
      [],
      [
        StreamEvent.partStart(2, new Message.ToolCallPart({ toolName: "add", args: "", toolCallId: "t1" })),
        StreamEvent.toolCallArgsDelta(2, '{"a":'),
        StreamEvent.toolCallArgsDelta(2, " 1}"),
        StreamEvent.responseMetadata({
          usage: new Usage.RequestUsage({ inputTokens: 5, outputTokens: 9 }),
          finishReason: "tool_call"
        })
      ]
    ])
    expect(response).toEqual(
      new Message.ModelResponse({
        parts: [
          new Message.ThinkingPart({ content: "Hmm, ok", signature: "abc=" }),
          new Message.TextPart({ content: "Hello" }),
          new Message.ToolCallPart({ toolName: "add", args: { a: 1 }, toolCallId: "t1" })
        ],
        // Usage is cumulative: the last report replaces the earlier one.
        usage: new Usage.RequestUsage({ inputTokens: 5, outputTokens: 9 }),
        modelName: "m",
        finishReason: "tool_call",
        timestamp: new Date(0)
      })
    )
  })

  it("folds to exactly the value the JSON codec gives back (no undefined keys)", () => {
    fc.assert(
      fc.property(streamedResponse, ({ expected }) => {
        const folded = fold([Chunk.toReadonlyArray(ModelResponseBuilder.toEvents(expected))])
        const undefinedKeys = (value: object) =>
          Object.keys(value).filter((key) => Reflect.get(value, key) === undefined)
        expect(undefinedKeys(folded)).toEqual([])
        for (const part of folded.parts) expect(undefinedKeys(part)).toEqual([])
        // Compared as JSON: arbitrary provider details may hold -0, which JSON writes as 0.
        const json = Schema.encodeSync(Message.HistoryFromJson)([folded])
        const roundTripped = Schema.decodeUnknownSync(Message.HistoryFromJson)(json)
        expect(Schema.encodeSync(Message.HistoryFromJson)(roundTripped)).toBe(json)
      }),
      { numRuns: 50 }
    )
  })

  it("keeps unparsable arguments as text and turns empty arguments into {}", () => {
    const call = (argsDeltas: ReadonlyArray<string>) =>
      fold([
        [
          StreamEvent.partStart(0, new Message.ToolCallPart({ toolName: "t", args: "", toolCallId: "c" })),
          ...argsDeltas.map((delta) => StreamEvent.toolCallArgsDelta(0, delta))
        ]
      ]).parts[0]
    const withArgs = (args: Message.ToolArgs) => new Message.ToolCallPart({ toolName: "t", args, toolCallId: "c" })
    expect(call(['{"city": "Pa'])).toEqual(withArgs('{"city": "Pa'))
    expect(call(["[1,", " 2]"])).toEqual(withArgs("[1, 2]"))
    expect(call(['"text"'])).toEqual(withArgs('"text"'))
    expect(call(["null"])).toEqual(withArgs("null"))
    expect(call([])).toEqual(withArgs({}))
    expect(call(["", "  ", "\n"])).toEqual(withArgs({}))
    expect(call(["{}"])).toEqual(withArgs({}))
    expect(call(['{"nested": {"list": [1, "two", null]}}'])).toEqual(withArgs({ nested: { list: [1, "two", null] } }))
  })

  it("parses argument text once complete", () => {
    expect(ModelResponseBuilder.parseToolArgs("")).toEqual({})
    expect(ModelResponseBuilder.parseToolArgs(" \t")).toEqual({})
    expect(ModelResponseBuilder.parseToolArgs('{"a":1}')).toEqual({ a: 1 })
    expect(ModelResponseBuilder.parseToolArgs('{"a":')).toBe('{"a":')
    expect(ModelResponseBuilder.parseToolArgs("[]")).toBe("[]")
    expect(ModelResponseBuilder.parseToolArgs("42")).toBe("42")
  })

  it("ignores deltas for parts that never started", () => {
    const response = fold([
      [
        StreamEvent.textDelta(3, "lost"),
        StreamEvent.partStart(0, new Message.TextPart({ content: "kept" })),
        StreamEvent.toolCallArgsDelta(0, "{}"),
        StreamEvent.partEnd(0)
      ]
    ])
    expect(response.parts).toEqual([new Message.TextPart({ content: "kept" })])
  })
})
