/**
 * Function tools: Schema parameters, Effect handlers whose services come from Layers, and
 * `ModelRetry` to make the model correct itself (the tools are defined in ./demo/tools.ts).
 * Run: `npx tsx examples/tools.ts`.
 */
import { Effect } from "effect"
import { Agent, Message } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { calculate, getWeather, WeatherApiTable } from "./demo/tools.js"
import { exampleModel } from "./exampleModel.js"

const agent = Agent.make({
  instructions: "Use the tools. Answer in one sentence.",
  tools: [getWeather, calculate]
})

/** Offline: ask for both tools at once, then answer from their results. */
const offline = FunctionModel.layer((messages) => {
  const results = messages.at(-1)?._tag === "ModelRequest" ? messages.at(-1)!.parts : []
  const returned = results.filter((part) => part._tag === "ToolReturnPart")
  if (returned.length === 0) {
    return Effect.succeed([
      new Message.ToolCallPart({ toolName: "get_weather", args: { city: "Paris" }, toolCallId: "call_1" }),
      new Message.ToolCallPart({
        toolName: "calculate",
        args: { a: 18, b: 1.8, operation: "multiply" },
        toolCallId: "call_2"
      })
    ])
  }
  const [report, product] = returned.map((part) => part.content)
  return Effect.succeed([
    new Message.TextPart({ content: `Paris is ${JSON.stringify(report)}; 18 × 1.8 = ${String(product)}.` })
  ])
})

const program = Effect.gen(function* () {
  const result = yield* Agent.run(agent, "What's the weather in Paris, and what is 18 times 1.8?")
  for (const message of result.newMessages) {
    if (message._tag !== "ModelRequest") continue
    for (const part of message.parts) {
      if (part._tag === "ToolReturnPart") console.log(`  ${part.toolName} → ${JSON.stringify(part.content)}`)
      if (part._tag === "RetryPromptPart") console.log(`  ${part.toolName ?? "output"} ↺ ${part.content}`)
    }
  }
  console.log(result.output)
  console.log(
    `${result.usage.requests} requests, ${result.usage.toolCalls} tool calls, ${result.usage.totalTokens} tokens`
  )
})

Effect.runPromise(program.pipe(Effect.provide(WeatherApiTable), Effect.provide(exampleModel(offline)))).catch(
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  }
)
