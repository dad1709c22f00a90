/**
 * What can go wrong between an agent and an MCP server: the package is missing, the server cannot
 * be reached or started, the connection closed (the server exited mid-call), the server sent what
 * is not JSON-RPC, or a call took longer than its timeout.
 *
 * A tool that runs and reports an error (`isError`) is not an `McpError`: that goes back to the
 * model as a retry prompt, as a `ModelRetry` from a function tool does.
 *
 * @example
 * import { Effect } from "effect"
 * import { McpError } from "effect-claude/mcp"
 *
 * const onlyTimeouts = <A, R>(effect: Effect.Effect<A, McpError.McpError, R>) =>
 *   effect.pipe(Effect.catchIf((error) => error.reason !== "Timeout", () => Effect.die("MCP server broken")))
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * Identifies an `McpError`.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-claude/McpError")
/**
 * @see TypeId
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Why an MCP exchange failed.
 *
 * @since 0.1.0
 * @category utils
 */
export const Reason = Schema.Literal("PackageMissing", "Connect", "Closed", "Protocol", "Timeout", "Server")
/**
 * @see Reason
 *
 * @since 0.1.0
 * @category models
 */
export type Reason = typeof Reason.Type

/**
 * A failed exchange with an MCP server; `server` names it, `reason` says what went wrong.
 *
 * @since 0.1.0
 * @category errors
 */
export class McpError extends Schema.TaggedError<McpError>("effect-claude/McpError")("McpError", {
  message: Schema.String,
  reason: Reason,
  server: Schema.String
}) {
  /** Brands the error, so `isMcpError` needs no `instanceof`. */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * Whether a value is an `McpError`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isMcpError = (value: unknown): value is McpError => Predicate.hasProperty(value, TypeId)
