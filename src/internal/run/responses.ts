/**
 * Handling a model response: a content filter or an empty answer, tool calls (run by the tools
 * room), or a text answer validated as the output; retry prompts when the answer will not do, and
 * the end of the run when it will.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { ContentFilterError, IncompleteToolCall, UnexpectedModelBehavior } from "../../AgentError.js"
import type { FinalResult } from "../../AgentEvent.js"
import { answersRequest, PendingCalls } from "../../DeferredTools.js"
import {
  ModelRequest,
  type ModelRequestPart,
  ModelResponse,
  RetryPromptPart,
  type ToolCallPart,
  toolCalls
} from "../../Message.js"
import type { AgentNode, End, ModelRequestNode, RunError } from "../agent/types.js"
import { answerText, parseJsonText, truncatedToolCall } from "../outputProcessing.js"
import { construct, trustedInput } from "../trustedInput.js"
import type { Emit, Run } from "./context.js"
import { isTextAsIs, outputRetriesExceeded, processOutput } from "./output.js"
import { processToolCalls, type ToolCallsOutcome } from "./tools.js"

const answeredCallId = (part: ModelRequestPart): string | undefined =>
  part._tag === "ToolReturnPart" || part._tag === "RetryPromptPart" ? part.toolCallId : undefined

const encodeResponse = Schema.encodeSync(Schema.parseJson(ModelResponse))

const rawFinishReason = (response: ModelResponse): string => {
  const details = response.providerDetails ?? {}
  for (const key of ["finishReason", "stopReason", "finish_reason", "stop_reason"]) {
    const value = details[key]
    if (typeof value === "string") return value
  }
  return response.finishReason ?? "content_filter"
}

/** Goes on from the next node: gives it, or runs it on (`Machine.drive`). */
export type Then<O, A, E, R> = (node: AgentNode<O>) => Effect.Effect<A, RunError<E>, R>

/** Handles a response: gives the next node, or fails the run. */
export const handleResponse = <O, E, R>(
  run: Run<O, E, R>,
  response: ModelResponse,
  emit: Emit | undefined
): Effect.Effect<AgentNode<O>, RunError<E>, R> => handleResponseThen(run, response, emit, Effect.succeed)

/**
 * `handleResponse`, going on with `then` of the next node in the step that has it (a step fewer
 * than mapping the node, on every step of `Agent.run`).
 */
export const handleResponseThen = <O, E, R, A>(
  run: Run<O, E, R>,
  response: ModelResponse,
  emit: Emit | undefined,
  then: Then<O, A, E, R>
): Effect.Effect<A, RunError<E>, R> => {
  // Called when the node runs (inside `suspend` or a `flatMap`); plain code, like the request path.
  if (response.finishReason === "content_filter") {
    return Effect.fail(
      new ContentFilterError({
        message: `Content filter triggered. Finish reason: '${rawFinishReason(response)}'`,
        body: encodeResponse(response)
      })
    )
  }
  if (response.parts.length === 0) {
    if (response.finishReason === "length") {
      return Effect.fail(
        new UnexpectedModelBehavior({
          message: `Model token limit (${run.settings.maxTokens ?? "provider default"}) exceeded before any response was generated. Increase the maxTokens setting, or simplify the prompt.`
        })
      )
    }
    return Effect.flatMap(retryOutput(run, new RetryPromptPart({ content: pleaseAnswer(run) }, trustedInput)), then)
  }
  const truncated = truncatedToolCall(response)
  if (truncated !== undefined) {
    return Effect.fail(
      new IncompleteToolCall({
        message: `Model token limit (${run.settings.maxTokens ?? "provider default"}) exceeded while generating a tool call, so its arguments are incomplete. Increase the maxTokens setting, or simplify the prompt so the answer fits.`,
        toolName: truncated.toolName,
        toolCallId: truncated.toolCallId
      })
    )
  }
  const calls = toolCalls(response)
  if (calls.length > 0) {
    // A resumed run answers the calls its history left pending; the others have their results.
    const resume = run.resume
    const answered = resume === undefined ? undefined : new Set(resume.answered.map(answeredCallId))
    const toRun = answered === undefined ? calls : calls.filter((call) => !answered.has(call.toolCallId))
    const nextNode = (outcome: ToolCallsOutcome<O>): AgentNode<O> => {
      run.resume = undefined
      const parts =
        resume === undefined ? outcome.parts : answersRequest(response, [...resume.answered, ...outcome.parts]).parts
      if (outcome.final === undefined && outcome.pending.length > 0) {
        // The history keeps the results so far; resuming adds the answers to the pending calls.
        if (parts.length > 0) run.state.messages.push(construct(ModelRequest, { parts }))
        // `O` includes `PendingCalls` whenever a tool may defer its calls (`Agent.PendingOf`).
        return end(run, response, new PendingCalls({ calls: outcome.pending }) as O, undefined)
      }
      if (outcome.final === undefined) return nextRequest(run, parts)
      // Keep the tool results, so the history has no unanswered tool call and can be continued.
      run.state.messages.push(construct(ModelRequest, { parts }))
      return end(run, response, outcome.final.output, outcome.final.call)
    }
    return processToolCalls(run, toRun, emit, (outcome) => then(nextNode(outcome)))
  }
  const text = answerText(response)
  if (run.parameters.allowTextOutput && text !== "") return handleText(run, response, text, then)
  return Effect.flatMap(retryOutput(run, new RetryPromptPart({ content: pleaseAnswer(run) }, trustedInput)), then)
}

