/**
 * A rough, deterministic token estimate for fake models: about one token per word of every
 * message. Never zero, so usage limits and accounting can be tested with fakes.
 */
import { type ModelMessage, type ModelResponse, type ModelResponsePart, unvalidated } from "../Message.js"
import { isToolContent, type Part } from "../ToolContent.js"
import { RequestUsage } from "../Usage.js"

// The characters between words: whitespace and JSON / sentence punctuation.
const separators = new Uint8Array(128)
for (const char of " \t\n\r\f\v.,;:\"'{}[]()") separators[char.charCodeAt(0)] = 1

/** The whitespace above ASCII that `\s` matches. */
const isUnicodeSpace = (code: number): boolean =>
  code === 0xa0 ||
  code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200a) ||
  code === 0x2028 ||
  code === 0x2029 ||
  code === 0x202f ||
  code === 0x205f ||
  code === 0x3000 ||
  code === 0xfeff

/** The words of a text, counted in one scan (no regex split, no substrings): every step estimates. */
const countWords = (text: string): number => {
  let count = 0
  let inWord = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    const separator = code < 128 ? separators[code] === 1 : isUnicodeSpace(code)
    if (!separator && !inWord) count++
    inWord = !separator
  }
  return count
}

const valueWords = (value: unknown): number => countWords(typeof value === "string" ? value : JSON.stringify(value))

/** A rich result's words: its texts counted, an image or a document of bytes as a fixed 50. */
const contentPartWords = (part: Part): number => {
  switch (part._tag) {
    case "Text":
      return countWords(part.text)
    case "SearchResult":
      return countWords(part.title) + part.content.reduce((words, text) => words + countWords(text), 0)
    case "Document":
      return part.source._tag === "TextSource" ? countWords(part.source.text) : 50
    case "Image":
      return 50
  }
}

const toolResultWords = (content: unknown): number =>
  isToolContent(content)
    ? content.parts.reduce((words, part) => words + contentPartWords(part), 0)
    : valueWords(content)

const messageWords = (message: ModelMessage): number => {
  if (message._tag === "ModelResponse") return responseWords(message.parts)
  let words = 0
  if (message.instructions !== undefined) words += countWords(message.instructions)
  for (const part of message.parts) {
    if (part._tag === "ToolReturnPart") words += toolResultWords(part.content)
    else if (part._tag === "UserPromptPart" && typeof part.content !== "string") {
      for (const item of part.content) words += item._tag === "TextContent" ? countWords(item.text) : 50
    } else words += valueWords(part.content)
  }
  return words
}

/**
 * The words of the last conversation estimated, message by message. A run sends its conversation
 * again with every step, one response and one request longer: the messages it shares with the last
 * one (the same instances, immutable) are not counted again. A conversation that shares nothing
 * (another run's, in between) is counted whole and becomes the last one.
 */
export class ConversationWords {
  private messages: Array<ModelMessage> = []
  private words: Array<number> = []

  /** The words of `messages`. */
  count(messages: ReadonlyArray<ModelMessage>): number {
    const known = this.messages
    let index = 0
    let words = 0
    while (index < messages.length && index < known.length && messages[index] === known[index]) {
      words += this.words[index]!
      index++
    }
    known.length = index
    this.words.length = index
    for (; index < messages.length; index++) {
      const message = messages[index]!
      const count = messageWords(message)
      known.push(message)
      this.words.push(count)
      words += count
    }
    return words
  }

  /**
   * Notes a response to the conversation just counted, built from parts `estimateUsage` counted:
   * its words are its output tokens, when above the floor of 1. The next request sends it back.
   */
  remember(response: ModelResponse): void {
    if (response.usage.outputTokens <= 1) return
    this.messages.push(response)
    this.words.push(response.usage.outputTokens)
  }
}

const sharedWords = new ConversationWords()

const responseWords = (parts: ReadonlyArray<ModelResponsePart>): number => {
  let words = 0
  for (const part of parts) {
    switch (part._tag) {
      case "TextPart":
      case "ThinkingPart":
        words += countWords(part.content)
        break
      case "CompactionPart":
        words += countWords(part.content ?? "")
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
  parts: ReadonlyArray<ModelResponsePart>,
  conversation: ConversationWords = sharedWords
): RequestUsage =>
  // Counts valid by construction: no need to validate them.
  unvalidated(RequestUsage, {
    inputTokens: 50 + conversation.count(messages),
    outputTokens: Math.max(1, responseWords(parts)),
    // Given rather than defaulted: fewer properties for `unvalidated` to fill in.
    cacheWriteTokens: 0,
    cacheReadTokens: 0,
    details: {}
  })
