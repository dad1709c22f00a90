/**
 * The retry policies as schedules: the delays they plan for a sequence of failures, how they read
 * `retry-after-ms` / `retry-after`, and which errors ever reach them.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, Schedule, ScheduleDecision, ScheduleIntervals } from "effect"
import { AnthropicError, AnthropicRetry } from "effect-claude/anthropic"
import { retryEffect } from "../../src/anthropic/internal/retrying.js"

const connectionError = new AnthropicError.APIConnectionError({ message: "Connection error", headers: {} })

const rateLimited = (headers: Record<string, string>) =>
  new AnthropicError.RateLimitError({ message: "429 rate_limit_error", status: 429, headers })

/** The delays (ms) the policy plans for these failures, in order, until it stops. */
const plannedDelays = (policy: AnthropicRetry.Policy, failures: ReadonlyArray<AnthropicError.AnthropicError>) =>
  Effect.gen(function* () {
    let state = policy.initial
    let now = 0
    const delays: Array<number> = []
    for (const failure of failures) {
      const [next, , decision] = yield* policy.step(now, failure, state)
      if (ScheduleDecision.isDone(decision)) break
      const start = ScheduleIntervals.start(decision.intervals)
      delays.push(start - now)
      now = start
      state = next
    }
    return delays
  })

const times = <A>(count: number, value: A): ReadonlyArray<A> => Array.from({ length: count }, () => value)

