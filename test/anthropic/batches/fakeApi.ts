/**
 * A fake of the Message Batches and Files endpoints of the Anthropic API, on a real loopback
 * HTTP server (127.0.0.1, a random port), for the batches / files tests and the offline examples
 * (which also get a minimal `POST /v1/messages` and `count_tokens` that say what they were sent).
 *
 * It keeps batches and files in memory, answers with the API's JSON shapes and error envelope,
 * streams results files as JSONL with backpressure (so a test can see that a client never holds
 * the whole file), and records every request it received.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { Socket } from "node:net"
import type Anthropic from "@anthropic-ai/sdk"
import { Effect, type Scope } from "effect"

/** One request as the server received it. */
export interface Received {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>
  /** Parsed JSON when the body was JSON, else the raw bytes. */
  readonly body: unknown
  readonly raw: Buffer
}

/** A batch request as submitted. */
export interface SubmittedRequest {
  readonly custom_id: string
  readonly params: Record<string, unknown>
}

/** The `result` of one results line. */
export type ResultJson =
  | { readonly type: "succeeded"; readonly message: unknown }
  | { readonly type: "errored"; readonly error: unknown }
  | { readonly type: "canceled" }
  | { readonly type: "expired" }

/** A batch the server holds. */
export interface FakeBatch {
  readonly id: string
  readonly requests: ReadonlyArray<SubmittedRequest>
  /** Headers of the create request. */
  readonly headers: Readonly<Record<string, string>>
  status: "in_progress" | "canceling" | "ended"
  retrievals: number
  readonly createdAt: string
  endedAt: string | null
  cancelInitiatedAt: string | null
  canceled: boolean
}

/** A file the server holds. */
export interface FakeFile {
  readonly id: string
  readonly filename: string
  readonly mimeType: string
  readonly bytes: Uint8Array
  readonly createdAt: string
  readonly downloadable: boolean
}

/** Progress of the results file being written. */
export interface ResultsProgress {
  linesWritten: number
  finished: boolean
}

/** Options of the fake. */
export interface FakeOptions {
  /** How many retrievals of a batch still see it `in_progress` (default 0: ended on the first). */
  readonly processingPolls?: number | undefined
  /** The result of each request (default: a text answer echoing the request's last user text). */
  readonly outcome?: ((request: SubmittedRequest, index: number) => ResultJson) | undefined
  /** The results file's lines, overriding `outcome` (for huge files generated on the fly). */
  readonly resultLines?: ((batch: FakeBatch) => Iterable<string>) | undefined
  /** Stop writing results after this many lines until `releaseResults` is called. */
  readonly holdResultsAfter?: number | undefined
  /** How many requests of a canceled batch were processed before the cancel (default 0). */
  readonly processedBeforeCancel?: number | undefined
  /** Files present from the start (e.g. made by code execution, hence downloadable). */
  readonly files?: ReadonlyArray<Omit<FakeFile, "createdAt">> | undefined
  /** Retrievals of a batch (counted from 1) answered with a 529 `overloaded_error` instead. */
  readonly failRetrievals?: ReadonlyArray<number> | undefined
  /** Content type of results files (default the API's `application/x-jsonl`). */
  readonly resultsContentType?: string | undefined
}

/** The running fake. */
export interface FakeApi {
  readonly baseURL: string
  readonly apiKey: string
  readonly received: ReadonlyArray<Received>
  readonly batches: ReadonlyMap<string, FakeBatch>
  readonly files: ReadonlyMap<string, FakeFile>
  readonly resultsProgress: ResultsProgress
  /** Lets a held results file continue. */
  readonly releaseResults: () => void
}

export const filesBeta = "files-api-2025-04-14"

/** The only API key the fake accepts. */
export const apiKey = "sk-ant-test"

const baseTime = Date.parse("2025-06-01T00:00:00Z")
const timeAt = (seconds: number) => new Date(baseTime + seconds * 1000).toISOString().replace(".000Z", "Z")

/** A text message as the API returns it. */
export const textMessage = (text: string, id = "msg_fake"): Anthropic.Message => ({
  id,
  type: "message",
  role: "assistant",
  model: "claude-haiku-4-5",
  content: [{ type: "text", text, citations: null }],
  stop_reason: "end_turn",
  stop_sequence: null,
  stop_details: null,
  container: null,
  diagnostics: null,
  usage: {
    input_tokens: 12,
    output_tokens: 3,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    server_tool_use: null,
    service_tier: "batch",
    inference_geo: null,
    output_tokens_details: null,
    speed: null
  }
})

