import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { McpToolset } from "effect-claude/mcp"

const example = fileURLToPath(new URL("../../examples/mcp-serve.ts", import.meta.url))

describe("McpServe.stdio", () => {
  it.live("examples/mcp-serve.ts --stdio serves its toolset to a client that spawns it", () => {
    const served = McpToolset.stdio("example", {
      command: process.execPath,
      args: ["--import", "tsx", example, "--stdio"],
      stderr: "ignore"
    })
    return Effect.gen(function* () {
      const tools = yield* McpToolset.listTools(served)
      expect(tools.map((tool) => tool.name)).toEqual(["convert_temperature", "shout"])
      expect(yield* McpToolset.callTool(served, "convert_temperature", { celsius: 100 })).toEqual({ fahrenheit: 212 })
      const refused = yield* Effect.flip(McpToolset.callTool(served, "shout", { text: "" }))
      expect(refused).toMatchObject({ _tag: "ModelRetry", message: "Give me something to shout" })
    }).pipe(Effect.provide(served.layer))
  })
})
