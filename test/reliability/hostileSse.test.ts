/**
 * Hostile SSE: event streams that break the protocol (bad block indices, blocks opened twice,
 * deltas of the wrong kind or type, events after `message_stop`) end the answer with a typed
 * `UnexpectedModelBehavior` naming the event, in bounded time; never a defect. Over loopback for
 * the cases seen in the wild, and as a fast-check property over generated sequences.
 */
import type Anthropic from "@anthropic-ai/sdk"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Layer, Option, Stream } from "effect"
import { Agent } from "effect-claude"
import { AnthropicClient, AnthropicModel, AnthropicRetry } from "effect-claude/anthropic"
import * as fc from "fast-check"
import {
  collect,
  failureOf,
  M,
  messageStartEvent,
  modelName,
  type RawEvent,
  serve,
  streamedText,
  watchUnhandledRejections,
  withClaude
} from "./harness.js"

watchUnhandledRejections()

const messageStart = messageStartEvent("msg_hostile")
const start = (index: unknown, block: unknown = { type: "text", text: "" }): RawEvent => ({
  type: "content_block_start",
  index,
  content_block: block
})
const text = (index: unknown, value: unknown): RawEvent => ({
  type: "content_block_delta",
  index,
  delta: { type: "text_delta", text: value }
})
const stop = (index: unknown): RawEvent => ({ type: "content_block_stop", index })
const ending: ReadonlyArray<RawEvent> = [
  { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } },
  { type: "message_stop" }
]

const agent = Agent.make({ instructions: "Be brief." })

describe("hostile SSE", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<RawEvent>]> = [
    ["block index __proto__", [messageStart, start("__proto__"), text("__proto__", "x"), stop("__proto__"), ...ending]],
    ["block index length", [messageStart, start("length"), text("length", "x"), stop("length"), ...ending]],
    ["block index 1e9", [messageStart, start(1e9), text(1e9, "x"), stop(1e9), ...ending]],
    ["block index 4294967294", [messageStart, start(4294967294), text(4294967294, "x"), stop(4294967294), ...ending]],
    ["block index -1", [messageStart, start(-1), text(-1, "x"), stop(-1), ...ending]],
    [
      "a second content_block_start for index 0",
      [messageStart, start(0), text(0, "FIRST "), start(0), text(0, "SECOND"), stop(0), ...ending]
    ],
    [
      "events after message_stop",
      [messageStart, start(0), text(0, "Hi"), stop(0), ...ending, start(1), text(1, "more")]
    ],
    ["a text delta that is a number", [messageStart, start(0), text(0, 42), stop(0), ...ending]],
    ["a text delta that is an object", [messageStart, start(0), text(0, { secret: true }), stop(0), ...ending]],
    ["a delta for a block never opened", [messageStart, start(0), text(1, "stray"), stop(0), ...ending]],
    [
      "a thinking delta for a text block",
      [
        messageStart,
        start(0),
        { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "x" } },
        stop(0),
        ...ending
      ]
    ]
  ]

  for (const [name, events] of cases) {
    it.scopedLive(`${name}: UnexpectedModelBehavior at once`, () =>
      Effect.gen(function* () {
        const server = yield* serve((request) => (request.stream ? M.sse(events) : M.textMessage("not streamed")))
        const started = Date.now()
        const { events: emitted, exit } = yield* collect(Agent.runStream(agent, "Hi")).pipe(
          withClaude(server, { retry: AnthropicRetry.none })
        )
        const error = failureOf(exit, "UnexpectedModelBehavior")
        expect(error.message).toMatch(/content_block|message_stop|text|index|block/)
        expect(streamedText(emitted)).not.toContain("SECOND")
        expect(Date.now() - started).toBeLessThan(2000)
      })
    )
  }
})

/** A client whose streamed call yields `events` as one chunk, then ends: no HTTP in between. */
const scriptedClient = (events: ReadonlyArray<unknown>) =>
  Layer.succeed(AnthropicClient.AnthropicClient, {
    // The fake never reaches the SDK: only `openPull` is called by a streamed request.
    sdk: {} as Anthropic,
    platform: "anthropic",
    call: () => Effect.dieMessage("not used"),
    stream: () => Stream.dieMessage("not used"),
    openPull: <A>() =>
      Effect.sync(() => {
        let sent = false
        return Effect.suspend(() => {
          if (sent) return Effect.fail(Option.none())
          sent = true
          // The events stand for whatever a server may send: the SDK types nothing it parses.
          return Effect.succeed(Chunk.unsafeFromArray(events as ReadonlyArray<A>))
        })
      })
  })

const hostileIndex = fc.oneof(
  fc.integer({ min: -1, max: 3 }),
  fc.constantFrom<unknown>("__proto__", "length", "constructor", 1e9, 4294967294, 1.5, Number.NaN, null, "0"),
  fc.anything()
)
const hostileText = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.object({ maxDepth: 1 }), fc.constant(null))
const hostileBlock = fc.oneof(
  fc.constant({ type: "text", text: "" }),
  fc.constant({ type: "thinking", thinking: "", signature: "" }),
  fc.constant({ type: "tool_use", id: "toolu_1", name: "get_weather", input: {} }),
  fc.constant({ type: "redacted_thinking", data: "x" }),
  fc.anything()
)
const hostileDelta = fc.oneof(
  fc.record({ type: fc.constant("text_delta"), text: hostileText }),
  fc.record({ type: fc.constant("thinking_delta"), thinking: hostileText }),
  fc.record({ type: fc.constant("signature_delta"), signature: hostileText }),
  fc.record({ type: fc.constant("input_json_delta"), partial_json: hostileText }),
  fc.record({ type: fc.string({ maxLength: 12 }) }),
  fc.anything()
)
const hostileEvent: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(messageStart),
  fc.record({ type: fc.constant("content_block_start"), index: hostileIndex, content_block: hostileBlock }),
  fc.record({ type: fc.constant("content_block_delta"), index: hostileIndex, delta: hostileDelta }),
  fc.record({ type: fc.constant("content_block_stop"), index: hostileIndex }),
  fc.constantFrom(...ending),
  fc.constant({ type: "ping" }),
  fc.record({ type: fc.string({ maxLength: 12 }) }),
  fc.anything()
)

describe("hostile SSE, generated", () => {
  it.effect("any event sequence ends in an answer or a typed failure, in bounded time, never a defect", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(fc.array(hostileEvent, { maxLength: 24 }), async (events) => {
          const started = performance.now()
          const exit = await Effect.runPromise(
            Effect.exit(
              Stream.runDrain(Agent.runStream(agent, "Hi")).pipe(
                Effect.provide(
                  AnthropicModel.layer(modelName, {}, { retry: AnthropicRetry.none }).pipe(
                    Layer.provide(scriptedClient([messageStart, ...events]))
                  )
                )
              )
            )
          )
          expect(performance.now() - started).toBeLessThan(1000)
          if (Exit.isFailure(exit)) {
            expect(Cause.isDie(exit.cause), Cause.pretty(exit.cause)).toBe(false)
            const failure = Cause.failureOption(exit.cause)
            expect(Option.isSome(failure), Cause.pretty(exit.cause)).toBe(true)
          }
        }),
        { numRuns: 200 }
      )
    )
  )
})
