/**
 * When and how often a failed Claude request is tried again. A policy is an Effect `Schedule` fed
 * with each failure; the model only ever consults it for errors worth retrying (`isRetryable`: 408,
 * 409, 429, 5xx incl. 529, connection errors and timeouts, transient SSE `error` events), never for
 * 400, 401, 403, 404, 413, 422 or aborts. The default retries twice, waiting what the server asks
 * (`retry-after-ms`, `retry-after`) or else an exponential backoff with jitter (0.5 s, 1 s, … up
 * to 8 s, minus up to 25 %), like the official SDK. A server asking for a wait over `maxRetryAfter`
 * (default 60 s) is not waited for: that failure is the request's at once.
 *
 * A policy is set per model (`AnthropicModel.layer(name, settings, { retry })`) and per run or
 * call (`AnthropicRetry.withPolicy`), the latter winning. A streamed answer is retried only until
 * its first content arrives: after that its error surfaces, so no text is ever repeated.
 *
 * @example
 * import { Effect, Schedule } from "effect"
 * import { Agent } from "effect-claude"
 * import { AnthropicModel, AnthropicRetry } from "effect-claude/anthropic"
 *
 * // Five retries for every request of this model, still honouring `retry-after`.
 * const Patient = AnthropicModel.layer("claude-sonnet-4-6", {}, { retry: AnthropicRetry.make({ maxRetries: 5 }) })
 *
 * // Any Schedule works; this run fails on the first error.
 * const once = <A, E, R>(run: Effect.Effect<A, E, R>) => run.pipe(AnthropicRetry.withPolicy(AnthropicRetry.none))
 *
 * // A fixed pace, but never earlier than the server asks.
 * const steady = AnthropicRetry.honourRetryAfter(Schedule.intersect(Schedule.spaced("2 seconds"), Schedule.recurs(3)))
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type { AnthropicError } from "./AnthropicError.js"

/**
 * A retry policy: a `Schedule` that gets each retryable failure as its input and decides whether,
 * and after how long, to try again. Any output type will do.
 *
 * @since 0.1.0
 * @category models
 */
export type Policy = Schedule.Schedule<unknown, AnthropicError>

/**
 * Options of `make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How many times a request is tried again after its first attempt (default 2). */
  readonly maxRetries?: number | undefined
  /** The first backoff delay, doubled at each retry (default 500 ms). */
  readonly initialDelay?: Duration.DurationInput | undefined
  /** The longest backoff delay (default 8 s); a server's `retry-after` is honoured even when longer, up to `maxRetryAfter`. */
  readonly maxDelay?: Duration.DurationInput | undefined
  /**
   * The longest wait a server may ask for with `retry-after` / `retry-after-ms` (default 60 s): a
   * failure asking for longer fails at once rather than holding the run.
   */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
  /** Whether the backoff takes off a random share of up to 25 % (default true), so clients spread out. */
  readonly jitter?: boolean | undefined
}

/** The longest delay one timer can hold: a `retry-after` beyond it is not taken literally. */
const maxTimerMillis = 2 ** 31 - 1

const positiveMillis = (millis: number): Option.Option<Duration.Duration> =>
  millis > 0 && millis <= maxTimerMillis ? Option.some(Duration.millis(millis)) : Option.none()

/**
 * `retry-after-ms` as milliseconds, when it is a plain positive number: `0`, negative, infinite
 * or hexadecimal values do not count, so a `retry-after` beside them is still read.
 */
const millisHeaderValue = (header: string): number | undefined => {
  const millis = Number(header.trim())
  return header.trim() !== "" && Number.isFinite(millis) && millis > 0 && !/^[+-]?0x/i.test(header.trim())
    ? millis
    : undefined
}

/**
 * How long the server asked to wait before the next attempt: `retry-after-ms` (milliseconds), when
 * it is a positive number, else `retry-after` (seconds, or an HTTP date, measured against `now`).
 * `None` when there is no usable header (absent, unparsable, not positive).
 *
 * @since 0.1.0
 * @category utils
 */
export const retryAfter = (error: AnthropicError, now: number = Date.now()): Option.Option<Duration.Duration> => {
  const requested = requestedWaitMillis(error, now)
  return requested === undefined ? Option.none() : positiveMillis(requested)
}

