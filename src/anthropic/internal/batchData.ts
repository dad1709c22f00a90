/**
 * The data of Message Batches: a batch's status as the API reports it, and the outcome of each of
 * its requests. Re-exported by `AnthropicBatches`.
 */
import * as Schema from "effect/Schema"
import { ModelResponse } from "../../Message.js"
import { APIStatusErrorSchema } from "../AnthropicError.js"
import type { DecodedResult } from "./jsonlResults.js"
import { trustedInput } from "./trustedInput.js"

/**
 * How many requests of a batch are in each state.
 * @since 0.1.0
 * @category models
 */
export class RequestCounts extends Schema.Class<RequestCounts>("RequestCounts")({
  processing: Schema.Number,
  succeeded: Schema.Number,
  errored: Schema.Number,
  canceled: Schema.Number,
  expired: Schema.Number
}) {}

/**
 * Where a batch is: still running, being canceled, or done (its results can be read).
 * @since 0.1.0
 * @category schemas
 */
export const ProcessingStatus = Schema.Literal("in_progress", "canceling", "ended")
/**
 * @see ProcessingStatus
 * @since 0.1.0
 * @category models
 */
export type ProcessingStatus = typeof ProcessingStatus.Type

/**
 * A Message Batch as the API reports it (decoded from its snake_case JSON).
 * @since 0.1.0
 * @category models
 */
export class MessageBatch extends Schema.Class<MessageBatch>("MessageBatch")({
  id: Schema.String,
  processingStatus: Schema.propertySignature(ProcessingStatus).pipe(Schema.fromKey("processing_status")),
  requestCounts: Schema.propertySignature(RequestCounts).pipe(Schema.fromKey("request_counts")),
  createdAt: Schema.propertySignature(Schema.Date).pipe(Schema.fromKey("created_at")),
  /** When the batch expires if it has not ended (24 hours after creation). */
  expiresAt: Schema.propertySignature(Schema.Date).pipe(Schema.fromKey("expires_at")),
  endedAt: Schema.optionalWith(Schema.Date, { nullable: true }).pipe(Schema.fromKey("ended_at")),
  cancelInitiatedAt: Schema.optionalWith(Schema.Date, { nullable: true }).pipe(Schema.fromKey("cancel_initiated_at")),
  archivedAt: Schema.optionalWith(Schema.Date, { nullable: true }).pipe(Schema.fromKey("archived_at")),
  /** Where the results file is, once the batch has ended. */
  resultsUrl: Schema.optionalWith(Schema.String, { nullable: true }).pipe(Schema.fromKey("results_url"))
}) {}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/**
 * The API errors a batch item can fail with (the SDK's status-bearing error classes).
 * @since 0.1.0
 * @category schemas
 */
export const ItemError = APIStatusErrorSchema

/**
 * The request succeeded: `response` is what `AnthropicModel` would have returned for it alone.
 * @since 0.1.0
 * @category models
 */
export class Succeeded extends Schema.TaggedClass<Succeeded>()("Succeeded", {
  customId: Schema.String,
  response: ModelResponse
}) {}

/**
 * The request failed: `error` is the mirrored SDK error the same request would have failed with
 * alone (`invalid_request_error` → `BadRequestError`, `overloaded_error` → `OverloadedError`; its
 * `status` is the one the API uses for that error type).
 * @since 0.1.0
 * @category models
 */
export class Errored extends Schema.TaggedClass<Errored>()("Errored", {
  customId: Schema.String,
  error: ItemError
}) {}

/**
 * The batch was canceled before this request was processed.
 * @since 0.1.0
 * @category models
 */
export class Canceled extends Schema.TaggedClass<Canceled>()("Canceled", {
  customId: Schema.String
}) {}

/**
 * The batch expired (24 hours) before this request was processed.
 * @since 0.1.0
 * @category models
 */
export class Expired extends Schema.TaggedClass<Expired>()("Expired", {
  customId: Schema.String
}) {}

/**
 * The outcome of one batch request, matched to it by `customId`.
 * @since 0.1.0
 * @category schemas
 */
export const BatchResult = Schema.Union(Succeeded, Errored, Canceled, Expired)
/**
 * @see BatchResult
 * @since 0.1.0
 * @category models
 */
export type BatchResult = typeof BatchResult.Type

/**
 * The response of a succeeded result, `undefined` for the others.
 * @since 0.1.0
 * @category utils
 */
export const responseOf = (result: BatchResult): ModelResponse | undefined =>
  result._tag === "Succeeded" ? result.response : undefined

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Waiting stopped (its schedule ended) before the batch had ended; `batch` is its last status.
 * @since 0.1.0
 * @category errors
 */
export class BatchNotEnded extends Schema.TaggedError<BatchNotEnded>()("BatchNotEnded", {
  message: Schema.String,
  batch: MessageBatch
}) {}

/**
 * The instance `new Succeeded({ customId, response }, trustedInput)` gives (the same own properties
 * in the same order, `_tag` last), built without the constructor: one per line of a results file,
 * and the constructor's spread copy followed by its added `_tag` made garbage that outlived
 * scavenges (see `Message.unvalidated`; a test holds the two together).
 */
export const succeeded = (customId: string, response: ModelResponse): Succeeded =>
  Object.assign(Object.create(Succeeded.prototype), { customId, response, _tag: "Succeeded" })

/**
 * A decoded results-file line as its `BatchResult` (decoded already: no second validation).
 * @since 0.1.0
 * @category utils
 */
export const toResult = (decoded: DecodedResult): BatchResult => {
  switch (decoded._tag) {
    case "Succeeded":
      return succeeded(decoded.customId, decoded.response)
    case "Errored":
      return new Errored({ customId: decoded.customId, error: decoded.error }, trustedInput)
    case "Canceled":
      return new Canceled({ customId: decoded.customId }, trustedInput)
    case "Expired":
      return new Expired({ customId: decoded.customId }, trustedInput)
  }
}
