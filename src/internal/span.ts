/**
 * `Effect.withSpan` for the spans of every loop step (`chat`, `execute_tool`, `invoke_agent`): the
 * span is opened, made the parent of the body (with more services when asked) and ended in one
 * uninterruptible region, where `useSpan` + `withParentSpan` + `onExit` take three, one of them a
 * `FiberRef.locally`. With tracing on, the span is opened in the region's first step as
 * `Effect.makeSpan` opens it, instead of in an Effect of its own; the fiber's context is set and
 * restored in the region's own steps, not in steps of their own (`FiberRef.set`). The same span,
 * parent and services for fewer steps of the fiber. Listed in `src/PERFORMANCE.md`.
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

/** What runs in a span, decided when it starts. */
export interface Started<A, E, R, P = never> {
  readonly effect: Effect.Effect<A, E, R>
  /** The effect's context: the current one with the span as parent, plus the services `P`. */
  readonly provide?: ((context: Context.Context<never>) => Context.Context<P>) | undefined
  /** Called with the effect's exit just before the span ends (to set the attributes of a response). */
  readonly onEnd?: ((exit: Exit.Exit<A, E>) => void) | undefined
}

type AnyFiber = Fiber.RuntimeFiber<unknown, unknown>

/** Opens a span `name`, runs what `start` gives in it (the parent of the spans it opens), ends it. */
export const inSpan = <A, E, R, P = never>(
  name: string,
  options: Tracer.SpanOptions,
  start: (span: Tracer.Span, fiber: AnyFiber) => Started<A, E, R, P>
): Effect.Effect<A, E, Exclude<R, P>> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withFiberRuntime<A, E, R>((fiber) => {
      const run = (span: Tracer.Span) => {
        const outer = fiber.currentContext
        const started = start(span, fiber)
        const inner = Context.add(outer, Tracer.ParentSpan, span)
        const end = (exit: Exit.Exit<A, E>) => {
          started.onEnd?.(exit)
          endSpan(fiber, span, exit)
        }
        const body = Effect.matchCauseEffect(restore(started.effect), {
          onFailure: (cause) => {
            end(Exit.failCause(cause))
            return setContext(fiber, outer, Exit.failCause(cause))
          },
          onSuccess: (value) => {
            end(Exit.succeed(value))
            return setContext(fiber, outer, Exit.succeed(value))
          }
        })
        return setContext(fiber, started.provide === undefined ? inner : started.provide(inner), body)
      }
      const span = openSpan(fiber, name, options)
      return span === undefined ? Effect.flatMap(Effect.makeSpan(name, options), run) : run(span)
    })
  ) as Effect.Effect<A, E, Exclude<R, P>> // `P` is put in the effect's context above, as `provideService` does

/**
 * `FiberRuntime.setFiberRef`, which `FiberRef.set` calls in a step of its own; not on the public
 * `RuntimeFiber` type, so checked for.
 */
interface ContextSetter {
  setFiberRef(fiberRef: FiberRef.FiberRef<Context.Context<never>>, value: Context.Context<never>): void
}

const canSetContext = (fiber: AnyFiber): fiber is AnyFiber & ContextSetter =>
  typeof Reflect.get(fiber, "setFiberRef") === "function"

/**
 * Sets the fiber's context, then continues with `next`. Called by the fiber running the span (in
 * `withFiberRuntime` or a continuation of it), so the context is set in the current step, as
 * `FiberRef.set` sets it in a step of its own.
 */
const setContext = <A, E, R>(
  fiber: AnyFiber,
  context: Context.Context<never>,
  next: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  if (!canSetContext(fiber)) return Effect.zipRight(FiberRef.set(FiberRef.currentContext, context), next)
  fiber.setFiberRef(FiberRef.currentContext, context)
  return next
}

/**
 * The span `Effect.makeSpan` would open in this fiber, opened without an Effect of its own; undefined
 * when `makeSpan` must open it (tracing off, propagation disabled, a stack trace to capture).
 */
const openSpan = (fiber: AnyFiber, name: string, options: Tracer.SpanOptions): Tracer.Span | undefined => {
  if (!fiber.getFiberRef(FiberRef.currentTracerEnabled) || options.captureStackTrace !== false) return undefined
  if (options.context !== undefined || options.links !== undefined) return undefined
  const parent = options.parent ?? (options.root === true ? undefined : parentOf(fiber.currentContext))
  if (parent === null) return undefined
  const services = fiber.currentDefaultServices
  const timed = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
  const links = Chunk.toReadonlyArray(fiber.getFiberRef(FiberRef.currentTracerSpanLinks))
  const span = fiber.currentTracer.span(
    name,
    Option.fromNullable(parent),
    Context.empty(),
    links,
    timed ? Context.get(services, Clock.Clock).unsafeCurrentTimeNanos() : BigInt(0),
    options.kind ?? "internal",
    options
  )
  const annotations = fiber.getFiberRef(FiberRef.currentTracerSpanAnnotations)
  if (HashMap.size(annotations) > 0) HashMap.forEach(annotations, (value, key) => span.attribute(key, value))
  if (options.attributes !== undefined)
    for (const key in options.attributes) span.attribute(key, options.attributes[key])
  return span
}

/** The parent span in `context`; null when the parent disables propagation (`makeSpan` then decides). */
const parentOf = (context: Context.Context<never>): Tracer.AnySpan | undefined | null => {
  const parent = Context.getOption(context, Tracer.ParentSpan)
  if (Option.isNone(parent)) return undefined
  return Context.get(parent.value.context, Tracer.DisablePropagation) ? null : parent.value
}

/** Ends the span as `useSpan` does: at the clock's time when timing is on. */
const endSpan = (fiber: AnyFiber, span: Tracer.Span, exit: Exit.Exit<unknown, unknown>) => {
  if (span.status._tag === "Ended") return
  const timed = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
  const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
  span.end(timed ? clock.unsafeCurrentTimeNanos() : BigInt(0), exit)
}