/** The wait the server asked for in milliseconds, however long; `undefined` when none is usable. */
const requestedWaitMillis = (error: AnthropicError, now: number): number | undefined => {
  if (!("headers" in error)) return undefined
  const headers = error.headers
  const millisHeader = headers["retry-after-ms"]
  const millis = millisHeader === undefined ? undefined : millisHeaderValue(millisHeader)
  if (millis !== undefined) return millis
  const header = headers["retry-after"]
  if (header === undefined) return undefined
  const seconds = Number.parseFloat(header)
  if (!Number.isNaN(seconds)) return seconds > 0 && Number.isFinite(seconds) ? seconds * 1000 : undefined
  const date = Date.parse(header)
  return Number.isNaN(date) || date - now <= 0 ? undefined : date - now
}

/**
 * The longest wait a server may ask for before a retry unless told otherwise: 60 seconds.
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultMaxRetryAfter: Duration.Duration = Duration.seconds(60)

/**
 * Options of `honourRetryAfter`.
 *
 * @since 0.1.0
 * @category models
 */
export interface HonourOptions {
  /**
   * The longest wait a server may ask for (default 60 s). A failure asking for longer is not
   * retried: it fails at once, and its `headers` (read with `retryAfter`) say how long it asked for.
   */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
}

/**
 * Makes `schedule` wait what the server asks (`retry-after-ms` / `retry-after`) whenever a failure
 * carries such a header; failures without one keep the schedule's own delay. Whether to retry at
 * all is still the schedule's decision, except that a server asking for more than `maxRetryAfter`
 * ends the retries.
 *
 * @since 0.1.0
 * @category utils
 */
export const honourRetryAfter = <Out, R>(
  schedule: Schedule.Schedule<Out, AnthropicError, R>,
  options: HonourOptions = {}
): Schedule.Schedule<Out, AnthropicError, R> => {
  const maxMillis = Duration.toMillis(Duration.decode(options.maxRetryAfter ?? defaultMaxRetryAfter))
  const now = Effect.clockWith((clock) => clock.currentTimeMillis)
  return Schedule.intersect(schedule, Schedule.identity<AnthropicError>()).pipe(
    Schedule.whileInputEffect((error: AnthropicError) =>
      Effect.map(now, (at) => {
        const requested = requestedWaitMillis(error, at)
        return requested === undefined || requested <= maxMillis
      })
    ),
    Schedule.modifyDelayEffect(([, error], delay) =>
      Effect.map(now, (at) => Option.getOrElse(retryAfter(error, at), () => delay))
    ),
    Schedule.map(([out]) => out)
  )
}

/**
 * The SDK's backoff: `initialDelay` doubled at each retry, at most `maxDelay`, minus a random share
 * of up to 25 % (`jitter`), for at most `maxRetries` retries; a server's `retry-after` wins.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Policy => {
  const maxRetries = Math.max(0, Math.floor(options.maxRetries ?? 2))
  const maxDelay = Duration.decode(options.maxDelay ?? Duration.seconds(8))
  const capped = Schedule.exponential(options.initialDelay ?? Duration.millis(500), 2).pipe(
    Schedule.modifyDelay((_, delay) => Duration.min(delay, maxDelay))
  )
  const backoff = options.jitter === false ? capped : Schedule.jitteredWith(capped, { min: 0.75, max: 1 })
  return honourRetryAfter(Schedule.intersect(backoff, Schedule.recurs(maxRetries)), {
    maxRetryAfter: options.maxRetryAfter
  })
}

/**
 * Two retries with the SDK's backoff, honouring `retry-after`: what a model uses unless told otherwise.
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultPolicy: Policy = make()

/**
 * Never retry.
 *
 * @since 0.1.0
 * @category utils
 */
export const none: Policy = Schedule.stop

/**
 * The policy set for the current run or call with `withPolicy`; `undefined` (the default) leaves
 * the model's own policy (its Layer's `retry` option, else `defaultPolicy`) in force.
 *
 * @since 0.1.0
 * @category tags
 */
export class CurrentPolicy extends Context.Reference<CurrentPolicy>()(
  "effect-claude/anthropic/AnthropicRetry/CurrentPolicy",
  {
    defaultValue: (): Policy | undefined => undefined
  }
) {}

/**
 * Runs `effect` (an agent run, a model call) with `policy` for every Claude request it makes,
 * over the model's own policy. For a `Stream`, use `Stream.provideService(CurrentPolicy, policy)`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withPolicy: {
  (policy: Policy): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, policy: Policy): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(effect: Effect.Effect<A, E, R>, policy: Policy): Effect.Effect<A, E, R> =>
    Effect.provideService(effect, CurrentPolicy, policy)
)
