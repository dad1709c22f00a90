import { readdirSync } from "node:fs"
import { connect } from "node:net"
import Anthropic, { toFile } from "@anthropic-ai/sdk"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Scope, Stream } from "effect"
import { MockAnthropicServer } from "effect-claude/testing"

// The recorded transcripts: test/fixtures/transcripts (see its README).
const transcripts = new URL("../fixtures/transcripts/", import.meta.url)
const transcriptFile = (name: string) => new URL(`${name}.json`, transcripts)

const params: Anthropic.MessageCreateParamsNonStreaming = {
  model: "claude-haiku-4-5",
  max_tokens: 256,
  messages: [{ role: "user", content: "Hi" }]
}

const streamParams: Anthropic.MessageCreateParamsStreaming = { ...params, stream: true }

const clientOf = (server: MockAnthropicServer.Service, options: { readonly timeout?: number } = {}) =>
  new Anthropic({ baseURL: server.baseURL, apiKey: "test", maxRetries: 0, ...options })

/** The promise's rejection as a success value (the test fails if it resolves). */
const rejection = (run: () => Promise<unknown>) => Effect.flip(Effect.tryPromise({ try: run, catch: (error) => error }))

/** Every event the SDK's iterator yields, and what it threw at the end (if anything). */
const collectEvents = (stream: AsyncIterable<Anthropic.RawMessageStreamEvent>) =>
  Effect.promise(async () => {
    const types: Array<string> = []
    try {
      for await (const event of stream) types.push(event.type)
      return { types, error: undefined }
    } catch (error) {
      return { types, error }
    }
  })

// The SDK's `finalMessage()` adds `parsed_output: null`; everything else must be the canned message.
const asFinalMessage = (message: MockAnthropicServer.Message) => ({ ...message, parsed_output: null })

const richMessage = MockAnthropicServer.message(
  [
    MockAnthropicServer.thinkingBlock("Let me think about the weather.", "sig-123"),
    MockAnthropicServer.textBlock("Checking Paris and Rome now.", [
      {
        type: "char_location",
        cited_text: "Paris is sunny",
        document_index: 0,
        document_title: "Forecast",
        file_id: null,
        start_char_index: 0,
        end_char_index: 14
      }
    ]),
    MockAnthropicServer.toolUseBlock("get_weather", { city: "Paris", units: { temperature: "celsius" } }),
    MockAnthropicServer.toolUseBlock("get_weather", { city: "Rome" }, "toolu_rome"),
    { type: "redacted_thinking", data: "opaque" }
  ],
  { usage: { input_tokens: 321, output_tokens: 45, cache_read_input_tokens: 100 } }
)