describe("AnthropicRetry", () => {
  it.effect("the default: two retries, 0.5 s then 1 s, minus up to 25 % jitter", () =>
    Effect.gen(function* () {
      for (let round = 0; round < 20; round++) {
        const delays = yield* plannedDelays(AnthropicRetry.defaultPolicy, times(5, connectionError))
        expect(delays).toHaveLength(2)
        expect(delays[0]).toBeGreaterThanOrEqual(375)
        expect(delays[0]).toBeLessThanOrEqual(500)
        expect(delays[1]).toBeGreaterThanOrEqual(750)
        expect(delays[1]).toBeLessThanOrEqual(1000)
      }
    })
  )

  it.effect("make: exponential backoff capped at maxDelay, bounded attempts", () =>
    Effect.gen(function* () {
      const policy = AnthropicRetry.make({ maxRetries: 6, jitter: false })
      expect(yield* plannedDelays(policy, times(10, connectionError))).toEqual([500, 1000, 2000, 4000, 8000, 8000])
      const quick = AnthropicRetry.make({
        maxRetries: 3,
        initialDelay: "10 millis",
        maxDelay: "25 millis",
        jitter: false
      })
      expect(yield* plannedDelays(quick, times(10, connectionError))).toEqual([10, 20, 25])
      expect(yield* plannedDelays(AnthropicRetry.make({ maxRetries: 0 }), [connectionError])).toEqual([])
      expect(yield* plannedDelays(AnthropicRetry.none, [connectionError])).toEqual([])
    })
  )

  it.effect("the server's retry-after-ms, else retry-after (seconds or an HTTP date), wins over the backoff", () =>
    Effect.gen(function* () {
      const policy = AnthropicRetry.make({ maxRetries: 5, jitter: false })
      const failures = [
        rateLimited({ "retry-after-ms": "1500" }),
        rateLimited({ "retry-after": "3" }),
        rateLimited({ "retry-after-ms": "250.5", "retry-after": "9" }),
        // Measured against the Clock: the TestClock stands at the epoch.
        rateLimited({ "retry-after": new Date(4_000).toUTCString() }),
        rateLimited({ "retry-after": "soon" })
      ]
      // The last one has nothing usable: the backoff's fifth delay (8 s).
      expect(yield* plannedDelays(policy, failures)).toEqual([1500, 3000, 250.5, 4000, 8000])
    })
  )

  it("retryAfter reads the headers, ignoring what cannot be a wait", () => {
    const read = (headers: Record<string, string>) =>
      Option.map(AnthropicRetry.retryAfter(rateLimited(headers), 0), Duration.toMillis)
    expect(read({ "retry-after-ms": "20" })).toEqual(Option.some(20))
    expect(read({ "retry-after": "1.5" })).toEqual(Option.some(1500))
    expect(read({ "retry-after": "Thu, 01 Jan 1970 00:00:02 GMT" })).toEqual(Option.some(2000))
    expect(read({})).toEqual(Option.none())
    expect(read({ "retry-after": "0" })).toEqual(Option.none())
    expect(read({ "retry-after-ms": "-5" })).toEqual(Option.none())
    expect(read({ "retry-after": "Thu, 01 Jan 1970 00:00:00 GMT" })).toEqual(Option.none())
    expect(read({ "retry-after": String(2 ** 31) })).toEqual(Option.none())
    expect(AnthropicRetry.retryAfter(new AnthropicError.RetryableError({ message: "again" }))).toEqual(Option.none())
  })

  it.effect("a server asking for more than maxRetryAfter (default 60 s) is not waited for", () =>
    Effect.gen(function* () {
      expect(yield* plannedDelays(AnthropicRetry.defaultPolicy, [rateLimited({ "retry-after": "3600" })])).toEqual([])
      expect(yield* plannedDelays(AnthropicRetry.defaultPolicy, [rateLimited({ "retry-after-ms": "1e9" })])).toEqual([])
      expect(yield* plannedDelays(AnthropicRetry.defaultPolicy, [rateLimited({ "retry-after": "60" })])).toEqual([
        60_000
      ])
      const patient = AnthropicRetry.make({ maxRetryAfter: "2 hours" })
      expect(yield* plannedDelays(patient, [rateLimited({ "retry-after": "3600" })])).toEqual([3_600_000])
      // The failure itself says how long the server asked for.
      expect(AnthropicRetry.retryAfter(rateLimited({ "retry-after": "3600" }), 0)).toEqual(
        Option.some(Duration.seconds(3600))
      )
    })
  )

  it("a retry-after-ms that is not a positive number falls back to retry-after, then to the backoff", () => {
    for (const invalid of ["0", "-5", "Infinity", "0x10", "", "soon"]) {
      expect(
        Option.map(
          AnthropicRetry.retryAfter(rateLimited({ "retry-after-ms": invalid, "retry-after": "3" }), 0),
          Duration.toMillis
        )
      ).toEqual(Option.some(3000))
      expect(AnthropicRetry.retryAfter(rateLimited({ "retry-after-ms": invalid }), 0)).toEqual(Option.none())
    }
  })

  it.effect("honourRetryAfter keeps a custom schedule's decisions and delays when no header says otherwise", () =>
    Effect.gen(function* () {
      const steady = AnthropicRetry.honourRetryAfter(
        Schedule.intersect(Schedule.spaced("2 seconds"), Schedule.recurs(2))
      )
      expect(
        yield* plannedDelays(steady, [connectionError, rateLimited({ "retry-after": "7" }), connectionError])
      ).toEqual([2000, 7000])
    })
  )

  describe("which errors reach the policy", () => {
    const status = (code: number, tag: AnthropicError.APIStatusError["_tag"]) => {
      const fields = { message: `${code}`, status: code, headers: {} }
      switch (tag) {
        case "BadRequestError":
          return new AnthropicError.BadRequestError(fields)
        case "AuthenticationError":
          return new AnthropicError.AuthenticationError(fields)
        case "PermissionDeniedError":
          return new AnthropicError.PermissionDeniedError(fields)
        case "NotFoundError":
          return new AnthropicError.NotFoundError(fields)
        case "ContentTooLargeError":
          return new AnthropicError.ContentTooLargeError(fields)
        case "UnprocessableEntityError":
          return new AnthropicError.UnprocessableEntityError(fields)
        case "RequestTimeoutError":
          return new AnthropicError.RequestTimeoutError(fields)
        case "ConflictError":
          return new AnthropicError.ConflictError(fields)
        case "RateLimitError":
          return new AnthropicError.RateLimitError(fields)
        case "InternalServerError":
          return new AnthropicError.InternalServerError(fields)
        case "ServiceUnavailableError":
          return new AnthropicError.ServiceUnavailableError(fields)
        case "OverloadedError":
          return new AnthropicError.OverloadedError(fields)
        default:
          return new AnthropicError.APIError(fields)
      }
    }

    /** How many attempts a request failing with `error` every time gets under a fast 2-retry policy. */
    const attempts = (error: AnthropicError.AnthropicError) =>
      Effect.gen(function* () {
        let count = 0
        const request = Effect.suspend(() => {
          count++
          return Effect.fail(error)
        })
        yield* Effect.flip(retryEffect(request, AnthropicRetry.make({ initialDelay: "1 millis" })))
        return count
      })

    it.live("408, 409, 429, 5xx, 529, connection errors and transient SSE errors are retried", () =>
      Effect.gen(function* () {
        const retried = [
          status(408, "RequestTimeoutError"),
          status(409, "ConflictError"),
          status(429, "RateLimitError"),
          status(500, "InternalServerError"),
          status(502, "APIError"),
          status(503, "ServiceUnavailableError"),
          status(529, "OverloadedError"),
          connectionError,
          new AnthropicError.APIConnectionTimeoutError({ message: "Request timed out.", headers: {} }),
          new AnthropicError.APIError({ message: "overloaded", headers: {}, errorType: "overloaded_error" })
        ]
        for (const error of retried) expect([error._tag, yield* attempts(error)]).toEqual([error._tag, 3])
      })
    )

    it.live("400, 401, 403, 404, 413, 422, aborts and SDK failures never are, whatever the policy", () =>
      Effect.gen(function* () {
        const never = [
          status(400, "BadRequestError"),
          status(401, "AuthenticationError"),
          status(403, "PermissionDeniedError"),
          status(404, "NotFoundError"),
          status(413, "ContentTooLargeError"),
          status(422, "UnprocessableEntityError"),
          new AnthropicError.APIUserAbortError({ message: "Request was aborted.", headers: {} }),
          new AnthropicError.AnthropicSdkError({ message: "Unexpected token", errorClass: "SyntaxError" }),
          // The server's veto.
          new AnthropicError.OverloadedError({
            message: "529",
            status: 529,
            headers: { "x-should-retry": "false" }
          })
        ]
        for (const error of never) expect([error._tag, yield* attempts(error)]).toEqual([error._tag, 1])
        // Even an eager policy of the user's own.
        let count = 0
        yield* Effect.flip(
          retryEffect(
            Effect.suspend(() => {
              count++
              return Effect.fail(status(400, "BadRequestError"))
            }),
            Schedule.recurs(10)
          )
        )
        expect(count).toBe(1)
      })
    )

    it.live("withPolicy sets the policy for everything inside, over the model's", () =>
      Effect.gen(function* () {
        let count = 0
        const request = Effect.suspend(() => {
          count++
          return Effect.fail(connectionError)
        })
        yield* Effect.flip(
          retryEffect(request, AnthropicRetry.none).pipe(AnthropicRetry.withPolicy(Schedule.recurs(4)))
        )
        expect(count).toBe(5)
      })
    )
  })
})
