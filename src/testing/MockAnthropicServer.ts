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
import type Anthropic from "@anthropic-ai/sdk"
import { Cause, Context, Duration, Effect, FiberSet, Layer, Predicate, Schema, type Scope, type Stream } from "effect"
import { defaultErrorMessage, errorTypeOfStatus } from "./internal/apiErrors.js"
import { makeBatchesApi } from "./internal/batchesApi.js"
import { fileIdsIn, fileReferenceError, filesBeta as filesBetaName, makeFilesApi } from "./internal/filesApi.js"
import { defaultModels, modelPage } from "./internal/modelCatalogue.js"
import { errorReply, jsonReply } from "./internal/replies.js"
import { planOf } from "./internal/replyPlan.js"
import { isMultipart, type ParsedBody, parseJson, parseMultipart } from "./internal/requestBody.js"
import { type Exchange, isTimed, type Plan, writeSafely, writeTimed } from "./internal/responseWriter.js"
import { encodeEvents } from "./internal/sseEncoding.js"
import { type Interaction, readTranscriptFile } from "./internal/transcriptFile.js"

// ---------------------------------------------------------------------------------------------
// What the server received
// ---------------------------------------------------------------------------------------------

/** A file part of a multipart request, as received. */
export interface FormFile {
  readonly filename: string
  /** The part's `content-type` (empty when it had none). */
  readonly contentType: string
  readonly bytes: Uint8Array
}

/** One request as the server received it. */
export interface ReceivedRequest {
  /** Arrival order, from 0. */
  readonly index: number
  readonly method: string
  /** The path without the query string, e.g. `/v1/messages`. */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** Lower-cased header names, as Node gives them. */
  readonly headers: Readonly<Record<string, string>>
  /**
   * The parsed JSON body; for a `multipart/form-data` upload, a record of its fields (strings, and
   * `FormFile`s for file parts); `undefined` when there was none or it could not be parsed.
   */
  readonly body: unknown
  /** Whether the body asked for an event stream (`"stream": true`). */
  readonly stream: boolean
  /** The `request-id` header (and envelope `request_id`) the server answers with. */
  readonly requestId: string
}

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

/** A Messages API `Message`, as the official SDK types it. */
export type Message = Anthropic.Message

