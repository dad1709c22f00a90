/**
 * The fault matrix: every failure production traffic has, injected by the loopback
 * `MockAnthropicServer` and met by the real SDK and `AnthropicModel` (and the `Agent` where a run
 * matters). Each test asserts the typed outcome (never a defect), the status and request id the
 * server sent, how many requests reached the server, and that no promise was left rejected.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Deferred, Effect, Exit, Fiber, Schema, Stream, Supervisor, TestClock } from "effect"
import { Agent, Message, Tool } from "effect-claude"
import { AnthropicRetry } from "effect-claude/anthropic"
import {
  ask,
  askStream,
  collect,
  failureOf,
  fastRetry,
  liveSleep,
  M,
  serve,
  streamedText,
  watchUnhandledRejections,
  withClaude
} from "./harness.js"

watchUnhandledRejections()

const story = "Once upon a time a small crab walked sideways across the whole beach."

const weather = Tool.make("get_weather", {
  description: "Current weather for a city",
  parameters: Schema.Struct({ city: Schema.String }),
  handler: ({ city }) => Effect.succeed(`Sunny in ${city}`)
})

describe("fault matrix", () => {
  describe("API errors", () => {
    it.scopedLive("429 with retry-after-ms: waits what the server asks, then succeeds", () =>
      Effect.gen(function* () {
        const server = yield* serve([M.apiError(429, { retryAfterMs: 60 }), M.textMessage("Recovered")])
        const started = Date.now()
        const response = yield* ask().pipe(withClaude(server))
        expect(Date.now() - started).toBeGreaterThanOrEqual(55)
        expect(Message.responseText(response)).toBe("Recovered")
        expect(yield* server.requestCount).toBe(2)

        // Still rate limited after the retries: the last answer's error, with everything it carried.
        const limited = yield* serve(M.apiError(429, { retryAfterMs: 1, retryAfter: 1 }))
        const exit = yield* Effect.exit(ask().pipe(withClaude(limited)))
        const error = failureOf(exit, "RateLimitError")
        expect(error.status).toBe(429)
        expect(error.requestId).toBe("req_mock_000003")
        expect(error.errorType).toBe("rate_limit_error")
        expect(error.headers["retry-after-ms"]).toBe("1")
        expect(yield* limited.requestCount).toBe(3)
      })
    )

    it.scoped("429 with retry-after in seconds, on the TestClock: the retry waits exactly that long", () =>
      Effect.gen(function* () {
        const server = yield* serve([M.apiError(429, { retryAfter: 2 }), M.textMessage("After two seconds")])
        // The default policy (its backoff would wait 0.5 s): the server's header must win.
        const fiber = yield* Effect.fork(ask().pipe(withClaude(server, { retry: AnthropicRetry.defaultPolicy })))
        while ((yield* TestClock.sleeps()).length === 0) yield* liveSleep(2)
        expect(yield* server.requestCount).toBe(1)
        yield* TestClock.adjust("1999 millis")
        yield* liveSleep(20)
        expect(yield* server.requestCount).toBe(1)
        yield* TestClock.adjust("1 millis")
        const response = yield* Fiber.join(fiber)
        expect(Message.responseText(response)).toBe("After two seconds")
        expect(yield* server.requestCount).toBe(2)
      })
    )

    it.scopedLive("529 overloaded: retried twice, then OverloadedError with status and request id", () =>
      Effect.gen(function* () {
        const server = yield* serve(M.apiError(529))
        const { events, exit } = yield* askStream().pipe(withClaude(server))
        const error = failureOf(exit, "OverloadedError")
        expect(events).toEqual([])
        expect(error.status).toBe(529)
        expect(error.requestId).toBe("req_mock_000003")
        expect(error.errorType).toBe("overloaded_error")
        expect(yield* server.requestCount).toBe(3)
      })
    )

    it.scopedLive("500: retried, and the streamed answer that follows arrives whole and once", () =>
      Effect.gen(function* () {
        const server = yield* serve([M.apiError(500), M.textMessage(story)])
        const { events, exit } = yield* askStream().pipe(withClaude(server))
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(streamedText(events)).toBe(story)
        expect(
          events.filter((event) => event._tag === "ResponseMetadata" && event.modelName !== undefined)
        ).toHaveLength(1)
        expect(yield* server.requestCount).toBe(2)

        const failing = yield* serve(M.apiError(500))
        const error = failureOf(yield* Effect.exit(ask().pipe(withClaude(failing))), "InternalServerError")
        expect(error.status).toBe(500)
        expect(error.requestId).toBe("req_mock_000003")
        expect(error.errorType).toBe("api_error")
      })
    )

    it.scopedLive("503: retried twice, then ServiceUnavailableError", () =>
      Effect.gen(function* () {
        const server = yield* serve(M.apiError(503))
        const error = failureOf(yield* Effect.exit(ask().pipe(withClaude(server))), "ServiceUnavailableError")
        expect(error.status).toBe(503)
        expect(error.requestId).toBe("req_mock_000003")
        expect(yield* server.requestCount).toBe(3)
      })
    )

    it.scopedLive("400, 401, 403, 404, 413 and 422 are never retried, streamed or not", () =>
      Effect.gen(function* () {
        const cases = [
          [400, "BadRequestError"],
          [401, "AuthenticationError"],
          [403, "PermissionDeniedError"],
          [404, "NotFoundError"],
          [413, "ContentTooLargeError"],
          [422, "UnprocessableEntityError"]
        ] as const
        for (const [status, tag] of cases) {
          for (const streamed of [false, true]) {
            const server = yield* serve(M.apiError(status))
            const exit = streamed
              ? (yield* askStream().pipe(withClaude(server))).exit
              : yield* Effect.exit(ask().pipe(withClaude(server)))
            const error = failureOf(exit, tag)
            expect(error.status).toBe(status)
            expect(error.requestId).toBe("req_mock_000001")
            expect(yield* server.requestCount).toBe(1)
          }
        }
      })
    )
  })

  describe("connections", () => {
    it.scopedLive("a reset before the headers is retried; reset every time, APIConnectionError", () =>
      Effect.gen(function* () {
        const server = yield* serve([M.reset(), M.reset(), M.textMessage("Third time lucky")])
        const response = yield* ask().pipe(withClaude(server))
        expect(Message.responseText(response)).toBe("Third time lucky")
        expect(yield* server.requestCount).toBe(3)

        const broken = yield* serve(M.reset())
        const { events, exit } = yield* askStream().pipe(withClaude(broken))
        const error = failureOf(exit, "APIConnectionError")
        expect(events).toEqual([])
        expect(error.status).toBeUndefined()
        expect(yield* broken.requestCount).toBe(3)
      })
    )

    it.scopedLive(
      "a reset mid-stream: before any content it is retried; after content it surfaces, text not repeated",
      () =>
        Effect.gen(function* () {
          // Events: message_start, content_block_start, ping, then text deltas.
          const early = yield* serve([
            M.reply(M.textMessage(story), { fault: M.resetAfterEvents(3) }),
            M.textMessage(story)
          ])
          const recovered = yield* askStream().pipe(withClaude(early))
          expect(Exit.isSuccess(recovered.exit)).toBe(true)
          expect(streamedText(recovered.events)).toBe(story)
          expect(yield* early.requestCount).toBe(2)

          const late = yield* serve(M.reply(M.textMessage(story), { fault: M.resetAfterEvents(6) }))
          const { events, exit } = yield* askStream().pipe(withClaude(late))
          failureOf(exit, "APIConnectionError")
          // The three words sent before the cut, each once.
          expect(streamedText(events)).toBe("Once upon a")
          expect(yield* late.requestCount).toBe(1)
        })
    )

    it.scopedLive(
      "truncated SSE: an event cut in half, or a clean end before message_stop, is an APIConnectionError",
      () =>
        Effect.gen(function* () {
          for (const cleanEnd of [false, true]) {
            const server = yield* serve(
              M.reply(M.textMessage(story), { fault: M.truncateAfterEvents(5, { cleanEnd }) })
            )
            const { events, exit } = yield* askStream().pipe(withClaude(server))
            failureOf(exit, "APIConnectionError")
            expect(streamedText(events)).toBe("Once upon")
            expect(yield* server.requestCount).toBe(1)
          }
          // Cut before any content: nothing was handed on, so it is retried.
          const early = yield* serve([
            M.reply(M.textMessage(story), { fault: M.truncateAfterEvents(1, { cleanEnd: true }) }),
            M.textMessage(story)
          ])
          const { events, exit } = yield* askStream().pipe(withClaude(early))
          expect(Exit.isSuccess(exit)).toBe(true)
          expect(streamedText(events)).toBe(story)
          expect(yield* early.requestCount).toBe(2)
        })
    )

    it.scopedLive("malformed SSE JSON: AnthropicSdkError (a broken answer is not retried)", () =>
      Effect.gen(function* () {
        const server = yield* serve(M.reply(M.textMessage(story), { fault: M.malformedAfterEvents(5) }))
        // The SDK logs the unparsable event to the console before it throws.
        const consoleError = console.error
        console.error = () => {}
        const { events, exit } = yield* askStream().pipe(
          withClaude(server),
          Effect.ensuring(Effect.sync(() => (console.error = consoleError)))
        )
        const error = failureOf(exit, "AnthropicSdkError")
        expect(error.errorClass).toBe("SyntaxError")
        expect(streamedText(events)).toBe("Once upon")
        expect(yield* server.requestCount).toBe(1)
      })
    )
  })

  describe("SSE error events", () => {
    it.scopedLive("overloaded_error before any content is retried: the run streams the answer once", () =>
      Effect.gen(function* () {
        const server = yield* serve([
          M.reply(M.textMessage(story), { fault: M.errorEventAfterEvents(2) }),
          M.textMessage(story)
        ])
        const agent = Agent.make({})
        const { events, exit } = yield* collect(Agent.runStream(agent, "Tell me a story")).pipe(withClaude(server))
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(streamedText(events)).toBe(story)
        const finished = events.at(-1)
        expect(finished?._tag === "RunFinished" ? finished.result.output : undefined).toBe(story)
        expect(yield* server.requestCount).toBe(2)
      })
    )

    it.scopedLive(
      "overloaded_error after content surfaces as OverloadedError with its type and request id; no text repeated",
      () =>
        Effect.gen(function* () {
          const server = yield* serve(M.reply(M.textMessage(story), { fault: M.errorEventAfterEvents(6) }))
          const agent = Agent.make({})
          const { events, exit } = yield* collect(Agent.runStream(agent, "Tell me a story")).pipe(withClaude(server))
          const error = failureOf(exit, "OverloadedError")
          expect(error.errorType).toBe("overloaded_error")
          expect(error.status).toBe(529)
          expect(error.requestId).toBe("req_mock_000001")
          expect(error.message).toBe("529 overloaded_error: Overloaded")
          expect(streamedText(events)).toBe("Once upon a")
          expect(events.some((event) => event._tag === "RunFinished")).toBe(false)
          expect(yield* server.requestCount).toBe(1)
        })
    )
  })

  describe("timeouts and interruption", () => {
    it.scopedLive("slow headers past settings.timeout: APIConnectionTimeoutError, each attempt's request aborted", () =>
      Effect.gen(function* () {
        const server = yield* serve(M.reply(M.textMessage("Too late"), { delay: "5 seconds" }))
        const started = Date.now()
        const exit = yield* Effect.exit(ask("Hi", { timeout: "100 millis" }).pipe(withClaude(server)))
        const error = failureOf(exit, "APIConnectionTimeoutError")
        expect(error.status).toBeUndefined()
        expect(Date.now() - started).toBeLessThan(2_000)
        // Timeouts are retryable: three attempts, each cut by the client.
        expect(yield* server.requestCount).toBe(3)
        yield* server.awaitActiveRequests(0).pipe(Effect.timeout("2 seconds"))
        expect(yield* server.abortedRequests).toBe(3)

        const streamed = yield* serve(M.reply(M.textMessage("Too late"), { delay: "5 seconds" }))
        const once = yield* askStream("Hi", { timeout: "100 millis" }).pipe(
          withClaude(streamed, { retry: AnthropicRetry.none })
        )
        failureOf(once.exit, "APIConnectionTimeoutError")
        expect(yield* streamed.requestCount).toBe(1)
      })
    )

    it.scopedLive("interrupting a streamed run mid-answer aborts its request: no request, socket or fiber left", () =>
      Effect.gen(function* () {
        const server = yield* serve(M.reply(M.textMessage(story), { eventDelay: "30 millis", chunkSize: 4 }))
        const fibers = yield* Supervisor.track
        const agent = Agent.make({})
        const started = yield* Deferred.make<void>()
        const run = yield* Agent.runStream(agent, "Tell me a story").pipe(
          Stream.tap((event) => (event._tag === "PartDelta" ? Deferred.succeed(started, undefined) : Effect.void)),
          Stream.runDrain,
          withClaude(server),
          Effect.supervised(fibers),
          Effect.fork
        )
        yield* Deferred.await(started)
        expect(yield* server.activeRequests).toBe(1)
        // The run's own fibers (the streaming driver, the HTTP bridge's) are being watched.
        expect((yield* fibers.value).length).toBeGreaterThan(0)
        yield* Fiber.interrupt(run)
        // The server sees the connection close promptly, mid-answer.
        yield* server.awaitActiveRequests(0).pipe(Effect.timeout("1 second"))
        expect(yield* server.abortedRequests).toBe(1)
        // The client Layer is gone with the run: its connection pool closed every socket.
        yield* server.awaitOpenConnections(0).pipe(Effect.timeout("1 second"))
        expect(yield* fibers.value).toEqual([])
        expect(yield* server.requestCount).toBe(1)
      })
    )

    it.scopedLive("interrupting a run waiting for its headers aborts the request too", () =>
      Effect.gen(function* () {
        const server = yield* serve(M.reply(M.textMessage("Never sent"), { delay: "10 seconds" }))
        const fibers = yield* Supervisor.track
        const run = yield* Agent.run(Agent.make({}), "Hi").pipe(
          withClaude(server),
          Effect.supervised(fibers),
          Effect.fork
        )
        // (`awaitActiveRequests` is not woken by a request's arrival, only by closes: poll.)
        while ((yield* server.activeRequests) === 0) yield* liveSleep(2)
        expect((yield* fibers.value).length).toBeGreaterThan(0)
        const exit = yield* Fiber.interrupt(run)
        expect(Exit.isInterrupted(exit)).toBe(true)
        yield* server.awaitActiveRequests(0).pipe(Effect.timeout("1 second"))
        expect(yield* server.abortedRequests).toBe(1)
        yield* server.awaitOpenConnections(0).pipe(Effect.timeout("1 second"))
        expect(yield* fibers.value).toEqual([])
      })
    )
  })

  describe("the agent's side", () => {
    it.scopedLive(
      "a tool handler that dies: the run dies with that defect, siblings interrupted, nothing left open",
      () =>
        Effect.gen(function* () {
          const server = yield* serve([
            M.toolUseMessage([
              { name: "explode", input: {} },
              { name: "wait_forever", input: {} }
            ]),
            M.textMessage("unreachable")
          ])
          const siblingInterrupted = yield* Deferred.make<void>()
          const explode = Tool.make("explode", {
            parameters: Schema.Struct({}),
            handler: () =>
              Effect.sync((): string => {
                throw new Error("bug in the tool")
              })
          })
          const waitForever = Tool.make("wait_forever", {
            parameters: Schema.Struct({}),
            handler: () => Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(siblingInterrupted, undefined)))
          })
          const agent = Agent.make({ tools: [explode, waitForever] })
          const exit = yield* Effect.exit(Agent.run(agent, "Go").pipe(withClaude(server)))
          // A defect in a handler is a bug in the program: it stays a defect (not a typed error, not a
          // retry prompt for the model), with the thrown error as it was.
          expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
          const defects = Exit.isFailure(exit) ? Chunk.toReadonlyArray(Cause.defects(exit.cause)) : []
          expect(defects).toHaveLength(1)
          expect(defects[0]).toBeInstanceOf(Error)
          expect((defects[0] as Error).message).toBe("bug in the tool")
          yield* Deferred.await(siblingInterrupted).pipe(Effect.timeout("1 second"))
          expect(yield* server.requestCount).toBe(1)
          yield* server.awaitOpenConnections(0).pipe(Effect.timeout("1 second"))
        })
    )

    it.scopedLive("a model that sends invalid tool arguments forever: bounded by the tool's retries", () =>
      Effect.gen(function* () {
        // Streamed: the arguments are not even JSON.
        const brokenJson = M.sse([
          { type: "message_start", message: { ...M.message([]), stop_reason: null } },
          {
            type: "content_block_start",
            index: 0,
            content_block: { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} }
          },
          { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"city": "Par' } },
          { type: "content_block_stop", index: 0 },
          {
            type: "message_delta",
            delta: { stop_reason: "tool_use", stop_sequence: null },
            usage: { output_tokens: 5 }
          },
          { type: "message_stop" }
        ])
        const streamed = yield* serve(brokenJson)
        const agent = Agent.make({ tools: [weather], retries: 2 })
        const { exit } = yield* collect(Agent.runStream(agent, "Weather in Paris?")).pipe(withClaude(streamed))
        const error = failureOf(exit, "UnexpectedModelBehavior")
        expect(error.message).toContain("get_weather")
        expect(yield* streamed.requestCount).toBe(3)

        // Not streamed: JSON, but not what the tool's Schema accepts.
        const wrongShape = yield* serve(M.toolUseMessage([{ name: "get_weather", input: { city: 42 } }]))
        const whole = yield* Effect.exit(Agent.run(agent, "Weather in Paris?").pipe(withClaude(wrongShape)))
        expect(failureOf(whole, "UnexpectedModelBehavior").message).toContain("get_weather")
        expect(yield* wrongShape.requestCount).toBe(3)
        // The model was told what was wrong each time.
        const retried = (yield* wrongShape.requests).slice(1).map((request) => JSON.stringify(request.body))
        for (const body of retried) expect(body).toContain("is_error")
      })
    )
  })

  it.scopedLive("a per-run policy wins over the model's", () =>
    Effect.gen(function* () {
      const server = yield* serve(M.apiError(529))
      const exit = yield* Effect.exit(
        ask().pipe(AnthropicRetry.withPolicy(AnthropicRetry.none), withClaude(server, { retry: fastRetry }))
      )
      failureOf(exit, "OverloadedError")
      expect(yield* server.requestCount).toBe(1)

      const patient = yield* serve([M.apiError(529), M.apiError(529), M.apiError(529), M.textMessage("Finally")])
      const response = yield* ask().pipe(
        AnthropicRetry.withPolicy(AnthropicRetry.make({ maxRetries: 3, initialDelay: "1 millis" })),
        withClaude(patient, { retry: AnthropicRetry.none })
      )
      expect(Message.responseText(response)).toBe("Finally")
      expect(yield* patient.requestCount).toBe(4)
    })
  )
})
