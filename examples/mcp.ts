/**
 * An agent using an MCP server's tools. The example starts its own MCP server (a small notes
 * service, served over Streamable HTTP on 127.0.0.1 with `McpServe`), connects to it as a toolset
 * with the prefix `notes`, and runs an agent that searches the notes before it answers.
 * Run: `npx tsx examples/mcp.ts` (offline: a scripted model; Claude when ANTHROPIC_API_KEY is set).
 */
import { Effect, Schema } from "effect"
import { Agent, Message, Tool, Toolset } from "effect-claude"
import { McpServe, McpToolset } from "effect-claude/mcp"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

const notes = [
  "2026-11-30: the deploy moved to Thursdays",
  "2026-12-01: Ada owns the billing migration",
  "2026-12-01: the staging database is read-only until Friday"
]

/** What the MCP server offers: search and count the notes. */
const notesServer = Toolset.make([
  Tool.make("search", {
    description: "Notes containing a word (case-insensitive)",
    parameters: Schema.Struct({ word: Schema.String }),
    handler: ({ word }) => Effect.succeed(notes.filter((note) => note.toLowerCase().includes(word.toLowerCase())))
  }),
  Tool.make("count", {
    description: "How many notes there are",
    parameters: Schema.Struct({}),
    handler: () => Effect.succeed(notes.length)
  })
])

/** Offline: search for "billing", then answer from what came back. */
const offline = FunctionModel.layer((messages, info) => {
  const last = messages.at(-1)
  const returned = last?._tag === "ModelRequest" ? last.parts.filter((part) => part._tag === "ToolReturnPart") : []
  if (returned.length === 0) {
    console.log(`  the model sees: ${info.parameters.functionTools.map((tool) => tool.name).join(", ")}`)
    return Effect.succeed([
      new Message.ToolCallPart({ toolName: "notes_search", args: { word: "billing" }, toolCallId: "call_1" })
    ])
  }
  return Effect.succeed([new Message.TextPart({ content: `From the notes: ${JSON.stringify(returned[0]!.content)}` })])
})

const program = Effect.gen(function* () {
  const { url } = yield* McpServe.streamableHttp(notesServer, { name: "notes" })
  const notesToolset = McpToolset.streamableHttp("notes", { url, prefix: "notes" })
  const agent = Agent.make({
    instructions: "Answer from the team's notes; search them first. One sentence.",
    toolsets: [notesToolset]
  })
  const result = yield* Agent.run(agent, "Who owns the billing migration?").pipe(Effect.provide(notesToolset.layer))
  for (const message of result.newMessages) {
    if (message._tag !== "ModelRequest") continue
    for (const part of message.parts) {
      if (part._tag === "ToolReturnPart") console.log(`  ${part.toolName} → ${JSON.stringify(part.content)}`)
    }
  }
  console.log(result.output)
}).pipe(Effect.scoped)

Effect.runPromise(program.pipe(Effect.provide(exampleModel(offline)))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
