// The MCP server of examples/mcp-sampling.ts, spawned over stdio: a release-notes service with no
// model of its own. Its tool asks the client's model to write the note (`sampling/createMessage`).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import { z } from "zod"

const commits = {
  "2.1.0": ["fix: retries honour retry-after", "feat: MCP sampling", "docs: a sampling example"]
}

const server = new McpServer({ name: "release-notes", version: "1.0.0" })

server.registerTool(
  "release_note",
  { description: "A one-line release note for a version", inputSchema: { version: z.string() } },
  async ({ version }, extra) => {
    const list = commits[version]
    if (list === undefined) return { content: [{ type: "text", text: `No version ${version}` }], isError: true }
    try {
      const result = await server.server.createMessage(
        {
          systemPrompt: "You write release notes: one sentence, no list.",
          messages: [{ role: "user", content: { type: "text", text: `Commits of ${version}:\n${list.join("\n")}` } }],
          maxTokens: 200,
          modelPreferences: { hints: [{ name: "claude-haiku" }] }
        },
        { relatedRequestId: extra.requestId }
      )
      const text = result.content.type === "text" ? result.content.text : ""
      return { content: [{ type: "text", text: `${version}: ${text} (written by ${result.model})` }] }
    } catch (error) {
      return { content: [{ type: "text", text: `The client would not sample: ${error.message}` }], isError: true }
    }
  }
)

await server.connect(new StdioServerTransport())
