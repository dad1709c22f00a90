/**
 * Structured output: a Schema as the agent's output, validated (and retried) before the run
 * succeeds, with an output validator that can send the model back to work. The same agent with
 * `Output.prompted` shows the other way of asking. Run: `npx tsx examples/structured-output.ts`.
 */
import { Effect, Schema } from "effect"
import { Agent, AgentError, Message, Output } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

const CityLocation = Schema.Struct({
  city: Schema.String,
  country: Schema.String,
  population: Schema.Int.annotations({ description: "Inhabitants of the city proper" })
})

const output = Output.tool(CityLocation).pipe(
  Output.validate((answer) =>
    answer.population > 0
      ? Effect.succeed(answer)
      : Effect.fail(new AgentError.ModelRetry({ message: "The population must be a positive number" }))
  )
)

const agent = Agent.make({ instructions: "Answer about cities precisely.", output })

/** Offline: for Mexico, a first answer with an impossible population, corrected after the validator's retry. */
const offline = FunctionModel.layer((messages, info) => {
  const retried = messages.some(
    (message) => message._tag === "ModelRequest" && message.parts.some((part) => part._tag === "RetryPromptPart")
  )
  const japan = JSON.stringify(messages[0]).includes("Japan")
  const args = japan
    ? { city: "Tokyo", country: "Japan", population: 14_187_176 }
    : { city: "Mexico City", country: "Mexico", population: retried ? 9_209_944 : 0 }
  if (info.parameters.outputMode === "tool") {
    const [tool] = info.parameters.outputTools
    return Effect.succeed([
      new Message.ToolCallPart({ toolName: tool?.name ?? "final_result", args, toolCallId: `out_${messages.length}` })
    ])
  }
  return Effect.succeed([new Message.TextPart({ content: JSON.stringify(args) })])
})

const program = Effect.gen(function* () {
  const result = yield* Agent.run(agent, "What is the largest city in Mexico?")
  // `result.output` is typed: { city: string; country: string; population: number }
  console.log(`${result.output.city}, ${result.output.country}: ${result.output.population.toLocaleString("en")}`)
  console.log(`(${result.usage.requests} requests)`)

  const prompted = Agent.make({ output: Output.prompted(CityLocation) })
  const second = yield* Agent.run(prompted, "What is the largest city in Japan?")
  console.log("prompted output:", second.output)
})

Effect.runPromise(program.pipe(Effect.provide(exampleModel(offline)))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