describe("MockAnthropicServer", () => {
  it.scoped("answers a JSON request with the canned message and records the request", () =>
    Effect.gen(function* () {
      const canned = MockAnthropicServer.textMessage("Hello there!", { usage: { input_tokens: 12, output_tokens: 3 } })
      const server = yield* MockAnthropicServer.make(canned)
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const answer = yield* Effect.promise(() => clientOf(server).messages.create(params))
      expect(answer).toEqual(canned)
      expect(canned.usage).toEqual({
        input_tokens: 12,
        output_tokens: 3,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
        server_tool_use: null,
        service_tier: "standard",
        inference_geo: null,
        output_tokens_details: null,
        speed: null
      })
      const [request] = yield* server.requests
      expect(request).toMatchObject({
        index: 0,
        method: "POST",
        path: "/v1/messages",
        query: {},
        body: params,
        stream: false,
        requestId: "req_mock_000001"
      })
      expect(request?.headers.authorization).toBe("Bearer test")
      expect(request?.headers["anthropic-version"]).toBeTypeOf("string")
      expect(yield* server.requestCount).toBe(1)
    })
  )

  it.scoped("streams a message as the API's event sequence that the SDK folds back to the same message", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make(richMessage)
      const client = clientOf(server)
      const final = yield* Effect.promise(() => client.messages.stream(params).finalMessage())
      expect(final).toEqual(asFinalMessage(richMessage))

      const response = yield* Effect.promise(() => client.messages.create(streamParams).asResponse())
      const text = yield* Effect.promise(() => response.text())
      const eventNames = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1])
      expect(eventNames.slice(0, 3)).toEqual(["message_start", "content_block_start", "ping"])
      expect(eventNames.slice(-2)).toEqual(["message_delta", "message_stop"])
      expect(text).toContain('"delta":{"type":"signature_delta","signature":"sig-123"}')
      expect(text).toContain('"delta":{"type":"citations_delta"')
      expect(text).toContain('"delta":{"type":"input_json_delta","partial_json":""}')
      expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8")
      expect(response.headers.get("request-id")).toBe("req_mock_000002")
      expect((yield* server.requests).map((request) => request.stream)).toEqual([true, true])
    })
  )

  it.scoped("streams 10,000 text deltas cheaply", () =>
    Effect.gen(function* () {
      const words = Array.from({ length: 10_000 }, (_, index) => `w${index}`).join(" ")
      const canned = MockAnthropicServer.textMessage(words)
      const server = yield* MockAnthropicServer.make(MockAnthropicServer.reply(canned, { pings: false }))
      const started = performance.now()
      const stream = clientOf(server).messages.stream(params)
      let deltas = 0
      stream.on("text", () => deltas++)
      const final = yield* Effect.promise(() => stream.finalMessage())
      expect(deltas).toBe(10_000)
      expect(final).toEqual(asFinalMessage(canned))
      expect(performance.now() - started).toBeLessThan(4_000)
    })
  )

  it.scoped("cuts text into deltas of chunkSize characters", () =>
    Effect.gen(function* () {
      const canned = MockAnthropicServer.textMessage("abcdefg")
      const server = yield* MockAnthropicServer.make(MockAnthropicServer.reply(canned, { chunkSize: 3 }))
      const stream = clientOf(server).messages.stream(params)
      const pieces: Array<string> = []
      stream.on("text", (piece) => pieces.push(piece))
      yield* Effect.promise(() => stream.done())
      expect(pieces).toEqual(["abc", "def", "g"])
    })
  )

  describe("faults", () => {
    it.scoped("an API error carries status, retry headers, request id and the error envelope", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make(
          MockAnthropicServer.apiError(429, { retryAfter: 3, retryAfterMs: 2500 })
        )
        const error = yield* rejection(() => clientOf(server).messages.create(params))
        expect(error).toBeInstanceOf(Anthropic.RateLimitError)
        if (!(error instanceof Anthropic.RateLimitError)) return
        expect(error.status).toBe(429)
        expect(error.headers.get("retry-after")).toBe("3")
        expect(error.headers.get("retry-after-ms")).toBe("2500")
        expect(error.requestID).toBe("req_mock_000001")
        expect(error.error).toEqual({
          type: "error",
          error: {
            type: "rate_limit_error",
            message: "Number of request tokens has exceeded your per-minute rate limit"
          },
          request_id: "req_mock_000001"
        })
      })
    )

    it.scoped("each status maps to the SDK's error class", () =>
      Effect.gen(function* () {
        const statuses = [400, 401, 403, 404, 500, 503, 529] as const
        const server = yield* MockAnthropicServer.make(statuses.map((status) => MockAnthropicServer.apiError(status)))
        const client = clientOf(server)
        const classes: Array<string> = []
        const types: Array<string | null> = []
        for (const _ of statuses) {
          const error = yield* rejection(() => client.messages.create(params))
          classes.push(error instanceof Error ? error.constructor.name : "not an error")
          types.push(error instanceof Anthropic.APIError ? error.type : null)
        }
        expect(classes).toEqual([
          "BadRequestError",
          "AuthenticationError",
          "PermissionDeniedError",
          "NotFoundError",
          "InternalServerError",
          "ServiceUnavailableError",
          "OverloadedError"
        ])
        expect(types).toEqual([
          "invalid_request_error",
          "authentication_error",
          "permission_error",
          "not_found_error",
          "api_error",
          "api_error",
          "overloaded_error"
        ])
      })
    )

    it.scoped("a reset before headers is an APIConnectionError", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make(MockAnthropicServer.reset())
        const error = yield* rejection(() => clientOf(server).messages.create(params))
        expect(error).toBeInstanceOf(Anthropic.APIConnectionError)
        yield* server.awaitActiveRequests(0)
        expect(yield* server.abortedRequests).toBe(0)
      })
    )

    it.scoped("a reset mid-stream fails the SDK iterator after the events sent", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make(
          MockAnthropicServer.reply(MockAnthropicServer.textMessage("one two three"), {
            fault: MockAnthropicServer.resetAfterEvents(4)
          })
        )
        const stream = yield* Effect.promise(() => clientOf(server).messages.create(streamParams))
        const { types, error } = yield* collectEvents(stream)
        // message_start, content_block_start, ping (not yielded by the SDK), one text delta
        expect(types).toEqual(["message_start", "content_block_start", "content_block_delta"])
        expect(error).toBeInstanceOf(Error)
        expect(error).not.toBeInstanceOf(Anthropic.APIError)
      })
    )

    it.scoped("a truncated stream fails the SDK iterator; a cleanly ended one just stops early", () =>
      Effect.gen(function* () {
        const canned = MockAnthropicServer.textMessage("one two three")
        const server = yield* MockAnthropicServer.make([
          MockAnthropicServer.reply(canned, { fault: MockAnthropicServer.truncateAfterEvents(3) }),
          MockAnthropicServer.reply(canned, { fault: MockAnthropicServer.truncateAfterEvents(3, { cleanEnd: true }) })
        ])
        const client = clientOf(server)
        const cut = yield* collectEvents(yield* Effect.promise(() => client.messages.create(streamParams)))
        expect(cut.types).toEqual(["message_start", "content_block_start"])
        expect(cut.error).toBeInstanceOf(Error)
        const clean = yield* collectEvents(yield* Effect.promise(() => client.messages.create(streamParams)))
        expect(clean).toEqual({ types: ["message_start", "content_block_start"], error: undefined })
      })
    )

    it.scoped("malformed SSE JSON makes the SDK iterator throw", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make(
          MockAnthropicServer.reply(MockAnthropicServer.textMessage("one two three"), {
            fault: MockAnthropicServer.malformedAfterEvents(3)
          })
        )
        const stream = yield* Effect.promise(() => clientOf(server).messages.create(streamParams))
        const { types, error } = yield* collectEvents(stream)
        expect(types).toEqual(["message_start", "content_block_start"])
        expect(error).toBeInstanceOf(SyntaxError)
      })
    )

    it.scoped("an SSE error event becomes an SDK APIError with its type and the request id", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make(
          MockAnthropicServer.reply(MockAnthropicServer.textMessage("one two three"), {
            fault: MockAnthropicServer.errorEventAfterEvents(4)
          })
        )
        const stream = yield* Effect.promise(() => clientOf(server).messages.create(streamParams))
        const { types, error } = yield* collectEvents(stream)
        expect(types).toEqual(["message_start", "content_block_start", "content_block_delta"])
        expect(error).toBeInstanceOf(Anthropic.APIError)
        if (!(error instanceof Anthropic.APIError)) return
        expect(error.type).toBe("overloaded_error")
        expect(error.requestID).toBe("req_mock_000001")
        expect(error.error).toEqual({
          type: "error",
          error: { type: "overloaded_error", message: "Overloaded" },
          request_id: "req_mock_000001"
        })
      })
    )

    it.scoped("on a non-streamed request, stream faults look like a broken JSON answer", () =>
      Effect.gen(function* () {
        const canned = MockAnthropicServer.textMessage("one two three")
        const server = yield* MockAnthropicServer.make([
          MockAnthropicServer.reply(canned, { fault: MockAnthropicServer.errorEventAfterEvents(2) }),
          MockAnthropicServer.reply(canned, { fault: MockAnthropicServer.resetAfterEvents(2) }),
          MockAnthropicServer.reply(canned, { fault: MockAnthropicServer.malformedAfterEvents(2) })
        ])
        const client = clientOf(server)
        expect(yield* rejection(() => client.messages.create(params))).toBeInstanceOf(Anthropic.OverloadedError)
        expect(yield* rejection(() => client.messages.create(params))).toBeInstanceOf(Error)
        expect(yield* rejection(() => client.messages.create(params))).toBeInstanceOf(Error)
      })
    )

    it.scopedLive("delays headers and spaces events", () =>
      Effect.gen(function* () {
        const canned = MockAnthropicServer.textMessage("a b c d")
        const server = yield* MockAnthropicServer.make([
          MockAnthropicServer.reply(canned, { delay: "80 millis" }),
          MockAnthropicServer.reply(canned, { eventDelay: "15 millis" })
        ])
        const client = clientOf(server)
        let started = performance.now()
        yield* Effect.promise(() => client.messages.create(params))
        expect(performance.now() - started).toBeGreaterThanOrEqual(75)
        started = performance.now()
        const final = yield* Effect.promise(() => client.messages.stream(params).finalMessage())
        // 10 events: start, block start, ping, 4 deltas, block stop, message delta, stop → 9 gaps
        expect(performance.now() - started).toBeGreaterThanOrEqual(9 * 15 - 5)
        expect(final).toEqual(asFinalMessage(canned))
      })
    )

    it.scopedLive("slow headers past the SDK's timeout: APIConnectionTimeoutError and the server sees the close", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make(
          MockAnthropicServer.reply(MockAnthropicServer.textMessage("late"), { delay: "5 seconds" })
        )
        const error = yield* rejection(() => clientOf(server, { timeout: 100 }).messages.create(params))
        expect(error).toBeInstanceOf(Anthropic.APIConnectionTimeoutError)
        yield* server.awaitActiveRequests(0).pipe(Effect.timeout("2 seconds"))
        expect(yield* server.abortedRequests).toBe(1)
      })
    )
  })

  it.scopedLive("an SDK abort mid-stream closes the connection on the server", () =>
    Effect.gen(function* () {
      const words = Array.from({ length: 200 }, (_, index) => `w${index}`).join(" ")
      const server = yield* MockAnthropicServer.make(
        MockAnthropicServer.reply(MockAnthropicServer.textMessage(words), { eventDelay: "10 millis" })
      )
      const stream = clientOf(server).messages.stream(params)
      const done = stream.done().then(
        () => undefined,
        (error: unknown) => error
      )
      yield* Effect.promise(
        () =>
          new Promise<void>((resolve) =>
            stream.on("text", (_delta, snapshot) => {
              if (snapshot.length > 8) resolve()
            })
          )
      )
      expect(yield* server.activeRequests).toBe(1)
      expect(yield* server.openConnections).toBe(1)
      stream.abort()
      // The response closed unfinished: its connection was closed by the client. (Node's fetch then
      // opens a spare idle connection, so `openConnections` need not drop to 0.)
      yield* server.awaitActiveRequests(0).pipe(Effect.timeout("2 seconds"))
      expect(yield* server.abortedRequests).toBe(1)
      expect(yield* Effect.promise(() => done)).toBeInstanceOf(Anthropic.APIUserAbortError)
    })
  )

  it.live("closing the scope closes every connection, mid-stream", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const server = yield* MockAnthropicServer.make(
        MockAnthropicServer.reply(MockAnthropicServer.textMessage("a b c d e f g h"), { eventDelay: "1 second" })
      ).pipe(Scope.extend(scope))
      const stream = yield* Effect.promise(() => clientOf(server).messages.create(streamParams))
      const events = collectEvents(stream).pipe(Effect.runPromise)
      yield* Effect.sleep("50 millis")
      expect(yield* server.openConnections).toBe(1)
      const started = performance.now()
      yield* Scope.close(scope, Exit.void)
      expect(yield* server.openConnections).toBe(0)
      const { types, error } = yield* Effect.promise(() => events)
      expect(types).toEqual(["message_start"])
      expect(error).toBeInstanceOf(Error)
      expect(performance.now() - started).toBeLessThan(900)
    })
  )

  describe("keepAliveTimeout", () => {
    it.scopedLive("closes an idle keep-alive connection after it (Node's default would wait 5 seconds)", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make(MockAnthropicServer.textMessage("hi"), {
          keepAliveTimeout: "200 millis"
        })
        const { head, closed } = yield* idleKeepAliveConnection(server)
        expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
        expect(head.toLowerCase()).toContain("connection: keep-alive")
        expect(yield* server.openConnections).toBe(1)
        yield* Effect.promise(() => closed).pipe(Effect.timeout("3 seconds"))
        yield* server.awaitOpenConnections(0).pipe(Effect.timeout("1 second"))
      })
    )

    it.scoped("is announced in the Keep-Alive header: 5 seconds by default, none when infinite", () =>
      Effect.gen(function* () {
        const keepAliveOf = (options: MockAnthropicServer.Options) =>
          MockAnthropicServer.listen(MockAnthropicServer.textMessage("hi"), options).pipe(
            Effect.flatMap((server) => send(server, "GET", "/v1/models")),
            Effect.map((answer) => answer.headers.get("keep-alive"))
          )
        expect(yield* keepAliveOf({})).toBe("timeout=5")
        expect(yield* keepAliveOf({ keepAliveTimeout: "5 minutes" })).toBe("timeout=300")
        expect(yield* keepAliveOf({ keepAliveTimeout: Duration.infinity })).toBe(null)
      })
    )
  })

  describe("scripts", () => {
    it.scoped("serves a transcript in order, SSE bodies exactly as recorded", () =>
      Effect.gen(function* () {
        const file = transcriptFile("anthropic_model_thinking_part_stream")
        const script = yield* MockAnthropicServer.transcript(file)
        const recorded = script.interactions[0]?.response.body
        const server = yield* MockAnthropicServer.make(script)
        const response = yield* Effect.promise(() => clientOf(server).messages.create(streamParams).asResponse())
        expect(yield* Effect.promise(() => response.text())).toBe(recorded)

        const again = yield* MockAnthropicServer.make(script)
        const final = yield* Effect.promise(() => clientOf(again).messages.stream(params).finalMessage())
        expect(final.content.map((block) => block.type)).toEqual(["thinking", "text"])
        expect(final.id).toBe("msg_01ALwQ87pTS7hH1PjSdC9wJD")
      })
    )

    it.scoped("serves transcript interactions across endpoints and reports a request out of order", () =>
      Effect.gen(function* () {
        const script = yield* MockAnthropicServer.transcript(transcriptFile("anthropic_model_usage_limit_not_exceeded"))
        const server = yield* MockAnthropicServer.make(script)
        const client = clientOf(server)
        const mismatch = yield* rejection(() => client.messages.create(params))
        expect(mismatch).toBeInstanceOf(Anthropic.InternalServerError)
        expect(String(mismatch)).toContain(
          "expected POST /v1/messages/count_tokens as request 1, got POST /v1/messages"
        )
        const count = yield* Effect.promise(() => client.messages.countTokens({ model: params.model, messages: [] }))
        expect(count.input_tokens).toBeGreaterThan(0)
        const answer = yield* Effect.promise(() => client.messages.create(params).withResponse())
        expect(answer.data.type).toBe("message")
        expect(answer.response.headers.get("retry-after")).not.toBeNull()
        const exhausted = yield* rejection(() => client.messages.create(params))
        expect(String(exhausted)).toContain("transcript anthropic_model_usage_limit_not_exceeded has no reply left")
      })
    )

    it.scoped("reads every recorded transcript and serves its first answer to the SDK", () =>
      Effect.gen(function* () {
        const names = readdirSync(transcripts)
          .filter((file) => file.endsWith(".json"))
          .map((file) => file.slice(0, -".json".length))
        expect(names.length).toBeGreaterThan(10)
        for (const name of names) {
          const script = yield* MockAnthropicServer.transcript(transcriptFile(name))
          const first = script.interactions[0]
          if (first === undefined || first.request.path !== "/v1/messages") continue
          const server = yield* MockAnthropicServer.make(script)
          const streamed = first.response.contentType === "text/event-stream"
          const answer = yield* Effect.promise(() =>
            streamed
              ? clientOf(server).messages.stream(params).finalMessage()
              : clientOf(server).messages.create(params)
          )
          expect(answer.type).toBe("message")
        }
      })
    )

    it.scoped("a transcript that cannot be read fails with MockServerError", () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(MockAnthropicServer.transcript(transcriptFile("no_such_transcript")))
        expect(error._tag).toBe("MockServerError")
        expect(error.message).toContain("cannot read transcript")
      })
    )

    it.scoped("replies in order, then a 500 saying the script ran out", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make([
          MockAnthropicServer.apiError(529),
          MockAnthropicServer.textMessage("second")
        ])
        const client = clientOf(server)
        expect(yield* rejection(() => client.messages.create(params))).toBeInstanceOf(Anthropic.OverloadedError)
        const second = yield* Effect.promise(() => client.messages.create(params))
        expect(second.content).toEqual([MockAnthropicServer.textBlock("second")])
        const third = yield* rejection(() => client.messages.create(params))
        expect(String(third)).toContain("MockAnthropicServer: the script has no reply left for request 3")
      })
    )

    it.scoped("answers with a function of the request, plain or Effect; a failure or a throw is a 500", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make((request) => {
          const prompt = MockAnthropicServer.lastUserText(request)
          if (prompt === "fail") return Effect.fail("no answer for you")
          if (prompt === "throw") throw new Error("the script threw")
          return prompt === "effect"
            ? Effect.succeed(MockAnthropicServer.textMessage("from an Effect"))
            : MockAnthropicServer.toolUseMessage([{ name: "echo", input: { prompt } }], { text: "Echoing." })
        })
        const client = clientOf(server)
        const ask = (content: string) => ({ ...params, messages: [{ role: "user" as const, content }] })
        const echoed = yield* Effect.promise(() => client.messages.create(ask("hello")))
        expect(echoed.stop_reason).toBe("tool_use")
        expect(echoed.content).toEqual([
          MockAnthropicServer.textBlock("Echoing."),
          expect.objectContaining({ type: "tool_use", name: "echo", input: { prompt: "hello" } })
        ])
        const fromEffect = yield* Effect.promise(() => client.messages.create(ask("effect")))
        expect(fromEffect.content).toEqual([MockAnthropicServer.textBlock("from an Effect")])
        const failed = yield* rejection(() => client.messages.create(ask("fail")))
        expect(failed).toBeInstanceOf(Anthropic.InternalServerError)
        expect(String(failed)).toContain("no answer for you")
        const thrown = yield* rejection(() => client.messages.create(ask("throw")))
        expect(thrown).toBeInstanceOf(Anthropic.InternalServerError)
        expect(String(thrown)).toContain("the script threw")
      })
    )

    it.scoped("answers 50 concurrent streamed requests each with its own answer", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make((request) =>
          MockAnthropicServer.textMessage(`answer to ${MockAnthropicServer.lastUserText(request)}`)
        )
        const client = clientOf(server)
        const prompts = Array.from({ length: 50 }, (_, index) => `prompt ${index}`)
        const answers = yield* Effect.forEach(
          prompts,
          (content) =>
            Effect.promise(() =>
              client.messages.stream({ ...params, messages: [{ role: "user", content }] }).finalText()
            ),
          { concurrency: "unbounded" }
        )
        expect(answers).toEqual(prompts.map((prompt) => `answer to ${prompt}`))
        expect(yield* server.requestCount).toBe(50)
      })
    )

    it.scoped("routes: a scripted count_tokens answer and a sse() hand-made stream", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make({
          messages: MockAnthropicServer.sse([
            { type: "message_start", message: MockAnthropicServer.message([]) },
            { type: "message_stop" }
          ]),
          countTokens: MockAnthropicServer.json({ input_tokens: 42 })
        })
        const client = clientOf(server)
        const counted = yield* Effect.promise(() =>
          client.messages.countTokens({ model: params.model, messages: params.messages })
        )
        expect(counted).toEqual({ input_tokens: 42 })
        const stream = yield* Effect.promise(() => client.messages.create(streamParams))
        expect(yield* collectEvents(stream)).toEqual({ types: ["message_start", "message_stop"], error: undefined })
      })
    )
  })

  describe("Messages API surface", () => {
    it.scoped("validates the request body and the API key with the API's error envelope", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make(MockAnthropicServer.textMessage("never"), { apiKey: "secret" })
        const post = (body: string, headers: Record<string, string>) =>
          Effect.promise(async () => {
            const response = await fetch(`${server.url}/v1/messages`, { method: "POST", body, headers })
            return { status: response.status, body: await response.json() }
          })
        const key = { "x-api-key": "secret", "content-type": "application/json" }
        expect(yield* post(JSON.stringify({ model: "m", messages: [] }), key)).toEqual({
          status: 400,
          body: {
            type: "error",
            error: { type: "invalid_request_error", message: "max_tokens: Field required" },
            request_id: "req_mock_000001"
          }
        })
        expect((yield* post("{not json", key)).body.error.type).toBe("invalid_request_error")
        expect((yield* post(JSON.stringify(params), {})).body.error).toEqual({
          type: "authentication_error",
          message: "x-api-key header is required"
        })
        const wrongKey = yield* rejection(() => clientOf(server).messages.create(params))
        expect(wrongKey).toBeInstanceOf(Anthropic.AuthenticationError)
        expect(yield* server.requestCount).toBe(4)
      })
    )

    it.scoped("lists models page by page; the SDK's auto-pagination walks them all", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make(MockAnthropicServer.textMessage("unused"))
        const client = clientOf(server)
        const ids: Array<string> = []
        yield* Effect.promise(async () => {
          for await (const model of client.models.list({ limit: 3 })) ids.push(model.id)
        })
        expect(ids).toEqual([
          "claude-opus-4-6",
          "claude-sonnet-4-6",
          "claude-opus-4-5-20251101",
          "claude-haiku-4-5-20251001",
          "claude-sonnet-4-5-20250929",
          "claude-opus-4-1-20250805",
          "claude-sonnet-4-20250514",
          "claude-3-5-haiku-20241022"
        ])
        expect((yield* server.requests).map((request) => request.query)).toEqual([
          { limit: "3" },
          { limit: "3", after_id: "claude-opus-4-5-20251101" },
          { limit: "3", after_id: "claude-opus-4-1-20250805" }
        ])
        const before = yield* Effect.promise(() =>
          client.models.list({ limit: 2, before_id: "claude-opus-4-1-20250805" })
        )
        expect({
          ids: before.data.map((model) => model.id),
          has_more: before.has_more,
          first_id: before.first_id,
          last_id: before.last_id
        }).toEqual({
          ids: ["claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929"],
          has_more: true,
          first_id: "claude-haiku-4-5-20251001",
          last_id: "claude-sonnet-4-5-20250929"
        })
        const one = yield* Effect.promise(() => client.models.retrieve("claude-sonnet-4-20250514"))
        expect(one.display_name).toBe("Claude Sonnet 4")
        expect(yield* rejection(() => client.models.retrieve("claude-nope"))).toBeInstanceOf(Anthropic.NotFoundError)
      })
    )

    it.scoped("counts tokens by default from the size of the request", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.make(MockAnthropicServer.textMessage("unused"))
        const counted = yield* Effect.promise(() =>
          clientOf(server).messages.countTokens({
            model: params.model,
            messages: [{ role: "user", content: "x".repeat(400) }]
          })
        )
        expect(counted.input_tokens).toBeGreaterThan(100)
        expect(counted.input_tokens).toBeLessThan(130)
      })
    )

    it.scoped("fails with MockServerError when the port is taken", () =>
      Effect.gen(function* () {
        const first = yield* MockAnthropicServer.listen(MockAnthropicServer.textMessage("first"))
        const error = yield* Effect.flip(
          MockAnthropicServer.listen(MockAnthropicServer.textMessage("second"), { port: first.port })
        )
        expect(error._tag).toBe("MockServerError")
        expect(error.message).toContain("EADDRINUSE")
      })
    )

    it.effect("is a Layer providing the MockAnthropicServer service", () =>
      Effect.gen(function* () {
        const server = yield* MockAnthropicServer.MockAnthropicServer
        const answer = yield* Effect.promise(() => clientOf(server).messages.create(params))
        expect(answer.content).toEqual([MockAnthropicServer.textBlock("from a layer")])
      }).pipe(
        Effect.provide(
          Layer.fresh(MockAnthropicServer.layer(MockAnthropicServer.textMessage("from a layer"), { port: 0 }))
        )
      )
    )
  })
})

