/**
 * MCP sampling: a server without a model of its own asks the client's model to write for it. The
 * example spawns a small release-notes server over stdio (examples/mcp-sampling/releaseNotesServer.mjs)
 * with `sampling` on, so its `sampling/createMessage` requests are answered by the same `Model` the
 * agent uses; an `approve` check sees each request first.
 * Run: `npx tsx examples/mcp-sampling.ts` (offline: a scripted model; Claude when ANTHROPIC_API_KEY is set).
 */
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { Agent, Message } from "effect-claude"
import { McpToolset } from "effect-claude/mcp"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

const releaseNotes = McpToolset.stdio("release-notes", {
  command: process.execPath,
  args: [fileURLToPath(new URL("./mcp-sampling/releaseNotesServer.mjs", import.meta.url))],
  sampling: {
    maxTokens: 300,
    approve: (request) =>
      Effect.sync(() => {
        console.log(`  ${request.server} asks the model to sample (hints: ${request.modelHints.join(", ")})`)
        return true
      })
  }
})

/**
 * Offline: a request without tools is the server's sampling request; the agent's first step calls
 * the tool, its second answers with what the tool returned.
 */
const offline = FunctionModel.layer((messages, info) => {
  if (info.parameters.functionTools.length === 0) {
    const system = messages[0]?._tag === "ModelRequest" ? messages[0].parts[0] : undefined
    console.log(`  sampling, system prompt: ${system?._tag === "SystemPromptPart" ? system.content : "none"}`)
    return Effect.succeed([
      new Message.TextPart({ content: "Retries now honour retry-after, and MCP servers can sample your model." })
    ])
  }
  const last = messages.at(-1)
  const returned = last?._tag === "ModelRequest" ? last.parts.find((part) => part._tag === "ToolReturnPart") : undefined
  if (returned === undefined) {
    return Effect.succeed([
      new Message.ToolCallPart({ toolName: "release_note", args: { version: "2.1.0" }, toolCallId: "call_1" })
    ])
  }
  return Effect.succeed([new Message.TextPart({ content: String(returned.content) })])
})

const agent = Agent.make({
  instructions: "Use the release_note tool, then repeat its note word for word.",
  toolsets: [releaseNotes]
})

const program = Effect.gen(function* () {
  const result = yield* Agent.run(agent, "What is new in 2.1.0?")
  console.log(result.output)
  // Sampling is the server's business: the run's usage counts only the agent's own requests.
  console.log(`  the run made ${result.usage.requests} model requests of its own`)
}).pipe(Effect.provide(releaseNotes.layer))

Effect.runPromise(program.pipe(Effect.provide(exampleModel(offline)))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
