/**
 * The errors of durable runs. A durable run persists its failures with its steps, so what it fails
 * with must survive a round trip through the store: each error here is a `Schema.TaggedError`
 * carrying the original error's tag and message rather than the original value.
 *
 * @example
 * import { Effect } from "effect"
 * import { DurableError } from "effect-claude/durable"
 *
 * const explain = (error: DurableError.DurableRunError) =>
 *   Effect.logError(error._tag === "IncompatibleHistory" ? `stored ${error.what} no longer decodes` : error.message)
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * Identifies the errors of this module.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-claude/durable/DurableError")
/**
 * @see TypeId
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A step of a durable run (a model request or a tool call) failed; its failure is stored with the step.
 *
 * @since 0.1.0
 * @category errors
 */
export class StepFailed extends Schema.TaggedError<StepFailed>("effect-claude/durable/StepFailed")("StepFailed", {
  /** The step's name: `model/<n>` or `tool/<tool call id>`. */
  step: Schema.String,
  /** The `_tag` of the error the step failed with, when it had one. */
  errorTag: Schema.optional(Schema.String),
  message: Schema.String
}) {
  /** Marks the errors of this module. */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * A durable run ended with a failure (stored, so polling or running it again gives the same failure).
 *
 * @since 0.1.0
 * @category errors
 */
export class RunFailed extends Schema.TaggedError<RunFailed>("effect-claude/durable/RunFailed")("RunFailed", {
  runId: Schema.String,
  /** The `_tag` of the error the run failed with (`UsageLimitExceeded`, `StepFailed`, ...). */
  errorTag: Schema.optional(Schema.String),
  message: Schema.String
}) {
  /** Marks the errors of this module. */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * Something stored for a run (its prompt and history, a model response, its result) no longer
 * decodes with this version's `Message` Schemas or output Schema.
 *
 * @since 0.1.0
 * @category errors
 */
export class IncompatibleHistory extends Schema.TaggedError<IncompatibleHistory>(
  "effect-claude/durable/IncompatibleHistory"
)("IncompatibleHistory", {
  runId: Schema.String,
  /** What did not decode: `input`, `model/<n>` or `result`. */
  what: Schema.String,
  message: Schema.String
}) {
  /** Marks the errors of this module. */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * The run is already being executed by this process; a second execution of it is refused.
 *
 * @since 0.1.0
 * @category errors
 */
export class RunInProgress extends Schema.TaggedError<RunInProgress>("effect-claude/durable/RunInProgress")(
  "RunInProgress",
  { runId: Schema.String, message: Schema.String }
) {
  /** Marks the errors of this module. */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * What a durable run can end with: a stored failure, or stored data this version cannot read.
 *
 * @since 0.1.0
 * @category utils
 */
export const DurableRunError = Schema.Union(RunFailed, IncompatibleHistory)
/**
 * @see DurableRunError
 *
 * @since 0.1.0
 * @category models
 */
export type DurableRunError = typeof DurableRunError.Type

/**
 * Any error of this module.
 *
 * @since 0.1.0
 * @category models
 */
export type DurableError = StepFailed | RunFailed | IncompatibleHistory | RunInProgress

/**
 * Whether a value is one of this module's errors.
 *
 * @since 0.1.0
 * @category guards
 */
export const isDurableError = (value: unknown): value is DurableError => Predicate.hasProperty(value, TypeId)

/**
 * The tag and message of any failure, as stored.
 *
 * @since 0.1.0
 * @category utils
 */
export const describe = (error: unknown): { readonly errorTag: string | undefined; readonly message: string } => {
  const errorTag = Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : undefined
  const message =
    Predicate.hasProperty(error, "message") && typeof error.message === "string" ? error.message : String(error)
  return { errorTag, message }
}
