import { describe, expect, it } from "@effect/vitest"
import { countableTools, isServerTool } from "../../../src/anthropic/internal/countTokensBody.js"
import * as ServerTools from "../../../src/anthropic/ServerTools.js"

describe("#16 point 4: ServerTools, tool search, advisor and per-tool options", () => {
  it("tool search in both variants, with deferred loading options", () => {
    expect(ServerTools.toDefinition(ServerTools.toolSearch({ variant: "bm25" }))).toEqual({
      tool: { type: "tool_search_tool_bm25_20251119", name: "tool_search_tool_bm25" },
      beta: undefined,
      cacheControl: undefined
    })
    expect(ServerTools.toDefinition(ServerTools.toolSearch({ variant: "regex", cacheControl: "5m" }))).toEqual({
      tool: { type: "tool_search_tool_regex_20251119", name: "tool_search_tool_regex" },
      beta: undefined,
      cacheControl: "5m"
    })
  })

  it("advisor with model, limits, caching and its beta", () => {
    expect(
      ServerTools.toDefinition(
        ServerTools.advisor({ model: "claude-opus-4-7", maxUses: 2, maxTokens: 2_000, caching: "1h" })
      )
    ).toEqual({
      tool: {
        type: "advisor_20260301",
        name: "advisor",
        model: "claude-opus-4-7",
        max_uses: 2,
        max_tokens: 2_000,
        caching: { type: "ephemeral", ttl: "1h" }
      },
      beta: "advisor-tool-2026-03-01",
      cacheControl: undefined
    })
  })

  it("per-tool options: eager input streaming, defer_loading, allowed_callers, input_examples, cache_control", () => {
    const tools: Array<Record<string, unknown>> = [
      { name: "lookup_order", input_schema: { type: "object" } },
      { name: "other", input_schema: { type: "object" } }
    ]
    const unknown = ServerTools.applyToolOptions(tools, {
      lookup_order: {
        eagerInputStreaming: true,
        deferLoading: true,
        allowedCallers: ["code_execution_20260120"],
        inputExamples: [{ id: "A1" }],
        cacheControl: true
      },
      missing: { deferLoading: true }
    })
    expect(unknown).toEqual(["missing"])
    expect(tools).toEqual([
      {
        name: "lookup_order",
        input_schema: { type: "object" },
        defer_loading: true,
        allowed_callers: ["code_execution_20260120"],
        input_examples: [{ id: "A1" }],
        eager_input_streaming: true,
        cache_control: { type: "ephemeral", ttl: "5m" }
      },
      { name: "other", input_schema: { type: "object" } }
    ])
  })
})

describe("#16 point 6: token counting leaves out what the endpoint rejects", () => {
  it("server tools are recognized by type; function and client tools stay", () => {
    const tools = [
      { name: "get_weather", input_schema: { type: "object" } },
      { type: "web_search_20260209", name: "web_search" },
      { type: "code_execution_20260120", name: "code_execution" },
      { type: "memory_20250818", name: "memory" },
      { type: "advisor_20260301", name: "advisor", model: "claude-opus-4-7" },
      { type: "tool_search_tool_bm25_20251119", name: "tool_search_tool_bm25" },
      { type: "mcp_toolset", mcp_server_name: "x" }
    ]
    expect(countableTools(tools).map((tool) => tool.name)).toEqual(["get_weather", "memory"])
    expect(isServerTool(null)).toBe(false)
  })
})
