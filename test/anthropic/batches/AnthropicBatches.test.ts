import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Exit, Fiber, Layer, Schedule, Stream, TestClock } from "effect"
import { AgentError, Message, Model } from "effect-claude"
import { AnthropicBatches, type AnthropicClient, AnthropicError, AnthropicModel } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { awaitSleeper, clientLayer, cloudClientLayer, eventually, pause, withServer } from "./helpers.js"

const model = "claude-haiku-4-5"

const user = (text: string) => [Message.ModelRequest.user(text)]

const requests = (count: number): Array<AnthropicBatches.BatchRequest> =>
  Array.from({ length: count }, (_, index) => ({ customId: `req-${index}`, messages: user(`question ${index}`) }))

/** Runs `f` against a fresh MockAnthropicServer whose batches API follows `batches`. */
const withBatches = <A, E>(
  batches: MockAnthropicServer.BatchesScript,
  f: (server: MockAnthropicServer.Service) => Effect.Effect<A, E, AnthropicClient.AnthropicClient>
) => withServer({ batches }, f)

const retrievalPath = /^\/v1\/messages\/batches\/[^/]+$/

/** The batch retrievals (`GET /v1/messages/batches/{id}`) the server received so far. */
const retrievalsOf = (server: MockAnthropicServer.Service) =>
  Effect.map(
    server.requests,
    (received) => received.filter((request) => request.method === "GET" && retrievalPath.test(request.path)).length
  )

/** An item errored with the API's error response for this status and message. */
const errored = (status: number, message: string) =>
  MockAnthropicServer.batchErrored(status, { message, requestId: "req_item" })

const weather: Model.ToolDefinition = {
  name: "get_weather",
  description: "Weather in a city",
  parametersJsonSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  kind: "function"
}

/** A message with text, thinking and a tool call: every kind of part the mapping makes. */
const richMessage = MockAnthropicServer.message(
  [
    MockAnthropicServer.thinkingBlock("Let me check.", "sig-1"),
    MockAnthropicServer.textBlock("Checking the weather."),
    MockAnthropicServer.toolUseBlock("get_weather", { city: "Paris" }, "toolu_1")
  ],
  {
    id: "msg_rich",
    model: "claude-haiku-4-5",
    usage: { input_tokens: 50, output_tokens: 20, cache_read_input_tokens: 7 }
  }
)

