/**
 * Live events of durable runs. A durable run executes wherever its engine runs it, possibly
 * replaying steps it finished before a restart, so it does not stream to its caller; it publishes
 * what it does to `RunEvents`, and a listener subscribes to one run id. Events are published when a
 * step actually executes: a model response or tool result read back from the store on replay is
 * not published again (a request for approval or for an external result is, each time the run
 * reaches the waiting call).
 *
 * @example
 * import { Effect, Stream } from "effect"
 * import { RunEvents } from "effect-claude/durable"
 *
 * const printRun = (runId: string) =>
 *   RunEvents.stream(runId).pipe(
 *     Stream.takeUntil((event) => event._tag === "RunCompleted"),
 *     Stream.runForEach((event) => Effect.log(event._tag))
 *   )
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ModelResponse, ToolCallPart } from "../Message.js"
import type { ModelResponseStreamEvent } from "../StreamEvent.js"

/**
 * A part event of a model request being streamed (only when the durable agent streams).
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelEvent {
  readonly _tag: "ModelEvent"
  readonly runId: string
  /** The request's number in the run, from 1. */
  readonly step: number
  readonly event: ModelResponseStreamEvent
}

/**
 * A model request finished; its response is stored.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelResponseReceived {
  readonly _tag: "ModelResponseReceived"
  readonly runId: string
  readonly step: number
  readonly response: ModelResponse
}

/**
 * A tool call is about to execute.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolCallStarted {
  readonly _tag: "ToolCallStarted"
  readonly runId: string
  readonly call: ToolCallPart
}

/**
 * A tool call finished; its result (or its failure) is stored.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolCallFinished {
  readonly _tag: "ToolCallFinished"
  readonly runId: string
  readonly call: ToolCallPart
  /** The JSON result, undefined when the call failed. */
  readonly result: unknown
  readonly failed: boolean
}

/**
 * The run waits for a decision on this call (`DurableAgent.approve`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ApprovalRequested {
  readonly _tag: "ApprovalRequested"
  readonly runId: string
  readonly call: ToolCallPart
}

/**
 * The run waits for the result of an external tool's call (`DurableAgent.complete`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ExternalCallRequested {
  readonly _tag: "ExternalCallRequested"
  readonly runId: string
  readonly call: ToolCallPart
}

/**
 * The run ended: `failed` is false when it has an output.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunCompleted {
  readonly _tag: "RunCompleted"
  readonly runId: string
  readonly failed: boolean
}

/**
 * Any live event of a durable run.
 *
 * @since 0.1.0
 * @category models
 */
export type RunEvent =
  | ModelEvent
  | ModelResponseReceived
  | ToolCallStarted
  | ToolCallFinished
  | ApprovalRequested
  | ExternalCallRequested
  | RunCompleted

/**
 * The service: publishes events, and subscribes to one run's.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly publish: (event: RunEvent) => Effect.Effect<void>
  /** Whether anyone listens: a model request is streamed only when someone does. */
  readonly hasListeners: Effect.Effect<boolean>
  /** Subscribes now (events published from now on are kept for the stream) until the scope closes. */
  readonly subscribe: (runId: string) => Effect.Effect<Stream.Stream<RunEvent>, never, Scope.Scope>
}

/**
 * Where durable runs of this process publish their events. Optional: without it nothing is published.
 *
 * @since 0.1.0
 * @category tags
 */
export class RunEvents extends Context.Tag("effect-claude/durable/RunEvents")<RunEvents, Service>() {}

/**
 * An in-process hub: a listener sees the events published after it subscribed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service> = Effect.map(PubSub.unbounded<RunEvent>(), (hub) => {
  let listeners = 0
  const listen = Effect.acquireRelease(
    Effect.tap(PubSub.subscribe(hub), () => {
      listeners += 1
    }),
    () =>
      Effect.sync(() => {
        listeners -= 1
      })
  )
  return {
    publish: (event) => Effect.asVoid(PubSub.publish(hub, event)),
    hasListeners: Effect.sync(() => listeners > 0),
    subscribe: (runId) =>
      Effect.map(listen, (queue) => Stream.filter(Stream.fromQueue(queue), (event) => event.runId === runId))
  }
})

/**
 * Provides an in-process `RunEvents`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RunEvents> = Layer.effect(RunEvents, make)

/**
 * Subscribes to one run's events now; the stream gives them until the scope closes.
 *
 * @since 0.1.0
 * @category utils
 */
export const subscribe = (runId: string): Effect.Effect<Stream.Stream<RunEvent>, never, RunEvents | Scope.Scope> =>
  Effect.flatMap(RunEvents, (events) => events.subscribe(runId))

/**
 * The events of one run, from when the stream starts.
 *
 * @since 0.1.0
 * @category utils
 */
export const stream = (runId: string): Stream.Stream<RunEvent, never, RunEvents> =>
  Stream.unwrapScoped(subscribe(runId))

/**
 * Publishes to the `RunEvents` in context, if there is one.
 *
 * @since 0.1.0
 * @category utils
 */
export const publishIfListened = (event: RunEvent): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(RunEvents), (events) =>
    events._tag === "Some" ? events.value.publish(event) : Effect.void
  )
