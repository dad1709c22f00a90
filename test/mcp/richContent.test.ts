/**
 * MCP tools returning images and resources become rich tool results (`ToolContent`), tested against
 * a real stdio MCP server; and a served tool's rich result reaches an MCP client as MCP content.
 */
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Agent, Message, Tool, ToolContent, Toolset } from "effect-claude"
import { McpServe, McpToolset } from "effect-claude/mcp"
import { FunctionModel } from "effect-claude/testing"
import { lastToolReturns } from "../support/toolReturns.js"
import { fixture, logFile } from "./helpers.js"

const richServer = fileURLToPath(new URL("./fixtures/richServer.mjs", import.meta.url))
const rich = () => fixture(logFile(), { args: [richServer] })
const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])

describe("MCP tools with images and resources", () => {
  it.effect("an image and text become a rich result", () =>
    Effect.gen(function* () {
      const server = rich()
      const result = yield* McpToolset.callTool(server, "chart", {}).pipe(Effect.provide(server.layer))
      expect(result).toEqual(
        ToolContent.make(["Sales by month", ToolContent.image({ data: png, mediaType: "image/png" })])
      )
    })
  )

  it.effect("embedded resources become documents or images; links, audio and other images are named in text", () =>
    Effect.gen(function* () {
      const server = rich()
      const result = yield* McpToolset.callTool(server, "report", {}).pipe(Effect.provide(server.layer))
      expect(result).toEqual(
        ToolContent.make([
          ToolContent.document({ text: "Q3 revenue grew 12%." }, { title: "file:///notes.txt" }),
          ToolContent.document(
            { data: new TextEncoder().encode("%PDF-1.7"), mediaType: "application/pdf" },
            { title: "file:///report.pdf" }
          ),
          ToolContent.image({ data: png, mediaType: "image/png" }),
          "Resource Q3 page: https://example.com/q3 (The public summary)",
          "[audio of type audio/wav omitted: Claude does not read audio]",
          "[image of type image/bmp omitted: Claude reads JPEG, PNG, GIF and WebP]"
        ])
      )
    })
  )

  it.effect("an agent's model sees the MCP image in the tool's result", () =>
    Effect.gen(function* () {
      const server = rich()
      const seen: Array<unknown> = []
      const model = FunctionModel.layer((messages) => {
        const returned = lastToolReturns(messages)[0]
        if (returned === undefined) {
          return Effect.succeed([new Message.ToolCallPart({ toolName: "chart", args: {}, toolCallId: "c1" })])
        }
        seen.push(returned.content)
        return Effect.succeed([new Message.TextPart({ content: "Sales rose." })])
      })
      const agent = Agent.make({ toolsets: [server] })
      const result = yield* Agent.run(agent, "Chart the sales").pipe(Effect.provide([model, server.layer]))
      expect(result.output).toBe("Sales rose.")
      const content = seen[0]
      expect(ToolContent.isToolContent(content) && content.parts.map((part) => part._tag)).toEqual(["Text", "Image"])
    })
  )
})

/** Serves a toolset over Streamable HTTP on 127.0.0.1 and calls one of its tools with this library's client. */
const serveAndCall = <E>(toolset: Toolset.Toolset<E, never>, toolName: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { url } = yield* McpServe.streamableHttp(toolset, { name: "served" })
      const client = McpToolset.streamableHttp("served", { url })
      return yield* McpToolset.callTool(client, toolName, {}).pipe(Effect.provide(client.layer))
    })
  )

describe("serving a rich result over MCP", () => {
  it.live("a served tool's image and document reach the MCP client as MCP content", () =>
    Effect.gen(function* () {
      const snapshot = Tool.make("snapshot", {
        parameters: Schema.Struct({}),
        handler: () =>
          Effect.succeed(
            ToolContent.make([
              "Current screen:",
              ToolContent.image({ data: png, mediaType: "image/png" }),
              ToolContent.document({ text: "Log line 1" }, { title: "log" })
            ])
          )
      })
      // Served over MCP, then read back by this library's own MCP client: the parts survive the trip.
      const served = yield* serveAndCall(Toolset.make([snapshot]), "snapshot")
      expect(served).toEqual(
        ToolContent.make([
          "Current screen:",
          ToolContent.image({ data: png, mediaType: "image/png" }),
          ToolContent.document({ text: "Log line 1" }, { title: "document:log" })
        ])
      )
    })
  )
})
