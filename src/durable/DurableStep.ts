/**
 * What a tool handler can know about the durable step it runs in: the run, the step's name and a
 * stable idempotency key. The key is the same every time the step is attempted, in any process, so
 * a handler with an outside effect (a payment, an email) passes it on and a call repeated after a
 * crash between the effect and the storing of its result is recognized by the other side.
 *
 * Outside a durable run there is no `DurableStep`, so handlers read it with `Effect.serviceOption`.
 *
 * @example
 * import { Effect, Option, Schema } from "effect"
 * import { Tool } from "effect-claude"
 * import { DurableStep } from "effect-claude/durable"
 *
 * const pay = Tool.make("pay", {
 *   parameters: Schema.Struct({ cents: Schema.Number }),
 *   handler: ({ cents }) =>
 *     Effect.map(Effect.serviceOption(DurableStep.DurableStep), (step) =>
 *       `paid ${cents} (key ${Option.match(step, { onNone: () => "none", onSome: (s) => s.idempotencyKey })})`
 *     )
 * })
 */
import * as Context from "effect/Context"

/**
 * The durable step a tool handler runs in.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly runId: string
  /** `tool/<run step>/<tool call id>`. */
  readonly step: string
  /** A hash of the run's execution id and the step's name: stable across attempts and processes. */
  readonly idempotencyKey: string
}

/**
 * The current durable step, provided around tool handlers of durable runs.
 *
 * @since 0.1.0
 * @category tags
 */
export class DurableStep extends Context.Tag("effect-claude/durable/DurableStep")<DurableStep, Service>() {}
