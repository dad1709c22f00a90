/**
 * Applying a retry policy to one request (`retryEffect`) or one streamed answer (`retryStreamPull`).
 * Only errors `isRetryable` calls transient reach the policy; the rest fail at once.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import { type AnthropicError, APIConnectionError, isRetryable } from "../AnthropicError.js"
import { CurrentPolicy, defaultPolicy, type Policy } from "../AnthropicRetry.js"

/** The policy in force: the run's (`withPolicy`), else the model's, else the default. */
const policyInForce = (modelPolicy: Policy | undefined): Effect.Effect<Policy> =>
  Effect.map(CurrentPolicy, (current) => current ?? modelPolicy ?? defaultPolicy)

const logFailure = (error: AnthropicError): Effect.Effect<void> =>
  Effect.logDebug("Anthropic request failed").pipe(
    Effect.annotateLogs({
      error: error._tag,
      retryable: isRetryable(error),
      ...("status" in error && error.status !== undefined ? { status: error.status } : {}),
      ...("requestId" in error && error.requestId !== undefined ? { requestId: error.requestId } : {})
    })
  )

/**
 * After a first failure of `attempt`: logged, then the schedule decides on each retryable failure
 * (sleeping for its delay); when it is done, or the failure is not retryable, that failure is the
 * request's. After a failure, the logs and the attempts that follow run under `span` when one is given.
 */
const afterFailure = <A, R>(
  attempt: Effect.Effect<A, AnthropicError, R>,
  error: AnthropicError,
  modelPolicy: Policy | undefined,
  span: Tracer.AnySpan | undefined
): Effect.Effect<A, AnthropicError, R> => {
  const retryLoop = (
    driver: Schedule.ScheduleDriver<unknown, AnthropicError>,
    failure: AnthropicError
  ): Effect.Effect<A, AnthropicError, R> =>
    Effect.matchEffect(driver.next(failure), {
      onFailure: () => Effect.fail(failure),
      onSuccess: () =>
        Effect.catchAll(attempt, (next) =>
          Effect.zipRight(logFailure(next), isRetryable(next) ? retryLoop(driver, next) : Effect.fail(next))
        )
    })
  const retried = Effect.zipRight(
    logFailure(error),
    isRetryable(error)
      ? Effect.flatMap(policyInForce(modelPolicy), (policy) =>
          Effect.flatMap(Schedule.driver(policy), (driver) => retryLoop(driver, error))
        )
      : Effect.fail(error)
  )
  return span === undefined ? retried : Effect.withParentSpan(retried, span)
}

/**
 * `Effect.retry(attempt, { schedule: policy, while: isRetryable })`, every failure logged, with the
 * schedule's machinery (its driver, the policy lookup) set up only after a first failure: a
 * request that succeeds at once, as nearly all do, pays for one error handler.
 */
const withPolicy = <A, R>(
  attempt: Effect.Effect<A, AnthropicError, R>,
  modelPolicy: Policy | undefined,
  span?: Tracer.AnySpan | undefined
): Effect.Effect<A, AnthropicError, R> =>
  Effect.catchAll(attempt, (error) => afterFailure(attempt, error, modelPolicy, span))

/**
 * Runs a request, trying it again under the policy in force while it fails with a retryable error.
 * After a failure, the logs and the attempts that follow run under `span` when one is given.
 * @since 0.1.0
 * @category utils
 */
export const retryEffect: <A, R>(
  request: Effect.Effect<A, AnthropicError, R>,
  modelPolicy: Policy | undefined,
  span?: Tracer.AnySpan | undefined
) => Effect.Effect<A, AnthropicError, R> = withPolicy

/**
 * How one attempt at a streamed answer is mapped: a chunk of events at once. Make one per attempt.
 * @since 0.1.0
 * @category models
 */
export interface StreamReader<A, B> {
  /** Maps a chunk of events; throws on an event it cannot read. */
  readonly read: (events: Chunk.Chunk<A>) => Chunk.Chunk<B>
}

/**
 * How a streamed answer is read: its mapping, and what the retry wrapper needs to know of its events.
 * @since 0.1.0
 * @category models
 */
export interface StreamReading<A, B, E> {
  /** A fresh reader per attempt. */
  readonly makeReader: () => StreamReader<A, B>
  /** Whether an event comes before content (such as `message_start`): held back until content begins. */
  readonly isPreamble: (event: A) => boolean
  /**
   * Whether an event is the one a complete answer ends with; a stream that stops before it was cut
   * short. The reader must fail on any event after it, so only a chunk's last event needs a look.
   */
  readonly isEnd: (event: A) => boolean
  /** The failure for an event the reader cannot read (never retried). */
  readonly unreadable: (cause: unknown) => E
}