describe("AnthropicBatches.create", () => {
  it.scoped("sends each item exactly as AnthropicModel sends the same request alone", () =>
    Effect.gen(function* () {
      const history: Array<Message.ModelMessage> = [
        new Message.ModelRequest({
          parts: [
            new Message.SystemPromptPart({ content: "You are terse." }),
            new Message.UserPromptPart({
              content: [
                new Message.UploadedFile({ fileId: "file_abc", kind: "document" }),
                new Message.TextContent({ text: "What is the weather in the city this file names?" })
              ]
            })
          ],
          instructions: "Use the tool."
        })
      ]
      const settings = {
        maxTokens: 2048,
        temperature: 0.3,
        extraHeaders: { "x-trace": "run-1" },
        anthropic: {
          cacheInstructions: true as const,
          cacheToolDefinitions: "1h" as const,
          betas: ["custom-beta-2025-01-01"]
        }
      }
      const parameters: Model.ModelRequestParameters = { ...Model.textParameters, functionTools: [weather] }

      // The single request, as AnthropicModel sends it, then the same request in a batch.
      const server = yield* MockAnthropicServer.make(MockAnthropicServer.textMessage("ok"))
      const client = clientLayer(server.baseURL, server.apiKey)
      yield* Effect.flatMap(Model.Model, (m) => m.request(history, {}, parameters)).pipe(
        Effect.provide(AnthropicModel.layer(model, settings).pipe(Layer.provide(client)))
      )
      const batch = yield* AnthropicBatches.create([{ customId: "weather", messages: history }], {
        model,
        settings,
        parameters
      }).pipe(Effect.provide(client))
      expect(batch.id).toBe("msgbatch_0001")

      const [single, created] = yield* server.requests
      const { stream, ...singleBody } = single!.body as Record<string, unknown>
      expect(stream).toBe(false)
      expect(single!.path).toBe("/v1/messages")
      expect(created!.method).toBe("POST")
      expect(created!.path).toBe("/v1/messages/batches")
      expect(created!.body).toEqual({ requests: [{ custom_id: "weather", params: singleBody }] })
      // The betas and extra headers of the single request ride on the batch request.
      expect(created!.headers["anthropic-beta"]).toBe(single!.headers["anthropic-beta"])
      expect(created!.headers["anthropic-beta"]!.split(",").sort()).toEqual(
        [MockAnthropicServer.filesBeta, "custom-beta-2025-01-01"].sort()
      )
      expect(created!.headers["x-trace"]).toBe("run-1")
      expect((yield* server.batches).map((stored) => stored.headers["x-trace"])).toEqual(["run-1"])
    })
  )

  it.scoped("merges per-item settings over the batch's, and takes the item's model", () =>
    withBatches({}, (server) =>
      Effect.gen(function* () {
        yield* AnthropicBatches.create(
          [
            { customId: "a", messages: user("one") },
            { customId: "b", messages: user("two"), model: "claude-opus-4-6", settings: { maxTokens: 99 } }
          ],
          { model, settings: { maxTokens: 10, temperature: 0 } }
        )
        const [created] = yield* server.requests
        expect(created!.body).toEqual({
          requests: [
            {
              custom_id: "a",
              params: {
                model,
                max_tokens: 10,
                temperature: 0,
                messages: [{ role: "user", content: [{ type: "text", text: "one" }] }]
              }
            },
            {
              custom_id: "b",
              params: {
                model: "claude-opus-4-6",
                max_tokens: 99,
                temperature: 0,
                messages: [{ role: "user", content: [{ type: "text", text: "two" }] }]
              }
            }
          ]
        })
        // No beta needed, none sent.
        expect(created!.headers["anthropic-beta"]).toBeUndefined()
      })
    )
  )

  it.scoped("refuses what the API would reject, before sending anything", () =>
    withBatches({}, (server) =>
      Effect.gen(function* () {
        const failures = yield* Effect.all(
          [
            AnthropicBatches.create([], { model }),
            AnthropicBatches.create([{ customId: "has space", messages: user("x") }], { model }),
            AnthropicBatches.create([{ customId: "x".repeat(65), messages: user("x") }], { model }),
            AnthropicBatches.create(
              [
                { customId: "same", messages: user("x") },
                { customId: "same", messages: user("y") }
              ],
              { model }
            ),
            AnthropicBatches.create([{ customId: "nomodel", messages: user("x") }]),
            AnthropicBatches.create(
              [{ customId: "thinks", messages: user("x"), settings: { thinking: { budgetTokens: 10 } } }],
              {
                model
              }
            ),
            AnthropicBatches.create(
              [
                { customId: "h1", messages: user("x"), settings: { extraHeaders: { "x-a": "1" } } },
                { customId: "h2", messages: user("y"), settings: { extraHeaders: { "x-a": "2" } } }
              ],
              { model }
            )
          ].map(Effect.flip)
        )
        expect(failures.map((failure) => [failure._tag, failure.message])).toEqual([
          ["UserError", "A batch needs at least one request"],
          ["UserError", `Batch customId "has space" must be 1 to 64 letters, digits, '-' or '_'`],
          ["UserError", `Batch customId "${"x".repeat(65)}" must be 1 to 64 letters, digits, '-' or '_'`],
          ["UserError", "Batch customId same is used twice"],
          ["UserError", "Batch request nomodel names no model and the batch has no default"],
          ["UserError", "Batch request thinks: Anthropic needs a thinking budget of at least 1024 tokens, got 10"],
          ["UserError", "Batch request h2 sets header x-a to a value other requests do not share"]
        ])
        expect(failures.every((failure) => failure instanceof AgentError.UserError)).toBe(true)
        expect(yield* server.requests).toEqual([])
      })
    )
  )

  it.scoped("fails with the mirrored error when the API refuses the batch", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({}, { apiKey: "sk-ant-test" })
      const error = yield* AnthropicBatches.create(requests(1), { model }).pipe(
        Effect.provide(clientLayer(server.baseURL, "sk-ant-wrong")),
        Effect.flip
      )
      expect(error).toMatchObject({
        _tag: "AuthenticationError",
        status: 401,
        errorType: "authentication_error",
        message: "401 authentication_error: invalid x-api-key"
      })
      expect(yield* server.batches).toEqual([])
    })
  )
})

