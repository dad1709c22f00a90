/**
 * The lines of a Message Batch results file (JSONL): one `{ custom_id, result }` per request.
 * A `succeeded` line (nearly every line) is checked by hand, any other line decoded with Schema; a
 * `succeeded` message goes through the same response mapping as a single request, an `errored`
 * one becomes the mirrored SDK error its `error.type` stands for.
 */

import type Anthropic from "@anthropic-ai/sdk"
import * as Sdk from "@anthropic-ai/sdk"
import type { BetaMessage } from "@anthropic-ai/sdk/resources/beta/messages/messages.js"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type { UnexpectedModelBehavior } from "../../AgentError.js"
import type { ModelResponse } from "../../Message.js"
import { type AnthropicSdkError, APIError, type APIStatusError, isAPIStatusError } from "../AnthropicError.js"
import type { RequestOptions } from "./clientTypes.js"
import { DecodableBody } from "./eventPump.js"
import { JsonlDecoder } from "./jsonlLines.js"
import { malformedResponse as malformedMessage, mapMessage } from "./responseMapping.js"
import { fromSdkError, statusOfErrorType } from "./sdkErrors.js"
import { malformed } from "./wireDecoding.js"

/**
 * A batch result's message as far as the response mapping reads it unconditionally: its id, model, usage and a
 * list of typed blocks. The blocks' own fields are checked when they become parts.
 */
const isResultMessage = (value: unknown): value is BetaMessage =>
  Predicate.isRecord(value) &&
  value.type === "message" &&
  typeof value.id === "string" &&
  typeof value.model === "string" &&
  Predicate.isRecord(value.usage) &&
  (value.stop_reason === undefined || value.stop_reason === null || typeof value.stop_reason === "string") &&
  Array.isArray(value.content) &&
  value.content.every((block) => Predicate.isRecord(block) && typeof block.type === "string")

const WireMessage = Schema.declare(isResultMessage, {
  identifier: "Message",
  description: "a Messages API message with id, model, usage and typed content blocks"
})

