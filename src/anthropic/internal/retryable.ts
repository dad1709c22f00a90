/**
 * Which errors of an Anthropic call are worth trying again (`AnthropicError.isRetryable`).
 */
import type { AnthropicError, RetryableAnthropicError } from "../AnthropicError.js"

/** `error.type`s of SSE `error` events that are worth retrying (they have no HTTP status). */
const retryableErrorTypes: ReadonlySet<string> = new Set([
  "overloaded_error",
  "api_error",
  "rate_limit_error",
  "timeout_error"
])

const retryableStatus = (status: number): boolean => status === 408 || status === 409 || status === 429 || status >= 500

/**
 * Whether retrying may help (see `AnthropicError.isRetryable`).
 * @since 0.1.0
 * @category guards
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
