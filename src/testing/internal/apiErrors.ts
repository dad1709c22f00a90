/**
 * The Messages API's error vocabulary: which `error.type` goes with which status, the messages the
 * API uses, and the `{"type":"error","error":{...},"request_id"}` envelope.
 */

const typeByStatus: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  504: "timeout_error",
  529: "overloaded_error"
}

const statusByType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  timeout_error: 504,
  overloaded_error: 529
}

const messageByType: Readonly<Record<string, string>> = {
  overloaded_error: "Overloaded",
  rate_limit_error: "Number of request tokens has exceeded your per-minute rate limit",
  api_error: "Internal server error",
  authentication_error: "invalid x-api-key",
  permission_error: "Your API key does not have permission to use the specified resource.",
  not_found_error: "Not found",
  timeout_error: "Request timed out"
}

/** The `error.type` the API sends with a status. */
export const errorTypeOfStatus = (status: number): string =>
  typeByStatus[status] ?? (status >= 500 ? "api_error" : "invalid_request_error")

/** The status the API answers a non-streamed request with for an error type. */
export const statusOfErrorType = (type: string): number => statusByType[type] ?? 500

/** A message like the API's for an error type. */
export const defaultErrorMessage = (type: string): string => messageByType[type] ?? "Invalid request"

/** The API's error body. */
export const errorEnvelope = (errorType: string, message: string, requestId: string): string =>
  JSON.stringify({ type: "error", error: { type: errorType, message }, request_id: requestId })
