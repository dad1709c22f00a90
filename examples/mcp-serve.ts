/**
 * Serving a toolset over MCP: two tools served over Streamable HTTP on 127.0.0.1, then an MCP
 * client (the one agents use) lists and calls them. With `--stdio` it serves over stdin/stdout
 * instead, for an MCP client's configuration (Claude Desktop, an IDE):
 * `{ "command": "npx", "args": ["tsx", "examples/mcp-serve.ts", "--stdio"] }`.
 * Run: `npx tsx examples/mcp-serve.ts`.
 */
import { Effect, Schema } from "effect"
import { AgentError, Tool, Toolset } from "effect-claude"
import { McpServe, McpToolset } from "effect-claude/mcp"

const toolset = Toolset.make([
  Tool.make("convert_temperature", {
    description: "Converts degrees Celsius to Fahrenheit",
    parameters: Schema.Struct({ celsius: Schema.Number }),
    handler: ({ celsius }) => Effect.succeed({ fahrenheit: (celsius * 9) / 5 + 32 })
  }),
  Tool.make("shout", {
    description: "Repeats a text in capitals",
    parameters: Schema.Struct({ text: Schema.String }),
    handler: ({ text }) =>
      text.trim() === ""
        ? Effect.fail(new AgentError.ModelRetry({ message: "Give me something to shout" }))
        : Effect.succeed(text.toUpperCase())
  })
])

const options = { name: "example-tools", instructions: "Small conversions for testing MCP clients." }

/** Serves over HTTP and plays the client: list the tools, call each once, see a tool error. */
const overHttp = Effect.gen(function* () {
  const { url } = yield* McpServe.streamableHttp(toolset, options)
  console.log(`Serving ${options.name} at ${url.href}`)
  const client = McpToolset.streamableHttp("example-tools", { url })
  yield* Effect.gen(function* () {
    for (const tool of yield* McpToolset.listTools(client)) console.log(`  tool ${tool.name}: ${tool.description}`)
    const converted = yield* McpToolset.callTool(client, "convert_temperature", { celsius: 21 })
    console.log(`  convert_temperature(21) → ${JSON.stringify(converted)}`)
    console.log(`  shout("hello") → ${String(yield* McpToolset.callTool(client, "shout", { text: "hello" }))}`)
    const refused = yield* Effect.flip(McpToolset.callTool(client, "shout", { text: " " }))
    console.log(`  shout(" ") → tool error: ${refused.message}`)
  }).pipe(Effect.provide(client.layer))
}).pipe(Effect.scoped)

/** Serves over this process's stdin and stdout until the client closes it. */
const overStdio = McpServe.stdio(toolset, options).pipe(
  Effect.flatMap((serving) => serving.closed),
  Effect.scoped
)

Effect.runPromise(process.argv.includes("--stdio") ? overStdio : overHttp).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
