/**
 * The two runtimes an Effect contender builds once, as an application does at start-up: one over
 * the loopback server, one over the in-process fake model of `loop-overhead`.
 */
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"

/** Built runtimes, and how to release both. */
export interface Runtimes<A, EA, B, EB> {
  readonly live: ManagedRuntime.ManagedRuntime<A, EA>
  readonly fake: ManagedRuntime.ManagedRuntime<B, EB>
  readonly close: () => Promise<void>
}

/** Builds both runtimes' layers now, outside the timed region. */
export const buildRuntimes = async <A, EA, B, EB>(
  live: Layer.Layer<A, EA>,
  fake: Layer.Layer<B, EB>
): Promise<Runtimes<A, EA, B, EB>> => {
  const liveRuntime = ManagedRuntime.make(live)
  const fakeRuntime = ManagedRuntime.make(fake)
  await liveRuntime.runPromise(Effect.void)
  await fakeRuntime.runPromise(Effect.void)
  return {
    live: liveRuntime,
    fake: fakeRuntime,
    close: async () => {
      await liveRuntime.dispose()
      await fakeRuntime.dispose()
    }
  }
}
