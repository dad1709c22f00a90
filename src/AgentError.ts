/**
 * The agent's own failures, as tagged errors: catch them with `Effect.catchTag`. Each carries the
 * brand `TypeId`, so `isAgentError` tells them from any other value.
 *
 * Provider errors (rate limits, overload, bad requests) are not here: each provider mirrors its
 * SDK's errors (see `effect-claude/anthropic`'s `AnthropicError`).
 *
 * @example
 * import { Effect } from "effect"
 * import { AgentError } from "effect-claude"
 *
 * const recover = <A, R>(run: Effect.Effect<A, AgentError.AgentError, R>) =>
 *   run.pipe(Effect.catchTag("UnexpectedModelBehavior", (error) => Effect.succeed(error.message)))
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * The brand of the agent's own errors.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-claude/AgentError")
/**
 * @see TypeId
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * The model did something the agent cannot go on from: retries exhausted, an empty answer, bad output.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedModelBehavior extends Schema.TaggedError<UnexpectedModelBehavior>(
  "effect-claude/AgentError/UnexpectedModelBehavior"
)("UnexpectedModelBehavior", {
  message: Schema.String,
  /** The offending model output, when there is one (e.g. the invalid arguments). */
  body: Schema.optional(Schema.String)
}) {
  declare readonly [TypeId]: TypeId
}

/**
 * The provider refused to answer or filtered the answer (Anthropic's `refusal` stop reason).
 *
 * @since 0.1.0
 * @category errors
 */
export class ContentFilterError extends Schema.TaggedError<ContentFilterError>(
  "effect-claude/AgentError/ContentFilterError"
)("ContentFilterError", {
  message: Schema.String,
  body: Schema.optional(Schema.String)
}) {
  declare readonly [TypeId]: TypeId
}

/**
 * The response hit the token limit in the middle of a tool call, so its arguments are cut off.
 *
 * @since 0.1.0
 * @category errors
 */
export class IncompleteToolCall extends Schema.TaggedError<IncompleteToolCall>(
  "effect-claude/AgentError/IncompleteToolCall"
)("IncompleteToolCall", {
  message: Schema.String,
  toolName: Schema.String,
  toolCallId: Schema.String
}) {
  declare readonly [TypeId]: TypeId
}

/**
 * The program asked for something impossible (bad settings, an empty prompt); raised before any request.
 *
 * @since 0.1.0
 * @category errors
 */
export class UserError extends Schema.TaggedError<UserError>("effect-claude/AgentError/UserError")("UserError", {
  message: Schema.String
}) {
  declare readonly [TypeId]: TypeId
}

/**
 * A run went past one of its `UsageLimits`; the message names the limit and the numbers.
 *
 * @since 0.1.0
 * @category errors
 */
export class UsageLimitExceeded extends Schema.TaggedError<UsageLimitExceeded>(
  "effect-claude/AgentError/UsageLimitExceeded"
)("UsageLimitExceeded", {
  limit: Schema.Literal("requests", "inputTokens", "outputTokens", "totalTokens", "toolCalls"),
  /** The configured maximum. */
  maximum: Schema.Number,
  /** The value that would exceed (or exceeded) it. */
  value: Schema.Number,
  message: Schema.String
}) {
  declare readonly [TypeId]: TypeId
}

// The brand lives on the prototypes, so instances keep exactly the fields their Schema declares.
for (const error of [UnexpectedModelBehavior, ContentFilterError, IncompleteToolCall, UserError, UsageLimitExceeded]) {
  Object.defineProperty(error.prototype, TypeId, { value: TypeId })
}

/**
 * Raised by a tool handler or an output validator to send the message back to the model as a retry
 * prompt, so the model can correct itself. A signal to the agent, not a failure of the run: it
 * carries no `TypeId`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ModelRetry extends Schema.TaggedError<ModelRetry>("effect-claude/AgentError/ModelRetry")("ModelRetry", {
  message: Schema.String
}) {}

/**
 * Any failure the agent itself raises.
 *
 * @since 0.1.0
 * @category models
 */
export type AgentError =
  | UnexpectedModelBehavior
  | ContentFilterError
  | IncompleteToolCall
  | UserError
  | UsageLimitExceeded

/**
 * Whether a value is one of the agent's own errors.
 *
 * @since 0.1.0
 * @category guards
 */
export const isAgentError = (value: unknown): value is AgentError => Predicate.hasProperty(value, TypeId)

const isTagged =
  <A extends AgentError>(tag: A["_tag"]) =>
  (value: unknown): value is A =>
    isAgentError(value) && value._tag === tag

/**
 * Whether a value is an `UnexpectedModelBehavior`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isUnexpectedModelBehavior = isTagged<UnexpectedModelBehavior>("UnexpectedModelBehavior")
/**
 * Whether a value is a `ContentFilterError`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isContentFilterError = isTagged<ContentFilterError>("ContentFilterError")
/**
 * Whether a value is an `IncompleteToolCall`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isIncompleteToolCall = isTagged<IncompleteToolCall>("IncompleteToolCall")
/**
 * Whether a value is a `UserError`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isUserError = isTagged<UserError>("UserError")
/**
 * Whether a value is a `UsageLimitExceeded`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isUsageLimitExceeded = isTagged<UsageLimitExceeded>("UsageLimitExceeded")
/**
 * Whether a value is a `ModelRetry`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isModelRetry = (value: unknown): value is ModelRetry => value instanceof ModelRetry