/** `error` of the API's error envelope. */
const ErrorDetail = Schema.Struct(
  { type: Schema.String, message: Schema.String },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

/** The API's error envelope, `{ type: "error", error: { type, message }, request_id }`. */
const ErrorEnvelope = Schema.Struct({
  type: Schema.Literal("error"),
  error: ErrorDetail,
  request_id: Schema.optional(Schema.NullOr(Schema.String))
})

const isErrorEnvelope = Schema.is(ErrorEnvelope)

const ResultLine = Schema.Struct({
  custom_id: Schema.String,
  result: Schema.Union(
    Schema.Struct({ type: Schema.Literal("succeeded"), message: WireMessage }),
    // Older results carried the bare `{ type, message }` instead of the envelope.
    Schema.Struct({ type: Schema.Literal("errored"), error: Schema.Union(ErrorEnvelope, ErrorDetail) }),
    Schema.Struct({ type: Schema.Literal("canceled") }),
    Schema.Struct({ type: Schema.Literal("expired") })
  )
})

const decodeResultLine = Schema.decodeUnknownEither(ResultLine)

/**
 * A succeeded line, nearly every line of a results file: checked by hand, which `ResultLine`
 * would accept as it is (its decoding copies the line and keeps only what is read here), so the
 * Schema decoding (and its error message) is left to the other lines.
 */
const isSucceededLine = (
  line: unknown
): line is {
  readonly custom_id: string
  readonly result: { readonly type: "succeeded"; readonly message: BetaMessage }
} =>
  Predicate.isRecord(line) &&
  typeof line.custom_id === "string" &&
  Predicate.isRecord(line.result) &&
  line.result.type === "succeeded" &&
  isResultMessage(line.result.message)

/**
 * A decoded line: the outcome for one `custom_id`.
 * @since 0.1.0
 * @category models
 */
export type DecodedResult =
  | { readonly _tag: "Succeeded"; readonly customId: string; readonly response: ModelResponse }
  | { readonly _tag: "Errored"; readonly customId: string; readonly error: APIStatusError }
  | { readonly _tag: "Canceled"; readonly customId: string }
  | { readonly _tag: "Expired"; readonly customId: string }

/**
 * The mirrored error of an errored batch item: the SDK's class for the status the API uses for its
 * `error.type` (so `invalid_request_error` is a `BadRequestError`, as the same request sent alone
 * would have failed); an unknown type becomes an `APIError` without status.
 */
const itemError = (error: typeof ErrorEnvelope.Type | typeof ErrorDetail.Type): APIStatusError => {
  const envelope: typeof ErrorEnvelope.Type = isErrorEnvelope(error) ? error : { type: "error", error }
  const detail = envelope.error
  const status = statusOfErrorType[detail.type]
  if (status !== undefined) {
    const mirrored = fromSdkError(Sdk.APIError.generate(status, envelope, undefined, new Headers()))
    if (isAPIStatusError(mirrored)) return mirrored
  }
  const requestId = envelope.request_id
  return new APIError({
    message: `${detail.type}: ${detail.message}`,
    headers: {},
    errorType: detail.type,
    ...(requestId === undefined || requestId === null ? {} : { requestId }),
    body: envelope
  })
}

const succeeded = (
  customId: string,
  message: BetaMessage,
  timestamp: Date
): Either.Either<DecodedResult, UnexpectedModelBehavior> => {
  try {
    return Either.right({ _tag: "Succeeded", customId, response: mapMessage(message, timestamp) })
  } catch (error) {
    // A block whose fields do not fit the part it maps to.
    return Either.left(malformedMessage(error))
  }
}

/**
 * Decodes one parsed line; `timestamp` stamps a succeeded response, as a single request's would
 * be. A line that is not a batch result is an `AnthropicSdkError`; a message the response mapping
 * cannot read is `UnexpectedModelBehavior`, as it is for a single request.
 * @since 0.1.0
 * @category utils
 */
export const decodeResult = (
  line: unknown,
  timestamp: Date
): Either.Either<DecodedResult, AnthropicSdkError | UnexpectedModelBehavior> => {
  if (isSucceededLine(line)) return succeeded(line.custom_id, line.result.message, timestamp)
  const decoded = decodeResultLine(line)
  if (Either.isLeft(decoded)) return Either.left(malformed("batch result", decoded.left))
  const { custom_id: customId, result } = decoded.right
  switch (result.type) {
    case "succeeded":
      return succeeded(customId, result.message, timestamp)
    case "errored":
      return Either.right({ _tag: "Errored", customId, error: itemError(result.error) })
    case "canceled":
      return Either.right({ _tag: "Canceled", customId })
    case "expired":
      return Either.right({ _tag: "Expired", customId })
  }
}

/**
 * The lines of an ended batch's results file, as the SDK's `results` fetches them (the same
 * retrieval, headers and errors). The SDK's JSONL decoder holds its response unread until it is
 * iterated, so the client's pump decodes that body itself, a network chunk at a time
 * (`jsonlLines.ts`); a decoder of another shape is iterated as it is.
 * @since 0.1.0
 * @category utils
 */
export const resultsFile = (
  sdk: Anthropic,
  batchId: string,
  options: RequestOptions
): Promise<AsyncIterable<unknown>> =>
  sdk.beta.messages.batches.results(batchId, {}, options).then((lines): AsyncIterable<unknown> => {
    const response = unreadResponse(lines)
    return response === undefined ? lines : new DecodableBody(response, new JsonlDecoder())
  })

/** The response a decoder holds, while nothing has read its body. */
const unreadResponse = (decoder: unknown): Response | undefined =>
  Predicate.hasProperty(decoder, "response") &&
  decoder.response instanceof Response &&
  decoder.response.body !== null &&
  !decoder.response.body.locked
    ? decoder.response
    : undefined