describe("waiting for a batch", () => {
  it("the default schedule backs off exponentially from 1 second, capped at a minute", () => {
    const delays = Schedule.run(Schedule.delays(AnthropicBatches.defaultPollSchedule), 0, Array(9).fill(undefined))
    const seconds = Effect.runSync(delays).pipe(Chunk.map(Duration.toSeconds), Chunk.toReadonlyArray)
    expect(seconds).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60])
  })

  it.scoped("polls with backoff on the TestClock and streams every status", () =>
    withBatches({ processingPolls: 3 }, (server) =>
      Effect.gen(function* () {
        const batch = yield* AnthropicBatches.create(requests(3), { model })
        const fiber = yield* Effect.fork(Stream.runCollect(AnthropicBatches.watch(batch.id)))
        const retrievals = retrievalsOf(server)
        const retrievalsAre = (count: number) => Effect.map(retrievals, (seen) => seen === count)

        yield* eventually(retrievalsAre(1), "the first poll")
        for (const [seconds, expected] of [
          [1, 2],
          [2, 3],
          [4, 4]
        ] as const) {
          yield* awaitSleeper
          // Just before the delay is up nothing is sent; at the delay the next poll goes.
          yield* TestClock.adjust(Duration.millis(seconds * 1000 - 1))
          yield* pause(20)
          expect(yield* retrievals).toBe(expected - 1)
          yield* TestClock.adjust(Duration.millis(1))
          yield* eventually(retrievalsAre(expected), `poll ${expected}`)
        }
        const statuses = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
        expect(
          statuses.map((status) => [
            status.processingStatus,
            status.requestCounts.processing,
            status.requestCounts.succeeded
          ])
        ).toEqual([
          ["in_progress", 3, 0],
          ["in_progress", 3, 0],
          ["in_progress", 3, 0],
          ["ended", 0, 3]
        ])
        expect(statuses[3]).toEqual(
          new AnthropicBatches.MessageBatch({
            id: batch.id,
            processingStatus: "ended",
            requestCounts: new AnthropicBatches.RequestCounts({
              processing: 0,
              succeeded: 3,
              errored: 0,
              canceled: 0,
              expired: 0
            }),
            createdAt: new Date("2025-06-01T00:00:00Z"),
            expiresAt: new Date("2025-06-02T00:00:00Z"),
            endedAt: new Date("2025-06-01T00:00:01Z"),
            resultsUrl: `${server.baseURL}/v1/messages/batches/${batch.id}/results`
          })
        )
      })
    )
  )

  it.scoped("wait succeeds with the ended status; a transient poll failure is retried on the schedule", () => {
    let retrievals = 0
    // The second retrieval is overloaded, before the batch sees it.
    const intercept = (request: MockAnthropicServer.ReceivedRequest) =>
      request.method === "GET" && retrievalPath.test(request.path) && ++retrievals === 2
        ? MockAnthropicServer.apiError(529)
        : undefined
    return withServer({ batches: { processingPolls: 1 }, intercept }, (server) =>
      Effect.gen(function* () {
        const batch = yield* AnthropicBatches.create(requests(2), { model })
        const fiber = yield* Effect.fork(AnthropicBatches.wait(batch.id, { schedule: Schedule.spaced("10 seconds") }))
        for (let poll = 0; poll < 2; poll++) {
          yield* awaitSleeper
          yield* TestClock.adjust("10 seconds")
        }
        const ended = yield* Fiber.join(fiber)
        expect(ended.processingStatus).toBe("ended")
        // Poll 1 in progress, poll 2 overloaded (skipped), poll 3 ended.
        expect(yield* retrievalsOf(server)).toBe(3)
        expect((yield* server.batches).map((stored) => stored.retrievals)).toEqual([2])
      })
    )
  })

  it.scoped("a schedule that gives up first fails with BatchNotEnded, carrying the last status", () =>
    withBatches({ processingPolls: 10 }, () =>
      Effect.gen(function* () {
        const batch = yield* AnthropicBatches.create(requests(1), { model })
        const fiber = yield* Effect.fork(
          AnthropicBatches.wait(batch.id, {
            schedule: Schedule.spaced("1 second").pipe(Schedule.compose(Schedule.recurs(2)))
          })
        )
        for (let poll = 0; poll < 2; poll++) {
          yield* awaitSleeper
          yield* TestClock.adjust("1 second")
        }
        const error = yield* Effect.flip(Fiber.join(fiber))
        expect(error._tag).toBe("BatchNotEnded")
        if (error._tag !== "BatchNotEnded") return
        expect(error.message).toBe(`Stopped waiting for batch ${batch.id} while it was in_progress`)
        expect(error.batch.id).toBe(batch.id)
        expect(error.batch.processingStatus).toBe("in_progress")
      })
    )
  )

  it.scoped("the schedule sees each status as its input", () =>
    withBatches({ processingPolls: 5 }, () =>
      Effect.gen(function* () {
        const batch = yield* AnthropicBatches.create(requests(1), { model })
        // Stop as soon as a status reports anything processing: the first poll already does.
        const schedule = Schedule.spaced("1 second").pipe(
          Schedule.whileInput((status: AnthropicBatches.MessageBatch) => status.requestCounts.processing === 0)
        )
        const error = yield* Effect.flip(AnthropicBatches.wait(batch.id, { schedule }))
        expect(error._tag).toBe("BatchNotEnded")
      })
    )
  )

  it.scoped("interrupting a wait stops polling", () =>
    withBatches({ processingPolls: 100 }, (server) =>
      Effect.gen(function* () {
        const batch = yield* AnthropicBatches.create(requests(1), { model })
        const fiber = yield* Effect.fork(AnthropicBatches.wait(batch.id))
        yield* awaitSleeper
        yield* Fiber.interrupt(fiber)
        yield* TestClock.adjust("1 hour")
        yield* pause(20)
        expect((yield* server.requests).map((request) => request.method)).toEqual(["POST", "GET"])
        expect(Chunk.size(yield* TestClock.sleeps())).toBe(0)
      })
    )
  )
})

