/**
 * The bounds a hostile or stalled server runs into: capped `retry-after` waits, an idle timeout
 * on every body, SSE validated as data. Each outcome is typed (never a defect), and arrives in
 * bounded time.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted, Schedule, Stream } from "effect"
import { Agent } from "effect-claude"
import { AnthropicClient, AnthropicModel, AnthropicRetry } from "effect-claude/anthropic"
import type { MockAnthropicServer } from "effect-claude/testing"
import {
  apiKey,
  ask,
  askStream,
  collect,
  failureOf,
  fastRetry,
  M,
  messageStartEvent,
  modelName,
  serve,
  sseEvent,
  streamedText,
  watchUnhandledRejections,
  withClaude
} from "./harness.js"

watchUnhandledRejections()

const event = sseEvent

const messageStart = event(messageStartEvent("msg_stall"))
const textStart = event({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } })
const textDelta = (text: string) =>
  event({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })

/** A body that sends `head`, then nothing more while the connection stays open. */
const stallAfter = (head: string, contentType = "text/event-stream") =>
  M.streamed(Stream.concat(Stream.make(head), Stream.never), { contentType })

/** Claude with a client `timeout` (and so a body idle timeout) of `timeout`. */
const withTimeout =
  (server: MockAnthropicServer.Service, timeout: Duration.DurationInput, retry = fastRetry) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.provide(
      effect,
      AnthropicModel.layer(modelName, {}, { retry }).pipe(
        Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(apiKey), baseURL: server.baseURL, timeout })),
        Layer.provide(NodeHttpClient.layerUndici)
      )
    )

describe("bounds", () => {
  describe("idle bodies", () => {
    it.scopedLive("headers and three text events, then silence: a typed timeout after the text, request aborted", () =>
      Effect.gen(function* () {
        const server = yield* serve(() =>
          stallAfter(messageStart + textStart + textDelta("one ") + textDelta("two ") + textDelta("three"))
        )
        const started = Date.now()
        const { events, exit } = yield* askStream().pipe(withTimeout(server, "300 millis", AnthropicRetry.none))
        expect(Date.now() - started).toBeLessThan(3000)
        expect(streamedText(events)).toBe("one two three")
        failureOf(exit, "APIConnectionTimeoutError")
        expect(yield* server.requestCount).toBe(1)
      })
    )

    it.scopedLive("settings.timeout bounds the idle time of one run's stream (message_start, then silence)", () =>
      Effect.gen(function* () {
        const server = yield* serve(() => stallAfter(messageStart))
        const started = Date.now()
        const agent = Agent.make({ instructions: "Be brief." })
        const { exit } = yield* collect(Agent.runStream(agent, "Hi", { settings: { timeout: "200 millis" } })).pipe(
          withClaude(server)
        )
        // Before any content the timeout is retryable: the fast policy's two retries, then the error.
        failureOf(exit, "APIConnectionTimeoutError")
        expect(yield* server.requestCount).toBe(3)
        expect(Date.now() - started).toBeLessThan(5000)
      })
    )

    it.scopedLive("a byte trickle that never completes an event times out like silence", () =>
      Effect.gen(function* () {
        const trickle = Stream.fromIterable(messageStart.split("")).pipe(Stream.schedule(Schedule.spaced("50 millis")))
        const server = yield* serve(() => M.streamed(trickle, { contentType: "text/event-stream" }))
        const started = Date.now()
        const { exit } = yield* askStream("Hi", { timeout: "300 millis" }).pipe(
          withClaude(server, { retry: AnthropicRetry.none })
        )
        failureOf(exit, "APIConnectionTimeoutError")
        expect(Date.now() - started).toBeLessThan(3000)
      })
    )

    it.scopedLive("a non-streamed answer with a non-JSON content type and a stalled body times out", () =>
      Effect.gen(function* () {
        for (const contentType of ["text/event-stream", "application/octet-stream"]) {
          const server = yield* serve(() => stallAfter('{"id": ', contentType))
          const started = Date.now()
          const exit = yield* Effect.exit(ask().pipe(withTimeout(server, "300 millis", AnthropicRetry.none)))
          failureOf(exit, "APIConnectionTimeoutError")
          expect(Date.now() - started).toBeLessThan(3000)
        }
      })
    )
    it.scopedLive(
      "settings.timeout bounds a non-streamed answer whose non-JSON body stalls (client timeout 10 min)",
      () =>
        Effect.gen(function* () {
          const server = yield* serve(() => stallAfter('{"id": ', "application/octet-stream"))
          const started = Date.now()
          // The client keeps the SDK's default timeout: only settings.timeout can end this in time.
          const exit = yield* Effect.exit(ask("Hi", { timeout: "250 millis" }).pipe(withClaude(server)))
          // Retryable: the fast policy's two retries, each bounded, then the error.
          failureOf(exit, "APIConnectionTimeoutError")
          expect(yield* server.requestCount).toBe(3)
          expect(Date.now() - started).toBeLessThan(5000)
        })
    )
  })

  describe("server-requested waits", () => {
    it.scopedLive("retry-after: 3600 fails at once with the error carrying the requested wait", () =>
      Effect.gen(function* () {
        const server = yield* serve([M.apiError(429, { retryAfter: 3600 }), M.textMessage("never")])
        const started = Date.now()
        const exit = yield* Effect.exit(ask().pipe(withClaude(server)))
        expect(Date.now() - started).toBeLessThan(2000)
        const error = failureOf(exit, "RateLimitError")
        expect(error.headers["retry-after"]).toBe("3600")
        expect(yield* server.requestCount).toBe(1)
      })
    )

    it.scopedLive("retry-after-ms: 1e9 fails at once too; an invalid retry-after-ms leaves retry-after in force", () =>
      Effect.gen(function* () {
        const huge = yield* serve([M.apiError(529, { headers: { "retry-after-ms": "1e9" } }), M.textMessage("never")])
        failureOf(yield* Effect.exit(ask().pipe(withClaude(huge))), "OverloadedError")
        expect(yield* huge.requestCount).toBe(1)

        // `0` must not discard the valid `retry-after` beside it: the retry waits a whole second.
        const zero = yield* serve([
          M.apiError(429, { headers: { "retry-after-ms": "0", "retry-after": "1" } }),
          M.textMessage("after a second")
        ])
        const started = Date.now()
        yield* ask().pipe(withClaude(zero))
        expect(Date.now() - started).toBeGreaterThanOrEqual(Duration.toMillis("950 millis"))
      })
    )
  })
})
