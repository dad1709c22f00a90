import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted } from "effect"
import { Message, Model } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { Interrupter, interrupterOf, interruptionBy } from "../../../src/anthropic/internal/callInterrupt.js"
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
  it("the interrupter rides to fetch's init through the SDK's spreads of its options", () => {
    const interrupter = new Interrupter()
    const interruption = interruptionBy(interrupter)
    expect("signal" in interruption).toBe(false)
    const fetchOptions = "fetchOptions" in interruption ? interruption.fetchOptions : undefined
    expect(interrupterOf(fetchOptions)).toBe(interrupter)
    // What the SDK does with them: spread into its request, then into `fetch`'s init.
    expect(interrupterOf({ method: "POST", ...{ ...fetchOptions } })).toBe(interrupter)
    expect(interrupterOf({ method: "POST" })).toBeUndefined()
  })

  it("the bridge's abort runs when the call is interrupted, at once if that was before the bridge started", () => {
    const aborted: Array<string> = []
    const running = new Interrupter()
    running.attach(() => aborted.push("running"))
    running.interrupt()
    const late = new Interrupter()
    late.interrupt()
    late.attach(() => aborted.push("late"))
    const done = new Interrupter()
    done.attach(() => aborted.push("done"))
    done.detach()
    done.interrupt()
    expect(aborted).toEqual(["running", "late"])
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
