/**
 * Live approval of tool calls. When the program provides an `Approver`, a call of a tool made with
 * `needsApproval` is put to it during the run: approved calls run, denied ones send their message to
 * the model, and calls it leaves undecided end the run with `DeferredTools.PendingCalls` as without
 * an approver. Without an `Approver` every such call ends the run that way.
 *
 * `layerQueue` feeds a UI: each call becomes a `Ticket` on a queue, and the run waits until the UI
 * answers it (interrupting the run abandons the wait).
 *
 * @example
 * import { Effect, Queue } from "effect"
 * import { Approval } from "effect-claude"
 *
 * // Approve reads, deny everything else.
 * const policy = Approval.layer((call) =>
 *   Effect.succeed(call.toolName.startsWith("read_") ? Approval.approve() : Approval.deny("Only reads are allowed"))
 * )
 *
 * // A UI answering each call from a queue.
 * const program = Effect.gen(function* () {
 *   const tickets = yield* Queue.unbounded<Approval.Ticket>()
 *   const approver = Approval.layerQueue(tickets)
 *   const ticket = yield* Queue.take(tickets)
 *   yield* ticket.respond(Approval.approve())
 * })
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type { PendingCall } from "./DeferredTools.js"

/**
 * Run the call (with these arguments instead of the model's, when given).
 *
 * @since 0.1.0
 * @category models
 */
export interface Approve {
  readonly _tag: "Approve"
  readonly args?: unknown
}

/**
 * Do not run the call; the model sees `message` as its result.
 *
 * @since 0.1.0
 * @category models
 */
export interface Deny {
  readonly _tag: "Deny"
  readonly message?: string | undefined
}

/**
 * Decide later: the run ends with the call pending, to be answered when it is resumed.
 *
 * @since 0.1.0
 * @category models
 */
export interface Postpone {
  readonly _tag: "Postpone"
}

/**
 * What an approver decides about one call.
 *
 * @since 0.1.0
 * @category models
 */
export type Decision = Approve | Deny | Postpone

/**
 * Approves a call, optionally with other arguments.
 *
 * @since 0.1.0
 * @category utils
 */
export const approve = (args?: unknown): Approve =>
  args === undefined ? { _tag: "Approve" } : { _tag: "Approve", args }

/**
 * Denies a call; the model sees `message` (default: "The tool call was denied.").
 *
 * @since 0.1.0
 * @category utils
 */
export const deny = (message?: string): Deny => ({ _tag: "Deny", message })

/**
 * Leaves a call pending.
 *
 * @since 0.1.0
 * @category utils
 */
export const postpone: Postpone = { _tag: "Postpone" }

/**
 * Decides about tool calls that need approval, while the run waits.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly decide: (call: PendingCall) => Effect.Effect<Decision>
}

/**
 * The approver of the current program, if it provides one.
 *
 * @since 0.1.0
 * @category tags
 */
export class Approver extends Context.Tag("effect-claude/Approver")<Approver, Service>() {}

/**
 * An approver deciding with a function; the services it needs are taken when the Layer is built.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <R>(
  decide: (call: PendingCall) => Effect.Effect<Decision, never, R>
): Layer.Layer<Approver, never, R> =>
  Layer.effect(
    Approver,
    Effect.map(Effect.context<R>(), (context) => ({
      decide: (call: PendingCall) => Effect.provide(decide(call), context)
    }))
  )

/**
 * Approves every call.
 *
 * @since 0.1.0
 * @category utils
 */
export const approveAll: Layer.Layer<Approver> = Layer.succeed(Approver, { decide: () => Effect.succeed(approve()) })

/**
 * Denies every call with the same message.
 *
 * @since 0.1.0
 * @category utils
 */
export const denyAll = (message?: string): Layer.Layer<Approver> =>
  Layer.succeed(Approver, { decide: () => Effect.succeed(deny(message)) })

/**
 * A call waiting for a decision from the UI; `respond` once (later answers are ignored).
 *
 * @since 0.1.0
 * @category models
 */
export interface Ticket {
  readonly call: PendingCall
  /** Gives the decision; false when the call was already decided or is no longer awaited. */
  readonly respond: (decision: Decision) => Effect.Effect<boolean>
}

/**
 * An approver that puts each call on `tickets` and waits for the answer. With several calls in one
 * response, their tickets are offered as the calls come and may be answered in any order.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerQueue = (tickets: Queue.Enqueue<Ticket>): Layer.Layer<Approver> =>
  Layer.succeed(Approver, {
    decide: (call) =>
      Effect.flatMap(Deferred.make<Decision>(), (decision) =>
        Effect.zipRight(
          Queue.offer(tickets, { call, respond: (answer) => Deferred.succeed(decision, answer) }),
          Deferred.await(decision)
        )
      )
  })

/**
 * A streamed run asks the approver about a call (emitted before the decision).
 *
 * @since 0.1.0
 * @category models
 */
export interface ApprovalRequested {
  readonly _tag: "ApprovalRequested"
  readonly call: PendingCall
}

/**
 * Builds an `ApprovalRequested` event.
 *
 * @since 0.1.0
 * @category utils
 */
export const approvalRequested = (call: PendingCall): ApprovalRequested => ({ _tag: "ApprovalRequested", call })
