import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted } from "effect"
import { Message, Model } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { callOptions, interrupterOf, interruptionOf } from "../../../src/anthropic/internal/callInterrupt.js"
import { loopback, sendJson, textMessage } from "./loopback.js"

const httpClients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["FetchHttpClient.layer", FetchHttpClient.layer]
]

const modelLayer = (baseURL: string, http: Layer.Layer<HttpClient.HttpClient>) =>
  AnthropicModel.layer("claude-sonnet-4-6").pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make("sk-ant-test"), baseURL })),
    Layer.provide(http)
  )

const ask = Effect.flatMap(Model.Model, (model) =>
  model.request([Message.ModelRequest.user("Hi")], {}, Model.textParameters)
)

describe("interrupting a call without a signal of its own (callInterrupt.ts)", () => {
  it("a bridged call's options hand the SDK the interrupter, not a signal", () => {
    const bridged = callOptions(true)
    const interruption = interruptionOf(bridged.options)
    expect("signal" in interruption).toBe(false)
    const fetchOptions = "fetchOptions" in interruption ? interruption.fetchOptions : undefined
    expect(interrupterOf(fetchOptions)).toBeDefined()
    // What the SDK does with them: spread into its request, then into `fetch`'s init.
    expect(interrupterOf({ ...fetchOptions })).toBe(interrupterOf(fetchOptions))
  })

  it("a signal is made when read, survives the SDK's spread, and is aborted by the interruption", () => {
    for (const bridged of [true, false]) {
      const call = callOptions(bridged)
      const spread = { ...call.options }
      expect(spread.signal).toBe(call.options.signal)
      expect(spread.signal.aborted).toBe(false)
      call.interrupt()
      expect(spread.signal.aborted).toBe(true)
    }
    // A client whose SDK sends through someone else's fetch gets the signal.
    expect("signal" in interruptionOf(callOptions(false).options)).toBe(true)
  })

  it("the bridge's abort attached after the interruption runs at once", () => {
    const call = callOptions(true)
    const interruption = interruptionOf(call.options)
    const interrupter = interrupterOf("fetchOptions" in interruption ? interruption.fetchOptions : undefined)
    call.interrupt()
    let aborted = false
    interrupter?.attach(() => {
      aborted = true
    })
    expect(aborted).toBe(true)
  })

  for (const [name, http] of httpClients) {
    // Fails if the bridge does not attach the interrupter: `model.request` hands the SDK no signal.
    it.scoped(`interrupting model.request aborts its request: the server sees the connection close (${name})`, () =>
      Effect.gen(function* () {
        const server = yield* loopback(() => {})
        // The model's Layer outlives the interrupted fiber (its HTTP client closing would close the
        // connection too).
        yield* Effect.gen(function* () {
          const fiber = yield* Effect.fork(ask)
          yield* server.arrived(1)
          yield* Fiber.interrupt(fiber)
          yield* server.closed(1)
        }).pipe(Effect.provide(modelLayer(server.baseURL, http)))
        expect(server.received).toHaveLength(1)
      })
    )

    it.scoped(`model.request still answers, and nothing is aborted after it (${name})`, () =>
      Effect.gen(function* () {
        const server = yield* loopback((_, response) => sendJson(response, 200, textMessage("Hello")))
        const response = yield* ask.pipe(Effect.provide(modelLayer(server.baseURL, http)))
        expect(Message.responseText(response)).toBe("Hello")
      })
    )
  }
})
