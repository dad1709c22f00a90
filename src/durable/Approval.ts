/**
 * Decisions on tool calls that need approval. A durable run that reaches such a call waits for a
 * decision as a durable deferred named after the call: the process may stop, and the decision may
 * come hours later from another process (`DurableAgent.approve`). An approved call runs; a denied
 * one is answered to the model with `deniedMessage` (as an error result), without running the tool.
 *
 * Which calls wait: those of tools made with `needsApproval` (the core's `Tool.make` option), and
 * those the durable agent's own `requireApproval` policy names, for tools made elsewhere. These
 * decisions are a short form of the core's answers (`DeferredTools.approve` / `deny`), which
 * `DurableAgent.answer` takes too.
 *
 * @example
 * import { Approval } from "effect-claude/durable"
 *
 * const yes = Approval.approved
 * const no = Approval.denied("Too expensive")
 */
import * as Schema from "effect/Schema"
import * as DeferredTools from "../DeferredTools.js"
import type { ToolCallPart } from "../Message.js"

/**
 * Run the call.
 *
 * @since 0.1.0
 * @category models
 */
export class Approved extends Schema.TaggedClass<Approved>()("Approved", {}) {}

/**
 * Do not run the call; the model is told why.
 *
 * @since 0.1.0
 * @category models
 */
export class Denied extends Schema.TaggedClass<Denied>()("Denied", {
  reason: Schema.optional(Schema.String)
}) {}

/**
 * A decision on a tool call.
 *
 * @since 0.1.0
 * @category utils
 */
export const Decision = Schema.Union(Approved, Denied)
/**
 * @see Decision
 *
 * @since 0.1.0
 * @category models
 */
export type Decision = typeof Decision.Type

/**
 * The decision to run the call.
 *
 * @since 0.1.0
 * @category utils
 */
export const approved: Decision = new Approved()

/**
 * The decision not to run the call, with a reason for the model.
 *
 * @since 0.1.0
 * @category utils
 */
export const denied = (reason?: string): Decision => new Denied({ reason })

/**
 * Which calls need approval: tool names, or a predicate on the call.
 *
 * @since 0.1.0
 * @category models
 */
export type Policy = ReadonlyArray<string> | ((call: ToolCallPart) => boolean)

/**
 * Whether `call` needs approval under `policy`.
 *
 * @since 0.1.0
 * @category utils
 */
export const needsApproval = (policy: Policy | undefined, call: ToolCallPart): boolean =>
  policy === undefined ? false : typeof policy === "function" ? policy(call) : policy.includes(call.toolName)

/**
 * What the model is told about a denied call.
 *
 * @since 0.1.0
 * @category utils
 */
export const deniedMessage = (decision: Denied): string =>
  decision.reason === undefined ? "The tool call was denied." : `The tool call was denied: ${decision.reason}`

/**
 * The core's answer (`DeferredTools.Answer`) a decision on the call `toolCallId` stands for.
 *
 * @since 0.1.0
 * @category utils
 */
export const toAnswer = (toolCallId: string, decision: Decision): DeferredTools.Approved | DeferredTools.Denied =>
  decision._tag === "Approved"
    ? DeferredTools.approve(toolCallId)
    : DeferredTools.deny(toolCallId, deniedMessage(decision))
