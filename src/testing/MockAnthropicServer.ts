/**
 * A real Anthropic Messages API server on loopback (Node `http`, `127.0.0.1`, a random port),
 * scripted per test: canned messages (answered as JSON, or as the API's SSE event sequence when the
 * request streams), recorded transcripts, or a function of the request; plus the faults production
 * traffic has (error statuses with `retry-after`, slow headers, slow events, cut connections,
 * truncated or malformed SSE, SSE `error` events). It records what it received and counts open
 * connections, so tests can assert on retries and aborts. Demos and benchmarks run against it too.
 *
 * It also serves the Models API, the Message Batches API (batches move along a scripted status
 * progression; each item's outcome is scripted; results are JSONL generated lazily and streamed
 * with backpressure) and the Files API (beta: multipart uploads, listing, downloads), keeping
 * batches and files in memory (`Service.batches`, `Service.files`). Their dates come from a
 * logical clock: 2025-06-01T00:00:00Z, then one second later for each creation, upload, end or
 * cancel, so tests can assert them exactly.
 *
 * Every request needs an API key (`x-api-key`, or `Authorization: Bearer` as the SDK sends it).
 * Delays sleep on the Effect `Clock` of the scope that started the server: under `it.effect` /
 * `it.scoped` that is the `TestClock`, so use `it.live` / `it.scopedLive` or adjust the clock.
 *
 * @example
 * import Anthropic from "@anthropic-ai/sdk"
 * import { Effect } from "effect"
 * import { MockAnthropicServer } from "effect-claude/testing"
 *
 * const program = Effect.gen(function* () {
 *   const server = yield* MockAnthropicServer.make([
 *     MockAnthropicServer.apiError(429, { retryAfter: 1 }),
 *     MockAnthropicServer.textMessage("Hello!")
 *   ])
 *   const client = new Anthropic({ baseURL: server.baseURL, apiKey: server.apiKey, maxRetries: 1 })
 *   const message = yield* Effect.promise(() =>
 *     client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 100, messages: [{ role: "user", content: "Hi" }] })
 *   )
 *   return message.content
 * }).pipe(Effect.scoped)
 *
 * @example
 * import { Effect } from "effect"
 * import { MockAnthropicServer } from "effect-claude/testing"
 *
 * // Each batch is in progress for two polls; the item "bad" fails, the rest echo their prompt.
 * const batchesServer = MockAnthropicServer.make({
 *   batches: {
 *     processingPolls: 2,
 *     outcome: (item) =>
 *       item.custom_id === "bad" ? MockAnthropicServer.batchErrored(400) : MockAnthropicServer.batchEcho(item)
 *   },
 *   files: { initial: [{ filename: "chart.png", mimeType: "image/png", content: new Uint8Array(10) }] }
 * }).pipe(Effect.flatMap((server) => server.batches), Effect.scoped)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { Socket } from "node:net"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as AnthropicClient from "../anthropic/AnthropicClient.js"
import * as AnthropicModel from "../anthropic/AnthropicModel.js"
import type * as Model from "../Model.js"
import type * as ModelSettings from "../ModelSettings.js"
import { makeBatchesApi } from "./internal/batchesApi.js"
import { batchEcho } from "./internal/batchOutcomes.js"
import { makeFilesApi } from "./internal/filesApi.js"
import { defaultModels } from "./internal/modelCatalogue.js"
import { headerRecord, type ReceivedRequest } from "./internal/receivedRequest.js"
import { failedReply, safePlanOf } from "./internal/replyPlan.js"
import { isMultipart, type ParsedBody, parseJson, parseMultipart } from "./internal/requestBody.js"
import { type Exchange, isTimed, writeSafely, writeTimed } from "./internal/responseWriter.js"
import { makeRouter } from "./internal/router.js"
import { isRoutes, type Resolved, type Routes, type Script, type Transcript } from "./internal/script.js"
import type { Options, Service } from "./internal/service.js"
import { readTranscriptFile } from "./internal/transcriptFile.js"

// The reply language, canned messages, batch outcomes and scripts live in their own modules; this
// namespace re-exports them so tests write `MockAnthropicServer.textMessage(...)`.
export type {
  BatchesScript,
  BatchOutcome,
  ResultsDownload,
  StoredBatch
} from "./internal/batchOutcomes.js"
export {
  batchCanceled,
  batchEcho,
  batchErrored,
  batchExpired,
  batchSucceeded
} from "./internal/batchOutcomes.js"
export type { MessageOptions, ToolCall } from "./internal/cannedMessages.js"
export {
  fileReferences,
  filesBeta,
  lastUserText,
  message,
  textBlock,
  textMessage,
  thinkingBlock,
  toolUseBlock,
  toolUseMessage,
  usage
} from "./internal/cannedMessages.js"
export type { FileSeed, FilesScript, StoredFile } from "./internal/filesApi.js"
export type { BatchItem, FormFile, ReceivedRequest } from "./internal/receivedRequest.js"
export type {
  ApiErrorOptions,
  BodyReplyOptions,
  CommonReplyOptions,
  ErrorReply,
  JsonReply,
  Message,
  MessageReply,
  MessageReplyOptions,
  RawReply,
  Replies,
  Reply,
  ReplyFunction,
  ResetReply,
  StreamedReply,
  StreamFault
} from "./internal/replyLanguage.js"
export {
  apiError,
  errorEventAfterEvents,
  json,
  malformedAfterEvents,
  raw,
  reply,
  reset,
  resetAfterEvents,
  sse,
  streamed,
  truncateAfterEvents
} from "./internal/replyLanguage.js"
export type { Routes, Script, Transcript, TranscriptInteraction } from "./internal/script.js"
export type { Options, Service } from "./internal/service.js"

// ---------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------

/**
 * The server could not start, or a transcript could not be read.
 *
 * @since 0.1.0
 * @category errors
 */
