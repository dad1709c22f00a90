/**
 * Shared pieces of the batches / files / models tests: the real client over loopback HTTP against
 * MockAnthropicServer, and waiting (in real time) for something that happens on the other side of
 * a socket.
 */
import Anthropic from "@anthropic-ai/sdk"
import { NodeHttpClient } from "@effect/platform-node"
import { Chunk, Effect, Layer, Redacted, type Scope, TestClock } from "effect"
import { AnthropicClient } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"

/** The client the library builds, over Node's HTTP client, talking to `baseURL`. */
export const clientLayer = (baseURL: string, apiKey = "sk-ant-test"): Layer.Layer<AnthropicClient.AnthropicClient> =>
  AnthropicClient.layer({ apiKey: Redacted.make(apiKey), baseURL }).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** A client that claims to be on another platform (nothing is ever sent by the calls under test). */
export const cloudClientLayer = (
  platform: AnthropicClient.Platform,
  baseURL: string
): Layer.Layer<AnthropicClient.AnthropicClient> =>
  AnthropicClient.fromClient(new Anthropic({ apiKey: "sk-ant-test", baseURL, maxRetries: 0 }), { platform })

/** Runs `f` against a fresh MockAnthropicServer with these routes, the library's client pointed at it. */
export const withServer = <A, E>(
  routes: MockAnthropicServer.Routes,
  f: (server: MockAnthropicServer.Service) => Effect.Effect<A, E, AnthropicClient.AnthropicClient>
): Effect.Effect<A, E | MockAnthropicServer.MockServerError, Scope.Scope> =>
  Effect.gen(function* () {
    const server = yield* MockAnthropicServer.make(routes)
    return yield* f(server).pipe(Effect.provide(clientLayer(server.baseURL, server.apiKey)))
  })

const realPause = (millis: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

/** Waits in real time (whatever the clock in context) until `check` holds; fails after 10 seconds. */
export const eventually = (check: Effect.Effect<boolean>, what: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let waited = 0; waited < 10_000; waited += 2) {
      if (yield* check) return
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
