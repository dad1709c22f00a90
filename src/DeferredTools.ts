/**
 * Deferred tool calls: calls the agent does not run by itself. A tool made with `needsApproval`
 * waits for a yes or no; an external tool is declared to the model and run by the program, outside
 * the agent. A run that reaches such calls ends with a `PendingCalls` output instead of its own:
 * the calls with their ids, names and arguments (decoded by the tool's parameters Schema, and as
 * the model sent them), the conversation saved up to them. Arguments that do not decode never
 * wait: they go back to the model as a retry, as for any tool.
 *
 * To go on, run the agent again with that conversation as history and one `Answer` per pending
 * call: `approve`, `deny` (the model sees the message) or `result` (the value of an external call).
 * Answers are checked before any request: an unknown id, a missing or doubled answer, an answer of
 * the wrong kind or a call of a tool the agent no longer has fail with a typed error.
 *
 * Everything here is plain data with a Schema, so pending calls and answers can travel as JSON
 * (to a UI and back).
 *
 * @example
 * import { DeferredTools } from "effect-claude"
 *
 * const answers = [
 *   DeferredTools.approve("toolu_1"),
 *   DeferredTools.deny("toolu_2", "Not on a Friday"),
 *   DeferredTools.result("toolu_3", { status: "shipped" })
 * ]
 */
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import {
  type ModelMessage,
  ModelRequest,
  type ModelRequestPart,
  type ModelResponse,
  type ToolCallPart,
  ToolReturnPart
} from "./Message.js"
import type { RunContext } from "./RunContext.js"

/**
 * How the calls of a tool are run: at once (`Immediate`), by the program outside the run
 * (`External`), or after approval when `needed` says so for the call (`Approval`): `args` are the
 * call's arguments decoded by the tool's parameters Schema, `call` the call as the model sent it.
 *
 * @since 0.1.0
 * @category models
 */
export type Deferral<E = never, R = never> =
  | { readonly _tag: "Immediate" }
  | { readonly _tag: "External" }
  | {
      readonly _tag: "Approval"
      readonly needed: (args: unknown, call: ToolCallPart) => Effect.Effect<boolean, E, R | RunContext>
    }

/**
 * Why a call waits: its tool needs approval, or it is an external tool the program runs.
 *
 * @since 0.1.0
 * @category utils
 */
export const PendingKind = Schema.Literal("approval", "external")
/**
 * @see PendingKind
 *
 * @since 0.1.0
 * @category models
 */
export type PendingKind = typeof PendingKind.Type

/**
 * A tool call waiting for an answer. `args` are its arguments decoded by the tool's parameters
 * Schema (typed per tool in a run's result, see `Agent.PendingOf`); `input` the same arguments as
 * the model sent them (JSON), which is what the saved conversation holds. Both travel as JSON; for a
 * Schema that transforms (e.g. a date from a string), decode `input` again after such a trip.
 *
 * @since 0.1.0
 * @category models
 */
export class PendingCall extends Schema.Class<PendingCall>("effect-claude/DeferredTools/PendingCall")({
  kind: PendingKind,
  toolName: Schema.String,
  toolCallId: Schema.String,
  /** The arguments decoded by the tool's parameters Schema. */
  args: Schema.Unknown,
  /** The arguments as the model sent them. */
  input: Schema.Unknown
}) {}

/**
 * A pending call of the tool `Name`, whose decoded arguments are an `A`.
 *
 * @since 0.1.0
 * @category models
 */
export type PendingCallOf<Name extends string, A> = PendingCall & { readonly toolName: Name; readonly args: A }

/**
 * The output of a run that stopped at deferred calls; answer each to go on.
 *
 * @since 0.1.0
 * @category models
 */
export class PendingCalls extends Schema.TaggedClass<PendingCalls>("effect-claude/DeferredTools/PendingCalls")(
  "PendingCalls",
  { calls: Schema.Array(PendingCall) }
) {}

/**
 * `PendingCalls` typed per deferred tool (`Agent.PendingOf`): checking `toolName` narrows `args`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PendingCallsOf<Call extends PendingCall = PendingCall> extends PendingCalls {
  readonly calls: ReadonlyArray<Call>
}

/**
 * Whether a run's output is `PendingCalls` rather than the agent's own output.
 *
 * @since 0.1.0
 * @category guards
 */
