import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Predicate, Redacted } from "effect"
import { Agent } from "effect-claude"
import { AnthropicClient, AnthropicModel, ContextManagement } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { apiMessage, usage } from "./fixtures.js"

describe("#16 point 2: a compaction pause over the loopback server", () => {
  it.scopedLive("is continued like pause_turn, the summary sent back, usage summed over iterations", () =>
    Effect.gen(function* () {
      const compaction = { type: "compaction", content: "The user asked about Paris.", encrypted_content: "opaque" }
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.json(
          apiMessage(
            [compaction],
            "compaction",
            usage(1_000, 200, [{ type: "compaction", input_tokens: 150_000, output_tokens: 2_000 }])
          )
        ),
        MockAnthropicServer.json(apiMessage([{ type: "text", text: "Paris it is." }], "end_turn", usage(1_200, 10)))
      ])
      const model = AnthropicModel.layer("claude-opus-4-6", {
        anthropic: { contextManagement: [ContextManagement.compact({ pauseAfterCompaction: true })] }
      }).pipe(
        Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL })),
        Layer.provide(NodeHttpClient.layerUndici)
      )
      const result = yield* Agent.run(Agent.make({}), "Where should I go?").pipe(Effect.provide(model))
      expect(result.output).toBe("Paris it is.")
      expect(result.usage.requests).toBe(2)
      expect(result.usage.inputTokens).toBe(150_000 + 1_200)
      const requests = yield* server.requests
      expect(requests).toHaveLength(2)
      const first = Predicate.isRecord(requests[0]?.body) ? requests[0].body : {}
      expect(first.context_management).toEqual({ edits: [{ type: "compact_20260112", pause_after_compaction: true }] })
      expect(requests[0]?.headers["anthropic-beta"]).toContain("compact-2026-01-12")
      const second = Predicate.isRecord(requests[1]?.body) ? requests[1].body : {}
      const messages = Array.isArray(second.messages) ? second.messages : []
      expect(messages.at(-1)).toEqual({ role: "assistant", content: [compaction] })
    })
  )
})
