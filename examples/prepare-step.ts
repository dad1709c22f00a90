/**
 * Per-step preparation: a research agent whose `search` tool describes how many searches are left
 * and hides itself when none are (the tool's `prepare`), and whose `prepareStep` forces a search
 * first, then has the model answer without tools from the third step on. Each request prints what the
 * model was offered. Run: `npx tsx examples/prepare-step.ts`.
 */
import { Effect, Schema } from "effect"
import { Agent, Message, type Prepare, RunContext, Tool } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

const maxSearches = 3

const searchesSoFar = (messages: ReadonlyArray<Message.ModelMessage>) =>
  messages.flatMap((message) => (message._tag === "ModelResponse" ? Message.toolCalls(message) : [])).length

const search = Tool.make("search", {
  description: "Searches the web",
  parameters: Schema.Struct({ query: Schema.String }),
  handler: ({ query }) => Effect.succeed(`Top result for "${query}": the Moon is 384,400 km away.`),
  prepare: (definition) =>
    Effect.map(RunContext.RunContext, (run) => {
      const left = maxSearches - searchesSoFar(run.messages)
      return left <= 0 ? undefined : { ...definition, description: `Searches the web, ${left} left` }
    })
})

const agent = Agent.make({
  instructions: "Search, then answer in one sentence.",
  tools: [search],
  prepareStep: () =>
    Effect.map(RunContext.RunContext, (run): Prepare.StepChanges | undefined =>
      run.runStep === 1
        ? { toolChoice: { tool: "search" } }
        : run.runStep >= 3
          ? { toolChoice: "none", settings: { temperature: 0 } }
          : undefined
    )
})

/** Offline: searches while `search` is offered, then answers; prints what each request offered. */
const offline = FunctionModel.layer((messages, info) => {
  const tools = info.parameters.functionTools.map((tool) => `${tool.name} (${tool.description})`)
  console.log(
    `request ${searchesSoFar(messages) + 1}: tools [${tools.join(", ")}], choice ${JSON.stringify(info.parameters.toolChoice ?? "auto")}`
  )
  if (tools.length > 0 && info.parameters.toolChoice !== "none") {
    return Effect.succeed([
      new Message.ToolCallPart({
        toolName: "search",
        toolCallId: `s${messages.length}`,
        args: { query: "distance to the Moon" }
      })
    ])
  }
  return Effect.succeed([new Message.TextPart({ content: "The Moon is about 384,400 km from Earth." })])
})

const program = Effect.gen(function* () {
  const result = yield* Agent.run(agent, "How far away is the Moon?")
  console.log(result.output)
})

Effect.runPromise(program.pipe(Effect.provide(exampleModel(offline)))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
