import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { load } from "../../src/mcp/internal/sdk.js"

describe("loading the MCP SDK", () => {
  it.effect("a missing package is an McpError naming it", () =>
    Effect.gen(function* () {
      // A specifier held in a variable, so TypeScript does not resolve it.
      const missing: string = "@modelcontextprotocol/sdk/not-a-module.js"
      const error = yield* Effect.flip(load("files", () => import(missing)))
      expect(error).toMatchObject({ _tag: "McpError", reason: "PackageMissing", server: "files" })
      expect(error.message).toContain("npm install @modelcontextprotocol/sdk")
    })
  )
})
