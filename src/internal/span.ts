/**
 * `Effect.withSpan` for the spans of every loop step (`chat`, `execute_tool`, `invoke_agent`): the
 * span is opened, made the parent of the body (with more services when asked) and ended in one
 * uninterruptible region, where `useSpan` + `withParentSpan` + `onExit` take three, one of them a
 * `FiberRef.locally`. With tracing on, the span is opened in the region's first step as
 * `Effect.makeSpan` opens it, instead of in an Effect of its own; the fiber's context is set and
 * restored in the region's own steps, not in steps of their own (`FiberRef.set`); and restored,
 * when the body changed no fiber ref, by putting back the refs from before it rather than copying
 * them all again. The same span, parent and services for fewer steps of the fiber. What the region
 * gives may be computed in it from the body's exit (`inSpanWithResult`), where a match outside
 * would take steps of its own; `withService` is the same region without a span, in place of
 * `Effect.provideService`. Listed in `src/PERFORMANCE.md`.
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
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

/** What runs in a span, and what the span gives for its exit. */
export interface StartedWithResult<A, E, R, P, B, E2> extends Started<A, E, R, P> {
  /**
   * What the span gives for the effect's exit (a failure made a value, a result recorded), as plain
   * code when the span has ended: matching the span's result outside it takes two more fiber steps.
   * It runs in the uninterruptible region, so it runs no Effect.
   */
  readonly result: (exit: Exit.Exit<A, E>) => Exit.Exit<B, E2>
}

type AnyFiber = Fiber.RuntimeFiber<unknown, unknown>

/** `Exit.isExit`, keeping the effect's types. */
const isExitOf = <A, E, R>(effect: Effect.Effect<A, E, R>): effect is Exit.Exit<A, E> => Exit.isExit(effect)

/** Opens a span `name`, runs what `start` gives in it (the parent of the spans it opens), ends it. */
export const inSpan = <A, E, R, P = never>(
  name: string,
  options: Tracer.SpanOptions,
  start: (span: Tracer.Span, fiber: AnyFiber) => Started<A, E, R, P>
): Effect.Effect<A, E, Exclude<R, P>> => spanned<A, E, R, P, A, E>(name, options, start)

/** `inSpan`, giving `result` of the effect's exit. */
export const inSpanWithResult = <A, E, R, P, B, E2>(
  name: string,
  options: Tracer.SpanOptions,
  start: (span: Tracer.Span, fiber: AnyFiber) => StartedWithResult<A, E, R, P, B, E2>
): Effect.Effect<B, E2, Exclude<R, P>> => spanned(name, options, start)

/** Both: without `result`, `B` and `E2` are `A` and `E`. */
const spanned = <A, E, R, P, B, E2>(
  name: string,
  options: Tracer.SpanOptions,
  start: (span: Tracer.Span, fiber: AnyFiber) => Started<A, E, R, P> & Partial<StartedWithResult<A, E, R, P, B, E2>>
): Effect.Effect<B, E2, Exclude<R, P>> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withFiberRuntime<B, E2, R>((fiber) => {
      const run = (span: Tracer.Span) => {
        const started = start(span, fiber)
        const result = started.result
        const leave = (exit: Exit.Exit<A, E>): Exit.Exit<B, E2> => {
          started.onEnd?.(exit)
          endSpan(fiber, span, exit)
          return result === undefined ? (exit as Exit.Exit<unknown, unknown> as Exit.Exit<B, E2>) : result(exit)
        }
        // A body that is an exit already (a tool's handler that answered at once: `executeNow.ts`)
        // reads no context and runs no step: the span ends with it now.
        if (isExitOf(started.effect)) return leave(started.effect)
        const outer = fiber.currentContext
        const inner = Context.add(outer, Tracer.ParentSpan, span)
        const context = started.provide === undefined ? inner : started.provide(inner)
        return inContext(fiber, restore, outer, context, started.effect, leave)
      }
      const span = openSpan(fiber, name, options)
      return span === undefined ? Effect.flatMap(Effect.makeSpan(name, options), run) : run(span)
    })
  ) as Effect.Effect<B, E2, Exclude<R, P>> // `P` is put in the effect's context above, as `provideService` does

/**
 * `Effect.provideService(effect, tag, service)` giving `result` of the effect's exit, in one
 * uninterruptible region whose own steps set and restore the context, as `inSpan` does without a
 * span: `provideService` is a `FiberRef.locally` (an acquire/use/release), a dozen more fiber steps.
 * `result` is plain code run in the region, so it runs no Effect.
 */