const handleText = <O, E, R, A>(
  run: Run<O, E, R>,
  response: ModelResponse,
  text: string,
  then: Then<O, A, E, R>
): Effect.Effect<A, RunError<E>, R> => {
  // Text is parsed as JSON for native and prompted output; otherwise (text, a union's text member) it is the answer.
  const raw = run.mode === "native" || run.mode === "prompted" ? parseJsonText(text) : Either.right(text)
  if (Either.isLeft(raw))
    return Effect.flatMap(retryOutput(run, new RetryPromptPart({ content: raw.left }, trustedInput)), then)
  if (isTextAsIs(run.output, raw.right)) return then(end(run, response, raw.right, undefined))
  return Effect.flatMap(
    processOutput(run, raw.right, undefined),
    (processed): Effect.Effect<A, RunError<E>, R> =>
      Either.isLeft(processed)
        ? Effect.flatMap(retryOutput(run, new RetryPromptPart({ content: processed.left }, trustedInput)), then)
        : then(end(run, response, processed.right, undefined))
  )
}

const pleaseAnswer = <O, E, R>(run: Run<O, E, R>): string => {
  const alternatives: Array<string> = []
  if (run.parameters.allowTextOutput) alternatives.push("return text")
  if (run.mode === "tool") alternatives.push("include your response in a tool call")
  else if (run.tools.size > 0) alternatives.push("call a tool")
  return `Please ${alternatives.join(" or ")}.`
}

/** Asks the model to answer again, counting an output retry; fails once they are used up. */
const retryOutput = <O, E, R>(
  run: Run<O, E, R>,
  part: RetryPromptPart
): Effect.Effect<ModelRequestNode, UnexpectedModelBehavior> => {
  run.state.outputRetries += 1
  if (run.state.outputRetries > run.agent.outputRetries) {
    return Effect.fail(outputRetriesExceeded(run.agent.outputRetries, part.content))
  }
  return Effect.succeed(nextRequest(run, [part]))
}

export const nextRequest = <O, E, R>(run: Run<O, E, R>, parts: ReadonlyArray<ModelRequestPart>): ModelRequestNode => ({
  _tag: "ModelRequestNode",
  request: construct(ModelRequest, { parts, instructions: run.instructions })
})

const end = <O, E, R>(
  run: Run<O, E, R>,
  response: ModelResponse,
  output: O,
  call: ToolCallPart | undefined
): End<O> => {
  const { state } = run
  const finalResult: FinalResult =
    call === undefined
      ? { _tag: "FinalResult" }
      : { _tag: "FinalResult", toolName: call.toolName, toolCallId: call.toolCallId }
  return {
    _tag: "End",
    finalResult,
    result: {
      output,
      usage: state.usage,
      messages: state.messages.slice(),
      newMessages: state.messages.slice(state.newMessageIndex),
      response
    }
  }
}
