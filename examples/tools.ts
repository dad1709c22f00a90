/**
 * Function tools: Schema parameters, Effect handlers whose services come from Layers, and
 * `ModelRetry` to make the model correct itself. Run: `npx tsx examples/tools.ts`.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { Agent, Message, Tool } from "effect-agent"
import { FunctionModel } from "effect-agent/testing"
import { exampleModel } from "./exampleModel.js"

/** A service the weather tool needs: provided as a Layer, like any Effect dependency. */
class WeatherApi extends Context.Tag("examples/WeatherApi")<
  WeatherApi,
  { readonly current: (city: string) => Effect.Effect<{ readonly celsius: number; readonly sky: string } | undefined> }
>() {}

const reports = new Map([
  ["paris", { celsius: 18, sky: "sunny" }],
  ["london", { celsius: 12, sky: "cloudy" }]
])

const WeatherApiLive = Layer.succeed(WeatherApi, { current: (city) => Effect.succeed(reports.get(city.toLowerCase())) })

const weather = Tool.make("get_weather", {
  description: "The current weather in a city",
  parameters: Schema.Struct({ city: Schema.String.annotations({ description: "A city name, e.g. Paris" }) }),
  handler: ({ city }) =>
    Effect.flatMap(WeatherApi, (api) => api.current(city)).pipe(
      Effect.flatMap((report) =>
        report === undefined
          ? Effect.fail(new Tool.ModelRetry({ message: `No weather for '${city}'. Try Paris or London.` }))
          : Effect.succeed(report)
      )
    )
})

const calculator = Tool.make("calculate", {
  description: "Adds, subtracts, multiplies or divides two numbers",
  parameters: Schema.Struct({
    a: Schema.Number,
    b: Schema.Number,
    operation: Schema.Literal("add", "subtract", "multiply", "divide")
  }),
  handler: ({ a, b, operation }) =>
    operation === "divide" && b === 0
      ? Effect.fail(new Tool.ModelRetry({ message: "Cannot divide by zero" }))
      : Effect.succeed({ add: a + b, subtract: a - b, multiply: a * b, divide: a / b }[operation])
})

const agent = Agent.make({
  instructions: "Use the tools. Answer in one sentence.",
  tools: [weather, calculator]
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

Effect.runPromise(program.pipe(Effect.provide(WeatherApiLive), Effect.provide(exampleModel(offline)))).catch(
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  }
)
