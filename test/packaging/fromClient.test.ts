/**
 * The SDK is a peer dependency: the user builds the client, and the library must still recognise
 * its errors (a 429 from the user's own `Anthropic` instance is a retryable `RateLimitError`).
 */
import Anthropic from "@anthropic-ai/sdk"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Message, Model } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"

const ask = Effect.flatMap(Model.Model, (model) =>
  model.request([Message.ModelRequest.user("Hi")], {}, Model.textParameters)
)

const userModel = (baseURL: string) =>
  AnthropicModel.layer("claude-haiku-4-5").pipe(
    // Built as a user would: the SDK's own defaults (it retries twice by itself unless told not to).
    Layer.provide(AnthropicClient.fromClient(new Anthropic({ apiKey: "sk-ant-user", baseURL })))
  )

describe("fromClient with the user's SDK instance", () => {
  it.scopedLive("maps a 429 to RateLimitError and retries it", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.apiError(429, { retryAfterMs: 5 }),
        MockAnthropicServer.textMessage("after the retry")
      ])
      const answer = yield* ask.pipe(Effect.provide(userModel(server.baseURL)))
      expect(Message.responseText(answer)).toBe("after the retry")
      expect(yield* server.requestCount).toBe(2)
    })
  )

  it.scopedLive("fails with RateLimitError once the retries are spent", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make(MockAnthropicServer.apiError(429, { retryAfterMs: 5 }))
      const error = yield* ask.pipe(Effect.provide(userModel(server.baseURL)), Effect.flip)
      expect(error._tag).toBe("RateLimitError")
      // One request and the default policy's two retries; the SDK's own retries are switched off.
      expect(yield* server.requestCount).toBe(3)
    })
  )
})