export class MockServerError extends Schema.TaggedError<MockServerError>()("MockServerError", {
  message: Schema.String
}) {}

/**
 * The running mock server.
 *
 * @since 0.1.0
 * @category tags
 */
export class MockAnthropicServer extends Context.Tag("effect-claude/testing/MockAnthropicServer")<
  MockAnthropicServer,
  Service
>() {}

// Batches and files get dates from a clock of their own, one second per event from a fixed start,
// so the dates a test sees do not depend on when it ran.
const logicalClock = (): (() => Date) => {
  const start = Date.parse("2025-06-01T00:00:00Z")
  let seconds = 0
  return () => new Date(start + 1000 * seconds++)
}

/**
 * Starts the server for the life of the scope; closing the scope closes every connection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <R = never>(
  script: Script<R>,
  options: Options = {}
): Effect.Effect<Service, MockServerError, Scope.Scope | R> =>
  Effect.gen(function* () {
    const fibers = yield* FiberSet.make<void, never>()
    const runFork = yield* FiberSet.runtime(fibers)<R>()
    const models = options.models ?? defaultModels
    const routes: Routes<R> = isRoutes(script) ? script : {}
    const now = logicalClock()
    const released = yield* Effect.makeLatch(false)
    let url = ""
    const batches = makeBatchesApi({
      script: routes.batches ?? {},
      defaultOutcome: batchEcho,
      now,
      baseURL: () => url,
      released
    })
    const files = makeFilesApi({ initial: routes.files?.initial ?? [], now })

    const requests: Array<ReceivedRequest> = []
    const sockets = new Set<Socket>()
    let activeRequests = 0
    let abortedRequests = 0
    const watchers = new Set<() => void>()
    const notify = () => {
      for (const watcher of watchers) watcher()
    }
    const awaitCount =
      (current: () => number) =>
      (count: number): Effect.Effect<void> =>
        Effect.async<void>((resume) => {
          if (current() === count) return resume(Effect.void)
          const watcher = () => {
            if (current() !== count) return
            watchers.delete(watcher)
            resume(Effect.void)
          }
          watchers.add(watcher)
          return Effect.sync(() => watchers.delete(watcher))
        })

    const route = makeRouter({ script, apiKey: options.apiKey, models, batches, files })

    const respond = (exchange: Exchange, request: ReceivedRequest, answer: Resolved<R>): void => {
      if (Effect.isEffect(answer)) {
        runFork(
          answer.pipe(
            Effect.catchAllCause((cause) => Effect.succeed(failedReply(cause))),
            Effect.flatMap((resolved) => writeTimed(exchange, safePlanOf(resolved, request)))
          )
        )
        return
      }
      const plan = safePlanOf(answer, request)
      if (isTimed(plan)) runFork(writeTimed(exchange, plan))
      else writeSafely(exchange, plan)
    }

    const onRequest = (incoming: IncomingMessage, response: ServerResponse): void => {
      const exchange: Exchange = { request: incoming, response, closed: false, cut: false }
      activeRequests++
      response.on("close", () => {
        exchange.closed = true
        activeRequests--
        if (!response.writableFinished && !exchange.cut) abortedRequests++
        notify()
      })
      const received = (parsed: ParsedBody): void => {
        const target = new URL(incoming.url ?? "/", "http://127.0.0.1")
        const index = requests.length
        const request: ReceivedRequest = {
          index,
          method: incoming.method ?? "GET",
          path: target.pathname,
          query: Object.fromEntries(target.searchParams),
          headers: headerRecord(incoming),
          body: parsed.body,
          stream: Predicate.isRecord(parsed.body) && parsed.body.stream === true,
          requestId: `req_mock_${String(index + 1).padStart(6, "0")}`
        }
        requests.push(request)
        let answer: Resolved<R>
        try {
          answer = route(request, parsed.error)
        } catch (error) {
          answer = failedReply(Cause.die(error))
        }
        respond(exchange, request, answer)
      }
      const parts: Array<Buffer> = []
      incoming.on("data", (part: Buffer) => parts.push(part))
      incoming.on("end", () => {
        const contentType = incoming.headers["content-type"]
        if (contentType !== undefined && isMultipart(contentType)) {
          // Uploads are rare: the one body parsed asynchronously, by the platform's own form parser.
          runFork(Effect.promise(() => parseMultipart(Buffer.concat(parts), contentType)).pipe(Effect.map(received)))
          return
        }
        received(parseJson(parts.length === 0 ? "" : Buffer.concat(parts).toString("utf8")))
      })
    }

    const keepAlive = Duration.decode(options.keepAliveTimeout ?? "5 seconds")
    // Node reads 0 as "no timeout".
    const server = createServer(
      { keepAliveTimeout: Duration.isFinite(keepAlive) ? Math.max(1, Duration.toMillis(keepAlive)) : 0 },
      onRequest
    )
    server.on("connection", (socket: Socket) => {
      sockets.add(socket)
      notify()
      socket.on("close", () => {
        sockets.delete(socket)
        notify()
      })
    })
    // A client that vanishes mid-request must not crash the process.
    server.on("clientError", (_error, socket) => socket.destroy())

    const port = yield* Effect.acquireRelease(
      Effect.async<number, MockServerError>((resume) => {
        const onError = (error: Error) =>
          resume(Effect.fail(new MockServerError({ message: `MockAnthropicServer cannot listen: ${error.message}` })))
        server.once("error", onError)
        server.listen({ port: options.port ?? 0, host: "127.0.0.1", backlog: 4096 }, () => {
          server.off("error", onError)
          // Later server errors (say, too many open files under load) must not crash the test process.
          server.on("error", () => {})
          const address = server.address()
          resume(
            address !== null && typeof address === "object"
              ? Effect.succeed(address.port)
              : Effect.fail(new MockServerError({ message: "MockAnthropicServer: no TCP address after listen" }))
          )
        })
      }),
      () =>
        FiberSet.clear(fibers).pipe(
          Effect.zipRight(
            Effect.async<void>((resume) => {
              server.close(() => resume(Effect.void))
              server.closeAllConnections()
              for (const socket of sockets) socket.destroy()
            })
          ),
          // The server reports closed before its sockets' `close` events have run.
          Effect.zipRight(awaitCount(() => sockets.size)(0))
        )
    )

    url = `http://127.0.0.1:${port}`
    return {
      url,
      baseURL: url,
      port,
      apiKey: options.apiKey ?? "test",
      requests: Effect.sync(() => requests.slice()),
      requestCount: Effect.sync(() => requests.length),
      openConnections: Effect.sync(() => sockets.size),
      activeRequests: Effect.sync(() => activeRequests),
      abortedRequests: Effect.sync(() => abortedRequests),
      awaitOpenConnections: awaitCount(() => sockets.size),
      awaitActiveRequests: awaitCount(() => activeRequests),
      batches: Effect.sync(batches.batches),
      resultsDownloads: Effect.sync(batches.downloads),
      releaseResults: released.open,
      files: Effect.sync(files.files)
    } satisfies Service
  })

/**
 * The same as `make`, named for demos and benchmarks that run the server in their own process.
 *
 * @since 0.1.0
 * @category constructors
 */
