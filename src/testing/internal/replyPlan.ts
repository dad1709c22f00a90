/**
 * Turns a scripted reply into a `Plan` for the response writer: headers like the API's
 * (`request-id` always), JSON or SSE bodies, and stream faults cut into the event list.
 */
import type { OutgoingHttpHeaders } from "node:http"
import * as Cause from "effect/Cause"
import { errorEnvelope, statusOfErrorType } from "./apiErrors.js"
import type { ReceivedRequest } from "./receivedRequest.js"
import type {
  CommonReplyOptions,
  ErrorReply,
  Message,
  MessageReply,
  MessageReplyOptions,
  Reply
} from "./replyLanguage.js"
import { apiError, reset } from "./replyLanguage.js"
import { optionalDuration, type Plan } from "./responseWriter.js"
import { encodeMessageEvents, malformEvent, sseEvent, truncateEvent } from "./sseEncoding.js"

const jsonHeaders = (requestId: string, length: number, extra: Readonly<Record<string, string>> | undefined) => ({
  "content-type": "application/json",
  "content-length": length,
  "request-id": requestId,
  ...extra
})

const sseHeaders = (requestId: string, extra: Readonly<Record<string, string>> | undefined): OutgoingHttpHeaders => ({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "request-id": requestId,
  ...extra
})

// Encoded bodies per reply object: a benchmark sending one canned reply a thousand times encodes it once.
const jsonCache = new WeakMap<Message, string>()
const eventCache = new WeakMap<object, Array<string>>()

const messageJson = (message: Message): string => {
  let body = jsonCache.get(message)
  if (body === undefined) {
    body = JSON.stringify(message)
    jsonCache.set(message, body)
  }
  return body
}

const messageEvents = (key: object, message: Message, options: MessageReplyOptions): Array<string> => {
  let events = eventCache.get(key)
  if (events === undefined) {
    events = encodeMessageEvents(message, { chunkSize: options.chunkSize, pings: options.pings })
    eventCache.set(key, events)
  }
  return events
}

const bodyPlan = (
  status: number,
  body: string,
  requestId: string,
  options: CommonReplyOptions,
  ending: "end" | "close" = "end",
  declaredLength = Buffer.byteLength(body)
): Plan => ({
  _tag: "Write",
  delay: optionalDuration(options.delay),
  status,
  headers: jsonHeaders(requestId, declaredLength, options.headers),
  chunks: [body],
  eventDelay: undefined,
  ending
})

const errorPlan = (reply: ErrorReply, requestId: string): Plan =>
  bodyPlan(reply.status, errorEnvelope(reply.errorType, reply.message, requestId), requestId, reply.options)

const streamedMessagePlan = (key: object, reply: MessageReply, requestId: string): Plan => {
  const { options } = reply
  const events = messageEvents(key, reply.message, options)
  const fault = options.fault
  let chunks: ReadonlyArray<string> = events
  let ending: "end" | "close" = "end"
  if (fault !== undefined) {
    const kept = Math.max(0, Math.min(fault.afterEvents, events.length))
    const head = events.slice(0, kept)
    switch (fault._tag) {
      case "ResetAfterEvents":
        chunks = head
        ending = "close"
        break
      case "TruncateAfterEvents":
        chunks = [...head, truncateEvent(events[kept])]
        ending = fault.cleanEnd ? "end" : "close"
        break
      case "MalformedAfterEvents":
        chunks = [...head, malformEvent(events[kept])]
        break
      case "ErrorEventAfterEvents":
        chunks = [...head, sseEvent("error", errorEnvelope(fault.errorType, fault.message, requestId))]
        break
    }
  }
  return {
    _tag: "Write",
    delay: optionalDuration(options.delay),
    status: 200,
    headers: sseHeaders(requestId, options.headers),
    chunks,
    eventDelay: optionalDuration(options.eventDelay),
    ending
  }
}

// A non-streamed answer shows a stream fault the way a broken JSON response would.
const jsonMessagePlan = (reply: MessageReply, requestId: string): Plan => {
  const body = messageJson(reply.message)
  const { options } = reply
  const half = body.slice(0, Math.floor(body.length / 2))
  switch (options.fault?._tag) {
    case undefined:
      return bodyPlan(200, body, requestId, options)
    case "ResetAfterEvents":
      return bodyPlan(200, half, requestId, options, "close", Buffer.byteLength(body))
    case "TruncateAfterEvents":
      return options.fault.cleanEnd
        ? bodyPlan(200, half, requestId, options)
        : bodyPlan(200, half, requestId, options, "close", Buffer.byteLength(body))
    case "MalformedAfterEvents":
      return bodyPlan(200, half, requestId, options)
    case "ErrorEventAfterEvents": {
      const { errorType, message } = options.fault
      return bodyPlan(statusOfErrorType(errorType), errorEnvelope(errorType, message, requestId), requestId, options)
    }
  }
}

/** What to send for a reply to this request. */
export const planOf = (answer: Reply, request: ReceivedRequest): Plan => {
  const { requestId } = request
  if (!("_tag" in answer)) {
    const asReply: MessageReply = { _tag: "MessageReply", message: answer, options: {} }
    return request.stream ? streamedMessagePlan(answer, asReply, requestId) : jsonMessagePlan(asReply, requestId)
  }
  switch (answer._tag) {
    case "MessageReply":
      return request.stream ? streamedMessagePlan(answer, answer, requestId) : jsonMessagePlan(answer, requestId)
    case "ErrorReply":
      return errorPlan(answer, requestId)
    case "JsonReply":
      return bodyPlan(answer.status, JSON.stringify(answer.body), requestId, answer.options)
    case "RawReply": {
      const headers: OutgoingHttpHeaders = {
        "content-type": answer.contentType,
        "request-id": requestId,
        ...answer.options.headers
      }
      return {
        _tag: "Write",
        delay: optionalDuration(answer.options.delay),
        status: answer.status,
        headers,
        chunks: [answer.body],
        eventDelay: undefined,
        ending: "end"
      }
    }
    case "StreamedReply":
      return {
        _tag: "Stream",
        delay: optionalDuration(answer.options.delay),
        status: answer.status,
        headers: { "content-type": answer.contentType, "request-id": requestId, ...answer.options.headers },
        body: answer.body
      }
    case "ResetReply":
      return { _tag: "Reset", delay: optionalDuration(answer.options.delay) }
  }
}

/** An answer that failed, or was interrupted (then the connection is cut). */
export const failedReply = (cause: Cause.Cause<unknown>): Reply =>
  Cause.isInterruptedOnly(cause)
    ? reset()
    : apiError(500, { message: `MockAnthropicServer: the reply function failed: ${Cause.pretty(cause)}` })

// A reply that cannot be encoded (say, a BigInt in a tool input) answers 500 instead of crashing the server.
export const safePlanOf = (answer: Reply, request: ReceivedRequest): Plan => {
  try {
    return planOf(answer, request)
  } catch (error) {
    return planOf(failedReply(Cause.die(error)), request)
  }
}