/** The last user text of a Messages request body. */
export const lastUserText = (params: Record<string, unknown>): string => {
  const messages = Array.isArray(params.messages) ? params.messages : []
  const last: unknown = messages.at(-1)
  if (typeof last !== "object" || last === null || !("content" in last)) return ""
  const content = last.content
  if (typeof content === "string") return content
  if (!Array.isArray(content)) return ""
  return content
    .map((block: unknown) =>
      typeof block === "object" && block !== null && "text" in block && typeof block.text === "string" ? block.text : ""
    )
    .join("")
}

/** The default outcome: an answer echoing the prompt. */
export const echo = (request: SubmittedRequest): ResultJson => ({
  type: "succeeded",
  message: textMessage(`echo: ${lastUserText(request.params)}`, `msg_${request.custom_id}`)
})

/** An errored outcome with the API's error envelope. */
export const errored = (type: string, message: string): ResultJson => ({
  type: "errored",
  error: { type: "error", error: { type, message }, request_id: "req_item" }
})

const envelope = (type: string, message: string) => ({
  type: "error",
  error: { type, message },
  request_id: "req_fake"
})

const statusOf: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  not_found_error: 404,
  overloaded_error: 529
}

const sendJson = (response: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "request-id": "req_fake"
  })
  response.end(text)
}

const sendError = (response: ServerResponse, type: string, message: string) =>
  sendJson(response, statusOf[type] ?? 500, envelope(type, message))

const headerRecord = (request: IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = typeof value === "string" ? value : value.join(", ")
  }
  return headers
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const batchJson = (batch: FakeBatch, baseURL: string, outcomes: ReadonlyArray<ResultJson> | undefined) => {
  const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 }
  if (batch.status === "ended" && outcomes !== undefined) {
    for (const outcome of outcomes) counts[outcome.type]++
  } else if (batch.status === "ended") {
    counts.succeeded = batch.requests.length
  } else {
    counts.processing = batch.requests.length
  }
  return {
    id: batch.id,
    type: "message_batch",
    processing_status: batch.status,
    request_counts: counts,
    created_at: batch.createdAt,
    expires_at: timeAt(Date.parse(batch.createdAt) / 1000 - baseTime / 1000 + 86_400),
    ended_at: batch.endedAt,
    cancel_initiated_at: batch.cancelInitiatedAt,
    archived_at: null,
    results_url: batch.status === "ended" ? `${baseURL}/v1/messages/batches/${batch.id}/results` : null
  }
}

const fileJson = (file: FakeFile) => ({
  id: file.id,
  type: "file",
  filename: file.filename,
  mime_type: file.mimeType,
  size_bytes: file.bytes.byteLength,
  created_at: file.createdAt,
  downloadable: file.downloadable
})

/** Writes lines with backpressure, about 64 KB per write; resolves when done or the client left. */
const writeLines = async (
  response: ServerResponse,
  lines: Iterable<string>,
  progress: ResultsProgress,
  hold: { readonly after: number | undefined; readonly released: Promise<void> }
): Promise<void> => {
  let closed = false
  const closedPromise = new Promise<void>((resolve) =>
    response.once("close", () => {
      closed = true
      resolve()
    })
  )
  const flush = async (text: string) => {
    if (!response.write(text)) {
      await Promise.race([new Promise<void>((resolve) => response.once("drain", () => resolve())), closedPromise])
    }
  }
  let pending = ""
  for (const line of lines) {
    if (closed) return
    pending += line + "\n"
    progress.linesWritten++
    if (hold.after !== undefined && progress.linesWritten === hold.after) {
      await flush(pending)
      pending = ""
      await Promise.race([hold.released, closedPromise])
    } else if (pending.length >= 65_536) {
      await flush(pending)
      pending = ""
    }
  }
  if (closed) return
  if (pending !== "") await flush(pending)
  progress.finished = true
  response.end()
}