export const listen: <R = never>(
  script: Script<R>,
  options?: Options
) => Effect.Effect<Service, MockServerError, Scope.Scope | R> = make

/**
 * The server as a Layer: started when the Layer is built, stopped when its scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const layer = <R = never>(
  script: Script<R>,
  options: Options = {}
): Layer.Layer<MockAnthropicServer, MockServerError, R> => Layer.scoped(MockAnthropicServer, make(script, options))

/**
 * Reads a transcript file as a script that serves its interactions in order, whatever endpoint each
 * was recorded on.
 *
 * A transcript file is JSON: `{ "name": string, "interactions": [{ "request": { "method", "path",
 * "body"? }, "response": { "status", "contentType", "headers"?, "body" } }] }`, interactions in the
 * order the client sent them; a `text/event-stream` response's `body` is the raw SSE text as the API
 * sent it, any other `body` is the JSON value. (The repository's own recordings, in
 * `test/fixtures/transcripts`, come from pydantic-ai's recorded test cassettes.)
 *
 * @since 0.1.0
 * @category constructors
 */
export const transcript = (file: string | URL): Effect.Effect<Transcript, MockServerError> =>
  readTranscriptFile(file).pipe(
    Effect.map(
      (decoded): Transcript => ({ _tag: "Transcript", name: decoded.name, interactions: decoded.interactions })
    ),
    Effect.mapError((message) => new MockServerError({ message }))
  )

