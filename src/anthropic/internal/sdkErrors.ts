/**
 * Translating what an SDK call threw into the mirrored `AnthropicError` (public as
 * `AnthropicClient.fromSdkError`), with every string a server can fill scrubbed of secrets.
 */
import * as Sdk from "@anthropic-ai/sdk"
import * as Predicate from "effect/Predicate"
import {
  type AnthropicError,
  AnthropicSdkError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ClientClosedRequestError,
  ConflictError,
  ContentTooLargeError,
  GatewayTimeoutError,
  InternalServerError,
  isAnthropicError,
  NotFoundError,
  NotImplementedError,
  OverloadedError,
  PaymentRequiredError,
  PermissionDeniedError,
  PreconditionFailedError,
  RateLimitError,
  RequestHeaderFieldsTooLargeError,
  RequestTimeoutError,
  RetryableError,
  ServiceUnavailableError,
  UnprocessableEntityError
} from "../AnthropicError.js"
import { BridgeIdleTimeout, BridgeTransportError } from "./bridgeErrors.js"
import { scrub } from "./secrets.js"

/**
 * The HTTP status the API answers a request failing with this `error.type` with. Used for errors
 * that arrive without a status: SSE `error` events and errored batch items.
 * @since 0.1.0
 * @category utils
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

/**
 * Options of `fromSdkError`.
 * @since 0.1.0
 * @category models
 */
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

/** Whether a response body's idle timeout is the error, or its cause (the SDK may wrap it). */
const idleTimedOut = (error: unknown): boolean => {
  let current = error
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof BridgeIdleTimeout) return true
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return false
}

/**
 * Translates whatever an SDK call threw into the mirrored error. The SDK's own classes decide
 * (checked most specific first); errors already mirrored pass through unchanged; the bridge's
 * transport failures (a body that broke mid-stream) become `APIConnectionError`; anything else
 * becomes `AnthropicSdkError`. Never throws.
 * @since 0.1.0
 * @category utils
 */
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
