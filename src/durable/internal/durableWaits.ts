/**
 * The waits of a durable run. A call that needs approval (its tool's `needsApproval`, or the durable
 * agent's `requireApproval`) waits for a decision, a call of an external tool (`Tool.external`) for
 * its result; each waits as a durable deferred named after the call (`approval/<id>`,
 * `external/<id>`), which any process reaching the store completes, days later if need be.
 *
 * The run loop asks the core's `Approver` about such calls: a durable run provides one that awaits
 * these deferreds, so the core decides as it always does (an approval runs the tool, with the
 * approver's arguments if given; a denial answers the model with its message as an error result).
 */
import * as DurableDeferred from "@effect/workflow/DurableDeferred"
import type * as Workflow from "@effect/workflow/Workflow"
import {
  type WorkflowEngine,
  WorkflowEngine as WorkflowEngineTag,
  WorkflowInstance
} from "@effect/workflow/WorkflowEngine"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Approval from "../../Approval.js"
import { type Answer, Approved, Denied, ExternalResult, type PendingCall } from "../../DeferredTools.js"
import { ToolCallPart } from "../../Message.js"
import { publishIfListened } from "../RunEvents.js"

/** The durable deferred holding the decision on a call that needs approval. */
export const approvalDeferred = (toolCallId: string) =>
  DurableDeferred.make(`approval/${toolCallId}`, { success: Schema.Union(Approved, Denied) })

/** The durable deferred holding the result of an external tool's call (or its denial). */
export const externalDeferred = (toolCallId: string) =>
  DurableDeferred.make(`external/${toolCallId}`, { success: Schema.Union(ExternalResult, Denied) })

/** What the waits need from the workflow execution they serve. */
export interface WaitOptions {
  readonly runId: string
  readonly engine: WorkflowEngine["Type"]
  readonly instance: WorkflowInstance["Type"]
  /** The names of the external tools the run has seen (the durable tools add theirs). */
  readonly externalTools: ReadonlySet<string>
}

/** The tool call part of a pending call, for the run's events. */
export const callPart = (call: Pick<PendingCall, "toolName" | "toolCallId" | "input">): ToolCallPart =>
  new ToolCallPart(
    {
      toolName: call.toolName,
      args: Predicate.isRecord(call.input) ? call.input : JSON.stringify(call.input),
      toolCallId: call.toolCallId
    },
    true
  )

/** What the model sees of an external call that failed: its value, as text. */
const failureText = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value))

/**
 * Tells the run's listeners that a call waits, unless its answer is already stored: a run that
 * resumes after the answer replays up to the same call, and the request is no longer news.
 */
const announceUnlessAnswered = (
  deferred: DurableDeferred.DurableDeferred<Schema.Schema.Any, Schema.Schema.All>,
  event: Parameters<typeof publishIfListened>[0]
): Effect.Effect<void, never, WorkflowEngine | WorkflowInstance> =>
  Effect.flatMap(WorkflowEngineTag, (engine) =>
    Effect.flatMap(engine.deferredResult(deferred), (stored) =>
      stored === undefined ? publishIfListened(event) : Effect.void
    )
  )

/**
 * The approver of a durable run: each call waits for its durable deferred. An external call is
 * "approved" once its result is there (the durable tool then gives the stored value); an external
 * result marked as an error is a denial whose message is the value.
 */
export const approver = (options: WaitOptions): Approval.Service => ({
  decide: (call) => {
    const runId = options.runId
    const part = callPart(call)
    const decision: Effect.Effect<Approval.Decision, never, WorkflowEngine | WorkflowInstance> =
      options.externalTools.has(call.toolName)
        ? Effect.zipRight(
            announceUnlessAnswered(externalDeferred(call.toolCallId), {
              _tag: "ExternalCallRequested",
              runId,
              call: part
            }),
            Effect.map(DurableDeferred.await(externalDeferred(call.toolCallId)), (answer) =>
              answer._tag === "Denied"
                ? Approval.deny(answer.message)
                : answer.isError
                  ? Approval.deny(failureText(answer.value))
                  : Approval.approve()
            )
          )
        : Effect.zipRight(
            announceUnlessAnswered(approvalDeferred(call.toolCallId), { _tag: "ApprovalRequested", runId, call: part }),
            Effect.map(DurableDeferred.await(approvalDeferred(call.toolCallId)), (answer) =>
              answer._tag === "Denied" ? Approval.deny(answer.message) : Approval.approve(answer.args)
            )
          )
    return decision.pipe(
      Effect.provideService(WorkflowEngineTag, options.engine),
      Effect.provideService(WorkflowInstance, options.instance)
    )
  }
})

/** The stored result of an external call, once its deferred holds one. */
export const externalValue = (options: WaitOptions, toolCallId: string): Effect.Effect<unknown> =>
  DurableDeferred.await(externalDeferred(toolCallId)).pipe(
    Effect.flatMap((answer) =>
      answer._tag === "ExternalResult"
        ? Effect.succeed(answer.value)
        : Effect.dieMessage(`The external call ${toolCallId} was denied, yet run`)
    ),
    Effect.provideService(WorkflowEngineTag, options.engine),
    Effect.provideService(WorkflowInstance, options.instance)
  )

/**
 * Stores an answer for a waiting call of the run `executionId`: an approval for a call awaiting
 * approval, a result for an external call, a denial for either (the deferred nobody awaits is
 * never read). The first answer stored wins.
 */
export const settle = (
  workflow: Workflow.Any,
  executionId: string,
  answer: Answer
): Effect.Effect<void, never, WorkflowEngine> => {
  const approval = approvalDeferred(answer.toolCallId)
  const external = externalDeferred(answer.toolCallId)
  const approvalToken = () => DurableDeferred.tokenFromExecutionId(approval, { workflow, executionId })
  const externalToken = () => DurableDeferred.tokenFromExecutionId(external, { workflow, executionId })
  switch (answer._tag) {
    case "Approved":
      return DurableDeferred.succeed(approval, { token: approvalToken(), value: answer })
    case "ExternalResult":
      return DurableDeferred.succeed(external, { token: externalToken(), value: answer })
    case "Denied":
      return Effect.zipRight(
        DurableDeferred.succeed(approval, { token: approvalToken(), value: answer }),
        DurableDeferred.succeed(external, { token: externalToken(), value: answer })
      )
  }
}
