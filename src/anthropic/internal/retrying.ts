/**
 * Applying a retry policy to one request (`retryEffect`) or one streamed answer (`retryStream`).
 * Only errors `isRetryable` calls transient reach the policy; the rest fail at once.
 */
import { Chunk, Effect, Either, ExecutionStrategy, Exit, Option, Scope, Stream } from "effect"
import { type AnthropicError, isRetryable } from "../AnthropicError.js"
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

const withPolicy = <A, R>(
  attempt: Effect.Effect<A, AnthropicError, R>,
  modelPolicy: Policy | undefined
): Effect.Effect<A, AnthropicError, R> =>
  Effect.flatMap(policyInForce(modelPolicy), (policy) =>
    Effect.retry(Effect.tapError(attempt, logFailure), { schedule: policy, while: isRetryable })
  )

/** Runs a request, trying it again under the policy in force while it fails with a retryable error. */
export const retryEffect: <A, R>(
  request: Effect.Effect<A, AnthropicError, R>,
  modelPolicy: Policy | undefined
) => Effect.Effect<A, AnthropicError, R> = withPolicy

/**
 * Opens `events` and reads until the first event that is not `preamble`, holding back everything
 * read so far. A failure before that point fails the returned Effect (the attempt's scope is closed
 * by the caller, aborting its request); afterwards the held events and the rest of the stream are
 * handed over as one Stream whose errors surface as they are.
 */
const openUntilContent = <A>(
  events: Stream.Stream<A, AnthropicError>,
  preamble: (event: A) => boolean
): Effect.Effect<Stream.Stream<A, AnthropicError>, AnthropicError, Scope.Scope> =>
  Effect.gen(function* () {
    const pull = yield* Stream.toPull(events)
    const held: Array<A> = []
    while (true) {
      const next = yield* Effect.either(pull)
      if (Either.isLeft(next)) {
        if (Option.isSome(next.left)) return yield* Effect.fail(next.left.value)
        // The answer ended before any content: nothing more to read.
        return Stream.fromChunk(Chunk.unsafeFromArray(held))
      }
      let content = false
      for (const event of next.right) {
        held.push(event)
        if (!content && !preamble(event)) content = true
      }
      if (content)
        return Stream.concat(Stream.fromChunk(Chunk.unsafeFromArray(held)), Stream.repeatEffectChunkOption(pull))
    }
  })

/**
 * A streamed answer that is opened again under the policy in force while it fails before its
 * first content (`preamble` events, such as `message_start`, are held back until then, so a retry
 * never repeats anything). Once content was handed on, a failure surfaces as it is. Each attempt
 * lives in its own scope, closed (aborting its HTTP request) as soon as the attempt fails.
 */
export const retryStream = <A>(
  events: Stream.Stream<A, AnthropicError>,
  preamble: (event: A) => boolean,
  modelPolicy: Policy | undefined
): Stream.Stream<A, AnthropicError> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const parent = yield* Effect.scope
      const attempt = Effect.flatMap(Scope.fork(parent, ExecutionStrategy.sequential), (scope) =>
        Scope.extend(openUntilContent(events, preamble), scope).pipe(
          Effect.onExit((exit) => (Exit.isFailure(exit) ? Scope.close(scope, exit) : Effect.void))
        )
      )
      return yield* withPolicy(attempt, modelPolicy)
    })
  )

/**
 * The raw Messages API events that come before an answer's content: the message and block starts
 * (pings never reach here: the SDK drops them). A block's first delta, or its end, is content.
 */
export const isStreamPreamble = (event: { readonly type: string }): boolean =>
  event.type === "message_start" || event.type === "content_block_start"