describe("AnthropicBatches.results", () => {
  it.scoped("a succeeded result is the same ModelResponse AnthropicModel returns for the message", () =>
    withServer(
      { messages: richMessage, batches: { outcome: () => MockAnthropicServer.batchSucceeded(richMessage) } },
      () =>
        Effect.gen(function* () {
          const single = yield* Effect.flatMap(Model.Model, (m) =>
            m.request(user("weather?"), {}, Model.textParameters)
          ).pipe(Effect.provide(AnthropicModel.layer(model)))
          const batch = yield* AnthropicBatches.create([{ customId: "w", messages: user("weather?") }], { model })
          const results = yield* Stream.runCollect(AnthropicBatches.results(batch.id))
          expect(Chunk.toReadonlyArray(results)).toEqual([
            new AnthropicBatches.Succeeded({ customId: "w", response: single })
          ])
          expect(single.parts.map((part) => part._tag)).toEqual(["ThinkingPart", "TextPart", "ToolCallPart"])
        })
    )
  )

  it.scoped("mixed outcomes: succeeded, errored as mirrored errors, canceled, expired", () =>
    withBatches(
      {
        outcome: (item, index) => {
          switch (index) {
            case 0:
              return MockAnthropicServer.batchEcho(item)
            case 1:
              return errored(400, "max_tokens: too large")
            case 2:
              return errored(529, "Overloaded")
            case 3:
              return { type: "errored", error: { type: "brand_new_error", message: "Something new" } }
            case 4:
              return MockAnthropicServer.batchCanceled
            default:
              return MockAnthropicServer.batchExpired
          }
        }
      },
      (server) =>
        Effect.gen(function* () {
          const batch = yield* AnthropicBatches.create(requests(6), { model })
          const ended = yield* AnthropicBatches.retrieve(batch.id)
          expect(ended.requestCounts).toEqual(
            new AnthropicBatches.RequestCounts({ processing: 0, succeeded: 1, errored: 3, canceled: 1, expired: 1 })
          )
          const results = Chunk.toReadonlyArray(yield* Stream.runCollect(AnthropicBatches.results(batch.id)))
          expect(results.map((result) => [result._tag, result.customId])).toEqual([
            ["Succeeded", "req-0"],
            ["Errored", "req-1"],
            ["Errored", "req-2"],
            ["Errored", "req-3"],
            ["Canceled", "req-4"],
            ["Expired", "req-5"]
          ])
          const [succeeded, badRequest, overloaded, unknown, canceled, expired] = results
          expect(succeeded?._tag === "Succeeded" && Message.responseText(succeeded.response)).toBe("echo: question 0")
          expect(AnthropicBatches.responseOf(succeeded!)?.providerResponseId).toBe("msg_req-0")
          expect(AnthropicBatches.responseOf(canceled!)).toBeUndefined()
          const envelope = (type: string, message: string) => ({
            type: "error",
            error: { type, message },
            request_id: "req_item"
          })
          expect(badRequest).toEqual(
            new AnthropicBatches.Errored({
              customId: "req-1",
              error: new AnthropicError.BadRequestError({
                message: "400 invalid_request_error: max_tokens: too large",
                status: 400,
                headers: {},
                requestId: "req_item",
                errorType: "invalid_request_error",
                errorCode: undefined,
                body: envelope("invalid_request_error", "max_tokens: too large")
              })
            })
          )
          expect(overloaded).toEqual(
            new AnthropicBatches.Errored({
              customId: "req-2",
              error: new AnthropicError.OverloadedError({
                message: "529 overloaded_error: Overloaded",
                status: 529,
                headers: {},
                requestId: "req_item",
                errorType: "overloaded_error",
                errorCode: undefined,
                body: envelope("overloaded_error", "Overloaded")
              })
            })
          )
          // Retryable, as the same error of a single request would be.
          expect(overloaded?._tag === "Errored" && AnthropicError.isRetryable(overloaded.error)).toBe(true)
          expect(unknown).toEqual(
            new AnthropicBatches.Errored({
              customId: "req-3",
              error: new AnthropicError.APIError({
                message: "brand_new_error: Something new",
                headers: {},
                errorType: "brand_new_error",
                body: { type: "error", error: { type: "brand_new_error", message: "Something new" } }
              })
            })
          )
          expect(canceled).toEqual(new AnthropicBatches.Canceled({ customId: "req-4" }))
          expect(expired).toEqual(new AnthropicBatches.Expired({ customId: "req-5" }))
          // The results come from the batch's results_url; the SDK asks for them as a binary stream.
          const download = (yield* server.requests).find((request) => request.path.endsWith("/results"))
          expect(download?.headers.accept).toBe("application/binary")
        })
    )
  )

  it.scoped("a malformed line fails the stream with AnthropicSdkError after the good lines before it", () =>
    withBatches(
      {
        resultLines: () => [
          JSON.stringify({ custom_id: "ok", result: { type: "expired" } }),
          JSON.stringify({ custom_id: "bad", result: { type: "succeeded", message: { type: "message" } } })
        ]
      },
      () =>
        Effect.gen(function* () {
          const batch = yield* AnthropicBatches.create(requests(1), { model })
          const seen: Array<string> = []
          const error = yield* AnthropicBatches.results(batch.id).pipe(
            Stream.runForEach((result) => Effect.sync(() => seen.push(result.customId))),
            Effect.flip
          )
          expect(error._tag).toBe("AnthropicSdkError")
          expect(error.message).toContain("The API sent a malformed batch result")
          expect(seen).toEqual([])
        })
    )
  )

  it.scoped("a succeeded message the mapping cannot read is UnexpectedModelBehavior, as for a single request", () =>
    withBatches(
      {
        resultLines: () => [
          JSON.stringify({
            custom_id: "odd",
            result: {
              type: "succeeded",
              message: { ...MockAnthropicServer.textMessage("x"), content: [{ type: "text", text: 42 }] }
            }
          })
        ]
      },
      () =>
        Effect.gen(function* () {
          const batch = yield* AnthropicBatches.create(requests(1), { model })
          const error = yield* Effect.flip(Stream.runDrain(AnthropicBatches.results(batch.id)))
          expect(error._tag).toBe("UnexpectedModelBehavior")
          expect(error.message).toContain("Claude's response could not be read")
        })
    )
  )

  it.scoped("a line that is not JSON fails the stream with AnthropicSdkError", () =>
    withBatches({ resultLines: () => ['{"custom_id":"x","result":{"type":"expired"}}', "{not json"] }, () =>
      Effect.gen(function* () {
        const batch = yield* AnthropicBatches.create(requests(1), { model })
        const error = yield* Effect.flip(Stream.runDrain(AnthropicBatches.results(batch.id)))
        expect(error).toMatchObject({ _tag: "AnthropicSdkError", errorClass: "SyntaxError" })
      })
    )
  )

  it.scoped("results of a batch still processing fail with the SDK's error", () =>
    withBatches({ processingPolls: 5 }, () =>
      Effect.gen(function* () {
        const batch = yield* AnthropicBatches.create(requests(1), { model })
        const error = yield* Effect.flip(Stream.runDrain(AnthropicBatches.results(batch.id)))
        expect(error._tag).toBe("AnthropicSdkError")
        expect(error.message).toContain("Has it finished processing?")
      })
    )
  )

  it.live("yields the first results before the results file is complete", () =>
    Effect.scoped(
      withBatches({ holdResultsAfter: 3 }, (server) =>
        Effect.gen(function* () {
          const batch = yield* AnthropicBatches.create(requests(10), { model })
          const first = yield* Stream.runCollect(Stream.take(AnthropicBatches.results(batch.id), 2))
          expect(Chunk.toReadonlyArray(first).map((result) => result.customId)).toEqual(["req-0", "req-1"])
          // The server is still holding the rest of the file back.
          expect(yield* server.resultsDownloads).toEqual([{ batchId: batch.id, linesWritten: 3, finished: false }])
        })
      )
    )
  )

  it.live(
    "streams a 100,000-line results file without holding it: the server is held back by the reader",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const total = 100_000
          const messageJson = JSON.stringify(MockAnthropicServer.textMessage("x".repeat(400)))
          const lines = function* () {
            for (let index = 0; index < total; index++) {
              const result =
                index % 10 === 9
                  ? '{"type":"errored","error":{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}}'
                  : `{"type":"succeeded","message":${messageJson}}`
              yield `{"custom_id":"r${index}","result":${result}}`
            }
          }
          const server = yield* MockAnthropicServer.make({ batches: { resultLines: lines } })
          const counts = { Succeeded: 0, Errored: 0, Canceled: 0, Expired: 0 }
          let next = 0
          let inOrder = true
          let writtenWhilePaused = -1
          let batchId = ""
          let heapWhilePaused = 0
          const heapBefore = process.memoryUsage().heapUsed
          yield* Effect.gen(function* () {
            const batch = yield* AnthropicBatches.create(requests(1), { model })
            batchId = batch.id
            yield* AnthropicBatches.results(batch.id).pipe(
              Stream.runForEachChunk((chunk) =>
                Effect.gen(function* () {
                  for (const result of chunk) {
                    counts[result._tag]++
                    if (result.customId !== `r${next++}`) inOrder = false
                  }
                  if (writtenWhilePaused === -1 && next >= 1000) {
                    // A slow reader: the server cannot write more than the socket buffers hold.
                    yield* pause(300)
                    const [download] = yield* server.resultsDownloads
                    writtenWhilePaused = download!.linesWritten
                    heapWhilePaused = process.memoryUsage().heapUsed
                  }
                })
              )
            )
          }).pipe(Effect.provide(clientLayer(server.baseURL, server.apiKey)))
          expect(counts).toEqual({ Succeeded: 90_000, Errored: 10_000, Canceled: 0, Expired: 0 })
          expect(inOrder).toBe(true)
          expect(yield* server.resultsDownloads).toEqual([{ batchId, linesWritten: total, finished: true }])
          // About 45 MB of results; while the reader paused, only a small part had been written.
          expect(writtenWhilePaused).toBeGreaterThan(0)
          expect(writtenWhilePaused).toBeLessThan(total / 4)
          expect(heapWhilePaused - heapBefore).toBeLessThan(40 * 1024 * 1024)
        })
      ),
    60_000
  )
})

