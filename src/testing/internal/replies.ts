/**
 * Reply values built inside the server (the routes for batches and files answer with them); the
 * public constructors in `replyLanguage.ts` build on these.
 */

import { defaultErrorMessage, errorTypeOfStatus } from "./apiErrors.js"
import type { CommonReplyOptions, ErrorReply, JsonReply } from "./replyLanguage.js"

/** A JSON body. */
export const jsonReply = (body: unknown, status = 200, options: CommonReplyOptions = {}): JsonReply => ({
  _tag: "JsonReply",
  status,
  body,
  options
})

/** An API error; the type defaults to the one the API uses for the status, the message to the API's. */
export const errorReply = (
  status: number,
  message?: string | undefined,
  errorType: string = errorTypeOfStatus(status),
  options: CommonReplyOptions = {}
): ErrorReply => ({
  _tag: "ErrorReply",
  status,
  errorType,
  message: message ?? defaultErrorMessage(errorType),
  options
})
