import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { AnthropicModels } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { clientLayer } from "../batches/helpers.js"

describe("#16 point 6: MockAnthropicServer replaying a transcript serves every endpoint it recorded", () => {
  it.scoped("a recorded models request is answered, not a 404", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({
        _tag: "Transcript",
        name: "models",
        interactions: [
          {
            request: { method: "GET", path: "/v1/models/claude-opus-4-7" },
            response: {
              status: 200,
              contentType: "application/json",
              headers: {},
              body: {
                type: "model",
                id: "claude-opus-4-7",
                display_name: "Claude Opus 4.7",
                created_at: "2026-04-01T00:00:00Z"
              }
            }
          }
        ]
      })
      const model = yield* AnthropicModels.retrieve("claude-opus-4-7").pipe(
        Effect.provide(clientLayer(server.baseURL, server.apiKey))
      )
      expect(model.displayName).toBe("Claude Opus 4.7")
    })
  )
})
