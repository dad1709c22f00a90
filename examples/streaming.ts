/**
 * Streaming: the answer appears as the model writes it, with a line per tool call and result and
 * a usage summary from the `RunFinished` event. Run: `npx tsx examples/streaming.ts`.
 */
import { Effect, Schema, Stream } from "effect"
import { Agent, AgentError, AgentEvent, Tool } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

const time = Tool.make("current_time", {
  description: "The current time in a time zone",
  parameters: Schema.Struct({ timeZone: Schema.String.annotations({ description: "IANA zone, e.g. Europe/Paris" }) }),
  handler: ({ timeZone }) =>
    Effect.try({
      try: () => new Date().toLocaleTimeString("en-GB", { timeZone }),
      catch: () => new AgentError.ModelRetry({ message: `Unknown time zone '${timeZone}'` })
    })
})

const agent = Agent.make({ instructions: "Be brief.", tools: [time] })

/** Offline: call the tool, then stream a sentence word by word. */
const offline = FunctionModel.layer(undefined, (messages) => {
  const last = messages.at(-1)
  const result = last?._tag === "ModelRequest" ? last.parts.find((part) => part._tag === "ToolReturnPart") : undefined
  if (result === undefined) {
    return Stream.make(
      "Let me look that up. ",
      FunctionModel.toolCallChunk({
        key: 0,
        toolName: "current_time",
        toolCallId: "call_1",
        argsDelta: '{"timeZone":'
      }),
      FunctionModel.toolCallChunk({ key: 0, argsDelta: '"Europe/Paris"}' })
    )
  }
  const words = `It is ${String(result.content)} in Paris right now, a fine time for a coffee.`.split(/(?= )/)
  return Stream.fromIterable(words).pipe(Stream.tap(() => Effect.sleep("30 millis")))
})

const program = Agent.runStream(agent, "What time is it in Paris?").pipe(
  Stream.runForEach((event) =>
    Effect.sync(() => {
      const text = AgentEvent.textOf(event)
      if (text !== "") process.stdout.write(text)
      switch (event._tag) {
        case "ToolCallStarted":
          process.stdout.write(`\n  → ${event.part.toolName}(${JSON.stringify(event.part.args)})\n`)
          break
        case "ToolResult":
          process.stdout.write(`  ← ${JSON.stringify(event.part.content)}\n`)
          break
        case "RunFinished": {
          const { usage } = event.result
          process.stdout.write(
            `\n\n${usage.requests} requests, ${usage.toolCalls} tool calls, ${usage.inputTokens} input + ${usage.outputTokens} output tokens\n`
          )
          break
        }
      }
    })
  )
)

Effect.runPromise(program.pipe(Effect.provide(exampleModel(offline)))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