/**
 * A server serving a transcript file, as a Layer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const layerTranscript = (
  file: string | URL,
  options: Options = {}
): Layer.Layer<MockAnthropicServer, MockServerError> =>
  Layer.unwrapEffect(Effect.map(transcript(file), (script) => layer(script, options)))

/**
 * Options of `layerModel`: the server's, and the model's.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelLayerOptions extends Options {
  /** Default `claude-sonnet-4-6` (the server answers whatever model is asked for). */
  readonly model?: string | undefined
  readonly settings?: ModelSettings.ModelSettings | undefined
  /** The model's retry policy (default `AnthropicRetry.defaultPolicy`). */
  readonly retry?: AnthropicModel.Options["retry"]
}

/**
 * A server and a `Model` talking to it through the real SDK and `fetch`, in one Layer: provide it
 * to an agent under test, and read the server (`MockAnthropicServer`) for what the model sent.
 *
 * @since 0.1.0
 * @category constructors
 */
export const layerModel = <R = never>(
  script: Script<R>,
  options: ModelLayerOptions = {}
): Layer.Layer<Model.Model | MockAnthropicServer, MockServerError, R> =>
  Layer.unwrapEffect(
    Effect.map(MockAnthropicServer, (server) =>
      AnthropicModel.layer(options.model ?? "claude-sonnet-4-6", options.settings, { retry: options.retry }).pipe(
        Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL })),
        Layer.provide(FetchHttpClient.layer)
      )
    )
  ).pipe(Layer.provideMerge(layer(script, options)))