describe("retrieve, list, cancel, delete", () => {
  it.scoped("cancel: canceling, then ended with the unprocessed requests Canceled", () =>
    withBatches({ processingPolls: 100, processedBeforeCancel: 1 }, (server) =>
      Effect.gen(function* () {
        const batch = yield* AnthropicBatches.create(requests(3), { model })
        const canceling = yield* AnthropicBatches.cancel(batch.id)
        expect(canceling.processingStatus).toBe("canceling")
        expect(canceling.cancelInitiatedAt).toEqual(new Date("2025-06-01T00:00:01Z"))
        const ended = yield* AnthropicBatches.wait(batch.id)
        expect(ended.processingStatus).toBe("ended")
        expect(ended.requestCounts).toEqual(
          new AnthropicBatches.RequestCounts({ processing: 0, succeeded: 1, errored: 0, canceled: 2, expired: 0 })
        )
        const results = Chunk.toReadonlyArray(yield* Stream.runCollect(AnthropicBatches.results(batch.id)))
        expect(results.map((result) => result._tag)).toEqual(["Succeeded", "Canceled", "Canceled"])
        expect((yield* server.requests).map((request) => `${request.method} ${request.path}`)).toEqual([
          "POST /v1/messages/batches",
          `POST /v1/messages/batches/${batch.id}/cancel`,
          `GET /v1/messages/batches/${batch.id}`,
          `GET /v1/messages/batches/${batch.id}`,
          `GET /v1/messages/batches/${batch.id}/results`
        ])
      })
    )
  )

  it.scoped("list streams every batch over pages, newest first", () =>
    withBatches({}, (server) =>
      Effect.gen(function* () {
        for (let index = 0; index < 5; index++) yield* AnthropicBatches.create(requests(1), { model })
        const listed = yield* Stream.runCollect(AnthropicBatches.list({ limit: 2 }))
        expect(Chunk.toReadonlyArray(listed).map((batch) => batch.id)).toEqual([
          "msgbatch_0005",
          "msgbatch_0004",
          "msgbatch_0003",
          "msgbatch_0002",
          "msgbatch_0001"
        ])
        const pages = (yield* server.requests)
          .filter((request) => request.method === "GET")
          .map((request) => request.query)
        expect(pages).toEqual([
          { limit: "2" },
          { limit: "2", after_id: "msgbatch_0004" },
          { limit: "2", after_id: "msgbatch_0002" }
        ])
      })
    )
  )

  it.scoped("delete removes an ended batch; a running one cannot be deleted; unknown ids are NotFoundError", () =>
    withBatches({ processingPolls: 1 }, (server) =>
      Effect.gen(function* () {
        const batch = yield* AnthropicBatches.create(requests(1), { model })
        const running = yield* Effect.flip(AnthropicBatches.delete(batch.id))
        expect(running._tag).toBe("BadRequestError")
        yield* AnthropicBatches.retrieve(batch.id)
        yield* AnthropicBatches.retrieve(batch.id)
        yield* AnthropicBatches.delete(batch.id)
        expect(yield* server.batches).toEqual([])
        const gone = yield* Effect.flip(AnthropicBatches.retrieve(batch.id))
        expect(gone).toMatchObject({ _tag: "NotFoundError", status: 404, errorType: "not_found_error" })
      })
    )
  )

  it.scoped("platforms without batches fail with UnsupportedFeature and send nothing", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({})
      for (const platform of ["bedrock", "vertex", "foundry"] as const) {
        const failures = yield* Effect.all([
          Effect.flip(AnthropicBatches.create(requests(1), { model })),
          Effect.flip(AnthropicBatches.retrieve("msgbatch_1")),
          Effect.flip(AnthropicBatches.cancel("msgbatch_1")),
          Effect.flip(AnthropicBatches.delete("msgbatch_1")),
          Effect.flip(AnthropicBatches.wait("msgbatch_1")),
          Effect.flip(Stream.runDrain(AnthropicBatches.list())),
          Effect.flip(Stream.runDrain(AnthropicBatches.results("msgbatch_1"))),
          Effect.flip(AnthropicBatches.runPrompts(["hi"], { model }))
        ]).pipe(Effect.provide(cloudClientLayer(platform, server.baseURL)))
        for (const failure of failures) {
          expect(failure).toEqual(
            new AnthropicError.UnsupportedFeature({
              message: `batches is not available on ${platform}`,
              platform,
              feature: "batches"
            })
          )
        }
      }
      expect(yield* server.requests).toEqual([])
    })
  )
})

