import { toFile } from "@anthropic-ai/sdk"
import { FetchHttpClient, HttpClient, type HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Redacted, Stream } from "effect"
import { AnthropicClient } from "effect-claude/anthropic"
import { Interrupter, interruptionBy } from "../../../src/anthropic/internal/callInterrupt.js"
import { bridgedFetch, callInterruptible } from "../../../src/anthropic/internal/clientService.js"
import { loopback, messageParams, sendJson, sse, sseHead, textEvents, textMessage } from "./loopback.js"

const apiKey = "sk-ant-bridge-test"

const httpClients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["FetchHttpClient.layer", FetchHttpClient.layer]
]

/** A client of the platform's own wrapped once more: its responses hide the transport's body. */
const wrappedClient: Layer.Layer<HttpClient.HttpClient> = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, (inner) => HttpClient.make((request) => inner.execute(request)))
).pipe(Layer.provide(NodeHttpClient.layerUndici))

const streamingClients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ...httpClients,
  ["another HttpClient", wrappedClient]
]

const clientLayer = (baseURL: string, http: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerUndici) =>
  AnthropicClient.layer({ apiKey: Redacted.make(apiKey), baseURL }).pipe(Layer.provide(http))

const client = AnthropicClient.AnthropicClient

describe("the fetch bridge", () => {
  for (const [name, http] of httpClients) {
    it.scoped(`sends the SDK's request and parses its JSON answer (${name})`, () =>
      Effect.gen(function* () {
        const server = yield* loopback((_, response) =>
          sendJson(response, 200, textMessage("Hello"), { "request-id": "req_1" })
        )
        const message = yield* Effect.flatMap(client, (c) =>
          c.call((sdk, options) => sdk.messages.create(messageParams, options))
        ).pipe(Effect.provide(clientLayer(server.baseURL, http)))
        expect(message).toEqual(textMessage("Hello"))
        expect(message._request_id).toBe("req_1")
        const [request] = server.received
        expect(request?.method).toBe("POST")
        expect(request?.url).toBe("/v1/messages")
        expect(JSON.parse(request?.body.toString() ?? "")).toEqual(messageParams)
        expect(request?.headers).toMatchObject({
          authorization: `Bearer ${apiKey}`,
          "content-type": "application/json",
          "x-stainless-retry-count": "0"
        })
        // The bridge does not trace: no trace headers go to the API.
        expect(request?.headers.traceparent).toBeUndefined()
        expect(request?.headers.b3).toBeUndefined()
      })
    )

    it.scoped(`streams SSE through sdk.messages.create({ stream: true }), in chunks (${name})`, () =>
      Effect.gen(function* () {
        const deltas = Array.from({ length: 200 }, (_, i) => `t${i} `)
        const events = textEvents(deltas)
        const server = yield* loopback((_, response) => {
          sseHead(response)
          // Two network writes: the events of each arrive together.
          response.write(sse(events.slice(0, 100)))
          setTimeout(() => response.end(sse(events.slice(100))), 20)
        })
        const chunks = yield* Effect.flatMap(client, (c) =>
          Stream.runCollect(
            Stream.chunks(c.stream((sdk, options) => sdk.messages.create({ ...messageParams, stream: true }, options)))
          )
        ).pipe(Effect.provide(clientLayer(server.baseURL, http)))
        const received = Chunk.toReadonlyArray(chunks).flatMap((chunk) => Chunk.toReadonlyArray(chunk))
        expect(received).toEqual(events)
        // Far fewer chunks than events: events that arrived together were emitted together.
        expect(chunks.length).toBeGreaterThanOrEqual(2)
        expect(chunks.length).toBeLessThanOrEqual(10)
        expect(JSON.parse(server.received[0]?.body.toString() ?? "")).toEqual({ ...messageParams, stream: true })
      })
    )
  }

  it.scoped("interrupting a call aborts the request: the server sees the connection close", () =>
    Effect.gen(function* () {
      const server = yield* loopback(() => {})
      const fiber = yield* Effect.flatMap(client, (c) =>
        c.call((sdk, options) => sdk.messages.create(messageParams, options))
      ).pipe(Effect.provide(clientLayer(server.baseURL)), Effect.fork)
      yield* server.arrived(1)
      yield* Fiber.interrupt(fiber)
      yield* server.closed(1)
      expect(server.received).toHaveLength(1)
    })
  )

  // Streamed bodies are read from the transport itself under the platform's own clients
  // (bridgeBodies.ts pulledBody) and through a fiber under any other client (readableBody).
  for (const [name, http] of streamingClients) {
    it.scoped(`ending a stream early aborts the request mid-body (${name})`, () =>
      Effect.gen(function* () {
        const events = textEvents(["a", "b", "c"])
        const server = yield* loopback((_, response) => {
          sseHead(response)
          response.write(sse(events.slice(0, 3)))
          // Then nothing more: only an abort ends this response.
        })
        const first = yield* Effect.flatMap(client, (c) =>
          Stream.runCollect(
            c
              .stream((sdk, options) => sdk.messages.create({ ...messageParams, stream: true }, options))
              .pipe(Stream.take(2))
          )
        ).pipe(Effect.provide(clientLayer(server.baseURL, http)))
        expect(Chunk.toReadonlyArray(first)).toEqual(events.slice(0, 2))
        yield* server.closed(1)
      })
    )

    it.scopedLive(`interrupting a running stream aborts the request (${name})`, () =>
      Effect.gen(function* () {
        const events = textEvents(["a"])
        const server = yield* loopback((_, response) => {
          sseHead(response)
          response.write(sse(events.slice(0, 1)))
        })
        const fiber = yield* Effect.flatMap(client, (c) =>
          Stream.runDrain(c.stream((sdk, options) => sdk.messages.create({ ...messageParams, stream: true }, options)))
        ).pipe(Effect.provide(clientLayer(server.baseURL, http)), Effect.fork)
        yield* server.arrived(1)
        yield* Effect.sleep("20 millis")
        yield* Fiber.interrupt(fiber)
        yield* server.closed(1)
      })
    )

    it.scoped(`an abort from the SDK side (the caller's own signal) aborts the request (${name})`, () =>
      Effect.gen(function* () {
        const server = yield* loopback(() => {})
        const controller = new AbortController()
        const result = yield* Effect.flatMap(client, (c) =>
          c.call((sdk) => sdk.messages.create(messageParams, { signal: controller.signal }))
        ).pipe(Effect.provide(clientLayer(server.baseURL, http)), Effect.flip, Effect.fork)
        yield* server.arrived(1)
        controller.abort()
        const error = yield* Fiber.join(result)
        expect(error._tag).toBe("APIUserAbortError")
        yield* server.closed(1)
      })
    )

    it.scoped(`an abort from the SDK side while a body streams ends the SDK stream and the request (${name})`, () =>
      Effect.gen(function* () {
        const events = textEvents(["a"])
        const server = yield* loopback((_, response) => {
          sseHead(response)
          response.write(sse(events.slice(0, 2)))
        })
        const seen = yield* Effect.flatMap(client, (c) =>
          c.call(async (sdk, options) => {
            const stream = await sdk.messages.create({ ...messageParams, stream: true }, options)
            const types: Array<string> = []
            for await (const event of stream) {
              types.push(event.type)
              if (types.length === 2) stream.controller.abort()
            }
            return types
          })
        ).pipe(Effect.provide(clientLayer(server.baseURL, http)))
        expect(seen).toEqual(["message_start", "content_block_start"])
        yield* server.closed(1)
      })
    )

    it.scoped(`a connection cut mid-stream is an APIConnectionError (${name})`, () =>
      Effect.gen(function* () {
        const events = textEvents(["a"])
        const server = yield* loopback((_, response) => {
          sseHead(response)
          response.write(sse(events.slice(0, 2)), () => setTimeout(() => response.destroy(), 10))
        })
        const error = yield* Effect.flatMap(client, (c) =>
          Stream.runDrain(c.stream((sdk, options) => sdk.messages.create({ ...messageParams, stream: true }, options)))
        ).pipe(Effect.provide(clientLayer(server.baseURL, http)), Effect.flip)
        expect(error._tag).toBe("APIConnectionError")
      })
    )
  }

  it.scoped("uploads a file as multipart form data", () =>
    Effect.gen(function* () {
      const server = yield* loopback((_, response) =>
        sendJson(response, 200, {
          id: "file_1",
          type: "file",
          filename: "notes.txt",
          mime_type: "text/plain",
          size_bytes: 11,
          created_at: "2025-01-01T00:00:00Z"
        })
      )
      const file = yield* Effect.promise(() => toFile(Buffer.from("hello world"), "notes.txt", { type: "text/plain" }))
      const uploaded = yield* Effect.flatMap(client, (c) =>
        c.call((sdk, options) => sdk.beta.files.upload({ file }, options))
      ).pipe(Effect.provide(clientLayer(server.baseURL)))
      expect(uploaded.id).toBe("file_1")
      const request = server.received[0]
      expect(request?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
      const body = request?.body.toString() ?? ""
      expect(body).toContain('name="file"; filename="notes.txt"')
      expect(body).toContain("hello world")
    })
  )

  for (const [name, http] of httpClients) {
    it.scoped(`passes every body type fetch accepts (${name})`, () =>
      Effect.gen(function* () {
        const server = yield* loopback((request, response) =>
          sendJson(response, 200, {
            body: request.body.toString(),
            contentType: request.headers["content-type"] ?? null
          })
        )
        const fetch = yield* bridgedFetch()
        const send = (body: BodyInit, headers?: Record<string, string>) =>
          Effect.promise(async () => {
            const init: RequestInit & { duplex?: "half" } = { method: "POST", body, duplex: "half" }
            if (headers !== undefined) init.headers = headers
            const response = await fetch(`${server.baseURL}/echo`, init)
            return response.json()
          })
        const bytes = new TextEncoder().encode("bytes")
        expect(yield* send("text", { "content-type": "text/plain" })).toEqual({
          body: "text",
          contentType: "text/plain"
        })
        expect(yield* send(bytes, { "content-type": "application/octet-stream" })).toEqual({
          body: "bytes",
          contentType: "application/octet-stream"
        })
        expect(yield* send(bytes.buffer)).toMatchObject({ body: "bytes" })
        expect(yield* send(new DataView(bytes.buffer, 1, 3))).toMatchObject({ body: "yte" })
        expect(yield* send(new URLSearchParams({ a: "1", b: "x y" }))).toEqual({
          body: "a=1&b=x+y",
          contentType: "application/x-www-form-urlencoded;charset=UTF-8"
        })
        expect(yield* send(new Blob(["blob body"], { type: "text/plain" }))).toEqual({
          body: "blob body",
          contentType: "text/plain"
        })
        const readable = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("stre"))
            controller.enqueue(new TextEncoder().encode("amed"))
            controller.close()
          }
        })
        expect(yield* send(readable, { "content-type": "application/x-ndjson" })).toEqual({
          body: "streamed",
          contentType: "application/x-ndjson"
        })
      }).pipe(Effect.provide(http))
    )
  }

  it.scoped("a buffered body behaves as a Response body: read once, clone, stream", () =>
    Effect.gen(function* () {
      const server = yield* loopback((_, response) =>
        sendJson(response, 200, { hello: "world" }, { "request-id": "r" })
      )
      const fetch = yield* bridgedFetch()
      const get = () => Effect.promise(() => fetch(`${server.baseURL}/json`))
      const first = yield* get()
      expect(first).toBeInstanceOf(Response)
      expect(first.ok).toBe(true)
      expect(first.headers.get("request-id")).toBe("r")
      expect(first.bodyUsed).toBe(false)
      const copy = first.clone()
      expect(yield* Effect.promise(() => first.json())).toEqual({ hello: "world" })
      expect(first.bodyUsed).toBe(true)
      expect(
        yield* Effect.promise(() =>
          first.text().then(
            () => "read",
            (error: unknown) => String(error)
          )
        )
      ).toBe("TypeError: Body is unusable: Body has already been read")
      expect(() => first.clone()).toThrow(TypeError)
      expect(yield* Effect.promise(() => copy.text())).toBe('{"hello":"world"}')
      const streamed = yield* get()
      const body = streamed.body
      expect(body).toBeInstanceOf(ReadableStream)
      expect(streamed.bodyUsed).toBe(false)
      const bytes = yield* Effect.promise(() => new Response(body).arrayBuffer())
      expect(new TextDecoder().decode(bytes)).toBe('{"hello":"world"}')
      expect(streamed.bodyUsed).toBe(true)
      const blob = yield* Effect.promise(() =>
        get()
          .pipe(Effect.runPromise)
          .then((response) => response.blob())
      )
      expect(blob.type).toBe("application/json")
      expect(yield* Effect.promise(() => blob.text())).toBe('{"hello":"world"}')
    }).pipe(Effect.provide(NodeHttpClient.layerUndici))
  )

  it.scoped("hands the HttpClient the fetch headers as one lower-cased record, whatever their form", () =>
    Effect.gen(function* () {
      const sent: Array<HttpClientRequest.HttpClientRequest> = []
      const recording = HttpClient.make((request) => {
        sent.push(request)
        return Effect.succeed(
          HttpClientResponse.fromWeb(request, new Response("{}", { headers: { "content-type": "application/json" } }))
        )
      })
      const fetch = yield* bridgedFetch().pipe(Effect.provideService(HttpClient.HttpClient, recording))
      const send = (headers: HeadersInit | undefined, body: BodyInit | null = null) =>
        Effect.promise(() => {
          const init: RequestInit = { method: "post", body }
          if (headers !== undefined) init.headers = headers
          return fetch("http://api.test/v1/messages?beta=true", init)
        })
      const expected = { accept: "application/json", "x-api-key": "k", "anthropic-beta": "a,b" }
      yield* send(new Headers({ Accept: "application/json", "X-Api-Key": "k", "anthropic-beta": "a,b" }))
      yield* send({ Accept: "application/json", "X-Api-Key": "k", "Anthropic-Beta": "a,b" })
      yield* send([
        ["ACCEPT", "application/json"],
        ["x-api-key", "k"],
        ["anthropic-beta", "a,b"]
      ])
      yield* send(undefined, new URLSearchParams({ a: "1" }))
      yield* send({ "Content-Type": "text/plain" }, new URLSearchParams({ a: "1" }))
      expect(sent.map((request) => ({ ...request.headers }))).toEqual([
        expected,
        expected,
        expected,
        { "content-type": "application/x-www-form-urlencoded;charset=UTF-8" },
        { "content-type": "text/plain" }
      ])
      for (const request of sent) {
        expect(request.method).toBe("POST")
        expect(request.url).toBe("http://api.test/v1/messages?beta=true")
        // The platform's own Headers, not the fetch object handed in.
        expect(request.headers).not.toBeInstanceOf(Headers)
      }
    })
  )

  it.scoped("a model request's buffered answer has no body stream, and parses", () =>
    Effect.gen(function* () {
      const server = yield* loopback((_, response) => sendJson(response, 200, textMessage("Hi"), { "request-id": "m" }))
      const fetch = yield* bridgedFetch()
      const interruption = interruptionBy(new Interrupter())
      const fetchOptions = "fetchOptions" in interruption ? interruption.fetchOptions : {}
      const response = yield* Effect.promise(() => fetch(`${server.baseURL}/v1/messages`, { ...fetchOptions }))
      expect(response).toBeInstanceOf(Response)
      expect(response.body).toBeNull()
      expect(response.bodyUsed).toBe(false)
      expect(response.headers.get("request-id")).toBe("m")
      expect(yield* Effect.promise(() => response.clone().text())).toBe(JSON.stringify(textMessage("Hi")))
      expect(yield* Effect.promise(() => response.json())).toEqual(textMessage("Hi"))
      expect(response.bodyUsed).toBe(true)
      // Through the SDK, as `AnthropicModel` sends it.
      const service = yield* client
      const message = yield* callInterruptible(service, (sdk, options) => sdk.messages.create(messageParams, options))
      expect(message).toEqual(textMessage("Hi"))
      expect(message._request_id).toBe("m")
    }).pipe(
      Effect.provide(
        Layer.merge(
          NodeHttpClient.layerUndici,
          Layer.unwrapScoped(
            Effect.map(
              loopback((_, response) => sendJson(response, 200, textMessage("Hi"), { "request-id": "m" })),
              (server) => clientLayer(server.baseURL)
            )
          )
        )
      )
    )
  )

  it.scoped("answers without a body (204) and keeps status and headers", () =>
    Effect.gen(function* () {
      const server = yield* loopback((_, response) => {
        response.writeHead(204, { "x-thing": "yes" })
        response.end()
      })
      const fetch = yield* bridgedFetch()
      const response = yield* Effect.promise(() => fetch(`${server.baseURL}/nothing`, { method: "DELETE" }))
      expect(response.status).toBe(204)
      expect(response.body).toBeNull()
      expect(response.headers.get("x-thing")).toBe("yes")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici))
  )
})