/** Options every reply takes. */
export interface CommonReplyOptions {
  /** Wait this long before sending the status line and headers. */
  readonly delay?: Duration.DurationInput | undefined
  /** Extra response headers (they win over the server's defaults). */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** A fault injected into a streamed answer after its first `afterEvents` events (pings count). */
export type StreamFault =
  | { readonly _tag: "ResetAfterEvents"; readonly afterEvents: number }
  | { readonly _tag: "TruncateAfterEvents"; readonly afterEvents: number; readonly cleanEnd: boolean }
  | { readonly _tag: "MalformedAfterEvents"; readonly afterEvents: number }
  | {
      readonly _tag: "ErrorEventAfterEvents"
      readonly afterEvents: number
      readonly errorType: string
      readonly message: string
    }

/** Options of a message reply. */
export interface MessageReplyOptions extends CommonReplyOptions {
  /** Wait this long between SSE events (the events are then written one by one). */
  readonly eventDelay?: Duration.DurationInput | undefined
  /** Characters per text / thinking / tool-input delta; by default text is cut into words. */
  readonly chunkSize?: number | undefined
  /** Send the API's `ping` event after the first content block starts (default true). */
  readonly pings?: boolean | undefined
  /** Break the answer part way (see `resetAfterEvents` and friends). */
  readonly fault?: StreamFault | undefined
}

/** A message answer: JSON for a plain request, the API's SSE sequence for a streamed one. */
export interface MessageReply {
  readonly _tag: "MessageReply"
  readonly message: Message
  readonly options: MessageReplyOptions
}

/** An API error: the status, headers and the `{"type":"error","error":{...},"request_id"}` envelope. */
export interface ErrorReply {
  readonly _tag: "ErrorReply"
  readonly status: number
  readonly errorType: string
  readonly message: string
  readonly options: CommonReplyOptions
}

/** Any JSON body with a status (e.g. a `count_tokens` answer). */
export interface JsonReply {
  readonly _tag: "JsonReply"
  readonly status: number
  readonly body: unknown
  readonly options: CommonReplyOptions
}

/** A body sent byte for byte as given (recorded SSE, hand-written broken bodies). */
export interface RawReply {
  readonly _tag: "RawReply"
  readonly status: number
  readonly contentType: string
  readonly body: string
  readonly options: CommonReplyOptions
}

/** A body pulled from a Stream only as fast as the client reads it; a failing Stream cuts the connection. */
export interface StreamedReply {
  readonly _tag: "StreamedReply"
  readonly status: number
  readonly contentType: string
  readonly body: Stream.Stream<string | Uint8Array, unknown>
  readonly options: CommonReplyOptions
}

/** The connection is cut before any response header is sent. */
export interface ResetReply {
  readonly _tag: "ResetReply"
  readonly options: CommonReplyOptions
}

/** What the server answers one request with; a bare `Message` means `reply(message)`. */
export type Reply = Message | MessageReply | ErrorReply | JsonReply | RawReply | StreamedReply | ResetReply

/** Computes the answer from the request; may be an Effect (its failures become a 500). */
export type ReplyFunction<R = never> = (request: ReceivedRequest) => Reply | Effect.Effect<Reply, unknown, R>

/** One reply for every request, replies in order (one per request), or a function of the request. */
export type Replies<R = never> = Reply | ReadonlyArray<Reply> | ReplyFunction<R>

/** One request of a Message Batch, as submitted (`params` is a Messages request body). */
export interface BatchItem {
  readonly custom_id: string
  readonly params: Readonly<Record<string, unknown>>
}

/**
 * The `result` of one line of a batch's results: see `batchSucceeded`, `batchErrored`,
 * `batchCanceled`, `batchExpired`. An errored result's `error` is any JSON, so a test can send a
 * shape the API may use one day.
 */
export type BatchOutcome =
  | { readonly type: "succeeded"; readonly message: Message }
  | { readonly type: "errored"; readonly error: unknown }
  | { readonly type: "canceled" }
  | { readonly type: "expired" }

/** A batch the server holds, as tests and scripts see it. */
export interface StoredBatch {
  readonly id: string
  readonly requests: ReadonlyArray<BatchItem>
  /** The headers of the request that created it (betas, extra headers). */
  readonly headers: Readonly<Record<string, string>>
  readonly processingStatus: "in_progress" | "canceling" | "ended"
  /** `GET /v1/messages/batches/{id}` requests so far. */
  readonly retrievals: number
  readonly createdAt: string
  readonly endedAt: string | null
  readonly cancelInitiatedAt: string | null
}

/** How the Message Batches API behaves; every field has a default. */
export interface BatchesScript {
  /**
   * How many retrievals still see a batch `in_progress`; the next one sees it `ended` (default 0:
   * ended at the first retrieval). A canceled batch ends at the retrieval after the cancel.
   */
  readonly processingPolls?: number | ((batch: StoredBatch) => number) | undefined
  /** Each item's outcome, decided when the batch ends (default `batchEcho`). */
  readonly outcome?: ((item: BatchItem, index: number) => BatchOutcome) | undefined
  /** How many items a canceled batch processed before the cancel (default 0); the rest are `canceled`. */
  readonly processedBeforeCancel?: number | undefined
  /**
   * The results file's lines instead of one per item (the counts still come from `outcome`); pulled
   * lazily as the client reads, so a generator can make a file of any size.
   */
  readonly resultLines?: ((batch: StoredBatch) => Iterable<string>) | undefined
  /** Every results file stops after this many lines until `Service.releaseResults`. */
  readonly holdResultsAfter?: number | undefined
}

/** A file present from the server's start (by default downloadable, like files the API makes). */
export interface FileSeed {
  /** Default `file_0001`, `file_0002`, ... in the order given. */
  readonly id?: string | undefined
  readonly filename: string
  /** Default `application/octet-stream`. */
  readonly mimeType?: string | undefined
  readonly content: Uint8Array | string
  /** Default true. */
  readonly downloadable?: boolean | undefined
}

/** How the Files API behaves. */
export interface FilesScript {
  /** Files there from the start, oldest first. */
  readonly initial?: ReadonlyArray<FileSeed> | undefined
}

/** A file the server holds. */
export interface StoredFile {
  readonly id: string
  readonly filename: string
  readonly mimeType: string
  readonly bytes: Uint8Array
  readonly createdAt: string
  /** Set when the upload asked for `expires_in_seconds`. */
  readonly expiresAt: string | null
  /** Uploads are not; seeded files are unless they say otherwise. */
  readonly downloadable: boolean
}

/** One download of a batch's results file: lines handed to the socket so far, and whether it ended. */
export interface ResultsDownload {
  readonly batchId: string
  readonly linesWritten: number
  readonly finished: boolean
}

/**
 * What each endpoint answers: replies for the Messages endpoints, behaviour for the batches and
 * files APIs, and an optional interceptor; an endpoint without a script gets a sensible default.
 */
export interface Routes<R = never> {
  /** `POST /v1/messages`. */
  readonly messages?: Replies<R> | undefined
  /** `POST /v1/messages/count_tokens`; by default about one token per four characters of the request. */
  readonly countTokens?: Replies<R> | undefined
  /** The Message Batches API (`/v1/messages/batches...`). */
  readonly batches?: BatchesScript | undefined
  /** The Files API (`/v1/files...`, beta). */
  readonly files?: FilesScript | undefined
  /**
   * Sees every authenticated request first and may answer it instead of its route (a fault on any
   * endpoint, say a 529 on the second batch retrieval); `undefined` lets the route answer.
   */
  readonly intercept?: ((request: ReceivedRequest) => Reply | Effect.Effect<Reply, unknown, R> | undefined) | undefined
}

/** One recorded request and the API's answer, as stored in a transcript file. */
export type TranscriptInteraction = Interaction

/** Recorded interactions served in order, whatever endpoint each was recorded on. */
export interface Transcript {
  readonly _tag: "Transcript"
  readonly name: string
  readonly interactions: ReadonlyArray<TranscriptInteraction>
}

/** What the server answers: replies for `POST /v1/messages`, replies per endpoint, or a transcript. */
export type Script<R = never> = Replies<R> | Routes<R> | Transcript

// ---------------------------------------------------------------------------------------------
// Reply constructors
// ---------------------------------------------------------------------------------------------

/** A message answer with options (delays, chunking, pings, a stream fault). */
export const reply = (message: Message, options: MessageReplyOptions = {}): MessageReply => ({
  _tag: "MessageReply",
  message,
  options
})

/** Options of an API error reply. */
export interface ApiErrorOptions extends CommonReplyOptions {
  /** `error.type`; by default the one the API uses for the status (429 → `rate_limit_error`). */
  readonly type?: string | undefined
  readonly message?: string | undefined
  /** The `retry-after` header, in seconds. */
  readonly retryAfter?: number | undefined
  /** The `retry-after-ms` header, in milliseconds. */
  readonly retryAfterMs?: number | undefined
}

/** An API error answer with the API's envelope, `request-id` and optional `retry-after` headers. */
export const apiError = (status: number, options: ApiErrorOptions = {}): ErrorReply => {
  const errorType = options.type ?? errorTypeOfStatus(status)
  const headers: Record<string, string> = {}
  if (options.retryAfter !== undefined) headers["retry-after"] = String(options.retryAfter)
  if (options.retryAfterMs !== undefined) headers["retry-after-ms"] = String(options.retryAfterMs)
  return errorReply(status, options.message ?? defaultErrorMessage(errorType), errorType, {
    delay: options.delay,
    headers: { ...headers, ...options.headers }
  })
}

/** Options of a JSON or raw reply. */
export interface BodyReplyOptions extends CommonReplyOptions {
  /** Default 200. */
  readonly status?: number | undefined
}

/** Any JSON body (default status 200). */
export const json = (body: unknown, options: BodyReplyOptions = {}): JsonReply =>
  jsonReply(body, options.status ?? 200, options)

/** A body sent exactly as given (default status 200, `text/event-stream`). */
export const raw = (
  body: string,
  options: BodyReplyOptions & { readonly contentType?: string | undefined } = {}
): RawReply => ({
  _tag: "RawReply",
  status: options.status ?? 200,
  contentType: options.contentType ?? "text/event-stream; charset=utf-8",
  body,
  options
})

/** A hand-made SSE answer: each object is sent as one event named after its `type`. */
export const sse = (
  events: ReadonlyArray<{ readonly type: string; readonly [field: string]: unknown }>,
  options: BodyReplyOptions = {}
): RawReply => raw(encodeEvents(events), options)

/** A body pulled from a Stream as the client reads it (default status 200, `application/octet-stream`). */
export const streamed = (
  body: Stream.Stream<string | Uint8Array, unknown>,
  options: BodyReplyOptions & { readonly contentType?: string | undefined } = {}
): StreamedReply => ({
  _tag: "StreamedReply",
  status: options.status ?? 200,
  contentType: options.contentType ?? "application/octet-stream",
  body,
  options
})

/** Cuts the connection before any header is sent (the client sees a connection error). */
export const reset = (options: { readonly delay?: Duration.DurationInput | undefined } = {}): ResetReply => ({
  _tag: "ResetReply",
  options
})

/** Stream fault: the connection is cut after `afterEvents` events. */
export const resetAfterEvents = (afterEvents: number): StreamFault => ({ _tag: "ResetAfterEvents", afterEvents })

/**
 * Stream fault: after `afterEvents` events, half an event is sent and the connection is cut; with
 * `cleanEnd` the HTTP response ends normally instead, so only the missing `message_stop` shows it.
 */
export const truncateAfterEvents = (
  afterEvents: number,
  options: { readonly cleanEnd?: boolean | undefined } = {}
): StreamFault => ({ _tag: "TruncateAfterEvents", afterEvents, cleanEnd: options.cleanEnd ?? false })

/** Stream fault: after `afterEvents` events comes an event whose JSON is cut in half, then the end. */
export const malformedAfterEvents = (afterEvents: number): StreamFault => ({
  _tag: "MalformedAfterEvents",
  afterEvents
})

/** Stream fault: after `afterEvents` events the API's `error` event (default `overloaded_error`), then the end. */
export const errorEventAfterEvents = (
  afterEvents: number,
  options: { readonly type?: string | undefined; readonly message?: string | undefined } = {}
): StreamFault => {
  const errorType = options.type ?? "overloaded_error"
  return {
    _tag: "ErrorEventAfterEvents",
    afterEvents,
    errorType,
    message: options.message ?? defaultErrorMessage(errorType)
  }
}

// ---------------------------------------------------------------------------------------------
// Canned messages
// ---------------------------------------------------------------------------------------------

/** Options of a canned message. */
export interface MessageOptions {
  /** Default: derived from the content, so equal messages get equal ids. */
  readonly id?: string | undefined
  /** Default `claude-sonnet-4-6`. */
  readonly model?: string | undefined
  readonly stopReason?: Anthropic.StopReason | undefined
  readonly stopSequence?: string | null | undefined
  /** Counts to set; the rest default (10 input tokens, output estimated from the content). */
  readonly usage?: Partial<Anthropic.Usage> | undefined
}

// FNV-1a: a short, stable id from content, so canned messages stay deterministic.
const hashOf = (text: string): string => {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(36).padStart(7, "0")
}

/** A full `Usage` with the given counts; the rest are zero or null. */
export const usage = (counts: Partial<Anthropic.Usage> = {}): Anthropic.Usage => ({
  input_tokens: 10,
  output_tokens: 1,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  server_tool_use: null,
  service_tier: "standard",
  inference_geo: null,
  output_tokens_details: null,
  speed: null,
  ...counts
})

/** A text block. */
export const textBlock = (
  text: string,
  citations: Array<Anthropic.TextCitation> | null = null
): Anthropic.TextBlock => ({
  type: "text",
  text,
  citations
})

/** A thinking block with its signature. */
export const thinkingBlock = (thinking: string, signature = "mock-signature"): Anthropic.ThinkingBlock => ({
  type: "thinking",
  thinking,
  signature
})

/** A client tool call; the id defaults to one derived from name and input. */
export const toolUseBlock = (name: string, input: unknown, id?: string): Anthropic.ToolUseBlock => ({
  type: "tool_use",
  id: id ?? `toolu_mock_${hashOf(name + JSON.stringify(input))}`,
  name,
  input,
  caller: { type: "direct" }
})

const contentLength = (content: ReadonlyArray<Anthropic.ContentBlock>): number => {
  let length = 0
  for (const block of content) {
    if (block.type === "text") length += block.text.length
    else if (block.type === "thinking") length += block.thinking.length
    else if (block.type === "tool_use") length += JSON.stringify(block.input).length
  }
  return length
}

/** A complete assistant `Message` with these content blocks. */
export const message = (content: ReadonlyArray<Anthropic.ContentBlock>, options: MessageOptions = {}): Message => {
  const hasToolUse = content.some((block) => block.type === "tool_use")
  return {
    id: options.id ?? `msg_mock_${hashOf(JSON.stringify(content))}`,
    type: "message",
    role: "assistant",
    model: options.model ?? "claude-sonnet-4-6",
    content: [...content],
    stop_reason: options.stopReason ?? (hasToolUse ? "tool_use" : "end_turn"),
    stop_sequence: options.stopSequence ?? null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: usage({ output_tokens: Math.max(1, Math.ceil(contentLength(content) / 4)), ...options.usage })
  }
}

/** A text answer. */
export const textMessage = (text: string, options: MessageOptions = {}): Message => message([textBlock(text)], options)

/** One tool call of `toolUseMessage`. */
export interface ToolCall {
  readonly name: string
  readonly input: unknown
  readonly id?: string | undefined
}

/** An answer calling these tools (stop reason `tool_use`), optionally after some text. */
export const toolUseMessage = (
  calls: ReadonlyArray<ToolCall>,
  options: MessageOptions & { readonly text?: string | undefined } = {}
): Message =>
  message(
    [
      ...(options.text === undefined ? [] : [textBlock(options.text)]),
      ...calls.map((call, index) =>
        toolUseBlock(
          call.name,
          call.input,
          call.id ?? `toolu_mock_${hashOf(call.name + index + JSON.stringify(call.input))}`
        )
      )
    ],
    options
  )

const TextContent = Schema.Struct({ type: Schema.Literal("text"), text: Schema.String })
const isTextContent = Schema.is(TextContent)
const MessagesBody = Schema.Struct({
  messages: Schema.Array(
    Schema.Struct({ role: Schema.String, content: Schema.Union(Schema.String, Schema.Array(Schema.Unknown)) })
  )
})
const decodeMessagesBody = Schema.decodeUnknownOption(MessagesBody)

/**
 * The text of the last user message of a Messages request, or of a batch item's `params` (handy to
 * pick an answer per prompt).
 */
export const lastUserText = (request: ReceivedRequest | BatchItem): string | undefined => {
  const body = decodeMessagesBody("params" in request ? request.params : request.body)
  if (body._tag === "None") return undefined
  const { messages } = body.value
  for (let index = messages.length - 1; index >= 0; index--) {
    const entry = messages[index]!
    if (entry.role !== "user") continue
    if (typeof entry.content === "string") return entry.content
    return entry.content.flatMap((block) => (isTextContent(block) ? [block.text] : [])).join("")
  }
  return undefined
}

/** The ids of the uploaded files a Messages request (or a batch item) references. */
export const fileReferences = (request: ReceivedRequest | BatchItem): ReadonlyArray<string> =>
  fileIdsIn("params" in request ? request.params : request.body)

/** The `anthropic-beta` the Files API and Messages requests referencing a file need. */
export const filesBeta: string = filesBetaName

// ---------------------------------------------------------------------------------------------
// Batch outcomes
// ---------------------------------------------------------------------------------------------

/** A batch item answered with this message. */
export const batchSucceeded = (message: Message): BatchOutcome => ({ type: "succeeded", message })

/** A batch item that failed with the API's error response (`type` and `message` default as in `apiError`). */
export const batchErrored = (
  status: number,
  options: {
    readonly type?: string | undefined
    readonly message?: string | undefined
    readonly requestId?: string | null | undefined
  } = {}
): BatchOutcome => {
  const type = options.type ?? errorTypeOfStatus(status)
  return {
    type: "errored",
    error: {
      type: "error",
      error: { type, message: options.message ?? defaultErrorMessage(type) },
      request_id: options.requestId ?? null
    }
  }
}

/** A batch item the batch was canceled before processing. */
export const batchCanceled: BatchOutcome = { type: "canceled" }

/** A batch item the batch did not reach within its 24 hours. */
export const batchExpired: BatchOutcome = { type: "expired" }

/** The default outcome: a text answer `echo: <the item's last user text>`, with id `msg_<custom_id>`. */
export const batchEcho = (item: BatchItem): BatchOutcome =>
  batchSucceeded(
    textMessage(`echo: ${lastUserText(item) ?? ""}`, {
      id: `msg_${item.custom_id}`,
      model: typeof item.params.model === "string" ? item.params.model : undefined,
      usage: { input_tokens: 12, service_tier: "batch" }
    })
  )

// ---------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------

/** The server could not start, or a transcript could not be read. */
export class MockServerError extends Schema.TaggedError<MockServerError>()("MockServerError", {
  message: Schema.String
}) {}

/** Server options. */
export interface Options {
  /** Default 0: a free port chosen by the system. The server always binds 127.0.0.1. */
  readonly port?: number | undefined
  /** The only API key accepted (`x-api-key` or `Authorization: Bearer`); without it any non-empty key is. */
  readonly apiKey?: string | undefined
  /** What `GET /v1/models` lists (default: a catalogue of current Claude models). */
  readonly models?: ReadonlyArray<Anthropic.ModelInfo> | undefined
  /**
   * How long an idle keep-alive connection stays open (default 5 seconds, Node's; infinite: until the
   * client closes it). A client that reuses pooled connections under heavy load can send a request on
   * one just as the server closes it; a long timeout keeps load tests and benchmarks clear of that race.
   */
  readonly keepAliveTimeout?: Duration.DurationInput | undefined
}

/** A running server. */
export interface Service {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** The SDK's `baseURL` (the same origin: the SDK appends `/v1/...`). */
  readonly baseURL: string
  readonly port: number
  /** A key the server accepts. */
  readonly apiKey: string
  /** Every request received so far (rejected ones too), in arrival order. */
  readonly requests: Effect.Effect<ReadonlyArray<ReceivedRequest>>
  readonly requestCount: Effect.Effect<number>
  /**
   * TCP connections currently open, idle keep-alive ones included. Node's `fetch` opens a spare idle
   * connection after an aborted request, so assert aborts with `activeRequests` / `abortedRequests`.
   */
  readonly openConnections: Effect.Effect<number>
  /** Requests whose response is neither finished nor closed. */
  readonly activeRequests: Effect.Effect<number>
  /** Responses whose connection the client closed before they were complete. */
  readonly abortedRequests: Effect.Effect<number>
  /** Completes once exactly `count` connections are open. */
  readonly awaitOpenConnections: (count: number) => Effect.Effect<void>
  /** Completes once exactly `count` requests are in progress. */
  readonly awaitActiveRequests: (count: number) => Effect.Effect<void>
  /** The Message Batches the server holds, newest first. */
  readonly batches: Effect.Effect<ReadonlyArray<StoredBatch>>
  /** Every download of a batch's results so far, in order. */
  readonly resultsDownloads: Effect.Effect<ReadonlyArray<ResultsDownload>>
  /** Lets results files held by `BatchesScript.holdResultsAfter` go on (and later ones not stop). */
  readonly releaseResults: Effect.Effect<void>
  /** The files the server holds, newest first. */
  readonly files: Effect.Effect<ReadonlyArray<StoredFile>>
}

/** The running mock server. */
export class MockAnthropicServer extends Context.Tag("effect-claude/testing/MockAnthropicServer")<
  MockAnthropicServer,
  Service
>() {}

// ---------------------------------------------------------------------------------------------
// Answering
// ---------------------------------------------------------------------------------------------

type Resolved<R> = Reply | Effect.Effect<Reply, unknown, R>

const isTranscript = <R>(script: Script<R>): script is Transcript =>
  typeof script === "object" && !Array.isArray(script) && "_tag" in script && script._tag === "Transcript"

const isRoutes = <R>(script: Script<R>): script is Routes<R> =>
  typeof script === "object" && !Array.isArray(script) && !("_tag" in script) && !("type" in script)

const exhausted = (request: ReceivedRequest, what: string): ErrorReply =>
  apiError(500, {
    message: `MockAnthropicServer: ${what} has no reply left for request ${request.index + 1} (${request.method} ${request.path})`
  })

const isReplyList = <R>(replies: Replies<R>): replies is ReadonlyArray<Reply> => Array.isArray(replies)

const compileReplies = <R>(replies: Replies<R>): ((request: ReceivedRequest) => Resolved<R>) => {
  if (typeof replies === "function") return replies
  if (!isReplyList(replies)) return () => replies
  const list = replies
  let next = 0
  return (request) => (next < list.length ? list[next++]! : exhausted(request, "the script"))
}

const compileTranscript = (transcript: Transcript): ((request: ReceivedRequest) => Reply) => {
  let next = 0
  return (request) => {
    const interaction = transcript.interactions[next]
    if (interaction === undefined) return exhausted(request, `transcript ${transcript.name}`)
    const expected = interaction.request
    if (expected.method !== request.method || expected.path !== request.path) {
      return apiError(500, {
        message:
          `MockAnthropicServer: transcript ${transcript.name} expected ${expected.method} ${expected.path} ` +
          `as request ${next + 1}, got ${request.method} ${request.path}`
      })
    }
    next++
    const recorded = interaction.response
    return raw(typeof recorded.body === "string" ? recorded.body : JSON.stringify(recorded.body), {
      status: recorded.status,
      contentType: recorded.contentType,
      headers: recorded.headers
    })
  }
}

const estimateTokens = (body: unknown): number => {
  if (!Predicate.isRecord(body)) return 1
  return Math.max(1, Math.ceil(JSON.stringify([body.system, body.messages, body.tools]).length / 4))
}

const invalid = (message: string): ErrorReply => apiError(400, { message })

const requireFields = (
  body: unknown,
  fields: ReadonlyArray<readonly [string, "string" | "integer" | "list"]>
): ErrorReply | undefined => {
  if (!Predicate.isRecord(body)) return invalid("The request body must be a JSON object")
  for (const [field, kind] of fields) {
    const value = body[field]
    if (value === undefined) return invalid(`${field}: Field required`)
    if (kind === "string" && typeof value !== "string") return invalid(`${field}: Input should be a valid string`)
    if (kind === "integer" && !Number.isInteger(value)) return invalid(`${field}: Input should be a valid integer`)
    if (kind === "list" && !Array.isArray(value)) return invalid(`${field}: Input should be a valid list`)
  }
  return undefined
}

const messagesFields = [
  ["model", "string"],
  ["max_tokens", "integer"],
  ["messages", "list"]
] as const
const countTokensFields = [
  ["model", "string"],
  ["messages", "list"]
] as const

const failedReply = (cause: Cause.Cause<unknown>): Reply =>
  Cause.isInterruptedOnly(cause)
    ? reset()
    : apiError(500, { message: `MockAnthropicServer: the reply function failed: ${Cause.pretty(cause)}` })

// A reply that cannot be encoded (say, a BigInt in a tool input) answers 500 instead of crashing the server.
const safePlanOf = (answer: Reply, request: ReceivedRequest): Plan => {
  try {
    return planOf(answer, request)
  } catch (error) {
    return planOf(failedReply(Cause.die(error)), request)
  }
}

const headerRecord = (request: IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = typeof value === "string" ? value : value.join(", ")
  }
  return headers
}

