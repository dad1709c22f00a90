import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, TestClock } from "effect"
import { Agent } from "effect-claude"
import { MockAnthropicServer } from "effect-claude/testing"

// Waits in real time (the HTTP exchange is real I/O) until the run sleeps on the TestClock.
const untilSleeping = Effect.gen(function* () {
  while (Chunk.isEmpty(yield* TestClock.sleeps())) {
    yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
  }
})

describe("MockAnthropicServer.layerModel", () => {
  it.effect("wires the server to a Model: a 429 is retried after its retry-after, on the TestClock", () =>
    Effect.gen(function* () {
      const agent = Agent.make({ instructions: "Be brief." })
      const fiber = yield* Effect.fork(Agent.run(agent, "Hi"))
      yield* untilSleeping
      yield* TestClock.adjust("30 seconds")
      const result = yield* Fiber.join(fiber)
      expect(result.output).toBe("Hello!")
      const server = yield* MockAnthropicServer.MockAnthropicServer
      expect(yield* server.requestCount).toBe(2)
    }).pipe(
      Effect.provide(
        MockAnthropicServer.layerModel([
          MockAnthropicServer.apiError(429, { retryAfter: 30 }),
          MockAnthropicServer.textMessage("Hello!")
        ])
      )
    )
  )
})
