/**
 * The errors of the Anthropic SDK, mirrored as `Schema.TaggedError`s: one class per SDK error
 * class, with the SDK's class name as `_tag`, so `Effect.catchTag("RateLimitError", ...)` reads
 * like the SDK's own docs. The SDK decides which class a response becomes; `fromSdkError` only
 * translates (with `instanceof` on the SDK's classes), so the status → class mapping is the SDK's.
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
import * as Sdk from "@anthropic-ai/sdk"
import { Predicate, Schema } from "effect"
import { BridgeIdleTimeout, BridgeTransportError } from "./internal/httpBridge.js"
import { scrub } from "./internal/secrets.js"

declare module "../Model.js" {
  interface ModelErrors {
    readonly anthropic: AnthropicError
  }
}

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

/** HTTP 400: the request was malformed or invalid (`invalid_request_error`). */
export class BadRequestError extends Schema.TaggedError<BadRequestError>()("BadRequestError", statusFields) {}

/** HTTP 401: the API key or token is missing or invalid. */
export class AuthenticationError extends Schema.TaggedError<AuthenticationError>()(
  "AuthenticationError",
  statusFields
) {}

/** HTTP 402: billing problem on the account. */
export class PaymentRequiredError extends Schema.TaggedError<PaymentRequiredError>()(
  "PaymentRequiredError",
  statusFields
) {}

/** HTTP 403: the key may not use this resource. */
export class PermissionDeniedError extends Schema.TaggedError<PermissionDeniedError>()(
  "PermissionDeniedError",
  statusFields
) {}

/** HTTP 404: unknown model, endpoint or resource. */
export class NotFoundError extends Schema.TaggedError<NotFoundError>()("NotFoundError", statusFields) {}

/** HTTP 408: the server timed out waiting for the request. */
export class RequestTimeoutError extends Schema.TaggedError<RequestTimeoutError>()(
  "RequestTimeoutError",
  statusFields
) {}

/** HTTP 409: a conflicting request (e.g. a lock) is in progress. */
export class ConflictError extends Schema.TaggedError<ConflictError>()("ConflictError", statusFields) {}

/** HTTP 412: a precondition of the request failed. */
export class PreconditionFailedError extends Schema.TaggedError<PreconditionFailedError>()(
  "PreconditionFailedError",
  statusFields
) {}

/** HTTP 413: the request is too large. */
export class ContentTooLargeError extends Schema.TaggedError<ContentTooLargeError>()(
  "ContentTooLargeError",
  statusFields
) {}

/** HTTP 422: the request was well-formed but could not be processed. */
export class UnprocessableEntityError extends Schema.TaggedError<UnprocessableEntityError>()(
  "UnprocessableEntityError",
  statusFields
) {}

/** HTTP 429: rate limited; `headers["retry-after"]` says how long to wait. */
export class RateLimitError extends Schema.TaggedError<RateLimitError>()("RateLimitError", statusFields) {}

/** HTTP 431: the request headers are too large. */
export class RequestHeaderFieldsTooLargeError extends Schema.TaggedError<RequestHeaderFieldsTooLargeError>()(
  "RequestHeaderFieldsTooLargeError",
  statusFields
) {}

/** HTTP 499: the client closed the request before the server answered. */
export class ClientClosedRequestError extends Schema.TaggedError<ClientClosedRequestError>()(
  "ClientClosedRequestError",
  statusFields
) {}

/** HTTP 500 (and any other 5xx without a class of its own): the API failed. */
export class InternalServerError extends Schema.TaggedError<InternalServerError>()(
  "InternalServerError",
  statusFields
) {}

/** HTTP 501. */
export class NotImplementedError extends Schema.TaggedError<NotImplementedError>()(
  "NotImplementedError",
  statusFields
) {}

/** HTTP 503. */
export class ServiceUnavailableError extends Schema.TaggedError<ServiceUnavailableError>()(
  "ServiceUnavailableError",
  statusFields
) {}

/** HTTP 504. */
export class GatewayTimeoutError extends Schema.TaggedError<GatewayTimeoutError>()(
  "GatewayTimeoutError",
  statusFields
) {}

/** HTTP 529: the API is temporarily overloaded. */
export class OverloadedError extends Schema.TaggedError<OverloadedError>()("OverloadedError", statusFields) {}