/**
 * One keyed request on a raw keep-alive socket that the client never closes: the response head, and
 * a promise that resolves when the server closes the connection.
 */
const idleKeepAliveConnection = (server: MockAnthropicServer.Service) =>
  Effect.async<{ readonly head: string; readonly closed: Promise<void> }, Error>((resume) => {
    const socket = connect(server.port, "127.0.0.1")
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()))
    let received = ""
    socket.setEncoding("utf8")
    socket.on("data", (data: string) => {
      received += data
      const end = received.indexOf("\r\n\r\n")
      if (end >= 0) resume(Effect.succeed({ head: received.slice(0, end + 2), closed }))
    })
    socket.once("error", (error) => resume(Effect.fail(error)))
    socket.write("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: test\r\nConnection: keep-alive\r\n\r\n")
    return Effect.sync(() => socket.destroy())
  })

/** A request with `fetch`, keyed, answered with its status, headers and text. */
const send = (
  server: MockAnthropicServer.Service,
  method: string,
  path: string,
  options: { readonly body?: unknown; readonly headers?: Record<string, string> } = {}
) =>
  Effect.promise(async () => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { "x-api-key": "test", "content-type": "application/json", ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
    })
    return { status: response.status, headers: response.headers, text: await response.text() }
  })

/** The `error` of an error envelope answer, with its status. */
const errorOf = (answer: { readonly status: number; readonly text: string }) => {
  const envelope: { readonly error: { readonly type: string; readonly message: string } } = JSON.parse(answer.text)
  return { status: answer.status, ...envelope.error }
}