export const withService = <I, S, A, E, R, B, E2>(
  tag: Context.Tag<I, S>,
  service: NoInfer<S>,
  effect: Effect.Effect<A, E, R>,
  result: (exit: Exit.Exit<A, E>) => Exit.Exit<B, E2>
): Effect.Effect<B, E2, Exclude<R, I>> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withFiberRuntime<B, E2, R>((fiber) => {
      const outer = fiber.currentContext
      return inContext(fiber, restore, outer, Context.add(outer, tag, service), effect, result)
    })
  ) as Effect.Effect<B, E2, Exclude<R, I>> // `I` is put in the effect's context, as `provideService` does

/**
 * Runs `effect` (interruptible again, by `restore`) with the fiber's context set to `context`, then
 * restores `outer` and gives `leave` of its exit. Called by the fiber itself, in its region.
 */
const inContext = <A, E, R, B, E2>(
  fiber: AnyFiber,
  restore: <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>,
  outer: Context.Context<never>,
  context: Context.Context<never>,
  effect: Effect.Effect<A, E, R>,
  leave: (exit: Exit.Exit<A, E>) => Exit.Exit<B, E2>
): Effect.Effect<B, E2, R> => {
  if (!canSetContext(fiber)) {
    const set = (value: Context.Context<never>) => FiberRef.set(FiberRef.currentContext, value)
    return Effect.zipRight(
      set(context),
      Effect.matchCauseEffect(restore(effect), {
        onFailure: (cause) => Effect.zipRight(set(outer), leave(Exit.failCause(cause))),
        onSuccess: (value) => Effect.zipRight(set(outer), leave(Exit.succeed(value)))
      })
    )
  }
  const before = fiber._fiberRefs
  setContext(fiber, context)
  const changed = fiber._fiberRefs
  /**
   * Back to `outer`. When the body changed no fiber ref, the refs from before it are put back as they
   * were, the same values as setting the context again gives, without its copy of every ref.
   */
  const unset = <X>(left: X): X => {
    if (fiber._fiberRefs === changed) fiber.setFiberRefs(before)
    else setContext(fiber, outer)
    return left
  }
  return Effect.matchCauseEffect(restore(effect), {
    onFailure: (cause) => unset(leave(Exit.failCause(cause))),
    onSuccess: (value) => unset(leave(Exit.succeed(value)))
  })
}

/** Each fiber ref's values, the current one first, each with the fiber that set it (`FiberRefs`' own). */
type Locals = Parameters<typeof FiberRefs.unsafeMake>[0]

/**
 * What `Effect.setFiberRefs` calls (`setFiberRefs`) and the fiber's refs (`_fiberRefs`, a new object
 * on every change, its values by ref in `locals`): the `FiberRuntime`'s, not on the public
 * `RuntimeFiber` type, so checked for.
 */
interface ContextSetter {
  setFiberRefs(fiberRefs: FiberRefs.FiberRefs): void
  readonly _fiberRefs: FiberRefs.FiberRefs & {
    readonly locals: Locals
  }
}

const canSetContext = (fiber: AnyFiber): fiber is AnyFiber & ContextSetter =>
  "setFiberRefs" in fiber &&
  typeof fiber.setFiberRefs === "function" &&
  "_fiberRefs" in fiber &&
  typeof fiber._fiberRefs === "object" &&
  fiber._fiberRefs !== null &&
  "locals" in fiber._fiberRefs &&
  fiber._fiberRefs.locals instanceof Map

/**
 * Sets the fiber's context as `FiberRef.set` does in a step of its own (the fiber's `setFiberRef`):
 * the new value on top of the context's stack (in place of the fiber's own value), in a copy of the
 * refs. Without its `Equal` comparison of the old context with the new one, which hashes the new
 * one (a `defineProperty`) and, when both have as many services, compares every service: a span's
 * context always differs from the one it is made from (a new parent span), so the comparison is
 * never true here, and it cost a third of the context change.
 */
const setContext = (fiber: AnyFiber & ContextSetter, context: Context.Context<never>): void => {
  const locals = new Map(fiber._fiberRefs.locals)
  const currentContext = FiberRef.currentContext
  const stack = locals.get(currentContext)
  const id = fiber.id()
  const top = [id, context] as const
  if (stack === undefined || stack.length === 0) locals.set(currentContext, [top])
  else if (Equal.equals(stack[0][0], id)) locals.set(currentContext, [top, ...stack.slice(1)])
  else locals.set(currentContext, [top, ...stack])
  fiber.setFiberRefs(FiberRefs.unsafeMake(locals))
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
