/**
 * Driving a run step by step with `Agent.iter`: see each request before it is sent and each
 * response before it is handled, e.g. to log, inspect or stop early.
 * Run: `npx tsx examples/iter.ts`.
 */
import { Effect, Schema } from "effect"
import { Agent, Message, Tool } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

const lookup = Tool.make("lookup_capital", {
  description: "The capital of a country",
  parameters: Schema.Struct({ country: Schema.String }),
  handler: ({ country }) => Effect.succeed(country.toLowerCase() === "france" ? "Paris" : "unknown")
})

const agent = Agent.make({ tools: [lookup] })

/** Offline: look the capital up, then answer with the tool's result. */
const offline = FunctionModel.layer((messages) => {
  const last = messages.at(-1)
  const found = last?._tag === "ModelRequest" ? last.parts.find((part) => part._tag === "ToolReturnPart") : undefined
  return Effect.succeed(
    found === undefined
      ? [new Message.ToolCallPart({ toolName: "lookup_capital", args: { country: "France" }, toolCallId: "call_1" })]
      : [new Message.TextPart({ content: `The capital of France is ${String(found.content)}.` })]
  )
})

const program = Effect.gen(function* () {
  const run = yield* Agent.iter(agent, "What is the capital of France?")
  let node: Agent.AgentNode<string> = run.start
  while (node._tag !== "End") {
    if (node._tag === "ModelRequestNode") {
      console.log(`request: ${node.request.parts.map((part) => part._tag).join(", ")}`)
    } else {
      const calls = Message.toolCalls(node.response)
      console.log(
        calls.length > 0
          ? `response: calls ${calls.map((call) => call.toolName).join(", ")}`
          : `response: ${JSON.stringify(Message.responseText(node.response))}`
      )
    }
    node = yield* run.next(node)
  }
  console.log(`output: ${node.result.output}`)
  console.log(`usage: ${(yield* run.usage).totalTokens} tokens`)
})

Effect.runPromise(program.pipe(Effect.provide(exampleModel(offline)))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
