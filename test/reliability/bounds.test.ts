/**
 * The bounds a hostile or stalled server runs into: capped `retry-after` waits, an idle timeout
 * on every body, SSE validated as data. Each outcome is typed (never a defect), and arrives in
 * bounded time.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { ask, failureOf, M, serve, watchUnhandledRejections, withClaude } from "./harness.js"

watchUnhandledRejections()

describe("bounds", () => {
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
