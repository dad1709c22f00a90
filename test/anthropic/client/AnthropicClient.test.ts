import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigError, ConfigProvider, Context, Effect, Fiber, Layer, Redacted, Stream } from "effect"
import { AnthropicClient } from "effect-claude/anthropic"
import { loopback, messageParams, sendJson, sse, sseHead, textEvents, textMessage } from "./loopback.js"

const client = AnthropicClient.AnthropicClient

const withConfig = (entries: ReadonlyArray<readonly [string, string]>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(entries)))

describe("AnthropicClient.layerConfig", () => {
  it.effect("a missing ANTHROPIC_API_KEY is a ConfigError when the Layer is built", () =>
    Effect.gen(function* () {
      const error = yield* Layer.build(
        AnthropicClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
      ).pipe(Effect.scoped, Effect.flip, withConfig([]))
      expect(ConfigError.isConfigError(error)).toBe(true)
      expect(error._op).toBe("MissingData")
      expect(String(error)).toContain("ANTHROPIC_API_KEY")
    })
  )

  it.scoped("reads the key (redacted) and the base URL from Config", () =>
    Effect.gen(function* () {
      const server = yield* loopback((_, response) => sendJson(response, 200, textMessage("configured")))
      const message = yield* Effect.flatMap(client, (c) =>
        c.call((sdk, options) => sdk.messages.create(messageParams, options))
      ).pipe(
        Effect.provide(
          AnthropicClient.layerConfig({ defaultHeaders: { "x-team": "agents" }, timeout: "5 seconds" }).pipe(
            Layer.provide(NodeHttpClient.layerUndici)
          )
        ),
        withConfig([
          ["ANTHROPIC_API_KEY", "sk-ant-from-config"],
          ["ANTHROPIC_BASE_URL", server.baseURL]
        ])
      )
      expect(message.content).toEqual([{ type: "text", text: "configured" }])
      expect(server.received[0]?.headers).toMatchObject({
        authorization: "Bearer sk-ant-from-config",
        "x-team": "agents",
        "x-stainless-timeout": "5"
      })
    })
  )
})

describe("AnthropicClient.layer", () => {
  it.effect(
    "the SDK's own OpenTelemetry span is off unless sdkSpans asks for it; its header propagation stays on",
    () =>
      Effect.gen(function* () {
        const build = (sdkSpans: boolean | undefined) =>
          Effect.map(
            AnthropicClient.make({ apiKey: Redacted.make("sk-ant-test"), sdkSpans }),
            (service) => service.sdk.openTelemetry
          ).pipe(Effect.provide(NodeHttpClient.layerUndici))
        const byDefault = yield* build(undefined)
        expect(byDefault.traces.enabled).toBe(false)
        expect(byDefault.propagation).toBe(true)
        expect((yield* build(true)).traces.enabled).toBe(true)
      })
  )

  it.scoped("an OAuth token instead of an API key; sdk is built with maxRetries 0", () =>
    Effect.gen(function* () {
      const server = yield* loopback((_, response) =>
        sendJson(response, 500, { type: "error", error: { type: "api_error", message: "x" } })
      )
      const [error, service] = yield* Effect.zip(
        Effect.flip(
          Effect.flatMap(client, (c) => c.call((sdk, options) => sdk.messages.create(messageParams, options)))
        ),
        client
      ).pipe(
        Effect.provide(
          AnthropicClient.layer({ authToken: Redacted.make("oauth-token"), baseURL: server.baseURL }).pipe(
            Layer.provide(NodeHttpClient.layerUndici)
          )
        )
      )
      expect(error._tag).toBe("InternalServerError")
      expect(service.sdk.maxRetries).toBe(0)
      expect(service.platform).toBe("anthropic")
      expect(server.received).toHaveLength(1)
      expect(server.received[0]?.headers.authorization).toBe("Bearer oauth-token")
    })
  )

  it.scopedLive("no unhandled rejection escapes interrupted calls and streams", () =>
    Effect.gen(function* () {
      const rejections: Array<unknown> = []
      const onRejection = (reason: unknown) => rejections.push(reason)
      process.on("unhandledRejection", onRejection)
      yield* Effect.addFinalizer(() => Effect.sync(() => process.off("unhandledRejection", onRejection)))
      const events = textEvents(["a", "b"])
      const server = yield* loopback((request, response) => {
        if (request.body.toString().includes('"stream":true')) {
          sseHead(response)
          response.write(sse(events.slice(0, 3)))
        }
      })
      const layer = AnthropicClient.layer({ apiKey: Redacted.make("k"), baseURL: server.baseURL }).pipe(
        Layer.provide(NodeHttpClient.layerUndici)
      )
      const c = Context.get(yield* Layer.build(layer), client)
      for (let round = 0; round < 5; round++) {
        const call = yield* Effect.fork(c.call((sdk, options) => sdk.messages.create(messageParams, options)))
        const stream = yield* Effect.fork(
          Stream.runDrain(c.stream((sdk, options) => sdk.messages.create({ ...messageParams, stream: true }, options)))
        )
        const early = yield* Effect.fork(
          Stream.runDrain(
            c
              .stream((sdk, options) => sdk.messages.create({ ...messageParams, stream: true }, options))
              .pipe(Stream.take(1))
          )
        )
        yield* Effect.sleep("20 millis")
        yield* Fiber.interrupt(call)
        yield* Fiber.interrupt(stream)
        yield* Fiber.join(early)
      }
      yield* Effect.sleep("100 millis")
      expect(rejections).toEqual([])
    })
  )
})

