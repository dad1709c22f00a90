/**
 * How the server's Message Batches API behaves: the items a batch holds, the outcome of each, the
 * status progression, and what tests can see of batches and their results downloads.
 */
import { defaultErrorMessage, errorTypeOfStatus } from "./apiErrors.js"
import { lastUserText, textMessage } from "./cannedMessages.js"
import type { BatchItem } from "./receivedRequest.js"
import type { Message } from "./replyLanguage.js"

/**
 * The `result` of one line of a batch's results: see `batchSucceeded`, `batchErrored`,
 * `batchCanceled`, `batchExpired`. An errored result's `error` is any JSON, so a test can send a
 * shape the API may use one day.
 *
 * @since 0.1.0
 * @category batches
 */
export type BatchOutcome =
  | { readonly type: "succeeded"; readonly message: Message }
  | { readonly type: "errored"; readonly error: unknown }
  | { readonly type: "canceled" }
  | { readonly type: "expired" }

/**
 * A batch the server holds, as tests and scripts see it.
 *
 * @since 0.1.0
 * @category batches
 */
export interface StoredBatch {
  readonly id: string
  readonly requests: ReadonlyArray<BatchItem>
  /** The headers of the request that created it (betas, extra headers). */
  readonly headers: Readonly<Record<string, string>>
  readonly processingStatus: "in_progress" | "canceling" | "ended"
  /** `GET /v1/messages/batches/{id}` requests so far. */
  readonly retrievals: number
  readonly createdAt: string
  readonly endedAt: string | null
  readonly cancelInitiatedAt: string | null
}

/**
 * How the Message Batches API behaves; every field has a default.
 *
 * @since 0.1.0
 * @category batches
 */
export interface BatchesScript {
  /**
   * How many retrievals still see a batch `in_progress`; the next one sees it `ended` (default 0:
   * ended at the first retrieval). A canceled batch ends at the retrieval after the cancel.
   */
  readonly processingPolls?: number | ((batch: StoredBatch) => number) | undefined
  /** Each item's outcome, decided when the batch ends (default `batchEcho`). */
  readonly outcome?: ((item: BatchItem, index: number) => BatchOutcome) | undefined
  /** How many items a canceled batch processed before the cancel (default 0); the rest are `canceled`. */
  readonly processedBeforeCancel?: number | undefined
  /**
   * The results file's lines instead of one per item (the counts still come from `outcome`); pulled
   * lazily as the client reads, so a generator can make a file of any size.
   */
  readonly resultLines?: ((batch: StoredBatch) => Iterable<string>) | undefined
  /** Every results file stops after this many lines until `Service.releaseResults`. */
  readonly holdResultsAfter?: number | undefined
}

/**
 * One download of a batch's results file: lines handed to the socket so far, and whether it ended.
 *
 * @since 0.1.0
 * @category batches
 */
export interface ResultsDownload {
  readonly batchId: string
  readonly linesWritten: number
  readonly finished: boolean
}

/**
 * A batch item answered with this message.
 *
 * @since 0.1.0
 * @category batches
 */
export const batchSucceeded = (message: Message): BatchOutcome => ({ type: "succeeded", message })

/**
 * A batch item that failed with the API's error response (`type` and `message` default as in `apiError`).
 *
 * @since 0.1.0
 * @category batches
 */
export const batchErrored = (
  status: number,
  options: {
    readonly type?: string | undefined
    readonly message?: string | undefined
    readonly requestId?: string | null | undefined
  } = {}
): BatchOutcome => {
  const type = options.type ?? errorTypeOfStatus(status)
  return {
    type: "errored",
    error: {
      type: "error",
      error: { type, message: options.message ?? defaultErrorMessage(type) },
      request_id: options.requestId ?? null
    }
  }
}

/**
 * A batch item the batch was canceled before processing.
 *
 * @since 0.1.0
 * @category batches
 */
export const batchCanceled: BatchOutcome = { type: "canceled" }

/**
 * A batch item the batch did not reach within its 24 hours.
 *
 * @since 0.1.0
 * @category batches
 */
export const batchExpired: BatchOutcome = { type: "expired" }

/**
 * The default outcome: a text answer `echo: <the item's last user text>`, with id `msg_<custom_id>`.
 *
 * @since 0.1.0
 * @category batches
 */
export const batchEcho = (item: BatchItem): BatchOutcome =>
  batchSucceeded(
    textMessage(`echo: ${lastUserText(item) ?? ""}`, {
      id: `msg_${item.custom_id}`,
      model: typeof item.params.model === "string" ? item.params.model : undefined,
      usage: { input_tokens: 12, service_tier: "batch" }
    })
  )
