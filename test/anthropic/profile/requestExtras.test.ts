import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as AnthropicProfile from "../../../src/anthropic/AnthropicProfile.js"
import * as ClientTools from "../../../src/anthropic/ClientTools.js"
import * as ContextManagement from "../../../src/anthropic/ContextManagement.js"
import { applyExtras, type Extras, type MutableBody } from "../../../src/anthropic/internal/requestExtras.js"
import * as ServerTools from "../../../src/anthropic/ServerTools.js"

const apply = (modelId: string, body: MutableBody, extras: Extras, clientTools = new Map()) => {
  const betas = new Set<string>()
  const result = applyExtras(body, betas, { extras, profile: AnthropicProfile.forModel(modelId), clientTools })
  return { result, body, betas: [...betas] }
}

const builtins = () => [
  { type: "web_search_20250305", name: "web_search" },
  { type: "web_fetch_20250910", name: "web_fetch" },
  { type: "code_execution_20260120", name: "code_execution" }
]

describe("#16 points 1-4: request extras per profile and setting", () => {
  it("server-tool versions come from the profile, or from explicit versions", () => {
    expect(apply("claude-opus-4-6", { tools: builtins() }, {}).body.tools).toEqual([
      { type: "web_search_20260209", name: "web_search" },
      { type: "web_fetch_20260209", name: "web_fetch" },
      { type: "code_execution_20260120", name: "code_execution" }
    ])
    expect(apply("claude-haiku-4-5", { tools: builtins() }, {}).body.tools).toEqual([
      { type: "web_search_20250305", name: "web_search" },
      { type: "web_fetch_20250910", name: "web_fetch" },
      { type: "code_execution_20250825", name: "code_execution" }
    ])
    expect(
      apply("claude-opus-4-6", { tools: builtins() }, { serverToolVersions: { webSearch: "web_search_20260318" } }).body
        .tools?.[0]
    ).toEqual({ type: "web_search_20260318", name: "web_search" })
  })

  it("a client tool is sent as its Anthropic definition with its beta, beside function tools", () => {
    const memory = ClientTools.memory({ cacheControl: true })
    const { body, betas } = apply(
      "claude-sonnet-4-5",
      {
        tools: [
          { name: "get_weather", input_schema: { type: "object" } },
          { name: "memory", input_schema: { type: "object" } }
        ]
      },
      {},
      new Map([["memory", memory.anthropic]])
    )
    expect(body.tools).toEqual([
      { name: "get_weather", input_schema: { type: "object" } },
      { type: "memory_20250818", name: "memory", cache_control: { type: "ephemeral", ttl: "5m" } }
    ])
    expect(betas).toEqual(["context-management-2025-06-27"])
  })

  it("server tools are added and per-tool options applied; an unknown tool name is a UserError", () => {
    const { body, betas } = apply(
      "claude-opus-4-7",
      { tools: [{ name: "lookup", input_schema: { type: "object" } }] },
      {
        serverTools: [ServerTools.toolSearch({ variant: "regex" }), ServerTools.advisor({ model: "claude-opus-4-8" })],
        toolOptions: { lookup: { deferLoading: true, eagerInputStreaming: true } }
      }
    )
    expect(body.tools).toEqual([
      { name: "lookup", input_schema: { type: "object" }, defer_loading: true, eager_input_streaming: true },
      { type: "tool_search_tool_regex_20251119", name: "tool_search_tool_regex" },
      { type: "advisor_20260301", name: "advisor", model: "claude-opus-4-8" }
    ])
    expect(betas).toEqual(["advisor-tool-2026-03-01"])
    const { result } = apply("claude-opus-4-7", { tools: [] }, { toolOptions: { nope: { deferLoading: true } } })
    expect(Either.isLeft(result) && result.left.message).toBe(
      "anthropic.toolOptions names tools the request does not have: nope"
    )
  })

  it("context management never replaces the tools; compaction is checked against the profile", () => {
    const tools = [{ name: "get_weather", input_schema: { type: "object" } }]
    const { body, betas } = apply(
      "claude-opus-4-6",
      { tools: [...tools] },
      {
        contextManagement: [
          ContextManagement.clearToolUses({ keep: { toolUses: 2 } }),
          ContextManagement.compact({ pauseAfterCompaction: true })
        ]
      }
    )
    expect(body).toEqual({
      tools,
      context_management: {
        edits: [
          { type: "clear_tool_uses_20250919", keep: { type: "tool_uses", value: 2 } },
          { type: "compact_20260112", pause_after_compaction: true }
        ]
      }
    })
    expect(betas).toEqual(["context-management-2025-06-27", "compact-2026-01-12"])
    const { result } = apply("claude-haiku-4-5", {}, { contextManagement: [ContextManagement.compact()] })
    expect(Either.isLeft(result) && result.left.message).toBe(
      "Model claude-haiku-4-5 does not accept compaction (ContextManagement.compact)"
    )
  })

  it("thinking display and the task budget", () => {
    const { body, betas } = apply(
      "claude-opus-4-7",
      { thinking: { type: "adaptive" }, output_config: { effort: "xhigh" } },
      { thinkingDisplay: "summarized", taskBudget: { total: 400_000, remaining: 90_000 } }
    )
    expect(body).toEqual({
      thinking: { type: "adaptive", display: "summarized" },
      output_config: { effort: "xhigh", task_budget: { type: "tokens", total: 400_000, remaining: 90_000 } }
    })
    expect(betas).toEqual(["task-budgets-2026-03-13"])
    const { result } = apply("claude-sonnet-4-5", {}, { taskBudget: { total: 1 } })
    expect(Either.isLeft(result) && result.left.message).toBe(
      "Model claude-sonnet-4-5 does not accept a task budget (anthropic.taskBudget)"
    )
    expect(apply("claude-opus-4-7", { thinking: { type: "disabled" } }, { thinkingDisplay: "omitted" }).body).toEqual({
      thinking: { type: "disabled" }
    })
  })
})
