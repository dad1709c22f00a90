/**
 * Applying a retry policy to one request (`retryEffect`) or one streamed answer (`retryStream`).
 * Only errors `isRetryable` calls transient reach the policy; the rest fail at once.
 */
import { Chunk, Effect, Either, ExecutionStrategy, Exit, Option, Scope, Stream } from "effect"
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

/** How a streamed answer is read: which events precede its content, and which one ends it. */
export interface StreamShape<A> {
  /** Events held back until the first content, so that a retry never repeats anything. */
  readonly preamble: (event: A) => boolean
  /** The event a complete answer ends with; a stream that stops without it was cut short. */
  readonly end: (event: A) => boolean
}

const cutShort = (): AnthropicError =>
  new APIConnectionError({
    message: "The answer's event stream ended before its final event: the connection was cut short",
    headers: {}
  })

/** `pull`, failing with a connection error when the stream stops before its end event. */
const pullToEnd = <A>(
  pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<AnthropicError>>,
  shape: StreamShape<A>,
  ended: { done: boolean }
): Effect.Effect<Chunk.Chunk<A>, Option.Option<AnthropicError>> =>
  Effect.matchEffect(pull, {
    onFailure: (error) =>
      Option.isNone(error) && !ended.done ? Effect.fail(Option.some(cutShort())) : Effect.fail(error),
    onSuccess: (chunk) => {
      if (!ended.done) for (const event of chunk) if (shape.end(event)) ended.done = true
      return Effect.succeed(chunk)
    }
  })

/**
 * Opens `events` and reads until the first event that is not preamble, holding back everything
 * read so far. A failure before that point (a stream cut short included) fails the returned
 * Effect, and the caller closes the attempt's scope, aborting its request; afterwards the held
 * events and the rest of the stream are handed over as one Stream whose errors surface as they are.
 */
const openUntilContent = <A>(
  events: Stream.Stream<A, AnthropicError>,
  shape: StreamShape<A>
): Effect.Effect<Stream.Stream<A, AnthropicError>, AnthropicError, Scope.Scope> =>
  Effect.gen(function* () {
    const ended = { done: false }
    const pull = pullToEnd(yield* Stream.toPull(events), shape, ended)
    const held: Array<A> = []
    while (true) {
      const next = yield* Effect.either(pull)
      if (Either.isLeft(next)) {
        if (Option.isSome(next.left)) return yield* Effect.fail(next.left.value)
        // A complete answer without content (pull fails on a stream cut short): nothing more to read.
        return Stream.fromChunk(Chunk.unsafeFromArray(held))
      }
      let content = false
      for (const event of next.right) {
        held.push(event)
        if (!content && !shape.preamble(event)) content = true
      }
      if (content)
        return Stream.concat(Stream.fromChunk(Chunk.unsafeFromArray(held)), Stream.repeatEffectChunkOption(pull))
    }
  })

/**
 * A streamed answer that is opened again under the policy in force while it fails before its
 * first content (preamble events, such as `message_start`, are held back until then, so a retry
 * never repeats anything). Once content was handed on, a failure surfaces as it is. A stream that
 * stops before its end event fails with `APIConnectionError` rather than passing for a whole
 * answer. Each attempt lives in its own scope, closed (aborting its HTTP request) as soon as the
 * attempt fails.
 */
export const retryStream = <A>(
  events: Stream.Stream<A, AnthropicError>,
  shape: StreamShape<A>,
  modelPolicy: Policy | undefined
): Stream.Stream<A, AnthropicError> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const parent = yield* Effect.scope
      const attempt = Effect.flatMap(Scope.fork(parent, ExecutionStrategy.sequential), (scope) =>
        Scope.extend(openUntilContent(events, shape), scope).pipe(
          Effect.onExit((exit) => (Exit.isFailure(exit) ? Scope.close(scope, exit) : Effect.void))
        )
      )
      return yield* withPolicy(attempt, modelPolicy)
    })
  )

/**
 * The shape of a Messages API event stream: the message and block starts come before content
 * (pings never get here: the SDK drops them; a block's first delta, or its end, is content), and
 * `message_stop` ends it.
 */
export const messageStreamShape: StreamShape<{ readonly type: string }> = {
  preamble: (event) => event.type === "message_start" || event.type === "content_block_start",
  end: (event) => event.type === "message_stop"
}
