/**
 * Fast path: a Stream over a pull opened in a scope, as one channel (`fromScopedPull`), and the
 * pull that a model's streamed answer was built from (`scopedPullOf`), so `Model.make` can open the
 * chat span and the provider's request in one Stream instead of nesting one Stream in another.
 *
 * `Stream.unwrapScoped(Effect.map(open, Stream.repeatEffectChunkOption))` runs a one-element Stream
 * of the pull (a scope acquired and released as that element's output) flattened by
 * `Stream.flatMap`, whose channel runs the inner Stream in an executor of its own. For an answer of
 * a hundred events that setup costs more than reading the events, and a model's answer nested two
 * of them (with `Stream.provideService`, a third `flatMap`). Here the scope is made and closed by
 * the channel itself (`Channel.ensuringWith`) and the pull is read by a plain loop of writes.
 */
import * as Channel from "effect/Channel"
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * A Stream's pull: the next chunk; `None` at the end.
 */
export type Pull<A, E> = Effect.Effect<Chunk.Chunk<A>, Option.Option<E>>

/** A pull's end (`undefined`) or failure, as the loop reads them. */
const endOrFail = <E>(error: Option.Option<E>): Effect.Effect<undefined, E> =>
  Option.isNone(error) ? Effect.succeed(undefined) : Effect.fail(error.value)

/** Writes every chunk of `pull` (empty ones too, as `Stream.repeatEffectChunkOption` does) until its end. */
const readAll = <A, E>(pull: Pull<A, E>): Channel.Channel<Chunk.Chunk<A>, unknown, E, unknown, void, unknown> => {
  const next: Effect.Effect<Chunk.Chunk<A> | undefined, E> = Effect.catchAll(pull, endOrFail)
  const loop: Channel.Channel<Chunk.Chunk<A>, unknown, E, unknown, void, unknown> = Channel.flatMap(
    Channel.fromEffect(next),
    (chunk) => (chunk === undefined ? Channel.void : Channel.flatMap(Channel.write(chunk), () => loop))
  )
  return loop
}

/** The pulls the Streams of `fromScopedPull` were made from. */
const opens = new WeakMap<object, unknown>()

/**
 * The Stream of the chunks of the pull `open` gives, `open` running in a scope that closes when the
 * Stream ends (or is interrupted): what `Stream.unwrapScoped(Effect.map(open,
 * Stream.repeatEffectChunkOption))` gives.
 */
export const fromScopedPull = <A, E, EOpen, R>(
  open: Effect.Effect<Pull<A, E>, EOpen, R | Scope.Scope>
): Stream.Stream<A, E | EOpen, Exclude<R, Scope.Scope>> => {
  const stream: Stream.Stream<A, E | EOpen, Exclude<R, Scope.Scope>> = Stream.fromChannel(
    Channel.flatMap(Channel.fromEffect(Scope.make()), (scope) =>
      Channel.ensuringWith(Channel.flatMap(Channel.fromEffect(Scope.extend(open, scope)), readAll), (exit) =>
        Scope.close(scope, exit)
      )
    )
  )
  opens.set(stream, open)
  return stream
}

/** The pull `stream` was made from by `fromScopedPull`, if it was. */
export const scopedPullOf = <A, E, R>(
  stream: Stream.Stream<A, E, R>
): Effect.Effect<Pull<A, E>, E, R | Scope.Scope> | undefined =>
  // Only `fromScopedPull` sets entries, with the open of the very Stream it keys.
  opens.get(stream) as Effect.Effect<Pull<A, E>, E, R | Scope.Scope> | undefined
