/**
 * The Message Batches API held in memory: batches are created, retrieved (each retrieval moves a
 * batch along the script's status progression), listed newest first, canceled and deleted, and
 * an ended batch's results are served as JSONL, generated line by line only as fast as the client
 * reads them, so a results file of any size is never held whole.
 */
import type Anthropic from "@anthropic-ai/sdk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { BatchesScript, BatchOutcome, ResultsDownload, StoredBatch } from "./batchOutcomes.js"
import { pageOf } from "./pagination.js"
import type { BatchItem, ReceivedRequest } from "./receivedRequest.js"
import { errorReply, jsonReply } from "./replies.js"
import type { Reply } from "./replyLanguage.js"

type ProcessingStatus = Anthropic.Messages.MessageBatch["processing_status"]

interface BatchState {
  readonly id: string
  readonly requests: ReadonlyArray<BatchItem>
  readonly headers: Readonly<Record<string, string>>
  readonly createdAt: string
  readonly expiresAt: string
  status: ProcessingStatus
  retrievals: number
  endedAt: string | null
  cancelInitiatedAt: string | null
  canceled: boolean
  /** Decided when the batch ends. */
  outcomes: ReadonlyArray<BatchOutcome> | undefined
}

interface DownloadState {
  readonly batchId: string
  linesWritten: number
  finished: boolean
  /** What the script's line generator threw: the lines before it are sent, then the connection is cut. */
  failure: unknown
}

/** What the batches routes need from the server. */
export interface BatchesContext {
  readonly script: BatchesScript
  /** The outcome of an item when the script gives none. */
  readonly defaultOutcome: (item: BatchItem) => BatchOutcome
  /** The server's logical clock: each call is one second later. */
  readonly now: () => Date
  readonly baseURL: () => string
  /** Opened by `releaseResults`; held results files wait on it. */
  readonly released: Effect.Latch
}

/** The batches routes and what tests can see of their state. */
export interface BatchesApi {
  /** The answer to a batches request, or `undefined` when the path is not a batches path. */
  readonly route: (request: ReceivedRequest) => Reply | undefined
  readonly batches: () => ReadonlyArray<StoredBatch>
  readonly downloads: () => ReadonlyArray<ResultsDownload>
}

const collectionPath = "/v1/messages/batches"
const batchPath = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/
const customIdPattern = /^[a-zA-Z0-9_-]{1,64}$/
const maxRequests = 100_000
const dayMillis = 86_400_000
// Lines per pull from a results generator: small enough that the count of lines handed to the socket
// stays close to what it really took, large enough that a 100k-line file is a few hundred pulls.
const linesPerPull = 256

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const iso = (date: Date): string => date.toISOString().replace(".000Z", "Z")

const invalid = (message: string): Reply => errorReply(400, message)

// The item, or why the API would refuse it: its own checks, and those of a single request's body.
const parseItem = (item: unknown, index: number, seen: Set<string>): BatchItem | string => {
  const at = `requests.${index}`
  if (!isRecord(item)) return `${at}: Input should be a valid dictionary`
  const customId = item.custom_id
  if (typeof customId !== "string") return `${at}.custom_id: Field required`
  if (!customIdPattern.test(customId)) return `${at}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`
  if (seen.has(customId)) return `${at}.custom_id: Duplicate custom_id ${customId}`
  seen.add(customId)
  const params = item.params
  if (!isRecord(params)) return `${at}.params: Field required`
  if (typeof params.model !== "string") return `${at}.params.model: Field required`
  if (!Number.isInteger(params.max_tokens)) return `${at}.params.max_tokens: Field required`
  if (!Array.isArray(params.messages)) return `${at}.params.messages: Field required`
  if (params.stream === true) return `${at}.params.stream: Streaming is not supported in batches`
  return { custom_id: customId, params }
}

const countsOf = (batch: BatchState): Anthropic.Messages.MessageBatchRequestCounts => {
  const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 }
  if (batch.outcomes === undefined) counts.processing = batch.requests.length
  else for (const outcome of batch.outcomes) counts[outcome.type]++
  return counts
}

const viewOf = (batch: BatchState): StoredBatch => ({
  id: batch.id,
  requests: batch.requests,
  headers: batch.headers,
  processingStatus: batch.status,
  retrievals: batch.retrievals,
  createdAt: batch.createdAt,
  endedAt: batch.endedAt,
  cancelInitiatedAt: batch.cancelInitiatedAt
})

// The pulled lines of a results file, each counted as it is handed to the writer.
function* countedLines(
  lines: Iterator<string>,
  download: DownloadState,
  limit: number
): Generator<string, void, undefined> {
  for (let taken = 0; taken < limit && download.failure === undefined; taken++) {
    let next: IteratorResult<string>
    try {
      next = lines.next()
    } catch (error) {
      download.failure = error
      return
    }
    if (next.done === true) return
    download.linesWritten++
    yield `${next.value}\n`
  }
}

