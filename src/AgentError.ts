/**
 * The agent's own failures, as tagged errors: catch them with `Effect.catchTag`.
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
import { Schema } from "effect"
import { UsageLimitExceeded } from "./Usage.js"

export { UsageLimitExceeded }

/** The model did something the agent cannot go on from: retries exhausted, an empty answer, bad output. */
export class UnexpectedModelBehavior extends Schema.TaggedError<UnexpectedModelBehavior>()("UnexpectedModelBehavior", {
  message: Schema.String,
  /** The offending model output, when there is one (e.g. the invalid arguments). */
  body: Schema.optional(Schema.String)
}) {}

/** The provider refused to answer or filtered the answer (Anthropic's `refusal` stop reason). */
export class ContentFilterError extends Schema.TaggedError<ContentFilterError>()("ContentFilterError", {
  message: Schema.String,
  body: Schema.optional(Schema.String)
}) {}

/** The response hit the token limit in the middle of a tool call, so its arguments are cut off. */
export class IncompleteToolCall extends Schema.TaggedError<IncompleteToolCall>()("IncompleteToolCall", {
  message: Schema.String,
  toolName: Schema.String,
  toolCallId: Schema.String
}) {}

/** The program asked for something impossible (bad settings, an empty prompt); raised before any request. */
export class UserError extends Schema.TaggedError<UserError>()("UserError", {
  message: Schema.String
}) {}

/**
 * Raised by a tool handler or an output validator to send the message back to the model as a retry
 * prompt, so the model can correct itself.
 */
export class ModelRetry extends Schema.TaggedError<ModelRetry>()("ModelRetry", {
  message: Schema.String
}) {}

/** Any failure the agent itself raises. */
export type AgentError =
  | UnexpectedModelBehavior
  | ContentFilterError
  | IncompleteToolCall
  | UserError
  | UsageLimitExceeded

/** Whether a value is one of the agent's own errors. */
export const isAgentError = (value: unknown): value is AgentError =>
  value instanceof UnexpectedModelBehavior ||
  value instanceof ContentFilterError ||
  value instanceof IncompleteToolCall ||
  value instanceof UserError ||
  value instanceof UsageLimitExceeded
