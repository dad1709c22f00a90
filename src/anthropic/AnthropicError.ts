/**
 * The errors of the Anthropic SDK, mirrored as `Schema.TaggedError`s: one class per SDK error
 * class, with the SDK's class name as `_tag`, so `Effect.catchTag("RateLimitError", ...)` reads
 * like the SDK's own docs. The SDK decides which class a response becomes (`AnthropicClient.fromSdkError`
 * only translates), so the status → class mapping is the SDK's. Each class carries the brand
 * `TypeId`, so `isAnthropicError` tells them from any other value.
 *
 * @example
 * import { Effect } from "effect"
 * import { AnthropicError } from "effect-claude/anthropic"
 *
 * const describe = (error: AnthropicError.AnthropicError) =>
 *   AnthropicError.isRetryable(error) ? `retry later: ${error.message}` : `give up: ${error.message}`
 *
 * const recover = <A, R>(effect: Effect.Effect<A, AnthropicError.AnthropicError, R>) =>
 *   effect.pipe(Effect.catchTag("RateLimitError", (error) => Effect.fail(error.headers["retry-after"])))
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as retryable from "./internal/retryable.js"

declare module "../Model.js" {
  interface ModelErrors {
    readonly anthropic: AnthropicError
  }
}

/**
 * The brand of the errors of an Anthropic call.
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-claude/AnthropicError")
/**
 * The type of `TypeId`.
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

const identifier = (tag: string): string => `effect-claude/AnthropicError/${tag}`

/** Response headers as a plain record with lower-case names (credentials never kept). */
const HeadersRecord = Schema.Record({ key: Schema.String, value: Schema.String })

/** The fields of an error that came with an HTTP status. */
const statusFields = {
  message: Schema.String,
  status: Schema.Number,
  headers: HeadersRecord,
  requestId: Schema.optional(Schema.String),
  /** `error.type` of the API's error envelope, e.g. `rate_limit_error`. */
  errorType: Schema.optional(Schema.String),
  /** `error.details.error_code` of the envelope, when the API sent one. */
  errorCode: Schema.optional(Schema.String),
  /** The parsed JSON body of the response (or its text when it was not JSON). */
  body: Schema.optional(Schema.Unknown)
}

/** The fields of an error without an HTTP status (connection problems, aborts). */
const noStatusFields = {
  message: Schema.String,
  status: Schema.optional(Schema.Number),
  headers: HeadersRecord,
  requestId: Schema.optional(Schema.String),
  errorType: Schema.optional(Schema.String),
  errorCode: Schema.optional(Schema.String),
  body: Schema.optional(Schema.Unknown)
}

/** The class of an error with the fields of an HTTP error answer, under its namespaced identifier. */
const StatusError =
  <Self>() =>
  <Tag extends string>(tag: Tag) =>
    Schema.TaggedError<Self>(identifier(tag))(tag, statusFields)

/** The class of an error that may lack a status, under its namespaced identifier. */
const NoStatusError =
  <Self>() =>
  <Tag extends string>(tag: Tag) =>
    Schema.TaggedError<Self>(identifier(tag))(tag, noStatusFields)

/**
 * HTTP 400: the request was malformed or invalid (`invalid_request_error`).
 * @since 0.1.0
 * @category errors
 */