/** Whether a chunk holds an event past the preamble; read only until content begins. */
const hasContent = <A>(chunk: Chunk.Chunk<A>, isPreamble: (event: A) => boolean): boolean => {
  for (const event of chunk) if (!isPreamble(event)) return true
  return false
}

const cutShort = (): AnthropicError =>
  new APIConnectionError({
    message: "The answer's event stream ended before its final event: the connection was cut short",
    headers: {}
  })

/** A Stream's pull: the next chunk; `None` at the end. */
type Pull<A, E> = Effect.Effect<Chunk.Chunk<A>, Option.Option<E>>

/**
 * Opens one attempt's events as a pull (the client's `openPull`); closing the scope aborts its request.
 * @since 0.1.0
 * @category models
 */
export type OpenPull<A> = Effect.Effect<Pull<A, AnthropicError>, AnthropicError, Scope.Scope>

/**
 * One attempt: opens `events` and reads (mapping as it goes) until content begins, holding back
 * what it read. A failure before that point (a stream cut short included) fails the returned
 * Effect, and the caller closes the attempt's scope, aborting its request. Otherwise it gives the
 * answer's pull: the held events first, then each chunk as it is read, whose errors surface as
 * they are. An event the reader cannot read fails the answer with `unreadable`, never retried.
 *
 * Per chunk that is one `matchEffect` over the source's pull and the reader's plain loop: the
 * answer's Stream is a single `repeatEffectChunkOption` over it, no combinator per layer.
 */
const openUntilContent = <A, B, E>(
  open: OpenPull<A>,
  reading: StreamReading<A, B, E>
): Effect.Effect<Pull<B, AnthropicError | E>, AnthropicError, Scope.Scope> =>
  Effect.flatMap(open, (pull) => {
    const { isEnd, isPreamble, unreadable } = reading
    const reader = reading.makeReader()
    let ended = false
    // What the answer hands over before reading on: the held events, then possibly its end.
    let held: Chunk.Chunk<B> = Chunk.empty()
    let after: Option.Option<AnthropicError | E> | undefined
    const read: Pull<B, AnthropicError | E> = Effect.matchEffect(pull, {
      onFailure: (error) =>
        Option.isNone(error) && !ended ? Effect.fail(Option.some(cutShort())) : Effect.fail(error),
      onSuccess: (chunk) => {
        try {
          const mapped = reader.read(chunk)
          if (chunk.length > 0) ended = isEnd(Chunk.unsafeLast(chunk))
          return Effect.succeed(mapped)
        } catch (cause) {
          return Effect.fail(Option.some(unreadable(cause)))
        }
      }
    })
    const answer: Pull<B, AnthropicError | E> = Effect.suspend(() => {
      if (held.length > 0) {
        const first = held
        held = Chunk.empty()
        return Effect.succeed(first)
      }
      return after === undefined ? read : Effect.fail(after)
    })
    const untilContent: Effect.Effect<Pull<B, AnthropicError | E>, AnthropicError> = Effect.matchEffect(pull, {
      onFailure: (error) => {
        if (Option.isSome(error)) return Effect.fail(error.value)
        if (!ended) return Effect.fail(cutShort())
        // A complete answer without content: the held events, and nothing more to read.
        after = Option.none()
        return Effect.succeed(answer)
      },
      onSuccess: (chunk) => {
        try {
          held = Chunk.appendAll(held, reader.read(chunk))
        } catch (cause) {
          after = Option.some(unreadable(cause))
          return Effect.succeed(answer)
        }
        if (chunk.length > 0) ended = isEnd(Chunk.unsafeLast(chunk))
        return hasContent(chunk, isPreamble) ? Effect.succeed(answer) : untilContent
      }
    })
    return untilContent
  })

/**
 * The pull of a streamed answer that is opened again under the policy in force while it fails
 * before its first content (preamble events, such as `message_start`, are held back until then,
 * so a retry never repeats anything). Once content was handed on, a failure surfaces as it is. A
 * stream that stops before its end event fails with `APIConnectionError` rather than passing for
 * a whole answer. Each attempt lives in its own scope within the caller's, closed (aborting its
 * HTTP request) as soon as the attempt fails. Each attempt's events are mapped by a fresh reader.
 * @since 0.1.0
 * @category utils
 */
export const retryStreamPull = <A, B, E>(
  open: OpenPull<A>,
  reading: StreamReading<A, B, E>,
  modelPolicy: Policy | undefined
): Effect.Effect<Pull<B, AnthropicError | E>, AnthropicError, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (parent) =>
    withPolicy(
      Effect.flatMap(Scope.fork(parent, ExecutionStrategy.sequential), (scope) =>
        Scope.extend(openUntilContent(open, reading), scope).pipe(
          Effect.onExit((exit) => (Exit.isFailure(exit) ? Scope.close(scope, exit) : Effect.void))
        )
      ),
      modelPolicy
    )
  )
