/**
 * What the loopback server answers in the benchmark: it reads the marker in the first user message
 * (see `scenarios.ts`) and the tool results sent back so far, and scripts the Messages API answer.
 */
import { Option, Schema } from "effect"
import type { ParsedPrompt, ToolResultSeen } from "./scenarios.js"
import {
  agentNext,
  modelName,
  parsePrompt,
  requestAnswer,
  streamDeltas,
  toolName,
  toolResultText
} from "./scenarios.js"

/** A Messages API content block of the answer. */
export type AnswerBlock =
  | { readonly type: "text"; readonly text: string }
  | {
      readonly type: "tool_use"
      readonly id: string
      readonly name: string
      readonly input: { readonly run: number; readonly step: number }
    }

/** The Messages API `message` object the server answers with. */
export interface AnswerMessage {
  readonly id: string
  readonly type: "message"
  readonly role: "assistant"
  readonly model: string
  readonly content: ReadonlyArray<AnswerBlock>
  readonly stop_reason: "end_turn" | "tool_use"
  readonly stop_sequence: null
  readonly usage: { readonly input_tokens: number; readonly output_tokens: number }
}

/** What to send back: a whole message (as JSON, or as SSE when the request streams), or a long text stream. */
export type ScriptedAnswer =
  | { readonly _tag: "Message"; readonly message: AnswerMessage }
  | { readonly _tag: "TextStream"; readonly deltas: ReadonlyArray<string> }

/** The request fields the script reads. */
interface RequestView {
  readonly prompt: string
  readonly toolResults: ReadonlyArray<ToolResultSeen>
}

let nextMessageId = 0

const message = (content: ReadonlyArray<AnswerBlock>, outputTokens: number): AnswerMessage => ({
  id: `msg_bench_${nextMessageId++}`,
  type: "message",
  role: "assistant",
  model: modelName,
  content,
  stop_reason: content.some((block) => block.type === "tool_use") ? "tool_use" : "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: outputTokens }
})

const deltaCache = new Map<number, ReadonlyArray<string>>()

/** The scripted answer to a `POST /v1/messages` body; `undefined` when the body is not a benchmark request. */
export const answerFor = (body: unknown): ScriptedAnswer | undefined => {
  const view = viewOf(body)
  if (view === undefined) return undefined
  const prompt: ParsedPrompt | undefined = parsePrompt(view.prompt)
  if (prompt === undefined) return undefined
  switch (prompt._tag) {
    case "stream": {
      let deltas = deltaCache.get(prompt.deltas)
      if (deltas === undefined) {
        deltas = streamDeltas(prompt.deltas)
        deltaCache.set(prompt.deltas, deltas)
      }
      return { _tag: "TextStream", deltas }
    }
    case "request":
      return { _tag: "Message", message: message([{ type: "text", text: requestAnswer(prompt.index) }], 2) }
    case "agent": {
      const action = agentNext(prompt.run, view.toolResults)
      return {
        _tag: "Message",
        message:
          action._tag === "ToolCall"
            ? message([{ type: "tool_use", id: action.toolCallId, name: toolName, input: action.input }], 20)
            : message([{ type: "text", text: action.text }], 20)
      }
    }
  }
}

// The body comes off the wire: decode only the fields the script reads.
const TextBlock = Schema.Struct({ type: Schema.Literal("text"), text: Schema.String })
const ToolResultBlock = Schema.Struct({
  type: Schema.Literal("tool_result"),
  tool_use_id: Schema.String,
  content: Schema.optional(Schema.Unknown)
})
const RequestBody = Schema.Struct({
  messages: Schema.NonEmptyArray(
    Schema.Struct({ role: Schema.String, content: Schema.Union(Schema.String, Schema.Array(Schema.Unknown)) })
  )
})
const decodeBody = Schema.decodeUnknownOption(RequestBody)
const decodeTextBlock = Schema.decodeUnknownOption(TextBlock)
const decodeToolResultBlock = Schema.decodeUnknownOption(ToolResultBlock)

const viewOf = (body: unknown): RequestView | undefined => {
  const decoded = decodeBody(body)
  if (Option.isNone(decoded)) return undefined
  const [first] = decoded.value.messages
  const prompt =
    typeof first.content === "string"
      ? first.content
      : first.content
          .map((block) => Option.getOrUndefined(decodeTextBlock(block))?.text)
          .find((text) => text !== undefined)
  if (prompt === undefined) return undefined
  const toolResults: Array<ToolResultSeen> = []
  for (const item of decoded.value.messages) {
    if (item.role !== "user" || typeof item.content === "string") continue
    for (const block of item.content) {
      const result = decodeToolResultBlock(block)
      if (Option.isSome(result)) {
        toolResults.push({ toolCallId: result.value.tool_use_id, content: toolResultText(result.value.content) })
      }
    }
  }
  return { prompt, toolResults }
}