// The SDK sends a key as `Authorization: Bearer`; other clients send `x-api-key`.
const apiKeyOf = (headers: Readonly<Record<string, string>>): string | undefined => {
  const key = headers["x-api-key"]
  if (key !== undefined && key !== "") return key
  const authorization = headers.authorization
  if (authorization === undefined || !authorization.startsWith("Bearer ")) return undefined
  const token = authorization.slice("Bearer ".length).trim()
  return token === "" ? undefined : token
}

// Batches and files get dates from a clock of their own, one second per event from a fixed start,
// so the dates a test sees do not depend on when it ran.
const logicalClock = (): (() => Date) => {
  const start = Date.parse("2025-06-01T00:00:00Z")
  let seconds = 0
  return () => new Date(start + 1000 * seconds++)
}

/** Starts the server for the life of the scope; closing the scope closes every connection. */
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

    const answerMessages: (request: ReceivedRequest) => Resolved<R> = isTranscript(script)
      ? compileTranscript(script)
      : compileReplies(isRoutes(script) ? (script.messages ?? textMessage("Hello from MockAnthropicServer")) : script)
    const answerCountTokens: (request: ReceivedRequest) => Resolved<R> = isTranscript(script)
      ? answerMessages
      : isRoutes(script) && script.countTokens !== undefined
        ? compileReplies(script.countTokens)
        : (request) => json({ input_tokens: estimateTokens(request.body) })

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

    const route = (request: ReceivedRequest, parseError: string | undefined): Resolved<R> => {
      const key = apiKeyOf(request.headers)
      if (key === undefined) return apiError(401, { message: "x-api-key header is required" })
      if (options.apiKey !== undefined && key !== options.apiKey) return apiError(401, { message: "invalid x-api-key" })
      if (parseError !== undefined) return invalid(parseError)
      const intercepted = routes.intercept?.(request)
      if (intercepted !== undefined) return intercepted
      const { method, path } = request
      if (method === "POST" && path === "/v1/messages") {
        return requireFields(request.body, messagesFields) ?? fileReferenceError(request) ?? answerMessages(request)
      }
      if (method === "POST" && path === "/v1/messages/count_tokens") {
        return (
          requireFields(request.body, countTokensFields) ?? fileReferenceError(request) ?? answerCountTokens(request)
        )
      }
      const simulated = batches.route(request) ?? files.route(request)
      if (simulated !== undefined) return simulated
      if (method === "GET" && path === "/v1/models") {
        const page = modelPage(models, request.query)
        return typeof page === "string" ? invalid(page) : json(page)
      }
      if (method === "GET" && path.startsWith("/v1/models/")) {
        const id = decodeURIComponent(path.slice("/v1/models/".length))
        const found = models.find((info) => info.id === id)
        return found === undefined ? apiError(404, { message: `model: ${id}` }) : json(found)
      }
      return apiError(404, { message: "Not Found" })
    }

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

/** The same as `make`, named for demos and benchmarks that run the server in their own process. */
export const listen: <R = never>(
  script: Script<R>,
  options?: Options
) => Effect.Effect<Service, MockServerError, Scope.Scope | R> = make

/** The server as a Layer: started when the Layer is built, stopped when its scope closes. */
export const layer = <R = never>(
  script: Script<R>,
  options: Options = {}
): Layer.Layer<MockAnthropicServer, MockServerError, R> => Layer.scoped(MockAnthropicServer, make(script, options))

/** Reads a transcript file (see `shared/transcripts/README.md`) as a script that serves it in order. */
export const transcript = (file: string | URL): Effect.Effect<Transcript, MockServerError> =>
  readTranscriptFile(file).pipe(
    Effect.map(
      (decoded): Transcript => ({ _tag: "Transcript", name: decoded.name, interactions: decoded.interactions })
    ),
    Effect.mapError((message) => new MockServerError({ message }))
  )

/** A server serving a transcript file, as a Layer. */
export const layerTranscript = (
  file: string | URL,
  options: Options = {}
): Layer.Layer<MockAnthropicServer, MockServerError> =>
  Layer.unwrapEffect(Effect.map(transcript(file), (script) => layer(script, options)))
