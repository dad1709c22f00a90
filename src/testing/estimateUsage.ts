/**
 * A rough, deterministic token estimate for fake models: about one token per word of every
 * message. Never zero, so usage limits and accounting can be tested with fakes.
 */
import type { ModelMessage, ModelResponsePart } from "../Message.js"
import { RequestUsage } from "../Usage.js"

const countWords = (text: string): number => {
  let count = 0
  for (const word of text.split(/[\s.,;:"'{}[\]()]+/)) if (word !== "") count++
  return count
}

const valueWords = (value: unknown): number => countWords(typeof value === "string" ? value : JSON.stringify(value))

const messageWords = (message: ModelMessage): number => {
  if (message._tag === "ModelResponse") return responseWords(message.parts)
  let words = 0
  if (message.instructions !== undefined) words += countWords(message.instructions)
  for (const part of message.parts) {
    if (part._tag === "ToolReturnPart") words += valueWords(part.content)
    else if (part._tag === "UserPromptPart" && typeof part.content !== "string") {
      for (const item of part.content) words += item._tag === "TextContent" ? countWords(item.text) : 50
    } else words += valueWords(part.content)
  }
  return words
}

// Messages are immutable, and a conversation is sent again with every step: count each one once.
const wordCache = new WeakMap<ModelMessage, number>()

const requestWords = (messages: ReadonlyArray<ModelMessage>): number => {
  let words = 0
  for (const message of messages) {
    let count = wordCache.get(message)
    if (count === undefined) {
      count = messageWords(message)
      wordCache.set(message, count)
    }
    words += count
  }
  return words
}

const responseWords = (parts: ReadonlyArray<ModelResponsePart>): number => {
  let words = 0
  for (const part of parts) {
    switch (part._tag) {
      case "TextPart":
      case "ThinkingPart":
        words += countWords(part.content)
        break
      case "ToolCallPart":
      case "BuiltinToolCallPart":
        words += 1 + valueWords(part.args)
        break
      case "BuiltinToolReturnPart":
      case "OpaquePart":
        words += valueWords(part._tag === "OpaquePart" ? part.data : part.content)
        break
    }
  }
  return words
}

/** Estimated usage of answering `messages` with `parts`: a fixed overhead plus a token per word. */
export const estimateUsage = (
  messages: ReadonlyArray<ModelMessage>,
  parts: ReadonlyArray<ModelResponsePart>
): RequestUsage =>
  new RequestUsage(
    { inputTokens: 50 + requestWords(messages), outputTokens: Math.max(1, responseWords(parts)) },
    // Two counts, valid by construction: no need to validate them.
    true
  )
