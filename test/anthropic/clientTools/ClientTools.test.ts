import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as ClientTools from "../../../src/anthropic/ClientTools.js"

describe("#16 point 3: ClientTools, Anthropic definitions beside the agent's tools", () => {
  it("memory: memory_20250818 with the context-management beta and the common options", () => {
    const tool = ClientTools.memory({
      deferLoading: true,
      allowedCallers: ["direct", "code_execution_20260120"],
      inputExamples: [{ command: "view", path: "/memories" }],
      cacheControl: "1h"
    })
    expect(tool.name).toBe("memory")
    expect(ClientTools.isClientTool(tool)).toBe(true)
    expect(tool.anthropic).toEqual({
      tool: {
        type: "memory_20250818",
        name: "memory",
        defer_loading: true,
        allowed_callers: ["direct", "code_execution_20260120"],
        input_examples: [{ command: "view", path: "/memories" }]
      },
      beta: "context-management-2025-06-27",
      cacheControl: "1h"
    })
    expect(tool.sequential).toBe(true)
  })

  it("text editor, bash and computer carry the handler the user supplies", () => {
    const editor = ClientTools.textEditor({ handler: () => Effect.succeed("ok"), maxCharacters: 10_000 })
    expect(editor.anthropic.tool).toEqual({
      type: "text_editor_20250728",
      name: "str_replace_based_edit_tool",
      max_characters: 10_000
    })
    const shell = ClientTools.bash({ handler: (command) => Effect.succeed(command.command ?? "") })
    expect(shell.anthropic).toEqual({
      tool: { type: "bash_20250124", name: "bash" },
      beta: undefined,
      cacheControl: undefined
    })
    const screen = ClientTools.computer({
      displayWidthPx: 1280,
      displayHeightPx: 800,
      enableZoom: true,
      handler: () => Effect.succeed("done")
    })
    expect(screen.anthropic).toEqual({
      tool: {
        type: "computer_20251124",
        name: "computer",
        display_width_px: 1280,
        display_height_px: 800,
        enable_zoom: true
      },
      beta: "computer-use-2025-11-24",
      cacheControl: undefined
    })
  })
})