export class BadRequestError extends StatusError<BadRequestError>()("BadRequestError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 401: the API key or token is missing or invalid.
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationError extends StatusError<AuthenticationError>()("AuthenticationError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 402: billing problem on the account.
 * @since 0.1.0
 * @category errors
 */
export class PaymentRequiredError extends StatusError<PaymentRequiredError>()("PaymentRequiredError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 403: the key may not use this resource.
 * @since 0.1.0
 * @category errors
 */
export class PermissionDeniedError extends StatusError<PermissionDeniedError>()("PermissionDeniedError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 404: unknown model, endpoint or resource.
 * @since 0.1.0
 * @category errors
 */
export class NotFoundError extends StatusError<NotFoundError>()("NotFoundError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 408: the server timed out waiting for the request.
 * @since 0.1.0
 * @category errors
 */
export class RequestTimeoutError extends StatusError<RequestTimeoutError>()("RequestTimeoutError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 409: a conflicting request (e.g. a lock) is in progress.
 * @since 0.1.0
 * @category errors
 */
export class ConflictError extends StatusError<ConflictError>()("ConflictError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 412: a precondition of the request failed.
 * @since 0.1.0
 * @category errors
 */
export class PreconditionFailedError extends StatusError<PreconditionFailedError>()("PreconditionFailedError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 413: the request is too large.
 * @since 0.1.0
 * @category errors
 */
export class ContentTooLargeError extends StatusError<ContentTooLargeError>()("ContentTooLargeError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 422: the request was well-formed but could not be processed.
 * @since 0.1.0
 * @category errors
 */
export class UnprocessableEntityError extends StatusError<UnprocessableEntityError>()("UnprocessableEntityError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 429: rate limited; `headers["retry-after"]` says how long to wait.
 * @since 0.1.0
 * @category errors
 */
export class RateLimitError extends StatusError<RateLimitError>()("RateLimitError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 431: the request headers are too large.
 * @since 0.1.0
 * @category errors
 */
export class RequestHeaderFieldsTooLargeError extends StatusError<RequestHeaderFieldsTooLargeError>()(
  "RequestHeaderFieldsTooLargeError"
) {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 499: the client closed the request before the server answered.
 * @since 0.1.0
 * @category errors
 */
export class ClientClosedRequestError extends StatusError<ClientClosedRequestError>()("ClientClosedRequestError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 500 (and any other 5xx without a class of its own): the API failed.
 * @since 0.1.0
 * @category errors
 */
export class InternalServerError extends StatusError<InternalServerError>()("InternalServerError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 501.
 * @since 0.1.0
 * @category errors
 */
export class NotImplementedError extends StatusError<NotImplementedError>()("NotImplementedError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 503.
 * @since 0.1.0
 * @category errors
 */
export class ServiceUnavailableError extends StatusError<ServiceUnavailableError>()("ServiceUnavailableError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 504.
 * @since 0.1.0
 * @category errors
 */
export class GatewayTimeoutError extends StatusError<GatewayTimeoutError>()("GatewayTimeoutError") {
  declare readonly [TypeId]: TypeId
}

/**
 * HTTP 529: the API is temporarily overloaded.
 * @since 0.1.0
 * @category errors
 */
export class OverloadedError extends StatusError<OverloadedError>()("OverloadedError") {
  declare readonly [TypeId]: TypeId
}

/**
 * Any other API error: a status without a class of its own, or an SSE `error` event of a type the
 * API has no status for (then `status` is absent and `errorType` says what happened). SSE errors
 * of known types get their class: `overloaded_error` is an `OverloadedError` (status 529).
 * @since 0.1.0
 * @category errors
 */
export class APIError extends NoStatusError<APIError>()("APIError") {
  declare readonly [TypeId]: TypeId
}

/**
 * The request never got an answer: connection refused, reset, DNS failure.
 * @since 0.1.0
 * @category errors
 */
export class APIConnectionError extends NoStatusError<APIConnectionError>()("APIConnectionError") {
  declare readonly [TypeId]: TypeId
}

/**
 * The request timed out (the client's `timeout`).
 * @since 0.1.0
 * @category errors
 */
export class APIConnectionTimeoutError extends NoStatusError<APIConnectionTimeoutError>()("APIConnectionTimeoutError") {
  declare readonly [TypeId]: TypeId
}

/**
 * The request was aborted by the caller.
 * @since 0.1.0
 * @category errors
 */
export class APIUserAbortError extends NoStatusError<APIUserAbortError>()("APIUserAbortError") {
  declare readonly [TypeId]: TypeId
}

/**
 * An error that asks to be retried (the SDK's `RetryableError`, e.g. thrown by a middleware).
 * @since 0.1.0
 * @category errors
 */
export class RetryableError extends Schema.TaggedError<RetryableError>(identifier("RetryableError"))("RetryableError", {
  message: Schema.String
}) {
  declare readonly [TypeId]: TypeId
}

/**
 * A failure of the SDK that is not an API response: missing credentials, a non-streaming request
 * that would take too long, malformed data in a stream. `errorClass` is the thrown class's name.
 * @since 0.1.0
 * @category errors
 */
export class AnthropicSdkError extends Schema.TaggedError<AnthropicSdkError>(identifier("AnthropicSdkError"))(
  "AnthropicSdkError",
  {
    message: Schema.String,
    errorClass: Schema.String
  }
) {
  declare readonly [TypeId]: TypeId
}

/**
 * The platform the client talks to lacks the feature (e.g. batches on Bedrock).
 * @since 0.1.0
 * @category errors
 */
export class UnsupportedFeature extends Schema.TaggedError<UnsupportedFeature>(identifier("UnsupportedFeature"))(
  "UnsupportedFeature",
  {
    message: Schema.String,
    platform: Schema.String,
    feature: Schema.String
  }
) {
  declare readonly [TypeId]: TypeId
}

/**
 * A cloud variant's optional package (e.g. `@anthropic-ai/bedrock-sdk`) is not installed. A failure
 * to build the client's Layer, not of a call: it carries no `TypeId`.
 * @since 0.1.0
 * @category errors
 */
export class PlatformPackageMissing extends Schema.TaggedError<PlatformPackageMissing>(
  identifier("PlatformPackageMissing")
)("PlatformPackageMissing", {
  message: Schema.String,
  platform: Schema.String,
  packageName: Schema.String
}) {}

/**
 * The 5xx errors (the SDK's `InternalServerError` and its subclasses).
 * @since 0.1.0
 * @category models
 */
export type ServerError =
  | InternalServerError
  | NotImplementedError
  | ServiceUnavailableError
  | GatewayTimeoutError
  | OverloadedError

/**
 * The errors that came with an HTTP status (the SDK's status-bearing `APIError`s).
 * @since 0.1.0
 * @category models
 */
export type APIStatusError =
  | BadRequestError
  | AuthenticationError
  | PaymentRequiredError
  | PermissionDeniedError
  | NotFoundError
  | RequestTimeoutError
  | ConflictError
  | PreconditionFailedError
  | ContentTooLargeError
  | UnprocessableEntityError
  | RateLimitError
  | RequestHeaderFieldsTooLargeError
  | ClientClosedRequestError
  | ServerError
  | APIError

/**
 * The request got no response.
 * @since 0.1.0
 * @category models
 */
export type ConnectionError = APIConnectionError | APIConnectionTimeoutError

/**
 * Every error an Anthropic call can fail with.
 * @since 0.1.0
 * @category models
 */
export type AnthropicError =
  | APIStatusError
  | ConnectionError
  | APIUserAbortError
  | RetryableError
  | AnthropicSdkError
  | UnsupportedFeature

/**
 * The errors worth retrying (see `isRetryable`).
 * @since 0.1.0
 * @category models
 */
export type RetryableAnthropicError =
  | RequestTimeoutError
  | ConflictError
  | RateLimitError
  | ServerError
  | APIError
  | ConnectionError
  | RetryableError

/** The classes of errors that carry an API answer (an HTTP error status or an SSE `error` event). */
const statusClasses = [
  BadRequestError,
  AuthenticationError,
  PaymentRequiredError,
  PermissionDeniedError,
  NotFoundError,
  RequestTimeoutError,
  ConflictError,
  PreconditionFailedError,
  ContentTooLargeError,
  UnprocessableEntityError,
  RateLimitError,
  RequestHeaderFieldsTooLargeError,
  ClientClosedRequestError,
  InternalServerError,
  NotImplementedError,
  ServiceUnavailableError,
  GatewayTimeoutError,
  OverloadedError,
  APIError
] as const

/** Every class of this module's `AnthropicError` union. */
const classes = [
  ...statusClasses,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  RetryableError,
  AnthropicSdkError,
  UnsupportedFeature
] as const

// The brand lives on the prototypes, so instances keep exactly the fields their Schema declares.
for (const errorClass of classes) Object.defineProperty(errorClass.prototype, TypeId, { value: TypeId })

/**
 * The Schema of an `APIStatusError`: decodes any of the status-bearing errors by its `_tag`.
 * @since 0.1.0
 * @category schemas
 */
export const APIStatusErrorSchema = Schema.Union(...statusClasses)

const statusTags: ReadonlySet<string> = new Set(statusClasses.map((errorClass) => errorClass._tag))

/**
 * Whether a value is one of the errors of an Anthropic call.
 * @since 0.1.0
 * @category guards
 */
export const isAnthropicError = (value: unknown): value is AnthropicError => Predicate.hasProperty(value, TypeId)

/**
 * Whether a value is an API error (an HTTP error status, or an SSE `error` event).
 * @since 0.1.0
 * @category guards
 */
export const isAPIStatusError = (value: unknown): value is APIStatusError =>
  isAnthropicError(value) && statusTags.has(value._tag)

/**
 * Whether retrying may help: 408, 409, 429, every 5xx (incl. 529 overloaded), connection errors
 * and timeouts, and SSE `error` events of a transient type. Never 4xx client errors, aborts or
 * SDK failures. A server's `x-should-retry: false` header vetoes a retry, as in the SDK.
 * @since 0.1.0
 * @category guards
 */
export const isRetryable: (error: AnthropicError) => error is RetryableAnthropicError = retryable.isRetryable