const batchRequest = (customId: string, text = customId): Anthropic.Messages.BatchCreateParams.Request => ({
  custom_id: customId,
  params: { model: "claude-haiku-4-5", max_tokens: 64, messages: [{ role: "user", content: text }] }
})

const noCounts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 }

describe("MockAnthropicServer: Message Batches API", () => {
  it.scoped("a batch follows its scripted progression, and the SDK reads the outcomes from the JSONL results", () =>
    Effect.gen(function* () {
      const answer = MockAnthropicServer.textMessage("Paris")
      const server = yield* MockAnthropicServer.make({
        batches: {
          // As many polls in progress as the batch has requests.
          processingPolls: (batch) => batch.requests.length,
          outcome: (item, index) =>
            [
              MockAnthropicServer.batchSucceeded(answer),
              MockAnthropicServer.batchErrored(529, { requestId: "req_item" }),
              MockAnthropicServer.batchCanceled,
              MockAnthropicServer.batchExpired,
              MockAnthropicServer.batchEcho(item)
            ][index]!
        }
      })
      const client = clientOf(server)
      const created = yield* Effect.promise(() =>
        client.messages.batches.create({
          requests: [
            batchRequest("a"),
            batchRequest("b"),
            batchRequest("c"),
            batchRequest("d"),
            batchRequest("e", "hi")
          ]
        })
      )
      const inProgress = {
        id: "msgbatch_0001",
        type: "message_batch",
        processing_status: "in_progress",
        request_counts: { ...noCounts, processing: 5 },
        created_at: "2025-06-01T00:00:00Z",
        expires_at: "2025-06-02T00:00:00Z",
        ended_at: null,
        cancel_initiated_at: null,
        archived_at: null,
        results_url: null
      }
      expect(created).toEqual(inProgress)
      for (let poll = 0; poll < 5; poll++) {
        expect(yield* Effect.promise(() => client.messages.batches.retrieve(created.id))).toEqual(inProgress)
      }
      const resultsUrl = `${server.url}/v1/messages/batches/msgbatch_0001/results`
      const ended = {
        ...inProgress,
        processing_status: "ended",
        request_counts: { processing: 0, succeeded: 2, errored: 1, canceled: 1, expired: 1 },
        ended_at: "2025-06-01T00:00:01Z",
        results_url: resultsUrl
      }
      expect(yield* Effect.promise(() => client.messages.batches.retrieve(created.id))).toEqual(ended)

      const results: Array<Anthropic.Messages.MessageBatchIndividualResponse> = []
      yield* Effect.promise(async () => {
        for await (const result of await client.messages.batches.results(created.id)) results.push(result)
      })
      expect(results).toEqual([
        { custom_id: "a", result: { type: "succeeded", message: answer } },
        {
          custom_id: "b",
          result: {
            type: "errored",
            error: {
              type: "error",
              error: { type: "overloaded_error", message: "Overloaded" },
              request_id: "req_item"
            }
          }
        },
        { custom_id: "c", result: { type: "canceled" } },
        { custom_id: "d", result: { type: "expired" } },
        {
          custom_id: "e",
          result: {
            type: "succeeded",
            message: MockAnthropicServer.textMessage("echo: hi", {
              id: "msg_e",
              model: "claude-haiku-4-5",
              usage: { input_tokens: 12, service_tier: "batch" }
            })
          }
        }
      ])
      const file = yield* send(server, "GET", "/v1/messages/batches/msgbatch_0001/results")
      expect(file.headers.get("content-type")).toBe("application/x-jsonl")
      expect(file.text.split("\n")).toEqual([...results.map((result) => JSON.stringify(result)), ""])

      expect(yield* server.batches).toEqual([
        {
          id: "msgbatch_0001",
          requests: ["a", "b", "c", "d"].map((id) => batchRequest(id)).concat(batchRequest("e", "hi")),
          headers: expect.objectContaining({ authorization: "Bearer test" }),
          processingStatus: "ended",
          // Six by the tests, one by the SDK's `results`, which looks up the results URL first.
          retrievals: 7,
          createdAt: "2025-06-01T00:00:00Z",
          endedAt: "2025-06-01T00:00:01Z",
          cancelInitiatedAt: null
        }
      ])
      expect(yield* server.resultsDownloads).toEqual([
        { batchId: "msgbatch_0001", linesWritten: 5, finished: true },
        { batchId: "msgbatch_0001", linesWritten: 5, finished: true }
      ])
    })
  )

  it.scoped("refuses a batch the API would refuse, with its error envelope", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({})
      const create = (body: unknown) => Effect.map(send(server, "POST", "/v1/messages/batches", { body }), errorOf)
      const invalid = (message: string) => ({ status: 400, type: "invalid_request_error", message })
      expect(yield* create({})).toEqual(invalid("requests: Field required"))
      expect(yield* create({ requests: [] })).toEqual(invalid("requests: List should have at least 1 item"))
      expect(yield* create({ requests: [batchRequest("has space")] })).toEqual(
        invalid("requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'")
      )
      expect(yield* create({ requests: [batchRequest("a"), batchRequest("a")] })).toEqual(
        invalid("requests.1.custom_id: Duplicate custom_id a")
      )
      expect(yield* create({ requests: [{ custom_id: "a", params: { model: "m", messages: [] } }] })).toEqual(
        invalid("requests.0.params.max_tokens: Field required")
      )
      const streamed = batchRequest("a")
      expect(yield* create({ requests: [{ ...streamed, params: { ...streamed.params, stream: true } }] })).toEqual(
        invalid("requests.0.params.stream: Streaming is not supported in batches")
      )
      const refused = yield* rejection(() => clientOf(server).messages.batches.create({ requests: [] }))
      expect(refused).toBeInstanceOf(Anthropic.BadRequestError)
      expect(yield* server.batches).toEqual([])
    })
  )

  it.scoped("lists newest first over pages, cancels, deletes only ended batches, 404s unknown ones", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({ batches: { processingPolls: 10, processedBeforeCancel: 1 } })
      const client = clientOf(server)
      for (const id of ["one", "two", "three"]) {
        yield* Effect.promise(() =>
          client.messages.batches.create({ requests: [batchRequest(`${id}-a`), batchRequest(`${id}-b`)] })
        )
      }
      const listed: Array<string> = []
      yield* Effect.promise(async () => {
        for await (const batch of client.messages.batches.list({ limit: 2 })) listed.push(batch.id)
      })
      expect(listed).toEqual(["msgbatch_0003", "msgbatch_0002", "msgbatch_0001"])
      const lists = (yield* server.requests).filter((request) => request.method === "GET")
      expect(lists.map((request) => request.query)).toEqual([{ limit: "2" }, { limit: "2", after_id: "msgbatch_0002" }])

      const canceling = yield* Effect.promise(() => client.messages.batches.cancel("msgbatch_0002"))
      expect([canceling.processing_status, canceling.cancel_initiated_at]).toEqual([
        "canceling",
        "2025-06-01T00:00:03Z"
      ])
      // Canceled, it ends at the next retrieval; the request processed before the cancel succeeded.
      const ended = yield* Effect.promise(() => client.messages.batches.retrieve("msgbatch_0002"))
      expect([ended.processing_status, ended.request_counts]).toEqual([
        "ended",
        { ...noCounts, succeeded: 1, canceled: 1 }
      ])

      const running = errorOf(yield* send(server, "DELETE", "/v1/messages/batches/msgbatch_0001"))
      expect(running).toEqual({
        status: 400,
        type: "invalid_request_error",
        message: "Batch msgbatch_0001 cannot be deleted while it is in_progress; cancel it first"
      })
      const notReady = errorOf(yield* send(server, "GET", "/v1/messages/batches/msgbatch_0001/results"))
      expect(notReady.message).toBe("Batch msgbatch_0001 has not ended; its results are not ready")
      const deleted = yield* Effect.promise(() => client.messages.batches.delete("msgbatch_0002"))
      expect(deleted).toEqual({ id: "msgbatch_0002", type: "message_batch_deleted" })
      expect((yield* server.batches).map((batch) => batch.id)).toEqual(["msgbatch_0003", "msgbatch_0001"])
      const gone = yield* rejection(() => client.messages.batches.retrieve("msgbatch_0002"))
      expect(gone).toBeInstanceOf(Anthropic.NotFoundError)
      expect(errorOf(yield* send(server, "PUT", "/v1/messages/batches/msgbatch_0001")).status).toBe(404)
    })
  )

  it.live("generates a big results file lazily and writes it only as fast as the client reads", () =>
    Effect.gen(function* () {
      const total = 40_000
      const padding = "x".repeat(1000)
      let generated = 0
      const lines = function* () {
        for (let index = 0; index < total; index++) {
          generated++
          yield JSON.stringify({ custom_id: `r${index}`, result: { type: "expired" }, padding })
        }
      }
      const server = yield* MockAnthropicServer.make({ batches: { resultLines: lines } })
      yield* Effect.promise(() => clientOf(server).messages.batches.create({ requests: [batchRequest("a")] }))
      yield* send(server, "GET", "/v1/messages/batches/msgbatch_0001")
      const { reader, firstPiece } = yield* Effect.promise(async () => {
        const response = await fetch(`${server.url}/v1/messages/batches/msgbatch_0001/results`, {
          headers: { "x-api-key": "test" }
        })
        const reader = response.body!.getReader()
        return { reader, firstPiece: await reader.read() }
      })
      expect(firstPiece.done).toBe(false)
      // The reader stops; the server fills the socket's buffers and waits.
      yield* Effect.sleep("200 millis")
      const [paused] = yield* server.resultsDownloads
      expect(paused!.finished).toBe(false)
      expect(paused!.linesWritten).toBe(generated)
      expect(paused!.linesWritten).toBeLessThan(total / 4)
      const rest = yield* Effect.promise(async () => {
        let newlines = new TextDecoder().decode(firstPiece.value).split("\n").length - 1
        for (let piece = await reader.read(); !piece.done; piece = await reader.read()) {
          for (const byte of piece.value) if (byte === 10) newlines++
        }
        return newlines
      })
      expect(rest).toBe(total)
      expect(yield* server.resultsDownloads).toEqual([
        { batchId: "msgbatch_0001", linesWritten: total, finished: true }
      ])
    }).pipe(Effect.scoped)
  )

  it.live("holds every results file after holdResultsAfter lines until releaseResults", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({ batches: { holdResultsAfter: 2 } })
      const client = clientOf(server)
      yield* Effect.promise(() =>
        client.messages.batches.create({ requests: ["a", "b", "c"].map((id) => batchRequest(id)) })
      )
      const seen: Array<string> = []
      const reading = yield* Effect.fork(
        Effect.promise(async () => {
          for await (const result of await client.messages.batches.results("msgbatch_0001")) seen.push(result.custom_id)
        })
      )
      // Wait for the two lines before the hold (a busy machine may take a while), then give the
      // reader time to see a third line if the server did not hold it back.
      for (let waited = 0; seen.length < 2 && waited < 5000; waited += 20) yield* Effect.sleep("20 millis")
      yield* Effect.sleep("100 millis")
      expect(seen).toEqual(["a", "b"])
      expect(yield* server.resultsDownloads).toEqual([{ batchId: "msgbatch_0001", linesWritten: 2, finished: false }])
      yield* server.releaseResults
      yield* reading.await
      expect(seen).toEqual(["a", "b", "c"])
      expect(yield* server.resultsDownloads).toEqual([{ batchId: "msgbatch_0001", linesWritten: 3, finished: true }])
    }).pipe(Effect.scoped)
  )

  it.scoped("a results generator that throws cuts the connection after the lines before it", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({
        batches: {
          resultLines: function* () {
            yield JSON.stringify({ custom_id: "a", result: { type: "expired" } })
            throw new Error("generator broke")
          }
        }
      })
      const client = clientOf(server)
      yield* Effect.promise(() => client.messages.batches.create({ requests: [batchRequest("a")] }))
      const seen: Array<string> = []
      const failure = yield* rejection(async () => {
        for await (const result of await client.messages.batches.results("msgbatch_0001")) seen.push(result.custom_id)
      })
      expect(failure).toBeInstanceOf(Error)
      expect(seen).toEqual(["a"])
      expect(yield* server.resultsDownloads).toEqual([{ batchId: "msgbatch_0001", linesWritten: 1, finished: false }])
    })
  )
})