export const isPendingCalls = (output: unknown): output is PendingCalls => output instanceof PendingCalls

/**
 * Run the call; `args`, when given, replace the model's arguments: a value of the tool's decoded
 * arguments type, encoded back with its parameters Schema (a value that does not encode fails the
 * resume with `ArgumentsMismatch`). The saved conversation keeps the model's call as it was.
 *
 * @since 0.1.0
 * @category models
 */
export class Approved extends Schema.TaggedClass<Approved>("effect-claude/DeferredTools/Approved")("Approved", {
  toolCallId: Schema.String,
  args: Schema.optional(Schema.Unknown)
}) {}

/**
 * The default message of a denial, as the model sees it.
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultDenialMessage = "The tool call was denied."

/**
 * Do not run the call; the model sees `message` as the call's result.
 *
 * @since 0.1.0
 * @category models
 */
export class Denied extends Schema.TaggedClass<Denied>("effect-claude/DeferredTools/Denied")("Denied", {
  toolCallId: Schema.String,
  message: Schema.optionalWith(Schema.String, { default: () => defaultDenialMessage })
}) {}

/**
 * The value of an external call, run by the program; `isError` when it failed and `value` says why.
 *
 * @since 0.1.0
 * @category models
 */
export class ExternalResult extends Schema.TaggedClass<ExternalResult>("effect-claude/DeferredTools/ExternalResult")(
  "ExternalResult",
  {
    toolCallId: Schema.String,
    value: Schema.Unknown,
    isError: Schema.optionalWith(Schema.Boolean, { default: () => false })
  }
) {}

/**
 * An answer to one pending call.
 *
 * @since 0.1.0
 * @category utils
 */
export const Answer = Schema.Union(Approved, Denied, ExternalResult)
/**
 * @see Answer
 *
 * @since 0.1.0
 * @category models
 */
export type Answer = typeof Answer.Type

const idOf = (call: string | PendingCall): string => (typeof call === "string" ? call : call.toolCallId)

/**
 * Approves a call (by id, or the pending call), optionally with other decoded arguments (typed when the call is).
 *
 * @since 0.1.0
 * @category utils
 */
export const approve = <Call extends PendingCall>(
  call: string | Call,
  options?: { readonly args?: Call["args"] }
): Approved =>
  new Approved(
    options?.args === undefined ? { toolCallId: idOf(call) } : { toolCallId: idOf(call), args: options.args }
  )

/**
 * Denies a call (by id, or the pending call itself); the model sees `message` (or the default).
 *
 * @since 0.1.0
 * @category utils
 */
export const deny = (call: string | PendingCall, message?: string): Denied =>
  new Denied(message === undefined ? { toolCallId: idOf(call) } : { toolCallId: idOf(call), message })

/**
 * Gives the value of an external call (by id, or the pending call itself); `isError` when it failed.
 *
 * @since 0.1.0
 * @category utils
 */
export const result = (
  call: string | PendingCall,
  value: unknown,
  options?: { readonly isError?: boolean }
): ExternalResult => new ExternalResult({ toolCallId: idOf(call), value, isError: options?.isError ?? false })

// ---------------------------------------------------------------------------------------------
// Errors: raised before any request
// ---------------------------------------------------------------------------------------------

/**
 * An answer names a call that is not pending.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownToolCallId extends Schema.TaggedError<UnknownToolCallId>(
  "effect-claude/DeferredTools/UnknownToolCallId"
)("UnknownToolCallId", { message: Schema.String, toolCallId: Schema.String }) {}

/**
 * A pending call has no answer.
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingAnswer extends Schema.TaggedError<MissingAnswer>("effect-claude/DeferredTools/MissingAnswer")(
  "MissingAnswer",
  { message: Schema.String, toolCallId: Schema.String, toolName: Schema.String }
) {}

/**
 * A call is answered twice.
 *
 * @since 0.1.0
 * @category errors
 */
export class DuplicateAnswer extends Schema.TaggedError<DuplicateAnswer>("effect-claude/DeferredTools/DuplicateAnswer")(
  "DuplicateAnswer",
  { message: Schema.String, toolCallId: Schema.String }
) {}

