/**
 * Shared pieces of the batches / files / models tests: the real client over loopback HTTP, and
 * waiting (in real time) for something that happens on the other side of a socket.
 */
import Anthropic from "@anthropic-ai/sdk"
import { NodeHttpClient } from "@effect/platform-node"
import { Chunk, Effect, Layer, Redacted, TestClock } from "effect"
import { AnthropicClient } from "effect-agent/anthropic"

/** The client the library builds, over Node's HTTP client, talking to `baseURL`. */
export const clientLayer = (baseURL: string, apiKey = "sk-ant-test"): Layer.Layer<AnthropicClient.AnthropicClient> =>
  AnthropicClient.layer({ apiKey: Redacted.make(apiKey), baseURL }).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** A client that claims to be on another platform (nothing is ever sent by the calls under test). */
export const cloudClientLayer = (
  platform: AnthropicClient.Platform,
  baseURL: string
): Layer.Layer<AnthropicClient.AnthropicClient> =>
  AnthropicClient.fromClient(new Anthropic({ apiKey: "sk-ant-test", baseURL, maxRetries: 0 }), { platform })

const realPause = (millis: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

/** Waits in real time (whatever the clock in context) until `check` holds; fails after 10 seconds. */
export const eventually = (check: () => boolean, what: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let waited = 0; waited < 10_000; waited += 2) {
      if (check()) return
      yield* realPause(2)
    }
    return yield* Effect.dieMessage(`Timed out waiting until ${what}`)
  })

/** Waits until some fiber sleeps on the TestClock (e.g. a poll waiting for its next turn). */
export const awaitSleeper: Effect.Effect<void> = Effect.gen(function* () {
  for (let waited = 0; waited < 10_000; waited += 2) {
    if (Chunk.size(yield* TestClock.sleeps()) > 0) return
    yield* realPause(2)
  }
  return yield* Effect.dieMessage("Timed out waiting for a sleeper on the TestClock")
})

/** Real time passing, for what happens outside the fiber (sockets, the SDK). */
export const pause = realPause
