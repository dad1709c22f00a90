import { describe, expect, it } from "@effect/vitest"
import * as ContextManagement from "../../../src/anthropic/ContextManagement.js"

describe("#16 point 2: ContextManagement, typed edits on the wire", () => {
  it("clear tool uses with every option", () => {
    const edit = ContextManagement.clearToolUses({
      trigger: { inputTokens: 100_000 },
      keep: { toolUses: 3 },
      clearAtLeast: { inputTokens: 5_000 },
      clearToolInputs: ["search"],
      excludeTools: ["memory"]
    })
    expect(ContextManagement.toWire([edit])).toEqual({
      contextManagement: {
        edits: [
          {
            type: "clear_tool_uses_20250919",
            trigger: { type: "input_tokens", value: 100_000 },
            keep: { type: "tool_uses", value: 3 },
            clear_at_least: { type: "input_tokens", value: 5_000 },
            clear_tool_inputs: ["search"],
            exclude_tools: ["memory"]
          }
        ]
      },
      betas: ["context-management-2025-06-27"]
    })
    expect(
      ContextManagement.toWire([ContextManagement.clearToolUses({ trigger: { toolUses: 10 }, clearToolInputs: true })])
        .contextManagement
    ).toEqual({
      edits: [{ type: "clear_tool_uses_20250919", trigger: { type: "tool_uses", value: 10 }, clear_tool_inputs: true }]
    })
  })

  it("clear thinking: a number of turns or all", () => {
    expect(
      ContextManagement.toWire([
        ContextManagement.clearThinking({ keep: { thinkingTurns: 2 } }),
        ContextManagement.clearThinking({ keep: "all" }),
        ContextManagement.clearThinking()
      ]).contextManagement.edits
    ).toEqual([
      { type: "clear_thinking_20251015", keep: { type: "thinking_turns", value: 2 } },
      { type: "clear_thinking_20251015", keep: "all" },
      { type: "clear_thinking_20251015" }
    ])
  })

  it("compaction with trigger, instructions and pause, and its own beta", () => {
    const edits = [
      ContextManagement.clearThinking({ keep: "all" }),
      ContextManagement.compact({
        trigger: { inputTokens: 150_000 },
        instructions: "Keep the user's preferences.",
        pauseAfterCompaction: true
      })
    ]
    expect(ContextManagement.toWire(edits)).toEqual({
      contextManagement: {
        edits: [
          { type: "clear_thinking_20251015", keep: "all" },
          {
            type: "compact_20260112",
            trigger: { type: "input_tokens", value: 150_000 },
            instructions: "Keep the user's preferences.",
            pause_after_compaction: true
          }
        ]
      },
      betas: ["context-management-2025-06-27", "compact-2026-01-12"]
    })
    expect(ContextManagement.pausesAfterCompaction(edits)).toBe(true)
    expect(ContextManagement.pausesAfterCompaction([ContextManagement.compact()])).toBe(false)
  })
})
