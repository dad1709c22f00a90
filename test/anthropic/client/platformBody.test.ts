import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Predicate, Redacted } from "effect"
import { AnthropicClient } from "effect-claude/anthropic"
import { platformChunks, platformSource, readWhole } from "../../../src/anthropic/internal/platformBody.js"
import { loopback, messageParams, textMessage } from "./loopback.js"

/** A full garbage collection, run by the test itself (vitest's workers start without `--expose-gc`). */
const collectGarbage = (): (() => void) => {
  setFlagsFromString("--expose-gc")
  const gc: unknown = runInNewContext("gc")
  if (typeof gc !== "function") throw new Error("no gc")
  return () => gc()
}

const httpClients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["FetchHttpClient.layer", FetchHttpClient.layer]
]

describe("reading a platform client's body directly (platformBody.ts)", () => {
  for (const [name, http] of httpClients) {
    // If a version of @effect/platform moves the fields the fast path reads, this fails: the
    // bridge would still work (through `arrayBuffer`), only slower.
    it.scoped(`finds the transport's response under ${name}'s and reads it whole`, () =>
      Effect.gen(function* () {
        const server = yield* loopback((_, response) => {
          response.writeHead(200, { "content-type": "application/json" })
          response.write('{"a":')
          setTimeout(() => response.end("1}"), 20)
        })
        const client = yield* HttpClient.HttpClient
        const response = yield* client.execute(HttpClientRequest.get(`${server.baseURL}/x`))
        expect(platformSource(response)).toBeDefined()
        const buffer = yield* readWhole(response)
        expect(new TextDecoder().decode(buffer)).toBe('{"a":1}')
      }).pipe(Effect.provide(http))
    )

    // The platform aborts the request of any response it sees collected while it still watches it:
    // an exception object and an abort event per request, at garbage-collection time.
    it.scopedLive(`a body read whole leaves nothing to abort once its response is collected (${name})`, () =>
      Effect.gen(function* () {
        const server = yield* loopback((_, response) => {
          response.writeHead(200, { "content-type": "application/json" })
          response.end('{"a":1}')
        })
        const client = yield* HttpClient.HttpClient
        const signals: Array<AbortSignal> = []
        for (let i = 0; i < 20; i++) {
          const response = yield* client.execute(HttpClientRequest.get(`${server.baseURL}/x`))
          const controller = Predicate.hasProperty(response, "controller") ? response.controller : undefined
          if (controller instanceof AbortController) signals.push(controller.signal)
          yield* readWhole(response)
        }
        expect(signals).toHaveLength(20)
        const gc = collectGarbage()
        for (let i = 0; i < 5; i++) {
          gc()
          yield* Effect.sleep("10 millis")
        }
        expect(signals.filter((signal) => signal.aborted)).toHaveLength(0)
      }).pipe(Effect.provide(http))
    )

    it.scopedLive(`interrupted while the body arrives, it aborts the request (${name})`, () =>
      Effect.gen(function* () {
        const server = yield* loopback((_, response) => {
          response.writeHead(200, { "content-type": "application/json" })
          response.write('{"a":')
        })
        const client = yield* HttpClient.HttpClient
        const response = yield* client.execute(HttpClientRequest.get(`${server.baseURL}/x`))
        const reading = yield* Effect.fork(readWhole(response))
        yield* Effect.sleep("20 millis")
        yield* Fiber.interrupt(reading)
        yield* server.closed(1)
      }).pipe(Effect.provide(http))
    )
    it.scopedLive(`reads a streamed body chunk by chunk from the transport, and aborts it (${name})`, () =>
      Effect.gen(function* () {
        const server = yield* loopback((_, response) => {
          response.writeHead(200, { "content-type": "text/event-stream" })
          response.write("event: a\n\n", () => setTimeout(() => response.write("event: b\n\n"), 20))
          // Then nothing more: only an abort ends this response.
        })
        const client = yield* HttpClient.HttpClient
        const response = yield* client.execute(HttpClientRequest.get(`${server.baseURL}/x`))
        const reader = platformChunks(response)
        expect(reader).toBeDefined()
        const text: Array<string> = []
        while (text.join("").length < "event: a\n\nevent: b\n\n".length) {
          const chunk = yield* Effect.promise(() => reader!.read())
          if (chunk === undefined) break
          text.push(new TextDecoder().decode(chunk))
        }
        expect(text.join("")).toBe("event: a\n\nevent: b\n\n")
        reader!.abort()
        yield* server.closed(1)
      }).pipe(Effect.provide(http))
    )
  }

  // Over NodeHttpClient the connection stays open after such an abort (with or without this fast
  // path): undici keeps the socket; the SDK call itself still fails at once.
  it.scopedLive("an abort from the SDK while a JSON body arrives aborts the request (FetchHttpClient)", () =>
    Effect.gen(function* () {
      const server = yield* loopback((_, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.write('{"id":')
      })
      const { sdk } = yield* Effect.provide(
        AnthropicClient.AnthropicClient,
        AnthropicClient.layer({ apiKey: Redacted.make("sk-ant-test"), baseURL: server.baseURL }).pipe(
          Layer.provide(FetchHttpClient.layer)
        )
      )
      const controller = new AbortController()
      const call = Effect.either(
        Effect.tryPromise(() => sdk.messages.create(messageParams, { signal: controller.signal }))
      )
      const fiber = yield* Effect.fork(call)
      yield* server.arrived(1)
      yield* Effect.sleep("20 millis")
      controller.abort()
      yield* server.closed(1)
      const result = yield* Fiber.join(fiber)
      expect(result._tag).toBe("Left")
    })
  )

  it.effect("any other HttpClient's response is read through its public arrayBuffer", () =>
    Effect.gen(function* () {
      const response = HttpClientResponse.fromWeb(
        HttpClientRequest.get("http://127.0.0.1:1/x"),
        new Response(JSON.stringify(textMessage("hi")), { headers: { "content-type": "application/json" } })
      )
      expect(platformSource(response)).toBeUndefined()
      expect(platformChunks(response)).toBeUndefined()
      const buffer = yield* readWhole(response)
      expect(JSON.parse(new TextDecoder().decode(buffer))).toEqual(textMessage("hi"))
    })
  )
})
