import type Anthropic from "@anthropic-ai/sdk"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { AnthropicError, AnthropicModels } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { clientLayer, cloudClientLayer } from "./helpers.js"

const supported = { supported: true }
const unsupported = { supported: false }

const capabilities: Anthropic.ModelCapabilities = {
  batch: supported,
  citations: supported,
  code_execution: unsupported,
  context_management: {
    supported: true,
    clear_thinking_20251015: supported,
    clear_tool_uses_20250919: supported,
    compact_20260112: null
  },
  effort: { supported: true, low: supported, medium: supported, high: supported, max: unsupported, xhigh: null },
  image_input: supported,
  pdf_input: supported,
  server_tools: { supported: true, code_execution: supported, web_search: supported },
  structured_outputs: supported,
  thinking: {
    supported: true,
    types: { adaptive: supported, between_tools: unsupported, disabled: supported, enabled: supported }
  }
}

const info = (id: string, overrides: Partial<Anthropic.ModelInfo> = {}): Anthropic.ModelInfo => ({
  type: "model",
  id,
  display_name: id.toUpperCase(),
  created_at: "2025-09-29T00:00:00Z",
  capabilities: null,
  deprecated_at: null,
  lifecycle: "active",
  line: null,
  max_input_tokens: 200_000,
  max_tokens: 64_000,
  retires_at: null,
  ...overrides
})

const catalogue = [
  info("claude-new", { capabilities, line: "sonnet", max_input_tokens: 1_000_000 }),
  info("claude-b"),
  info("claude-c", {
    lifecycle: "deprecated",
    deprecated_at: "2026-01-01T00:00:00Z",
    retires_at: "2026-06-01T00:00:00Z"
  }),
  info("claude-d"),
  info("claude-e", { max_input_tokens: null, max_tokens: null })
]

describe("Models", () => {
  it.scoped("list streams every model over pages, with capabilities decoded", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([], { models: catalogue })
      const models = Chunk.toReadonlyArray(
        yield* Stream.runCollect(AnthropicModels.list({ limit: 2 })).pipe(
          Effect.provide(clientLayer(server.baseURL, server.apiKey))
        )
      )
      expect(models.map((model) => model.id)).toEqual(["claude-new", "claude-b", "claude-c", "claude-d", "claude-e"])
      expect((yield* server.requests).map((request) => request.query)).toEqual([
        { limit: "2" },
        { limit: "2", after_id: "claude-b" },
        { limit: "2", after_id: "claude-d" }
      ])
      expect(models[0]).toEqual(
        new AnthropicModels.ModelInfo({
          id: "claude-new",
          displayName: "CLAUDE-NEW",
          createdAt: new Date("2025-09-29T00:00:00Z"),
          lifecycle: "active",
          line: "sonnet",
          maxInputTokens: 1_000_000,
          maxTokens: 64_000,
          capabilities: new AnthropicModels.ModelCapabilities({
            batch: supported,
            citations: supported,
            codeExecution: unsupported,
            contextManagement: {
              supported: true,
              clear_thinking_20251015: supported,
              clear_tool_uses_20250919: supported
            },
            effort: { supported: true, low: supported, medium: supported, high: supported, max: unsupported },
            imageInput: supported,
            pdfInput: supported,
            serverTools: { supported: true, codeExecution: supported, webSearch: supported },
            structuredOutputs: supported,
            thinking: {
              supported: true,
              types: { adaptive: supported, betweenTools: unsupported, disabled: supported, enabled: supported }
            }
          })
        })
      )
      expect(models[2]).toMatchObject({
        lifecycle: "deprecated",
        deprecatedAt: new Date("2026-01-01T00:00:00Z"),
        retiresAt: new Date("2026-06-01T00:00:00Z")
      })
      expect([models[4]!.maxInputTokens, models[4]!.maxTokens, models[4]!.capabilities]).toEqual([
        undefined,
        undefined,
        undefined
      ])
      expect(
        (["batch", "thinking", "codeExecution", "effort"] as const).map((capability) =>
          AnthropicModels.supports(models[0]!, capability)
        )
      ).toEqual([true, true, false, true])
      // A model whose capabilities the API does not report supports nothing as far as we know.
      expect(AnthropicModels.supports(models[1]!, "batch")).toBe(false)
    })
  )

  it.scoped("retrieve gives one model; an unknown one is NotFoundError", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([], { models: catalogue })
      yield* Effect.gen(function* () {
        const model = yield* AnthropicModels.retrieve("claude-c")
        expect([model.id, model.displayName, model.lifecycle]).toEqual(["claude-c", "CLAUDE-C", "deprecated"])
        const missing = yield* Effect.flip(AnthropicModels.retrieve("claude-nope"))
        expect(missing).toMatchObject({ _tag: "NotFoundError", status: 404 })
      }).pipe(Effect.provide(clientLayer(server.baseURL, server.apiKey)))
      expect((yield* server.requests).map((request) => request.path)).toEqual([
        "/v1/models/claude-c",
        "/v1/models/claude-nope"
      ])
    })
  )

  it.scoped("platforms without a models endpoint fail with UnsupportedFeature and send nothing", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([])
      for (const platform of ["bedrock", "vertex", "foundry"] as const) {
        const failures = yield* Effect.all([
          Effect.flip(AnthropicModels.retrieve("claude-b")),
          Effect.flip(Stream.runDrain(AnthropicModels.list()))
        ]).pipe(Effect.provide(cloudClientLayer(platform, server.baseURL)))
        for (const failure of failures) {
          expect(failure).toEqual(
            new AnthropicError.UnsupportedFeature({
              message: `models is not available on ${platform}`,
              platform,
              feature: "models"
            })
          )
        }
      }
      expect(yield* server.requestCount).toBe(0)
    })
  )
})
