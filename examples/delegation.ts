/**
 * Delegation: a parent agent with two child agents as tools. The children's requests count against
 * the parent's limits and their usage joins the parent's, so the run reports one usage total and
 * one request limit holds for the whole tree. Run: `npx tsx examples/delegation.ts`.
 */
import { Effect } from "effect"
import { Agent, Message } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

const researcher = Agent.make({ name: "researcher", instructions: "Answer with one fact." })
const poet = Agent.make({ name: "poet", instructions: "Answer with one line of verse." })

const editor = Agent.make({
  instructions: "Ask the researcher for a fact and the poet for a line, then combine them.",
  tools: [
    Agent.asTool(researcher, { name: "ask_researcher", description: "Finds a fact" }),
    Agent.asTool(poet, { name: "ask_poet", description: "Writes a line of verse" })
  ],
  usageLimits: { requestLimit: 4 }
})

/** Offline: the editor calls both children, then combines their answers; each child answers at once. */
const offline = FunctionModel.layer((messages, info) => {
  if (info.parameters.functionTools.length === 0) {
    const asked = JSON.stringify(messages[0])
    return Effect.succeed([
      new Message.TextPart({
        content: asked.includes("verse") ? "Tides keep the moon's slow time." : "The Moon raises tides on Earth."
      })
    ])
  }
  const last = messages.at(-1)
  if (last?._tag === "ModelRequest" && last.parts.some((part) => part._tag === "ToolReturnPart")) {
    const answers = last.parts.flatMap((part) => (part._tag === "ToolReturnPart" ? [String(part.content)] : []))
    return Effect.succeed([new Message.TextPart({ content: answers.join("\n") })])
  }
  return Effect.succeed([
    new Message.ToolCallPart({
      toolName: "ask_researcher",
      toolCallId: "r1",
      args: { prompt: "A fact about the Moon" }
    }),
    new Message.ToolCallPart({
      toolName: "ask_poet",
      toolCallId: "p1",
      args: { prompt: "A line of verse about tides" }
    })
  ])
})

const program = Effect.gen(function* () {
  const result = yield* Agent.run(editor, "Something about the Moon and the sea.")
  console.log(result.output)
  console.log(`(${result.usage.requests} requests in all: two by the editor, one per child; limit 4)`)
})

Effect.runPromise(program.pipe(Effect.provide(exampleModel(offline)))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