/**
 * Any other API error: a status without a class of its own, or an SSE `error` event of a type the
 * API has no status for (then `status` is absent and `errorType` says what happened). SSE errors
 * of known types get their class: `overloaded_error` is an `OverloadedError` (status 529).
 */
export class APIError extends Schema.TaggedError<APIError>()("APIError", noStatusFields) {}

/** The request never got an answer: connection refused, reset, DNS failure. */
export class APIConnectionError extends Schema.TaggedError<APIConnectionError>()(
  "APIConnectionError",
  noStatusFields
) {}

/** The request timed out (the client's `timeout`). */
export class APIConnectionTimeoutError extends Schema.TaggedError<APIConnectionTimeoutError>()(
  "APIConnectionTimeoutError",
  noStatusFields
) {}

/** The request was aborted by the caller. */
export class APIUserAbortError extends Schema.TaggedError<APIUserAbortError>()("APIUserAbortError", noStatusFields) {}

/** An error that asks to be retried (the SDK's `RetryableError`, e.g. thrown by a middleware). */
export class RetryableError extends Schema.TaggedError<RetryableError>()("RetryableError", {
  message: Schema.String
}) {}

/**
 * A failure of the SDK that is not an API response: missing credentials, a non-streaming request
 * that would take too long, malformed data in a stream. `errorClass` is the thrown class's name.
 */
export class AnthropicSdkError extends Schema.TaggedError<AnthropicSdkError>()("AnthropicSdkError", {
  message: Schema.String,
  errorClass: Schema.String
}) {}

/** The platform the client talks to lacks the feature (e.g. batches on Bedrock). */
export class UnsupportedFeature extends Schema.TaggedError<UnsupportedFeature>()("UnsupportedFeature", {
  message: Schema.String,
  platform: Schema.String,
  feature: Schema.String
}) {}

/** A cloud variant's optional package (e.g. `@anthropic-ai/bedrock-sdk`) is not installed. */
export class PlatformPackageMissing extends Schema.TaggedError<PlatformPackageMissing>()("PlatformPackageMissing", {
  message: Schema.String,
  platform: Schema.String,
  packageName: Schema.String
}) {}

/** The 5xx errors (the SDK's `InternalServerError` and its subclasses). */
export type ServerError =
  | InternalServerError
  | NotImplementedError
  | ServiceUnavailableError
  | GatewayTimeoutError
  | OverloadedError

/** The errors that came with an HTTP status (the SDK's status-bearing `APIError`s). */
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

/** The request got no response. */
export type ConnectionError = APIConnectionError | APIConnectionTimeoutError

/** Every error an Anthropic call can fail with. */
export type AnthropicError =
  | APIStatusError
  | ConnectionError
  | APIUserAbortError
  | RetryableError
  | AnthropicSdkError
  | UnsupportedFeature

/** The errors worth retrying (see `isRetryable`). */
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

/** The Schema of an `APIStatusError`: decodes any of the status-bearing errors by its `_tag`. */
export const APIStatusErrorSchema = Schema.Union(...statusClasses)

const allTags: ReadonlySet<string> = new Set(classes.map((errorClass) => errorClass._tag))
const statusTags: ReadonlySet<string> = new Set(statusClasses.map((errorClass) => errorClass._tag))

/** Whether a value is one of the errors of this module. */
export const isAnthropicError = (value: unknown): value is AnthropicError =>
  Predicate.hasProperty(value, "_tag") &&
  typeof value._tag === "string" &&
  allTags.has(value._tag) &&
  classes.some((errorClass) => value instanceof errorClass)

/** Whether the error is an API error (an HTTP error status, or an SSE `error` event). */
export const isAPIStatusError = (error: AnthropicError): error is APIStatusError => statusTags.has(error._tag)

/**
 * The HTTP status the API answers a request failing with this `error.type` with. Used for errors
 * that arrive without a status: SSE `error` events and errored batch items.
 */
export const statusOfErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529
}

/** `error.type`s of SSE `error` events that are worth retrying (they have no HTTP status). */
const retryableErrorTypes: ReadonlySet<string> = new Set([
  "overloaded_error",
  "api_error",
  "rate_limit_error",
  "timeout_error"
])

const retryableStatus = (status: number): boolean => status === 408 || status === 409 || status === 429 || status >= 500