/** The batches routes over an empty store. */
export const makeBatchesApi = (context: BatchesContext): BatchesApi => {
  const { script } = context
  const store = new Map<string, BatchState>()
  // Newest first, as the API lists them.
  const order: Array<BatchState> = []
  const downloads: Array<DownloadState> = []
  let created = 0

  const wireOf = (batch: BatchState): Anthropic.Messages.MessageBatch => ({
    id: batch.id,
    type: "message_batch",
    processing_status: batch.status,
    request_counts: countsOf(batch),
    created_at: batch.createdAt,
    expires_at: batch.expiresAt,
    ended_at: batch.endedAt,
    cancel_initiated_at: batch.cancelInitiatedAt,
    archived_at: null,
    results_url: batch.status === "ended" ? `${context.baseURL()}${collectionPath}/${batch.id}/results` : null
  })

  const outcomeOf = script.outcome ?? context.defaultOutcome
  const end = (batch: BatchState): void => {
    const processed = script.processedBeforeCancel ?? 0
    batch.outcomes = batch.requests.map((item, index) =>
      batch.canceled && index >= processed ? { type: "canceled" } : outcomeOf(item, index)
    )
    batch.status = "ended"
    batch.endedAt = iso(context.now())
  }

  const processingPolls = (batch: BatchState): number => {
    const polls = script.processingPolls ?? 0
    return typeof polls === "number" ? polls : polls(viewOf(batch))
  }

  const create = (request: ReceivedRequest): Reply => {
    const body = request.body
    if (!isRecord(body)) return invalid("The request body must be a JSON object")
    if (!Array.isArray(body.requests)) return invalid("requests: Field required")
    const items: ReadonlyArray<unknown> = body.requests
    if (items.length === 0) return invalid("requests: List should have at least 1 item")
    if (items.length > maxRequests) return invalid(`requests: List should have at most ${maxRequests} items`)
    const seen = new Set<string>()
    const requests: Array<BatchItem> = []
    for (let index = 0; index < items.length; index++) {
      const item = parseItem(items[index], index, seen)
      if (typeof item === "string") return invalid(item)
      requests.push(item)
    }
    const createdAt = context.now()
    const batch: BatchState = {
      id: `msgbatch_${String(++created).padStart(4, "0")}`,
      requests,
      headers: request.headers,
      createdAt: iso(createdAt),
      expiresAt: iso(new Date(createdAt.getTime() + dayMillis)),
      status: "in_progress",
      retrievals: 0,
      endedAt: null,
      cancelInitiatedAt: null,
      canceled: false,
      outcomes: undefined
    }
    store.set(batch.id, batch)
    order.unshift(batch)
    return jsonReply(wireOf(batch))
  }

  const retrieve = (batch: BatchState): Reply => {
    batch.retrievals++
    if (batch.status === "canceling" || (batch.status === "in_progress" && batch.retrievals > processingPolls(batch))) {
      end(batch)
    }
    return jsonReply(wireOf(batch))
  }

  const cancel = (batch: BatchState): Reply => {
    if (batch.status === "in_progress") {
      batch.status = "canceling"
      batch.canceled = true
      batch.cancelInitiatedAt = iso(context.now())
    }
    return jsonReply(wireOf(batch))
  }

  const remove = (batch: BatchState): Reply => {
    if (batch.status !== "ended") {
      return invalid(`Batch ${batch.id} cannot be deleted while it is ${batch.status}; cancel it first`)
    }
    store.delete(batch.id)
    order.splice(order.indexOf(batch), 1)
    return jsonReply({ id: batch.id, type: "message_batch_deleted" })
  }

  const defaultLines = function* (batch: BatchState): Generator<string, void, undefined> {
    const outcomes = batch.outcomes ?? []
    for (let index = 0; index < batch.requests.length; index++) {
      yield JSON.stringify({ custom_id: batch.requests[index]!.custom_id, result: outcomes[index] })
    }
  }

  const results = (batch: BatchState): Reply => {
    if (batch.status !== "ended") return invalid(`Batch ${batch.id} has not ended; its results are not ready`)
    const download: DownloadState = { batchId: batch.id, linesWritten: 0, finished: false, failure: undefined }
    downloads.push(download)
    const holdAfter = script.holdResultsAfter
    const body = Stream.suspend(() => {
      const lines = (script.resultLines?.(viewOf(batch)) ?? defaultLines(batch))[Symbol.iterator]()
      const rest = Stream.suspend(() =>
        Stream.fromIteratorSucceed(countedLines(lines, download, Number.POSITIVE_INFINITY), linesPerPull)
      )
      if (holdAfter === undefined) return rest
      // Only a file that reached the hold waits at it.
      const hold = Stream.execute(
        Effect.suspend(() => (download.linesWritten >= holdAfter ? context.released.await : Effect.void))
      )
      return Stream.fromIteratorSucceed(countedLines(lines, download, holdAfter), linesPerPull).pipe(
        Stream.concat(hold),
        Stream.concat(rest)
      )
    }).pipe(
      Stream.concat(
        Stream.execute(
          Effect.suspend(() => {
            if (download.failure !== undefined) return Effect.fail(download.failure)
            download.finished = true
            return Effect.void
          })
        )
      )
    )
    return {
      _tag: "StreamedReply",
      status: 200,
      contentType: "application/x-jsonl",
      body,
      options: {}
    }
  }

  const route = (request: ReceivedRequest): Reply | undefined => {
    const { method, path } = request
    if (path === collectionPath) {
      if (method === "POST") return create(request)
      if (method === "GET") {
        const page = pageOf(order, (batch) => batch.id, request.query, "batch")
        return typeof page === "string" ? invalid(page) : jsonReply({ ...page, data: page.data.map(wireOf) })
      }
      return undefined
    }
    const match = batchPath.exec(path)
    if (match === null) return undefined
    const id = decodeURIComponent(match[1]!)
    const action = match[2]
    const known =
      (method === "GET" && action !== "/cancel") ||
      (method === "POST" && action === "/cancel") ||
      (method === "DELETE" && action === undefined)
    if (!known) return undefined
    const batch = store.get(id)
    if (batch === undefined) return errorReply(404, `message_batch_id: no batch ${id}`)
    if (action === "/results") return results(batch)
    if (action === "/cancel") return cancel(batch)
    return method === "DELETE" ? remove(batch) : retrieve(batch)
  }

  return {
    route,
    batches: () => order.map(viewOf),
    downloads: () => downloads.map(({ batchId, linesWritten, finished }) => ({ batchId, linesWritten, finished }))
  }
}