/**
 * An answer of the wrong kind: an approval of an external call, or a result for a call awaiting approval.
 *
 * @since 0.1.0
 * @category errors
 */
export class AnswerMismatch extends Schema.TaggedError<AnswerMismatch>("effect-claude/DeferredTools/AnswerMismatch")(
  "AnswerMismatch",
  { message: Schema.String, toolCallId: Schema.String, toolName: Schema.String, kind: PendingKind }
) {}

/**
 * A pending call names a tool the agent no longer has.
 *
 * @since 0.1.0
 * @category errors
 */
export class ToolUnavailable extends Schema.TaggedError<ToolUnavailable>("effect-claude/DeferredTools/ToolUnavailable")(
  "ToolUnavailable",
  { message: Schema.String, toolCallId: Schema.String, toolName: Schema.String }
) {}

/**
 * An approval's replacement arguments are not of the decoded type its tool's parameters Schema encodes.
 *
 * @since 0.1.0
 * @category errors
 */
export class ArgumentsMismatch extends Schema.TaggedError<ArgumentsMismatch>(
  "effect-claude/DeferredTools/ArgumentsMismatch"
)("ArgumentsMismatch", { message: Schema.String, toolCallId: Schema.String, toolName: Schema.String }) {}

/**
 * Anything wrong with resuming a run from its pending calls.
 *
 * @since 0.1.0
 * @category models
 */
export type ResumeError =
  | UnknownToolCallId
  | MissingAnswer
  | DuplicateAnswer
  | AnswerMismatch
  | ToolUnavailable
  | ArgumentsMismatch

// ---------------------------------------------------------------------------------------------
// Pure machinery of the run loop
// ---------------------------------------------------------------------------------------------

/**
 * The tool calls a saved conversation leaves unanswered, and where they are.
 *
 * @since 0.1.0
 * @category models
 */
export interface Unanswered {
  /** The index of the response holding the calls. */
  readonly responseIndex: number
  readonly response: ModelResponse
  /** Parts already answering some of its calls: the results of the tools the agent ran itself. */
  readonly answered: ReadonlyArray<ModelRequestPart>
  /** Its calls without an answer, in the order the model made them. */
  readonly calls: ReadonlyArray<ToolCallPart>
}

/** The id of the tool call a request part answers, if it answers one. */
const answeredCallId = (part: ModelRequestPart): string | undefined =>
  part._tag === "ToolReturnPart" || part._tag === "RetryPromptPart" ? part.toolCallId : undefined

/**
 * The calls a conversation leaves waiting: it ends with a response whose calls are not all answered,
 * or with such a response and a request of the answers given so far. Undefined when nothing waits.
 *
 * @since 0.1.0
 * @category utils
 */
export const unanswered = (history: ReadonlyArray<ModelMessage>): Unanswered | undefined => {
  const last = history.at(-1)
  const trailing = last?._tag === "ModelRequest" ? last : undefined
  if (trailing?.parts.some((part) => answeredCallId(part) === undefined)) return undefined
  const responseIndex = trailing === undefined ? history.length - 1 : history.length - 2
  const response = history[responseIndex]
  if (response === undefined || response._tag !== "ModelResponse") return undefined
  const answered = trailing?.parts ?? []
  const ids = new Set(answered.map(answeredCallId))
  const calls = response.parts.filter(
    (part): part is ToolCallPart => part._tag === "ToolCallPart" && !ids.has(part.toolCallId)
  )
  return calls.length === 0 ? undefined : { responseIndex, response, answered, calls }
}

/**
 * The pending calls of unanswered calls, given how the agent's tools are deferred now
 * (`kindOf` gives undefined for a tool the agent no longer has). Their `args` are the model's
 * arguments as they are (`input`): a resumed run decodes them with the tool's Schema.
 *
 * @since 0.1.0
 * @category utils
 */
