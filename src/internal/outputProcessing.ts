/**
 * Turning what the model said into the run's output: reading JSON out of a text answer, the texts
 * of the parts the agent synthesizes, and the retry prompts it sends back.
 */
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import { type ModelResponse, type ToolArgs, ToolCallPart } from "../Message.js"
import { parseToolArgs } from "../ModelResponseBuilder.js"

/** Content of the output tool's return when its call gave the final result. */
export const finalResultProcessed = "Final result processed."
/** Content of an output tool's return when an earlier call already gave the final result. */
export const outputSkipped = "Output tool not used - a final result was already processed."
/** Content of a valid output call that lost to an earlier one (`exhaustive`). */
export const outputNotFinal = "Output tool processed, but its value will not be the final result of the agent run."
/** Content of the winning output's return when a function tool of the same response asked for a retry. */
export const retryWins = "Output not used as the final result - addressing tool retries from this round first."
/** Content of a function tool's return when it was not run because the output was already final (`early`). */
export const toolSkipped = "Tool not executed - a final result was already processed."

/**
 * The text that counts as the answer: text parts after the last built-in tool call (text before a
 * built-in tool call is the model thinking aloud, not the answer).
 */
export const answerText = (response: ModelResponse): string => {
  let text = ""
  for (const part of response.parts) {
    if (part._tag === "TextPart") text += part.content
    else if (part._tag === "BuiltinToolCallPart") text = ""
  }
  return text
}

const stripFence = (text: string): string => {
  const trimmed = text.trim()
  const fenced = /^```[A-Za-z0-9_-]*\s*\n([\s\S]*?)\n?```$/.exec(trimmed)
  return fenced?.[1] ?? trimmed
}

const tryParse = (text: string): Either.Either<unknown, string> => {
  try {
    const value: unknown = JSON.parse(text)
    return Either.right(value)
  } catch (error) {
    return Either.left(error instanceof Error ? error.message : String(error))
  }
}

/**
 * Reads the JSON value of a structured text answer. Tolerates a Markdown fence and text around a
 * single JSON object, which models add despite being told not to.
 */
export const parseJsonText = (text: string): Either.Either<unknown, string> => {
  const body = stripFence(text)
  const direct = tryParse(body)
  if (Either.isRight(direct)) return direct
  const start = body.indexOf("{")
  const end = body.lastIndexOf("}")
  if (start !== -1 && end > start) {
    const inner = tryParse(body.slice(start, end + 1))
    if (Either.isRight(inner)) return inner
  }
  return Either.left(`The answer is not valid JSON: ${direct.left}`)
}

/** A tool call's arguments as an object, or why they are not one. */
export const argsObject = (args: ToolArgs): Either.Either<Readonly<Record<string, unknown>>, string> => {
  if (typeof args !== "string") return Either.right(args)
  const parsed = parseToolArgs(args)
  if (Predicate.isRecord(parsed)) return Either.right(parsed)
  const reason = tryParse(args)
  return Either.left(
    Either.isLeft(reason)
      ? `The arguments are not valid JSON: ${reason.left}`
      : "The arguments must be a JSON object, not another JSON value"
  )
}

/** The first tool call whose arguments were cut off, when the response ended at the token limit. */
export const truncatedToolCall = (response: ModelResponse): ToolCallPart | undefined => {
  if (response.finishReason !== "length") return undefined
  for (const part of response.parts) {
    if (part instanceof ToolCallPart && Either.isLeft(argsObject(part.args))) return part
  }
  return undefined
}
