/**
 * A provider written against the public API alone, as a package outside this one would write it:
 * `Model.make` takes the streamed side, derives the non-streamed side (folding the events with
 * `ModelResponseBuilder`) and opens each request's `chat {model}` span. The toy model below adds
 * numbers: it calls the `add` tool with the numbers of the prompt, then streams the tool's result
 * back word by word. Run: `npx tsx examples/custom-model.ts` (offline).
 */
import { Effect, Layer, Schema, Stream } from "effect"
import { Agent, AgentEvent, Message, Model, StreamEvent, Tool, Usage } from "effect-claude"

/** The numbers in a text, in order. */
const numbersIn = (text: string): ReadonlyArray<number> => (text.match(/-?\d+(\.\d+)?/g) ?? []).map(Number)

/** The text of the prompt's user parts. */
const promptText = (messages: ReadonlyArray<Message.ModelMessage>): string => {
  let text = ""
  for (const message of messages) {
    if (message._tag !== "ModelRequest") continue
    for (const part of message.parts)
      if (part._tag === "UserPromptPart" && typeof part.content === "string") text += part.content
  }
  return text
}

/** What the tools returned in the last request. */
const toolReturns = (messages: ReadonlyArray<Message.ModelMessage>): ReadonlyArray<Message.ToolReturnPart> => {
  const last = messages.at(-1)
  return last?._tag === "ModelRequest" ? last.parts.filter((part) => part._tag === "ToolReturnPart") : []
}

/**
 * One answer as events: a call of `add` when the tool is offered and has not answered yet (its JSON
 * arguments in two fragments, as providers stream them), else the sum as text, word by word.
 */
const answer = (
  messages: ReadonlyArray<Message.ModelMessage>,
  parameters: Model.ModelRequestParameters
): ReadonlyArray<ReadonlyArray<StreamEvent.ModelResponseStreamEvent>> => {
  const returned = toolReturns(messages)
  const offered = parameters.functionTools.some((tool) => tool.name === "add")
  const usage = new Usage.RequestUsage({ inputTokens: 12, outputTokens: 4 })
  if (offered && returned.length === 0) {
    const args = JSON.stringify({ numbers: numbersIn(promptText(messages)) })
    const half = Math.ceil(args.length / 2)
    return [
      [StreamEvent.partStart(0, new Message.ToolCallPart({ toolName: "add", args: "", toolCallId: "toy_1" }))],
      [StreamEvent.toolCallArgsDelta(0, args.slice(0, half)), StreamEvent.toolCallArgsDelta(0, args.slice(half))],
      [StreamEvent.partEnd(0), StreamEvent.responseMetadata({ usage, finishReason: "tool_call" })]
    ]
  }
  const sum = returned.length > 0 ? String(returned[0]!.content) : "I can only add."
  const words = `The sum is ${sum}.`.split(/(?<= )/)
  return [
    [StreamEvent.partStart(0, new Message.TextPart({ content: words[0]! }))],
    words.slice(1).map((word) => StreamEvent.textDelta(0, word)),
    [StreamEvent.partEnd(0), StreamEvent.responseMetadata({ usage, finishReason: "stop" })]
  ]
}

/** The toy provider as a `Model` service: only the streamed side is written. */
export const make = (modelName = "toy-adder"): Model.Service =>
  Model.make({
    modelName,
    providerName: "toy",
    requestStream: (messages, _settings, parameters) =>
      Stream.suspend(() => Stream.fromIterable(answer(messages, parameters)).pipe(Stream.flattenIterables))
  })

/** The toy provider as a `Model` Layer. */
export const layer = (modelName?: string): Layer.Layer<Model.Model> => Layer.succeed(Model.Model, make(modelName))

/** The tool the toy model calls. */
export const add = Tool.make("add", {
  description: "Adds numbers",
  parameters: Schema.Struct({ numbers: Schema.Array(Schema.Number) }),
  handler: ({ numbers }) => Effect.succeed(numbers.reduce((total, number) => total + number, 0))
})

/** An agent using the tool. */
export const agent = Agent.make({ instructions: "Add the numbers with the tool.", tools: [add] })

/** Streams a run on the toy model: the text as it arrives, and the run's output at the end. */
export const program = Agent.runStream(agent, "What is 2 + 3 + 37?").pipe(
  Stream.runFold({ streamed: "", output: "" }, (seen, event) => ({
    streamed: seen.streamed + AgentEvent.textOf(event),
    output: event._tag === "RunFinished" ? event.result.output : seen.output
  })),
  Effect.provide(layer())
)

// Run as a script (not when a test imports the module).
if (process.argv[1]?.endsWith("custom-model.ts")) {
  Effect.runPromise(program).then(({ streamed, output }) => console.log(`streamed: ${streamed}\noutput:   ${output}`))
}