/** Starts the fake for the life of the scope. */
export const fakeApi = (options: FakeOptions = {}): Effect.Effect<FakeApi, never, Scope.Scope> =>
  Effect.gen(function* () {
    const received: Array<Received> = []
    const batches = new Map<string, FakeBatch>()
    const batchOrder: Array<string> = []
    const files = new Map<string, FakeFile>()
    const fileOrder: Array<string> = []
    const progress: ResultsProgress = { linesWritten: 0, finished: false }
    let release: () => void = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    let clock = 0
    let baseURL = ""
    for (const file of options.files ?? []) {
      files.set(file.id, { ...file, createdAt: timeAt(clock++) })
      fileOrder.push(file.id)
    }

    const outcomesOf = (batch: FakeBatch): Array<ResultJson> =>
      batch.requests.map((request, index) => {
        if (batch.canceled && index >= (options.processedBeforeCancel ?? 0)) return { type: "canceled" }
        return (options.outcome ?? echo)(request, index)
      })

    const pageOf = <A>(
      ids: ReadonlyArray<string>,
      query: Readonly<Record<string, string>>,
      render: (id: string) => A
    ) => {
      const limit = query.limit === undefined ? 20 : Number(query.limit)
      let start = 0
      const after = query.after_id ?? query.page
      if (after !== undefined) start = ids.indexOf(after) + 1
      const slice = ids.slice(start, start + limit)
      const hasMore = start + limit < ids.length
      return {
        data: slice.map(render),
        has_more: hasMore,
        first_id: slice[0] ?? null,
        last_id: slice.at(-1) ?? null,
        next_page: hasMore ? (slice.at(-1) ?? null) : null
      }
    }

    const handle = async (request: Received, response: ServerResponse): Promise<void> => {
      const { method, path } = request
      const key = request.headers["x-api-key"] ?? request.headers.authorization?.replace(/^Bearer /, "")
      if (key !== apiKey) return sendError(response, "authentication_error", "invalid x-api-key")

      // Single messages (for the examples): an answer saying what the request held.
      if (method === "POST" && (path === "/v1/messages" || path === "/v1/messages/count_tokens")) {
        const body = isRecord(request.body) ? request.body : {}
        const fileIds = [...JSON.stringify(body.messages ?? []).matchAll(/"file_id":"([^"]+)"/g)].map(
          (match) => match[1]
        )
        if (fileIds.length > 0 && !(request.headers["anthropic-beta"] ?? "").split(",").includes(filesBeta)) {
          return sendError(response, "invalid_request_error", `File references need the ${filesBeta} beta`)
        }
        if (path.endsWith("count_tokens")) {
          return sendJson(response, 200, { input_tokens: 10 + 1500 * fileIds.length })
        }
        const files = fileIds.length === 0 ? "no files" : `${fileIds.length} file(s): ${fileIds.join(", ")}`
        return sendJson(response, 200, textMessage(`(offline) I was sent ${files}; you asked: ${lastUserText(body)}`))
      }

      // Message Batches.
      if (method === "POST" && path === "/v1/messages/batches") {
        const body = request.body
        if (!isRecord(body) || !Array.isArray(body.requests)) {
          return sendError(response, "invalid_request_error", "requests: Field required")
        }
        const requests: Array<SubmittedRequest> = []
        for (const item of body.requests) {
          if (!isRecord(item) || typeof item.custom_id !== "string" || !isRecord(item.params)) {
            return sendError(response, "invalid_request_error", "requests: invalid request")
          }
          requests.push({ custom_id: item.custom_id, params: item.params })
        }
        const id = `msgbatch_${String(batches.size + 1).padStart(4, "0")}`
        const batch: FakeBatch = {
          id,
          requests,
          headers: request.headers,
          status: "in_progress",
          retrievals: 0,
          createdAt: timeAt(clock++),
          endedAt: null,
          cancelInitiatedAt: null,
          canceled: false
        }
        batches.set(id, batch)
        batchOrder.unshift(id)
        return sendJson(response, 200, batchJson(batch, baseURL, undefined))
      }
      if (method === "GET" && path === "/v1/messages/batches") {
        return sendJson(
          response,
          200,
          pageOf(batchOrder, request.query, (id) => batchJson(batches.get(id)!, baseURL, undefined))
        )
      }
      const batchMatch = /^\/v1\/messages\/batches\/([^/]+)(\/results|\/cancel)?$/.exec(path)
      if (batchMatch !== null) {
        const batch = batches.get(decodeURIComponent(batchMatch[1]!))
        if (batch === undefined) return sendError(response, "not_found_error", `message batch not found`)
        const action = batchMatch[2]
        if (method === "GET" && action === undefined) {
          batch.retrievals++
          if (options.failRetrievals?.includes(batch.retrievals)) {
            return sendError(response, "overloaded_error", "Overloaded")
          }
          if (
            batch.status === "canceling" ||
            (batch.status === "in_progress" && batch.retrievals > (options.processingPolls ?? 0))
          ) {
            batch.status = "ended"
            batch.endedAt = timeAt(clock++)
          }
          return sendJson(
            response,
            200,
            batchJson(batch, baseURL, batch.status === "ended" ? outcomesOf(batch) : undefined)
          )
        }
        if (method === "POST" && action === "/cancel") {
          if (batch.status === "in_progress") {
            batch.status = "canceling"
            batch.canceled = true
            batch.cancelInitiatedAt = timeAt(clock++)
          }
          return sendJson(response, 200, batchJson(batch, baseURL, undefined))
        }
        if (method === "DELETE" && action === undefined) {
          if (batch.status !== "ended") {
            return sendError(response, "invalid_request_error", `Batch ${batch.id} is still processing`)
          }
          batches.delete(batch.id)
          batchOrder.splice(batchOrder.indexOf(batch.id), 1)
          return sendJson(response, 200, { id: batch.id, type: "message_batch_deleted" })
        }
        if (method === "GET" && action === "/results") {
          if (batch.status !== "ended") return sendError(response, "invalid_request_error", "Batch has not ended")
          response.writeHead(200, {
            "content-type": options.resultsContentType ?? "application/x-jsonl",
            "request-id": "req_results"
          })
          const lines =
            options.resultLines?.(batch) ??
            outcomesOf(batch).map((result, index) =>
              JSON.stringify({ custom_id: batch.requests[index]!.custom_id, result })
            )
          return writeLines(response, lines, progress, { after: options.holdResultsAfter, released })
        }
      }

      // Files (beta: the API refuses them without the beta header).
      if (path === "/v1/files" || path.startsWith("/v1/files/")) {
        if (!(request.headers["anthropic-beta"] ?? "").split(",").includes(filesBeta)) {
          return sendError(response, "invalid_request_error", `The Files API needs the ${filesBeta} beta`)
        }
        if (method === "POST" && path === "/v1/files") {
          const form = await new Response(new Uint8Array(request.raw), {
            headers: { "content-type": request.headers["content-type"] ?? "" }
          }).formData()
          const file = form.get("file")
          if (file === null || typeof file === "string")
            return sendError(response, "invalid_request_error", "file: Field required")
          const id = `file_${String(files.size + 1).padStart(4, "0")}`
          const stored: FakeFile = {
            id,
            filename: file.name,
            mimeType: file.type,
            bytes: new Uint8Array(await file.arrayBuffer()),
            createdAt: timeAt(clock++),
            downloadable: false
          }
          files.set(id, stored)
          fileOrder.unshift(id)
          return sendJson(response, 200, fileJson(stored))
        }
        if (method === "GET" && path === "/v1/files") {
          return sendJson(
            response,
            200,
            pageOf(fileOrder, request.query, (id) => fileJson(files.get(id)!))
          )
        }
        const fileMatch = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path)
        if (fileMatch !== null) {
          const file = files.get(decodeURIComponent(fileMatch[1]!))
          if (file === undefined) return sendError(response, "not_found_error", `File not found`)
          if (method === "GET" && fileMatch[2] === undefined) return sendJson(response, 200, fileJson(file))
          if (method === "GET" && fileMatch[2] === "/content") {
            if (!file.downloadable)
              return sendError(response, "invalid_request_error", `File ${file.id} is not downloadable`)
            response.writeHead(200, { "content-type": file.mimeType, "content-length": file.bytes.byteLength })
            // Two writes, so a download arrives in more than one piece.
            const half = Math.floor(file.bytes.byteLength / 2)
            response.write(file.bytes.subarray(0, half))
            setTimeout(() => response.end(file.bytes.subarray(half)), 5)
            return
          }
          if (method === "DELETE" && fileMatch[2] === undefined) {
            files.delete(file.id)
            fileOrder.splice(fileOrder.indexOf(file.id), 1)
            return sendJson(response, 200, { id: file.id, type: "file_deleted" })
          }
        }
      }
      return sendError(response, "not_found_error", `${method} ${path} not found`)
    }

    const sockets = new Set<Socket>()
    const server = createServer((incoming, response) => {
      const parts: Array<Buffer> = []
      incoming.on("data", (part: Buffer) => parts.push(part))
      incoming.on("end", () => {
        const raw = Buffer.concat(parts)
        const url = new URL(incoming.url ?? "/", "http://127.0.0.1")
        const headers = headerRecord(incoming)
        let body: unknown = raw
        if ((headers["content-type"] ?? "").includes("application/json") && raw.length > 0) {
          try {
            body = JSON.parse(raw.toString("utf8"))
          } catch {
            body = raw
          }
        }
        const request: Received = {
          method: incoming.method ?? "GET",
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers,
          body,
          raw
        }
        received.push(request)
        handle(request, response).catch((error: unknown) => {
          if (!response.headersSent) sendError(response, "api_error", String(error))
          else response.destroy()
        })
      })
    })
    server.on("connection", (socket: Socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          release()
          for (const socket of sockets) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    baseURL = `http://127.0.0.1:${port}`
    return {
      baseURL,
      apiKey,
      received,
      batches,
      files,
      resultsProgress: progress,
      releaseResults: () => release()
    }
  })