/**
 * Whether retrying may help: 408, 409, 429, every 5xx (incl. 529 overloaded), connection errors
 * and timeouts, and SSE `error` events of a transient type. Never 4xx client errors, aborts or
 * SDK failures. A server's `x-should-retry: false` header vetoes a retry, as in the SDK.
 */
export const isRetryable = (error: AnthropicError): error is RetryableAnthropicError => {
  switch (error._tag) {
    case "APIConnectionError":
    case "APIConnectionTimeoutError":
    case "RetryableError":
      return true
    case "APIUserAbortError":
    case "AnthropicSdkError":
    case "UnsupportedFeature":
      return false
    case "APIError":
      if (error.headers["x-should-retry"] === "false") return false
      return error.status === undefined
        ? error.errorType !== undefined && retryableErrorTypes.has(error.errorType)
        : retryableStatus(error.status)
    default:
      return error.headers["x-should-retry"] !== "false" && retryableStatus(error.status)
  }
}

/** Options of `fromSdkError`. */
export interface FromSdkErrorOptions {
  /** Secret values (API keys, tokens) to blank out of messages and bodies should a server echo them. */
  readonly secrets?: ReadonlyArray<string> | undefined
}

/** Header names never copied into an error: credentials a proxy might echo back. */
const sensitiveHeaders: ReadonlySet<string> = new Set([
  "x-api-key",
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-goog-api-key"
])

const headersRecord = (headers: Headers | undefined, secrets: ReadonlyArray<string>): Record<string, string> => {
  const record: Record<string, string> = {}
  if (headers === undefined) return record
  headers.forEach((value, name) => {
    if (!sensitiveHeaders.has(name)) record[name] = scrub(value, secrets)
  })
  return record
}

/** Every string field a server can fill is scrubbed, not only the message: any of them may echo a secret. */
const scrubOptional = (text: string | null | undefined, secrets: ReadonlyArray<string>): string | undefined =>
  text === undefined || text === null ? undefined : scrub(text, secrets)

const scrubBody = (body: unknown, secrets: ReadonlyArray<string>): unknown => {
  if (secrets.length === 0 || body === undefined || body === null) return body
  const text = typeof body === "string" ? body : JSON.stringify(body)
  if (!secrets.some((secret) => secret.length > 0 && text.includes(secret))) return body
  // A body that echoed a secret is kept only as scrubbed text: exactness matters less than the key.
  return scrub(text, secrets)
}

/** The messages of an error's `cause` chain, for a connection error's readable message. */
const causeMessages = (cause: unknown): ReadonlyArray<string> => {
  const messages: Array<string> = []
  let current = cause
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const message = current instanceof Error ? current.message : Predicate.isString(current) ? current : undefined
    if (message !== undefined && message.length > 0 && !messages.includes(message)) messages.push(message)
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return messages
}

const bodyRequestId = (body: unknown): string | undefined =>
  Predicate.hasProperty(body, "request_id") && typeof body.request_id === "string" ? body.request_id : undefined

const statusMessage = (error: Sdk.APIError, secrets: ReadonlyArray<string>): string => {
  const prefix = error.status === undefined ? "" : `${error.status} `
  if (error.apiMessage !== null) {
    const type = error.type === null ? "" : `${error.type}: `
    return scrub(`${prefix}${type}${error.apiMessage}`, secrets)
  }
  return scrub(error.message, secrets)
}

const apiErrorProps = (error: Sdk.APIError, secrets: ReadonlyArray<string>) => ({
  message: statusMessage(error, secrets),
  headers: headersRecord(error.headers, secrets),
  requestId: scrubOptional(error.requestID ?? bodyRequestId(error.error) ?? undefined, secrets),
  errorType: scrubOptional(error.type ?? undefined, secrets),
  errorCode: scrubOptional(error.errorCode ?? undefined, secrets),
  body: scrubBody(error.error, secrets)
})

const connectionMessage = (error: Error, secrets: ReadonlyArray<string>): string => {
  const causes = causeMessages(Predicate.hasProperty(error, "cause") ? error.cause : undefined)
  const base = error.message.endsWith(".") ? error.message.slice(0, -1) : error.message
  return scrub(causes.length === 0 ? error.message : `${base}: ${causes.join(": ")}`, secrets)
}

