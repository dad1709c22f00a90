/**
 * `Effect.withSpan` for the spans of every loop step (`chat`, `execute_tool`, `invoke_agent`): the
 * span is opened, made the parent of the body (with more services when asked) and ended in one
 * uninterruptible region, where `useSpan` + `withParentSpan` + `onExit` take three, one of them a
 * `FiberRef.locally`. The same span, parent and services for fewer steps of the fiber. Listed in
 * `src/PERFORMANCE.md`.
 */
import { Clock, Context, Effect, Exit, type Fiber, FiberRef, Tracer } from "effect"

/** What runs in a span, decided when it starts. */
export interface Started<A, E, R, P = never> {
  readonly effect: Effect.Effect<A, E, R>
  /** The effect's context: the current one with the span as parent, plus the services `P`. */
  readonly provide?: ((context: Context.Context<never>) => Context.Context<P>) | undefined
  /** Called with the effect's exit just before the span ends (to set the attributes of a response). */
  readonly onEnd?: ((exit: Exit.Exit<A, E>) => void) | undefined
}

/** Opens a span `name`, runs what `start` gives in it (the parent of the spans it opens), ends it. */
export const inSpan = <A, E, R, P = never>(
  name: string,
  options: Tracer.SpanOptions,
  start: (span: Tracer.Span, fiber: Fiber.RuntimeFiber<unknown, unknown>) => Started<A, E, R, P>
): Effect.Effect<A, E, Exclude<R, P>> =>
  Effect.flatMap(Effect.makeSpan(name, options), (span) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.withFiberRuntime<A, E, R>((fiber) => {
        const outer = fiber.currentContext
        const started = start(span, fiber)
        const inner = Context.add(outer, Tracer.ParentSpan, span)
        const end = (exit: Exit.Exit<A, E>) => {
          started.onEnd?.(exit)
          endSpan(fiber, span, exit)
          return Effect.zipRight(FiberRef.set(FiberRef.currentContext, outer), exit)
        }
        return Effect.zipRight(
          FiberRef.set(FiberRef.currentContext, started.provide === undefined ? inner : started.provide(inner)),
          Effect.matchCauseEffect(restore(started.effect), {
            onFailure: (cause) => end(Exit.failCause(cause)),
            onSuccess: (value) => end(Exit.succeed(value))
          })
        )
      })
    )
  ) as Effect.Effect<A, E, Exclude<R, P>> // `P` is put in the effect's context above, as `provideService` does

/** Ends the span as `useSpan` does: at the clock's time when timing is on. */
const endSpan = (fiber: Fiber.RuntimeFiber<unknown, unknown>, span: Tracer.Span, exit: Exit.Exit<unknown, unknown>) => {
  if (span.status._tag === "Ended") return
  const timed = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
  const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
  span.end(timed ? clock.unsafeCurrentTimeNanos() : BigInt(0), exit)
}
