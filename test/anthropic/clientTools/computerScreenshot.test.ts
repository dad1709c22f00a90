/**
 * Computer use with screenshots: the computer tool's handler answers `screenshot` with an image,
 * which goes to Claude as an image inside the `tool_result`; other actions answer with text.
 * End to end over the loopback Anthropic server.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { Agent, ToolContent } from "effect-claude"
import { AnthropicClient, AnthropicModel, ClientTools } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"

const modelOf = (server: MockAnthropicServer.Service) =>
  AnthropicModel.layer("claude-opus-4-6").pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL })),
    Layer.provide(NodeHttpClient.layerUndici)
  )

// A real (1x1, transparent) PNG, as a screen grabber would return it.
const screenshotPng = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="),
  (char) => char.charCodeAt(0)
)

type WireBody = { messages: Array<{ content: Array<Record<string, unknown>> }>; tools?: Array<unknown> }

describe("computer use with screenshots", () => {
  it.scopedLive("a screenshot goes back as an image tool_result; a click as text", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.message([
          MockAnthropicServer.toolUseBlock("computer", { action: "screenshot" }, "toolu_shot")
        ]),
        MockAnthropicServer.message([
          MockAnthropicServer.toolUseBlock("computer", { action: "left_click", coordinate: [640, 400] }, "toolu_click")
        ]),
        MockAnthropicServer.textMessage("Clicked the Save button.")
      ])
      const actions: Array<string> = []
      const computer = ClientTools.computer({
        displayWidthPx: 1280,
        displayHeightPx: 800,
        handler: (action) => {
          actions.push(action.action)
          return action.action === "screenshot"
            ? Effect.succeed(ToolContent.make([ToolContent.image({ data: screenshotPng, mediaType: "image/png" })]))
            : Effect.succeed(`clicked at ${action.coordinate?.join(",")}`)
        }
      })
      const result = yield* Agent.run(Agent.make({ tools: [computer] }), "Save the file").pipe(
        Effect.provide(modelOf(server))
      )
      expect(result.output).toBe("Clicked the Save button.")
      expect(actions).toEqual(["screenshot", "left_click"])
      const requests = yield* server.requests
      const resultOf = (index: number) => {
        const body = requests[index]?.body as WireBody
        return body.messages.at(-1)?.content.find((block) => block.type === "tool_result")
      }
      expect(resultOf(1)).toEqual({
        type: "tool_result",
        tool_use_id: "toolu_shot",
        is_error: false,
        content: [
          {
            type: "image",
            source: {
              type: "base64",
              media_type: "image/png",
              data: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
            }
          }
        ]
      })
      expect(resultOf(2)).toEqual({
        type: "tool_result",
        tool_use_id: "toolu_click",
        is_error: false,
        content: "clicked at 640,400"
      })
      expect((requests[1]!.body as WireBody).tools).toEqual([
        { type: "computer_20251124", name: "computer", display_width_px: 1280, display_height_px: 800 }
      ])
      expect(requests[1]?.headers["anthropic-beta"]).toContain("computer-use-2025-11-24")
    })
  )
})