describe("AnthropicBatches.runPrompts", () => {
  it.scoped("returns the outputs in input order, across several batches, whatever the results' order", () =>
    withBatches(
      {
        processingPolls: 1,
        // Results in reverse order, and one prompt refused.
        resultLines: (batch) =>
          [...batch.requests].reverse().map((item) =>
            JSON.stringify({
              custom_id: item.custom_id,
              result:
                MockAnthropicServer.lastUserText(item) === "bad"
                  ? errored(400, "bad prompt")
                  : MockAnthropicServer.batchEcho(item)
            })
          )
      },
      (server) =>
        Effect.gen(function* () {
          const prompts = ["one", "two", "bad", "four", "five"]
          const statuses: Array<string> = []
          const fiber = yield* Effect.fork(
            AnthropicBatches.runPrompts(prompts, {
              model,
              settings: { maxTokens: 32 },
              instructions: "Answer in one word.",
              maxRequestsPerBatch: 2,
              onStatus: (status) => Effect.sync(() => statuses.push(`${status.id}:${status.processingStatus}`))
            })
          )
          for (let batch = 0; batch < 3; batch++) {
            yield* awaitSleeper
            yield* TestClock.adjust("1 second")
          }
          const outputs = yield* Fiber.join(fiber)
          expect(outputs.map((output) => output.customId)).toEqual([
            "prompt-0",
            "prompt-1",
            "prompt-2",
            "prompt-3",
            "prompt-4"
          ])
          expect(
            outputs.map((output) =>
              output._tag === "Succeeded" ? Message.responseText(output.response) : `${output._tag}`
            )
          ).toEqual(["echo: one", "echo: two", "Errored", "echo: four", "echo: five"])
          expect(statuses).toEqual([
            "msgbatch_0001:in_progress",
            "msgbatch_0001:ended",
            "msgbatch_0002:in_progress",
            "msgbatch_0002:ended",
            "msgbatch_0003:in_progress",
            "msgbatch_0003:ended"
          ])
          // All batches are submitted before any is waited for.
          const received = yield* server.requests
          expect(received.slice(0, 3).map((request) => `${request.method} ${request.path}`)).toEqual([
            "POST /v1/messages/batches",
            "POST /v1/messages/batches",
            "POST /v1/messages/batches"
          ])
          const first = (yield* server.batches).find((stored) => stored.id === "msgbatch_0001")
          expect(first?.requests[0]).toEqual({
            custom_id: "prompt-0",
            params: {
              model,
              max_tokens: 32,
              system: [{ type: "text", text: "Answer in one word." }],
              messages: [{ role: "user", content: [{ type: "text", text: "one" }] }]
            }
          })
        })
    )
  )

  it.scoped("a prompt the API would reject fails the run with UserError before any batch is created", () =>
    withBatches({}, (server) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          AnthropicBatches.runPrompts(
            [
              "fine",
              [
                Message.ModelRequest.user([
                  new Message.BinaryContent({ data: new Uint8Array([1]), mediaType: "audio/wav" })
                ])
              ]
            ],
            {
              model
            }
          )
        )
        expect(error._tag).toBe("UserError")
        expect(error.message).toContain("Batch request prompt-1: Anthropic does not accept audio/wav content")
        expect(yield* server.requests).toEqual([])
      })
    )
  )

  it.scoped("no prompts, no batch", () =>
    withBatches({}, (server) =>
      Effect.gen(function* () {
        expect(yield* AnthropicBatches.runPrompts([], { model })).toEqual([])
        expect(yield* server.requests).toEqual([])
      })
    )
  )

  it.scoped("interrupted while waiting, it cancels the batches it started", () =>
    withBatches({ processingPolls: 100 }, (server) =>
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(
          AnthropicBatches.runPrompts(["a", "b", "c"], { model, maxRequestsPerBatch: 2 })
        )
        yield* awaitSleeper
        yield* Fiber.interrupt(fiber)
        const cancels = (yield* server.requests)
          .filter((request) => request.path.endsWith("/cancel"))
          .map((request) => request.path)
        expect(cancels.sort()).toEqual([
          "/v1/messages/batches/msgbatch_0001/cancel",
          "/v1/messages/batches/msgbatch_0002/cancel"
        ])
        expect((yield* server.batches).map((stored) => [stored.id, stored.processingStatus])).toEqual([
          ["msgbatch_0002", "canceling"],
          ["msgbatch_0001", "canceling"]
        ])
      })
    )
  )

  it.scoped("with cancelOnInterrupt: false the batches keep running", () =>
    withBatches({ processingPolls: 100 }, (server) =>
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(AnthropicBatches.runPrompts(["a"], { model, cancelOnInterrupt: false }))
        yield* awaitSleeper
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect((yield* server.requests).filter((request) => request.path.endsWith("/cancel"))).toEqual([])
        expect((yield* server.batches).map((stored) => stored.processingStatus)).toEqual(["in_progress"])
      })
    )
  )
})