export const pendingCalls = (
  calls: ReadonlyArray<ToolCallPart>,
  kindOf: (toolName: string) => PendingKind | undefined
): Either.Either<ReadonlyArray<PendingCall>, ToolUnavailable> => {
  const pending: Array<PendingCall> = []
  for (const call of calls) {
    const kind = kindOf(call.toolName)
    if (kind === undefined) {
      return Either.left(
        new ToolUnavailable({
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          message: `The pending call ${call.toolCallId} is of the tool '${call.toolName}', which the agent no longer has`
        })
      )
    }
    const { toolCallId, toolName, args } = call
    pending.push(new PendingCall({ kind, toolName, toolCallId, args, input: args }))
  }
  return Either.right(pending)
}

/**
 * A pending call with its answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Answered {
  readonly call: PendingCall
  readonly answer: Answer
}

/**
 * Pairs every pending call with its answer, in the order of the calls. Fails on an answer for a
 * call that is not pending, a call answered twice, an answer of the wrong kind, or a call left
 * without answer.
 *
 * @since 0.1.0
 * @category utils
 */
export const matchAnswers = (
  pending: ReadonlyArray<PendingCall>,
  answers: ReadonlyArray<Answer>
): Either.Either<ReadonlyArray<Answered>, Exclude<ResumeError, ToolUnavailable | ArgumentsMismatch>> => {
  const byId = new Map<string, Answer>()
  const pendingIds = new Set(pending.map((call) => call.toolCallId))
  for (const answer of answers) {
    const id = answer.toolCallId
    if (byId.has(id)) {
      return Either.left(new DuplicateAnswer({ toolCallId: id, message: `The call ${id} is answered twice` }))
    }
    if (!pendingIds.has(id)) {
      return Either.left(
        new UnknownToolCallId({
          toolCallId: id,
          message:
            pending.length === 0
              ? `An answer names the call ${id}, but no call is pending`
              : `An answer names the call ${id}, which is not pending (pending: ${[...pendingIds].join(", ")})`
        })
      )
    }
    byId.set(id, answer)
  }
  const matched: Array<Answered> = []
  for (const call of pending) {
    const answer = byId.get(call.toolCallId)
    if (answer === undefined) {
      return Either.left(
        new MissingAnswer({
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          message: `The call ${call.toolCallId} of '${call.toolName}' has no answer`
        })
      )
    }
    const mismatch =
      (call.kind === "external" && answer._tag === "Approved") ||
      (call.kind === "approval" && answer._tag === "ExternalResult")
    if (mismatch) {
      return Either.left(
        new AnswerMismatch({
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          kind: call.kind,
          message:
            call.kind === "external"
              ? `The call ${call.toolCallId} of '${call.toolName}' is external: give its result (or deny it), not an approval`
              : `The call ${call.toolCallId} of '${call.toolName}' awaits approval: approve or deny it, it has no external result`
        })
      )
    }
    matched.push({ call, answer })
  }
  return Either.right(matched)
}

/**
 * What the model sees for an answer the agent does not run: a denial's message or an external result.
 *
 * @since 0.1.0
 * @category utils
 */
export const answerPart = (call: PendingCall, answer: Denied | ExternalResult): ToolReturnPart =>
  answer._tag === "Denied"
    ? new ToolReturnPart({
        toolName: call.toolName,
        toolCallId: call.toolCallId,
        content: answer.message,
        isError: true
      })
    : new ToolReturnPart({
        toolName: call.toolName,
        toolCallId: call.toolCallId,
        content: answer.value,
        isError: answer.isError
      })

/**
 * The request answering a response's calls: the parts given, ordered as the calls they answer
 * (parts answering no call of the response, e.g. a new prompt, come last).
 *
 * @since 0.1.0
 * @category utils
 */
export const answersRequest = (
  response: ModelResponse,
  parts: ReadonlyArray<ModelRequestPart>,
  instructions?: string | undefined
): ModelRequest => {
  const order = new Map<string, number>()
  response.parts.forEach((part, index) => {
    if (part._tag === "ToolCallPart") order.set(part.toolCallId, index)
  })
  const rank = (part: ModelRequestPart) => order.get(answeredCallId(part) ?? "") ?? Number.MAX_SAFE_INTEGER
  const sorted = parts.slice().sort((left, right) => rank(left) - rank(right))
  return new ModelRequest(instructions === undefined ? { parts: sorted } : { parts: sorted, instructions })
}
