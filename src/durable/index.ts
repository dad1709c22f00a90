/**
 * Durable agent runs on `@effect/workflow`: every model request and tool call is a stored step, so
 * a run survives crashes and deploys, waits durably for approvals, and can be spread over machines.
 * Needs the optional peers `@effect/workflow` and `@effect/cluster` (and `@effect/sql-libsql` or
 * `@effect/sql-pg` for a persistent engine).
 *
 * @example
 * import { Agent } from "effect-claude"
 * import { DurableAgent } from "effect-claude/durable"
 *
 * const assistant = DurableAgent.make(Agent.make({ instructions: "Be brief." }), { name: "assistant" })
 */
export * as Approval from "./Approval.js"
export * as DurableAgent from "./DurableAgent.js"
export * as DurableEngine from "./DurableEngine.js"
export * as DurableError from "./DurableError.js"
export * as DurableStep from "./DurableStep.js"
export * as RunEvents from "./RunEvents.js"
