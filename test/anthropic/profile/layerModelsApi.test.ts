import type Anthropic from "@anthropic-ai/sdk"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { MockAnthropicServer } from "effect-claude/testing"
import * as AnthropicProfile from "../../../src/anthropic/AnthropicProfile.js"
import { clientLayer } from "../batches/helpers.js"

const supported = { supported: true }
const unsupported = { supported: false }

const model: Anthropic.ModelInfo = {
  type: "model",
  id: "claude-opus-4-7",
  display_name: "Claude Opus 4.7",
  created_at: "2026-04-01T00:00:00Z",
  capabilities: {
    batch: supported,
    citations: supported,
    code_execution: supported,
    context_management: {
      supported: true,
      clear_thinking_20251015: supported,
      clear_tool_uses_20250919: supported,
      compact_20260112: supported
    },
    effort: { supported: true, low: supported, medium: supported, high: supported, max: supported, xhigh: unsupported },
    image_input: supported,
    pdf_input: supported,
    server_tools: { supported: true, code_execution: supported, web_search: supported },
    structured_outputs: supported,
    thinking: {
      supported: true,
      types: { adaptive: supported, between_tools: unsupported, disabled: unsupported, enabled: unsupported }
    }
  },
  deprecated_at: null,
  lifecycle: "active",
  line: "opus",
  max_input_tokens: 900_000,
  max_tokens: 100_000,
  retires_at: null
}

describe("#16 point 1: AnthropicProfile.layerModelsApi", () => {
  it.scoped("reads a model's capabilities once, and falls back to the table where the API cannot answer", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([], { models: [model] })
      const resolved = yield* Effect.gen(function* () {
        const profiles = yield* AnthropicProfile.AnthropicProfiles
        const first = yield* profiles.resolve("claude-opus-4-7")
        const second = yield* profiles.resolve("claude-opus-4-7")
        const missing = yield* profiles.resolve("claude-opus-4-6")
        return { first, second, missing }
      }).pipe(
        Effect.provide(AnthropicProfile.layerModelsApi),
        Effect.provide(clientLayer(server.baseURL, server.apiKey))
      )
      expect(resolved.first).toBe(resolved.second)
      expect(resolved.first).toMatchObject({
        source: "models-api",
        effortLevels: ["low", "medium", "high", "max"],
        budgetThinking: false,
        disableThinking: false,
        contextWindow: 900_000,
        maxOutputTokens: 100_000
      })
      expect(resolved.missing).toEqual(AnthropicProfile.forModel("claude-opus-4-6"))
      expect((yield* server.requests).map((request) => request.path)).toEqual([
        "/v1/models/claude-opus-4-7",
        "/v1/models/claude-opus-4-6"
      ])
    })
  )
})