/**
 * Translates whatever an SDK call threw into the mirrored error. The SDK's own classes decide
 * (checked most specific first); errors of this module pass through unchanged; the bridge's
 * transport failures (a body that broke mid-stream) become `APIConnectionError`; anything else
 * becomes `AnthropicSdkError`. Never throws.
 */
/** Whether a response body's idle timeout is the error, or its cause (the SDK may wrap it). */
const idleTimedOut = (error: unknown): boolean => {
  let current = error
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof BridgeIdleTimeout) return true
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return false
}

export const fromSdkError = (error: unknown, options?: FromSdkErrorOptions): AnthropicError => {
  if (isAnthropicError(error)) return error
  const secrets = options?.secrets ?? []
  if (error instanceof Sdk.APIUserAbortError) {
    return new APIUserAbortError({ message: scrub(error.message, secrets), headers: {} })
  }
  if (error instanceof Sdk.APIConnectionTimeoutError || (error instanceof Error && idleTimedOut(error))) {
    return new APIConnectionTimeoutError({ message: connectionMessage(error, secrets), headers: {} })
  }
  if (error instanceof Sdk.APIConnectionError) {
    return new APIConnectionError({ message: connectionMessage(error, secrets), headers: {} })
  }
  if (error instanceof Sdk.APIError) {
    const props = apiErrorProps(error, secrets)
    const status = error.status
    if (status === undefined) {
      // An `error` event inside an SSE stream has no HTTP status of its own: mirror it as the
      // class the API answers that error type with (`overloaded_error` → OverloadedError).
      const typeStatus = error.type === null ? undefined : statusOfErrorType[error.type]
      return typeStatus === undefined
        ? new APIError(props)
        : fromSdkError(
            Sdk.APIError.generate(typeStatus, error.error, undefined, error.headers ?? new Headers()),
            options
          )
    }
    const withStatus = { ...props, status }
    if (error instanceof Sdk.OverloadedError) return new OverloadedError(withStatus)
    if (error instanceof Sdk.NotImplementedError) return new NotImplementedError(withStatus)
    if (error instanceof Sdk.ServiceUnavailableError) return new ServiceUnavailableError(withStatus)
    if (error instanceof Sdk.GatewayTimeoutError) return new GatewayTimeoutError(withStatus)
    if (error instanceof Sdk.InternalServerError) return new InternalServerError(withStatus)
    if (error instanceof Sdk.BadRequestError) return new BadRequestError(withStatus)
    if (error instanceof Sdk.AuthenticationError) return new AuthenticationError(withStatus)
    if (error instanceof Sdk.PaymentRequiredError) return new PaymentRequiredError(withStatus)
    if (error instanceof Sdk.PermissionDeniedError) return new PermissionDeniedError(withStatus)
    if (error instanceof Sdk.NotFoundError) return new NotFoundError(withStatus)
    if (error instanceof Sdk.RequestTimeoutError) return new RequestTimeoutError(withStatus)
    if (error instanceof Sdk.ConflictError) return new ConflictError(withStatus)
    if (error instanceof Sdk.PreconditionFailedError) return new PreconditionFailedError(withStatus)
    if (error instanceof Sdk.ContentTooLargeError) return new ContentTooLargeError(withStatus)
    if (error instanceof Sdk.UnprocessableEntityError) return new UnprocessableEntityError(withStatus)
    if (error instanceof Sdk.RateLimitError) return new RateLimitError(withStatus)
    if (error instanceof Sdk.RequestHeaderFieldsTooLargeError) return new RequestHeaderFieldsTooLargeError(withStatus)
    if (error instanceof Sdk.ClientClosedRequestError) return new ClientClosedRequestError(withStatus)
    return new APIError(withStatus)
  }
  if (error instanceof Sdk.RetryableError) {
    return new RetryableError({ message: scrub(error.message, secrets) })
  }
  if (error instanceof BridgeTransportError) {
    return new APIConnectionError({ message: connectionMessage(error, secrets), headers: {} })
  }
  if (error instanceof Error) {
    return new AnthropicSdkError({ message: scrub(error.message, secrets), errorClass: scrub(error.name, secrets) })
  }
  return new AnthropicSdkError({ message: scrub(String(error), secrets), errorClass: typeof error })
}
