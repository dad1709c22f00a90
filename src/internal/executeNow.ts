/**
 * A tool's `execute` that decodes the arguments and calls the handler when it is called, for the
 * run loop. Listed in `src/PERFORMANCE.md`.
 *
 * `Tool.execute` stays lazy (decoding and the handler run when its Effect runs, each time it runs);
 * the loop calls a tool's handler as the tool's span opens, and a handler that answers with an
 * `Exit` (`Effect.succeed(...)`, `Effect.fail(...)`: most simple tools) then needs no context, no
 * region around it and no step of the fiber at all: the span ends at once with that exit
 * (`internal/span.ts`). Kept by the `execute` function it stands for, so a tool whose `execute` is
 * replaced (a copy of it with another `execute`) has none.
 */
import * as Effect from "effect/Effect"

/** A tool's `execute`. */
type Execute<E, R> = (args: unknown) => Effect.Effect<unknown, E, R>

const eager = new WeakMap<object, object>()

/** Records `now` as `execute` run at once. */
export const register = <E, R>(execute: Execute<E, R>, now: Execute<E, R>): Execute<E, R> => {
  eager.set(execute, now)
  return execute
}

/** `execute` run at once, when its tool has one; undefined otherwise. */
export const executeNowOf = <E, R>(execute: Execute<E, R>): Execute<E, R> | undefined =>
  // Only `register` adds entries, each the same type as the function it is kept by.
  eager.get(execute) as Execute<E, R> | undefined

/**
 * `then(value)` called now; a throw is a defect, as `Effect.suspend` would make it, so calling it now
 * and running it later fail alike.
 */
export const callNow = <A, B, E, R>(then: (value: A) => Effect.Effect<B, E, R>, value: A): Effect.Effect<B, E, R> => {
  try {
    return then(value)
  } catch (defect) {
    return Effect.die(defect)
  }
}