describe("AnthropicClient.stream", () => {
  it.effect("a call that gives no async iterable fails with a typed error, not a defect", () =>
    Effect.gen(function* () {
      const c = yield* client
      const error = yield* Stream.runDrain(c.stream(async () => ({}) as AsyncIterable<unknown>)).pipe(Effect.flip)
      expect(error._tag).toBe("AnthropicSdkError")
    }).pipe(
      Effect.provide(
        AnthropicClient.layer({ apiKey: Redacted.make("k"), baseURL: "http://127.0.0.1:9" }).pipe(
          Layer.provide(NodeHttpClient.layerUndici)
        )
      )
    )
  )

  it.effect("reads a bounded number of events ahead of a slow consumer, and stops when it ends", () =>
    Effect.gen(function* () {
      const c = yield* client
      let produced = 0
      let cleanedUp = false
      async function* events() {
        try {
          for (let i = 0; i < 100_000; i++) {
            produced++
            yield i
          }
        } finally {
          cleanedUp = true
        }
      }
      const first = yield* Stream.runHead(Stream.chunks(c.stream(async () => events())))
      const size = first._tag === "Some" ? first.value.length : 0
      expect(size).toBeGreaterThan(0)
      expect(size).toBeLessThanOrEqual(1024)
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      expect(produced).toBeLessThanOrEqual(2 * 1024 + 1)
      expect(cleanedUp).toBe(true)
    }).pipe(
      Effect.provide(
        AnthropicClient.layer({ apiKey: Redacted.make("k"), baseURL: "http://127.0.0.1:9" }).pipe(
          Layer.provide(NodeHttpClient.layerUndici)
        )
      )
    )
  )

  it.effect("an iterator that fails midway delivers what came before, then the error", () =>
    Effect.gen(function* () {
      const c = yield* client
      async function* events() {
        yield 1
        yield 2
        throw new SyntaxError("Unexpected end of JSON input")
      }
      const collected: Array<number> = []
      const error = yield* Stream.runForEach(
        c.stream(async () => events()),
        (n) => Effect.sync(() => collected.push(n))
      ).pipe(Effect.flip)
      expect(collected).toEqual([1, 2])
      expect(error).toMatchObject({ _tag: "AnthropicSdkError", errorClass: "SyntaxError" })
    }).pipe(
      Effect.provide(
        AnthropicClient.layer({ apiKey: Redacted.make("k"), baseURL: "http://127.0.0.1:9" }).pipe(
          Layer.provide(NodeHttpClient.layerUndici)
        )
      )
    )
  )
})
