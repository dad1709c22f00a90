/**
 * What becomes of one call of a deferred tool: it runs now, it is answered without running (a
 * denial), or it waits (the run ends with it pending). During a run the tool's deferral and the
 * program's `Approver` (if any) decide; on resume, the caller's answer does.
 */
import { Effect, Option } from "effect"
import { type ApprovalRequested, Approver, approvalRequested } from "../../Approval.js"
import {
  type Answer,
  answerPart,
  type Deferral,
  Denied,
  defaultDenialMessage,
  PendingCall
} from "../../DeferredTools.js"
import type { ToolCallPart, ToolReturnPart } from "../../Message.js"
import type { RunContext } from "../../RunContext.js"

/** The fate of one call. */
export type CallDecision =
  /** Run the tool with these arguments (the model's, or the approver's replacement). */
  | { readonly _tag: "Run"; readonly args: unknown }
  /** Do not run it; this is its result. */
  | { readonly _tag: "Answered"; readonly part: ToolReturnPart }
  /** End the run with this call pending. */
  | { readonly _tag: "Pending"; readonly call: PendingCall }

const run = (args: unknown): CallDecision => ({ _tag: "Run", args })

/**
 * Decides a call during a run. `args` are what the tool's `needed` check reads (the model's
 * arguments); `onRequest` is told before the approver is asked (a streamed run emits it).
 */
export const decide = <E, R>(
  deferral: Deferral<E, R>,
  call: ToolCallPart,
  args: unknown,
  onRequest: ((event: ApprovalRequested) => Effect.Effect<void>) | undefined
): Effect.Effect<CallDecision, E, R | RunContext> => {
  switch (deferral._tag) {
    case "Immediate":
      return Effect.succeed(run(args))
    case "External":
      return Effect.succeed(pending("external", call, args))
    case "Approval":
      return Effect.flatMap(deferral.needed(args), (needed) => {
        if (!needed) return Effect.succeed(run(args))
        const waiting = pending("approval", call, args)
        return Effect.flatMap(Effect.serviceOption(Approver), (approver) => {
          if (Option.isNone(approver)) return Effect.succeed(waiting)
          const ask = Effect.map(approver.value.decide(waiting.call), (decision): CallDecision => {
            switch (decision._tag) {
              case "Approve":
                return run(decision.args === undefined ? args : decision.args)
              case "Deny":
                return {
                  _tag: "Answered",
                  part: answerPart(
                    waiting.call,
                    new Denied({ toolCallId: call.toolCallId, message: decision.message ?? defaultDenialMessage })
                  )
                }
              case "Postpone":
                return waiting
            }
          })
          return onRequest === undefined ? ask : Effect.zipRight(onRequest(approvalRequested(waiting.call)), ask)
        })
      })
  }
}

const pending = (kind: "approval" | "external", call: ToolCallPart, args: unknown) =>
  ({
    _tag: "Pending",
    call: new PendingCall({ kind, toolName: call.toolName, toolCallId: call.toolCallId, args })
  }) as const

/** Decides a pending call from the caller's answer on resume. */
export const fromAnswer = (call: PendingCall, answer: Answer): CallDecision =>
  answer._tag === "Approved"
    ? run(answer.args === undefined ? call.args : answer.args)
    : { _tag: "Answered", part: answerPart(call, answer) }
