/**
 * MCP sampling at the type level: a server's Layer needs a `Model` only when `sampling` is on, and
 * `sampling` takes `true` or options, never a boolean that might be either.
 */
import type { Layer } from "effect"
import type { Model } from "effect-claude"
import { type McpError, McpToolset } from "effect-claude/mcp"
import { describe, expectTypeOf, it } from "vitest"

describe("MCP sampling (types)", () => {
  it("without sampling the Layer needs nothing", () => {
    const plain = McpToolset.stdio("plain", { command: "node" })
    const off = McpToolset.streamableHttp("off", { url: "http://127.0.0.1/mcp", sampling: false })
    expectTypeOf(plain.layer).toEqualTypeOf<Layer.Layer<McpToolset.Connection<"plain">, McpError.McpError, never>>()
    expectTypeOf<Layer.Layer.Context<typeof off.layer>>().toEqualTypeOf<never>()
  })

  it("with sampling the Layer needs the Model that answers", () => {
    const sampling = McpToolset.stdio("sampler", { command: "node", sampling: true })
    const capped = McpToolset.streamableHttp("capped", { url: "http://127.0.0.1/mcp", sampling: { maxTokens: 100 } })
    expectTypeOf<Layer.Layer.Context<typeof sampling.layer>>().toEqualTypeOf<Model.Model>()
    expectTypeOf<Layer.Layer.Context<typeof capped.layer>>().toEqualTypeOf<Model.Model>()
  })

  it("a boolean that may be either is refused", () => {
    const maybe: boolean = Math.random() > 0.5
    // @ts-expect-error: the requirement would depend on a value; pass `true` or leave it out
    McpToolset.stdio("maybe", { command: "node", sampling: maybe })
  })
})
