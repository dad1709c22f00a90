/**
 * What becomes of one call of a deferred tool: it runs now, it is answered without running (a
 * denial), or it waits (the run ends with it pending). During a run the tool's deferral and the
 * program's `Approver` (if any) decide; on resume, the caller's answer does. An approval's
 * replacement arguments are of the tool's decoded type: they are encoded back, so the call runs as
 * if the model had sent them.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UserError } from "../../AgentError.js"
import { type ApprovalRequested, Approver, approvalRequested } from "../../Approval.js"
import {
  type Answer,
  type Answered,
  ArgumentsMismatch,
  answerPart,
  type Deferral,
  Denied,
  defaultDenialMessage,
  PendingCall
} from "../../DeferredTools.js"
import type { ToolCallPart, ToolReturnPart } from "../../Message.js"
import type { RunContext } from "../../RunContext.js"
import type { InvalidToolArgs, Tool } from "../../Tool.js"

/** The fate of one call. */
export type CallDecision =
  /** Run the tool with these arguments, as the model sends them (the model's, or an approver's replacement). */
  | { readonly _tag: "Run"; readonly args: unknown }
  /** Do not run it; this is its result. */
  | { readonly _tag: "Answered"; readonly part: ToolReturnPart }
  /** End the run with this call pending. */
  | { readonly _tag: "Pending"; readonly call: PendingCall }

const run = (args: unknown): CallDecision => ({ _tag: "Run", args })

/** A call of a deferred tool: as the model sent it, its arguments (`input`) and their decoded value (`args`). */
export interface DeferredCall {
  readonly call: ToolCallPart
  readonly input: unknown
  readonly args: unknown
}

/**
 * Decides a call during a run: the tool's `needed` check reads the decoded arguments; `encode`
 * turns an approver's replacement arguments back into what the model sends; `onRequest` is told
 * before the approver is asked (a streamed run emits it).
 */
export const decide = <E, R>(
  deferral: Deferral<E, R>,
  deferred: DeferredCall,
  encode: (args: unknown) => Effect.Effect<unknown, InvalidToolArgs, R>,
  onRequest: ((event: ApprovalRequested) => Effect.Effect<void>) | undefined
): Effect.Effect<CallDecision, E | UserError, R | RunContext> => {
  const { call, input, args } = deferred
  switch (deferral._tag) {
    case "Immediate":
      return Effect.succeed(run(input))
    case "External":
      return Effect.succeed(pending("external", deferred))
    case "Approval":
      return Effect.flatMap(deferral.needed(args, call), (needed) => {
        if (!needed) return Effect.succeed(run(input))
        const waiting = pending("approval", deferred)
        return Effect.flatMap(Effect.serviceOption(Approver), (approver) => {
          if (Option.isNone(approver)) return Effect.succeed(waiting)
          const ask = Effect.flatMap(
            approver.value.decide(waiting.call),
            (decision): Effect.Effect<CallDecision, UserError, R> => {
              switch (decision._tag) {
                case "Approve":
                  if (decision.args === undefined) return Effect.succeed(run(input))
                  // The approver is the program: arguments it gives that do not fit are its mistake.
                  return Effect.mapBoth(encode(decision.args), {
                    onFailure: (error) =>
                      new UserError({
                        message: `The approver's arguments for the call ${call.toolCallId} of '${call.toolName}' do not fit the tool's parameters: ${error.message}`
                      }),
                    onSuccess: run
                  })
                case "Deny":
                  return Effect.succeed<CallDecision>({
                    _tag: "Answered",
                    part: answerPart(
                      waiting.call,
                      new Denied({ toolCallId: call.toolCallId, message: decision.message ?? defaultDenialMessage })
                    )
                  })
                case "Postpone":
                  return Effect.succeed(waiting)
              }
            }
          )
          return onRequest === undefined ? ask : Effect.zipRight(onRequest(approvalRequested(waiting.call)), ask)
        })
      })
  }
}

const pending = (kind: "approval" | "external", { args, call, input }: DeferredCall) =>
  ({
    _tag: "Pending",
    call: new PendingCall({ kind, toolName: call.toolName, toolCallId: call.toolCallId, args, input })
  }) as const

/** Decides a pending call from the caller's answer on resume; an approved call runs with `input`. */
export const fromAnswer = (call: PendingCall, answer: Answer, input: unknown = call.input): CallDecision =>
  answer._tag === "Approved" ? run(input) : { _tag: "Answered", part: answerPart(call, answer) }

/**
 * The decisions of a resumed run, by call id: an approval's replacement arguments are encoded with
 * the tool's parameters Schema first, and fail the resume, before any request, when they do not fit.
 */
export const resumeDecisions = <E, R>(
  matched: ReadonlyArray<Answered>,
  tools: ReadonlyMap<string, Tool<string, E, R>>
): Effect.Effect<ReadonlyMap<string, CallDecision>, ArgumentsMismatch, R> =>
  Effect.map(
    Effect.forEach(matched, ({ answer, call }) => {
      const tool = tools.get(call.toolName)
      if (answer._tag !== "Approved" || answer.args === undefined || tool === undefined) {
        return Effect.succeed([call.toolCallId, fromAnswer(call, answer)] as const)
      }
      return Effect.mapBoth(tool.encodeArgs(answer.args), {
        onFailure: (error) =>
          new ArgumentsMismatch({
            toolCallId: call.toolCallId,
            toolName: call.toolName,
            message: `The arguments approved for the call ${call.toolCallId} of '${call.toolName}' do not fit its parameters: ${error.message}`
          }),
        onSuccess: (input) => [call.toolCallId, fromAnswer(call, answer, input)] as const
      })
    }),
    (entries) => new Map(entries)
  )