describe("MockAnthropicServer: Files API", () => {
  const betas: Array<Anthropic.AnthropicBeta> = ["files-api-2025-04-14"]
  const filesHeaders = { "anthropic-beta": MockAnthropicServer.filesBeta }
  const plot = new Uint8Array(150_000).map((_, index) => index % 251)

  it.scoped("uploads a multipart form through the SDK, records its fields, lists, retrieves and deletes", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({})
      const client = clientOf(server)
      const upload = (name: string, content: string, expires?: number) =>
        Effect.promise(async () =>
          client.beta.files.upload({
            file: await toFile(new TextEncoder().encode(content), name, { type: "text/plain" }),
            betas,
            ...(expires === undefined ? {} : { expires_in_seconds: expires })
          })
        )
      const first = yield* upload("dir/notes.txt", "hello", 3600)
      expect(first).toEqual({
        id: "file_0001",
        type: "file",
        filename: "notes.txt",
        mime_type: "text/plain",
        size_bytes: 5,
        created_at: "2025-06-01T00:00:00Z",
        expires_at: "2025-06-01T01:00:00Z",
        downloadable: false
      })
      const [received] = yield* server.requests
      expect(received!.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
      expect(received!.body).toEqual({
        file: { filename: "dir/notes.txt", contentType: "text/plain", bytes: new TextEncoder().encode("hello") },
        expires_in_seconds: "3600"
      })
      yield* upload("b.txt", "bb")
      yield* upload("c.txt", "ccc")

      const listed: Array<string> = []
      yield* Effect.promise(async () => {
        for await (const file of client.beta.files.list({ limit: 2, betas })) listed.push(file.id)
      })
      expect(listed).toEqual(["file_0003", "file_0002", "file_0001"])
      const lists = (yield* server.requests).filter(
        (request) => request.path === "/v1/files" && request.method === "GET"
      )
      expect(lists.map((request) => request.query)).toEqual([{ limit: "2" }, { limit: "2", page: "file_0002" }])

      const two = yield* Effect.promise(() => client.beta.files.retrieveMetadata("file_0002", { betas }))
      expect([two.filename, two.size_bytes, two.expires_at]).toEqual(["b.txt", 2, null])
      expect(yield* Effect.promise(() => client.beta.files.delete("file_0002", { betas }))).toEqual({
        id: "file_0002",
        type: "file_deleted"
      })
      expect((yield* server.files).map((file) => [file.id, new TextDecoder().decode(file.bytes)])).toEqual([
        ["file_0003", "ccc"],
        ["file_0001", "hello"]
      ])
      const gone = yield* rejection(() => client.beta.files.retrieveMetadata("file_0002", { betas }))
      expect(gone).toBeInstanceOf(Anthropic.NotFoundError)
      // An upload is not downloadable.
      const refused = errorOf(yield* send(server, "GET", "/v1/files/file_0001/content", { headers: filesHeaders }))
      expect(refused).toEqual({
        status: 400,
        type: "invalid_request_error",
        message: "File file_0001 is not downloadable"
      })
    })
  )

  it.scoped("streams a seeded file's content in pieces", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({
        files: {
          initial: [
            { id: "file_plot", filename: "plot.png", mimeType: "image/png", content: plot },
            { filename: "readme.txt", content: "read me", downloadable: false }
          ]
        }
      })
      const response = yield* Effect.promise(() =>
        clientOf(server).beta.files.download("file_plot", { betas }).asResponse()
      )
      expect([response.headers.get("content-type"), response.headers.get("content-length")]).toEqual([
        "image/png",
        "150000"
      ])
      const pieces = yield* Effect.promise(async () => {
        const collected: Array<Uint8Array> = []
        const reader = response.body!.getReader()
        for (let piece = await reader.read(); !piece.done; piece = await reader.read()) collected.push(piece.value)
        return collected
      })
      expect(pieces.length).toBeGreaterThan(1)
      expect(Buffer.concat(pieces).equals(Buffer.from(plot))).toBe(true)
      expect(
        (yield* server.files).map((file) => [file.id, file.filename, file.mimeType, file.downloadable, file.createdAt])
      ).toEqual([
        ["file_0001", "readme.txt", "application/octet-stream", false, "2025-06-01T00:00:01Z"],
        ["file_plot", "plot.png", "image/png", true, "2025-06-01T00:00:00Z"]
      ])
    })
  )

  it.scoped("without the files beta the files routes and Messages file references are refused", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({
        messages: (request) => MockAnthropicServer.textMessage(MockAnthropicServer.fileReferences(request).join(","))
      })
      const betaError = (what: string) => ({
        status: 400,
        type: "invalid_request_error",
        message: `${what} needs the anthropic-beta header files-api-2025-04-14`
      })
      expect(errorOf(yield* send(server, "GET", "/v1/files"))).toEqual(betaError("The Files API"))
      expect(errorOf(yield* send(server, "GET", "/v1/files/file_1/content"))).toEqual(betaError("The Files API"))
      const referencing = {
        ...params,
        messages: [
          {
            role: "user",
            content: [
              { type: "document", source: { type: "file", file_id: "file_a" } },
              {
                type: "tool_result",
                tool_use_id: "toolu_1",
                content: [{ type: "image", source: { type: "file", file_id: "file_b" } }]
              }
            ]
          }
        ]
      }
      expect(errorOf(yield* send(server, "POST", "/v1/messages", { body: referencing }))).toEqual(
        betaError("A file reference")
      )
      expect(errorOf(yield* send(server, "POST", "/v1/messages/count_tokens", { body: referencing }))).toEqual(
        betaError("A file reference")
      )
      const answered = yield* send(server, "POST", "/v1/messages", { body: referencing, headers: filesHeaders })
      expect(answered.status).toBe(200)
      expect(JSON.parse(answered.text).content).toEqual([MockAnthropicServer.textBlock("file_a,file_b")])
      // An unknown id or a bad expiry, with the beta.
      expect(errorOf(yield* send(server, "GET", "/v1/files/file_x", { headers: filesHeaders }))).toMatchObject({
        status: 404,
        type: "not_found_error"
      })
      const shortLived = yield* rejection(async () =>
        clientOf(server).beta.files.upload({
          file: await toFile(new Uint8Array([1]), "x.bin"),
          betas,
          expires_in_seconds: 60
        })
      )
      expect(shortLived).toBeInstanceOf(Anthropic.BadRequestError)
      expect(yield* server.files).toEqual([])
    })
  )
})

