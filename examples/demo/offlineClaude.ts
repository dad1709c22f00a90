/**
 * The demo's stand-in for Claude when there is no API key: the bundled loopback Messages API
 * server, scripted to answer like a model would. It reads the tool results the agent sends back,
 * so the final answer is computed from what the tools really returned.
 */
import { Schema } from "effect"
import { MockAnthropicServer } from "effect-claude/testing"

const ToolResultBlock = Schema.Struct({
  type: Schema.Literal("tool_result"),
  tool_use_id: Schema.String,
  content: Schema.Union(Schema.String, Schema.Array(Schema.Struct({ type: Schema.String, text: Schema.String })))
})
const RequestBody = Schema.Struct({
  messages: Schema.Array(
    Schema.Struct({ role: Schema.String, content: Schema.Union(Schema.String, Schema.Array(Schema.Unknown)) })
  )
})
const Report = Schema.parseJson(Schema.Struct({ celsius: Schema.Number, sky: Schema.String }))
const isToolResult = Schema.is(ToolResultBlock)

const resultText = (block: typeof ToolResultBlock.Type): string =>
  typeof block.content === "string" ? block.content : block.content.map((item) => item.text).join("")

/** The tool results of the conversation so far, by tool call id. */
const toolResults = (body: unknown): ReadonlyMap<string, string> => {
  const results = new Map<string, string>()
  const decoded = Schema.decodeUnknownOption(RequestBody)(body)
  if (decoded._tag === "None") return results
  for (const message of decoded.value.messages) {
    if (typeof message.content === "string") continue
    for (const block of message.content) if (isToolResult(block)) results.set(block.tool_use_id, resultText(block))
  }
  return results
}

const weatherOf = (text: string | undefined) => {
  const decoded = Schema.decodeUnknownOption(Report)(text ?? "")
  return decoded._tag === "Some" ? decoded.value : undefined
}

/** One answer per step of the conversation: look up both cities, subtract, then answer in prose. */
export const script: MockAnthropicServer.ReplyFunction = (request) => {
  const results = toolResults(request.body)
  const options = { eventDelay: "12 millis", chunkSize: 6 } as const
  if (!results.has("toolu_paris")) {
    return MockAnthropicServer.reply(
      MockAnthropicServer.toolUseMessage(
        [
          { name: "get_weather", input: { city: "Paris" }, id: "toolu_paris" },
          { name: "get_weather", input: { city: "London" }, id: "toolu_london" }
        ],
        { text: "I'll check the weather in both cities." }
      ),
      options
    )
  }
  const paris = weatherOf(results.get("toolu_paris"))
  const london = weatherOf(results.get("toolu_london"))
  if (!results.has("toolu_difference")) {
    return MockAnthropicServer.reply(
      MockAnthropicServer.toolUseMessage(
        [
          {
            name: "calculate",
            input: { a: paris?.celsius ?? 0, b: london?.celsius ?? 0, operation: "subtract" },
            id: "toolu_difference"
          }
        ],
        { text: "Now the difference." }
      ),
      options
    )
  }
  const difference = results.get("toolu_difference") ?? "?"
  return MockAnthropicServer.reply(
    MockAnthropicServer.textMessage(
      `Paris is ${paris?.celsius}°C and ${paris?.sky}; London is ${london?.celsius}°C with ${london?.sky}. ` +
        `Paris is ${difference} degrees warmer, so pack sunglasses for Paris and an umbrella for London.`
    ),
    options
  )
}
