/**
 * What the loopback server received: each request as it arrived (method, path, query, headers,
 * parsed body), the request log tests assert on; and the checks every request passes before its
 * route answers (an API key, the required fields of a Messages request).
 */
import type { IncomingMessage } from "node:http"
import * as Predicate from "effect/Predicate"
import { apiError, type ErrorReply } from "./replyLanguage.js"

/**
 * A file part of a multipart request, as received.
 *
 * @since 0.1.0
 * @category requests
 */
export interface FormFile {
  readonly filename: string
  /** The part's `content-type` (empty when it had none). */
  readonly contentType: string
  readonly bytes: Uint8Array
}

/**
 * One request as the server received it.
 *
 * @since 0.1.0
 * @category requests
 */
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

/**
 * One request of a Message Batch, as submitted (`params` is a Messages request body).
 *
 * @since 0.1.0
 * @category requests
 */
export interface BatchItem {
  readonly custom_id: string
  readonly params: Readonly<Record<string, unknown>>
}

export const estimateTokens = (body: unknown): number => {
  if (!Predicate.isRecord(body)) return 1
  return Math.max(1, Math.ceil(JSON.stringify([body.system, body.messages, body.tools]).length / 4))
}

export const invalid = (message: string): ErrorReply => apiError(400, { message })

export const requireFields = (
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

export const messagesFields = [
  ["model", "string"],
  ["max_tokens", "integer"],
  ["messages", "list"]
] as const
export const countTokensFields = [
  ["model", "string"],
  ["messages", "list"]
] as const

export const headerRecord = (request: IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = typeof value === "string" ? value : value.join(", ")
  }
  return headers
}

// The SDK sends a key as `Authorization: Bearer`; other clients send `x-api-key`.
export const apiKeyOf = (headers: Readonly<Record<string, string>>): string | undefined => {
  const key = headers["x-api-key"]
  if (key !== undefined && key !== "") return key
  const authorization = headers.authorization
  if (authorization === undefined || !authorization.startsWith("Bearer ")) return undefined
  const token = authorization.slice("Bearer ".length).trim()
  return token === "" ? undefined : token
}
