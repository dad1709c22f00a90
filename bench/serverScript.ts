/**
 * What the loopback `MockAnthropicServer` answers in the benchmark: it reads the marker in the first
 * user message (see `scenarios.ts`) and the tool results sent back so far, and scripts the Messages
 * API answer; a batch's results file has as many lines as the marker of its one item asks for.
 */
import { Option, Schema } from "effect"
import { MockAnthropicServer } from "effect-claude/testing"
import type { ParsedPrompt, ToolResultSeen } from "./scenarios.js"
import {
  agentNext,
  batchCustomId,
  batchResultText,
  modelName,
  parsePrompt,
  requestAnswer,
  streamDeltas,
  toolName,
  toolResultText
} from "./scenarios.js"

/** What the server answers: a scripted reply, or a 400 for a request that is not the benchmark's. */
export const reply = (request: MockAnthropicServer.ReceivedRequest): MockAnthropicServer.Reply =>
  answerFor(request.body) ??
  MockAnthropicServer.apiError(400, { message: "not a benchmark request (see bench/scenarios.ts)" })

/** The benchmark's script: Messages replies, and batches whose results files the markers size. */
export const routes: MockAnthropicServer.Routes = { messages: reply, batches: { resultLines: batchResultLines } }

// One results line, cut around its custom_id and text (both plain ASCII: `bench-7`, `result 7`), so
// the server writes 100,000 lines by concatenation and the client's decoding is what gets measured.
const [linePrefix, lineMiddle, lineSuffix] = JSON.stringify({
  custom_id: "\u0000",
  result: MockAnthropicServer.batchSucceeded(MockAnthropicServer.textMessage("\u0000", { model: modelName }))
}).split("\\u0000") as [string, string, string]

/** The lines of a batch's results file: as many as the marker of its first item asks for, made as they are read. */
export function* batchResultLines(batch: MockAnthropicServer.StoredBatch): Generator<string, void, undefined> {
  const first = batch.requests[0]
  const view = first === undefined ? undefined : viewOf(first.params)
  const prompt = view === undefined ? undefined : parsePrompt(view.prompt)
  if (prompt?._tag !== "batch") return
  for (let index = 0; index < prompt.lines; index++) {
    yield `${linePrefix}${batchCustomId(index)}${lineMiddle}${batchResultText(index)}${lineSuffix}`
  }
}

// The streamed answer is one reply object per size, so the server encodes its 10,000 events once.
const streamReplies = new Map<number, MockAnthropicServer.MessageReply>()

const streamReply = (deltas: number): MockAnthropicServer.MessageReply => {
  let cached = streamReplies.get(deltas)
  if (cached === undefined) {
    // The server cuts text into words with the space before them: exactly our deltas.
    cached = MockAnthropicServer.reply(
      MockAnthropicServer.textMessage(streamDeltas(deltas).join(""), { model: modelName })
    )
    streamReplies.set(deltas, cached)
  }
  return cached
}

/** The scripted answer to a `POST /v1/messages` body; `undefined` when it is not a benchmark request. */
export const answerFor = (body: unknown): MockAnthropicServer.Reply | undefined => {
  const view = viewOf(body)
  if (view === undefined) return undefined
  const prompt: ParsedPrompt | undefined = parsePrompt(view.prompt)
  if (prompt === undefined) return undefined
  switch (prompt._tag) {
    case "stream":
      return streamReply(prompt.deltas)
    case "request":
      return MockAnthropicServer.textMessage(requestAnswer(prompt.index), { model: modelName })
    case "agent": {
      const action = agentNext(prompt.run, view.toolResults)
      return action._tag === "ToolCall"
        ? MockAnthropicServer.toolUseMessage([{ name: toolName, input: action.input, id: action.toolCallId }], {
            model: modelName
          })
        : MockAnthropicServer.textMessage(action.text, { model: modelName })
    }
    case "batch":
      // Only a batch item carries this marker.
      return undefined
  }
}

/** The request fields the script reads. */
interface RequestView {
  readonly prompt: string
  readonly toolResults: ReadonlyArray<ToolResultSeen>
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