describe("MockAnthropicServer: intercept and streamed replies", () => {
  it.scoped("intercept answers any route first, lets undefined through, and may answer with an Effect", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({
        messages: MockAnthropicServer.textMessage("routed"),
        intercept: (request) =>
          request.path === "/v1/models"
            ? MockAnthropicServer.apiError(529)
            : MockAnthropicServer.lastUserText(request) === "slow"
              ? Effect.succeed(MockAnthropicServer.textMessage("intercepted"))
              : undefined
      })
      const client = clientOf(server)
      expect(yield* rejection(() => client.models.list())).toBeInstanceOf(Anthropic.InternalServerError)
      const routed = yield* Effect.promise(() => client.messages.create(params))
      const intercepted = yield* Effect.promise(() =>
        client.messages.create({ ...params, messages: [{ role: "user", content: "slow" }] })
      )
      expect([routed.content, intercepted.content]).toEqual([
        [MockAnthropicServer.textBlock("routed")],
        [MockAnthropicServer.textBlock("intercepted")]
      ])
    })
  )

  it.scoped("streamed() sends a Stream's pieces as one body; a failing Stream cuts the connection", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({
        countTokens: [
          MockAnthropicServer.streamed(Stream.make('{"input_tokens"', new TextEncoder().encode(":42}")), {
            contentType: "application/json",
            headers: { "x-extra": "1" }
          }),
          MockAnthropicServer.streamed(Stream.concat(Stream.make('{"input'), Stream.fail("broken")), {
            contentType: "application/json"
          })
        ]
      })
      const client = clientOf(server)
      const count = { model: params.model, messages: params.messages }
      const { data, response } = yield* Effect.promise(() => client.messages.countTokens(count).withResponse())
      expect(data).toEqual({ input_tokens: 42 })
      expect([response.headers.get("x-extra"), response.headers.get("request-id")]).toEqual(["1", "req_mock_000001"])
      // The second: what came before the failure arrives, then the body breaks off.
      const broken = yield* Effect.promise(async () => {
        const answer = await fetch(`${server.url}/v1/messages/count_tokens`, {
          method: "POST",
          headers: { "x-api-key": "test", "content-type": "application/json" },
          body: JSON.stringify(count)
        })
        const reader = answer.body!.getReader()
        let text = ""
        try {
          for (let piece = await reader.read(); !piece.done; piece = await reader.read()) {
            text += new TextDecoder().decode(piece.value)
          }
          return { status: answer.status, text, failed: false }
        } catch {
          return { status: answer.status, text, failed: true }
        }
      })
      expect(broken).toEqual({ status: 200, text: '{"input', failed: true })
    })
  )
})
