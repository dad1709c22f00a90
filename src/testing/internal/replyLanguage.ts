/**
 * The reply language of the loopback server: what it answers one request with (a message, an API
 * error, any JSON, a raw or streamed body, a cut connection), the faults a streamed answer can
 * carry, and their constructors.
 */
import type Anthropic from "@anthropic-ai/sdk"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import { defaultErrorMessage, errorTypeOfStatus } from "./apiErrors.js"
import type { ReceivedRequest } from "./receivedRequest.js"
import { errorReply, jsonReply } from "./replies.js"
import { encodeEvents } from "./sseEncoding.js"

/**
 * A Messages API `Message`, as the official SDK types it.
 *
 * @since 0.1.0
 * @category replies
 */
export type Message = Anthropic.Message

/**
 * Options every reply takes.
 *
 * @since 0.1.0
 * @category replies
 */
export interface CommonReplyOptions {
  /** Wait this long before sending the status line and headers. */
  readonly delay?: Duration.DurationInput | undefined
  /** Extra response headers (they win over the server's defaults). */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * A fault injected into a streamed answer after its first `afterEvents` events (pings count).
 *
 * @since 0.1.0
 * @category replies
 */
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

/**
 * Options of a message reply.
 *
 * @since 0.1.0
 * @category replies
 */
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

/**
 * A message answer: JSON for a plain request, the API's SSE sequence for a streamed one.
 *
 * @since 0.1.0
 * @category replies
 */
export interface MessageReply {
  readonly _tag: "MessageReply"
  readonly message: Message
  readonly options: MessageReplyOptions
}

/**
 * An API error: the status, headers and the `{"type":"error","error":{...},"request_id"}` envelope.
 *
 * @since 0.1.0
 * @category replies
 */
export interface ErrorReply {
  readonly _tag: "ErrorReply"
  readonly status: number
  readonly errorType: string
  readonly message: string
  readonly options: CommonReplyOptions
}

/**
 * Any JSON body with a status (e.g. a `count_tokens` answer).
 *
 * @since 0.1.0
 * @category replies
 */
export interface JsonReply {
  readonly _tag: "JsonReply"
  readonly status: number
  readonly body: unknown
  readonly options: CommonReplyOptions
}

/**
 * A body sent byte for byte as given (recorded SSE, hand-written broken bodies).
 *
 * @since 0.1.0
 * @category replies
 */
export interface RawReply {
  readonly _tag: "RawReply"
  readonly status: number
  readonly contentType: string
  readonly body: string
  readonly options: CommonReplyOptions
}

/**
 * A body pulled from a Stream only as fast as the client reads it; a failing Stream cuts the connection.
 *
 * @since 0.1.0
 * @category replies
 */
export interface StreamedReply {
  readonly _tag: "StreamedReply"
  readonly status: number
  readonly contentType: string
  readonly body: Stream.Stream<string | Uint8Array, unknown>
  readonly options: CommonReplyOptions
}

/**
 * The connection is cut before any response header is sent.
 *
 * @since 0.1.0
 * @category replies
 */
export interface ResetReply {
  readonly _tag: "ResetReply"
  readonly options: CommonReplyOptions
}

/**
 * What the server answers one request with; a bare `Message` means `reply(message)`.
 *
 * @since 0.1.0
 * @category replies
 */
export type Reply = Message | MessageReply | ErrorReply | JsonReply | RawReply | StreamedReply | ResetReply

/**
 * Computes the answer from the request; may be an Effect (its failures become a 500).
 *
 * @since 0.1.0
 * @category replies
 */
export type ReplyFunction<R = never> = (request: ReceivedRequest) => Reply | Effect.Effect<Reply, unknown, R>

/**
 * One reply for every request, replies in order (one per request), or a function of the request.
 *
 * @since 0.1.0
 * @category replies
 */
export type Replies<R = never> = Reply | ReadonlyArray<Reply> | ReplyFunction<R>

/**
 * A message answer with options (delays, chunking, pings, a stream fault).
 *
 * @since 0.1.0
 * @category replies
 */
export const reply = (message: Message, options: MessageReplyOptions = {}): MessageReply => ({
  _tag: "MessageReply",
  message,
  options
})

/**
 * Options of an API error reply.
 *
 * @since 0.1.0
 * @category replies
 */
export interface ApiErrorOptions extends CommonReplyOptions {
  /** `error.type`; by default the one the API uses for the status (429 → `rate_limit_error`). */
  readonly type?: string | undefined
  readonly message?: string | undefined
  /** The `retry-after` header, in seconds. */
  readonly retryAfter?: number | undefined
  /** The `retry-after-ms` header, in milliseconds. */
  readonly retryAfterMs?: number | undefined
}

/**
 * An API error answer with the API's envelope, `request-id` and optional `retry-after` headers.
 *
 * @since 0.1.0
 * @category replies
 */
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

/**
 * Options of a JSON or raw reply.
 *
 * @since 0.1.0
 * @category replies
 */
export interface BodyReplyOptions extends CommonReplyOptions {
  /** Default 200. */
  readonly status?: number | undefined
}

/**
 * Any JSON body (default status 200).
 *
 * @since 0.1.0
 * @category replies
 */
export const json = (body: unknown, options: BodyReplyOptions = {}): JsonReply =>
  jsonReply(body, options.status ?? 200, options)

/**
 * A body sent exactly as given (default status 200, `text/event-stream`).
 *
 * @since 0.1.0
 * @category replies
 */
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

/**
 * A hand-made SSE answer: each object is sent as one event named after its `type`.
 *
 * @since 0.1.0
 * @category replies
 */
export const sse = (
  events: ReadonlyArray<{ readonly type: string; readonly [field: string]: unknown }>,
  options: BodyReplyOptions = {}
): RawReply => raw(encodeEvents(events), options)

/**
 * A body pulled from a Stream as the client reads it (default status 200, `application/octet-stream`).
 *
 * @since 0.1.0
 * @category replies
 */
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

/**
 * Cuts the connection before any header is sent (the client sees a connection error).
 *
 * @since 0.1.0
 * @category replies
 */
export const reset = (options: { readonly delay?: Duration.DurationInput | undefined } = {}): ResetReply => ({
  _tag: "ResetReply",
  options
})

/**
 * Stream fault: the connection is cut after `afterEvents` events.
 *
 * @since 0.1.0
 * @category replies
 */
export const resetAfterEvents = (afterEvents: number): StreamFault => ({ _tag: "ResetAfterEvents", afterEvents })

/**
 * Stream fault: after `afterEvents` events, half an event is sent and the connection is cut; with
 * `cleanEnd` the HTTP response ends normally instead, so only the missing `message_stop` shows it.
 *
 * @since 0.1.0
 * @category replies
 */
export const truncateAfterEvents = (
  afterEvents: number,
  options: { readonly cleanEnd?: boolean | undefined } = {}
): StreamFault => ({ _tag: "TruncateAfterEvents", afterEvents, cleanEnd: options.cleanEnd ?? false })

/**
 * Stream fault: after `afterEvents` events comes an event whose JSON is cut in half, then the end.
 *
 * @since 0.1.0
 * @category replies
 */
export const malformedAfterEvents = (afterEvents: number): StreamFault => ({
  _tag: "MalformedAfterEvents",
  afterEvents
})

/**
 * Stream fault: after `afterEvents` events the API's `error` event (default `overloaded_error`), then the end.
 *
 * @since 0.1.0
 * @category replies
 */
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
