/**
 * The Files API (beta) held in memory: multipart uploads, metadata, listing newest first, content
 * downloads streamed in pieces, deletion; and the beta header the API insists on, for the files
 * routes and for Messages requests that reference an uploaded file.
 */
import type Anthropic from "@anthropic-ai/sdk"
import * as Stream from "effect/Stream"
import { pageOf } from "./pagination.js"
import type { FormFile, ReceivedRequest } from "./receivedRequest.js"
import { errorReply, jsonReply } from "./replies.js"
import type { Reply } from "./replyLanguage.js"

/**
 * A file present from the server's start (by default downloadable, like files the API makes).
 *
 * @since 0.1.0
 * @category files
 */
export interface FileSeed {
  /** Default `file_0001`, `file_0002`, ... in the order given. */
  readonly id?: string | undefined
  readonly filename: string
  /** Default `application/octet-stream`. */
  readonly mimeType?: string | undefined
  readonly content: Uint8Array | string
  /** Default true. */
  readonly downloadable?: boolean | undefined
}

/**
 * How the Files API behaves.
 *
 * @since 0.1.0
 * @category files
 */
export interface FilesScript {
  /** Files there from the start, oldest first. */
  readonly initial?: ReadonlyArray<FileSeed> | undefined
}

/**
 * A file the server holds.
 *
 * @since 0.1.0
 * @category files
 */
export interface StoredFile {
  readonly id: string
  readonly filename: string
  readonly mimeType: string
  readonly bytes: Uint8Array
  readonly createdAt: string
  /** Set when the upload asked for `expires_in_seconds`. */
  readonly expiresAt: string | null
  /** Uploads are not; seeded files are unless they say otherwise. */
  readonly downloadable: boolean
}

/**
 * The beta the Files API and file references need.
 *
 * @since 0.1.0
 * @category files
 */
export const filesBeta = "files-api-2025-04-14"

/** What the files routes need from the server. */
export interface FilesContext {
  readonly initial: ReadonlyArray<FileSeed>
  /** The server's logical clock: each call is one second later. */
  readonly now: () => Date
}

/** The files routes and what tests can see of their state. */
export interface FilesApi {
  /** The answer to a files request, or `undefined` when the path is not a files path. */
  readonly route: (request: ReceivedRequest) => Reply | undefined
  readonly files: () => ReadonlyArray<StoredFile>
}

const collectionPath = "/v1/files"
const filePath = /^\/v1\/files\/([^/]+)(\/content)?$/
const minExpiry = 3_600
const maxExpiry = 7_776_000
const pieceBytes = 65_536

const iso = (date: Date): string => date.toISOString().replace(".000Z", "Z")

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isFormFile = (value: unknown): value is FormFile =>
  isRecord(value) && typeof value.filename === "string" && value.bytes instanceof Uint8Array

const hasFilesBeta = (request: ReceivedRequest): boolean =>
  (request.headers["anthropic-beta"] ?? "").split(",").some((beta) => beta.trim() === filesBeta)

const betaRequired = (what: string): Reply => errorReply(400, `${what} needs the anthropic-beta header ${filesBeta}`)

// Only the last path component of a name is kept, as the API does.
const baseName = (filename: string): string => filename.split(/[\\/]/).pop() ?? ""

const wireOf = (file: StoredFile): Anthropic.Beta.BetaFileMetadata => ({
  id: file.id,
  type: "file",
  filename: file.filename,
  mime_type: file.mimeType,
  size_bytes: file.bytes.byteLength,
  created_at: file.createdAt,
  expires_at: file.expiresAt,
  downloadable: file.downloadable
})

const collectFileIds = (value: unknown, into: Array<string>): void => {
  if (Array.isArray(value)) {
    for (const item of value) collectFileIds(item, into)
  } else if (isRecord(value)) {
    if (value.type === "file" && typeof value.file_id === "string") into.push(value.file_id)
    else for (const field of Object.values(value)) collectFileIds(field, into)
  }
}

/** The ids of the uploaded files a Messages request body references (`source: { type: "file" }`). */
export const fileIdsIn = (body: unknown): ReadonlyArray<string> => {
  const ids: Array<string> = []
  if (isRecord(body)) collectFileIds(body.messages, ids)
  return ids
}

/** The API's refusal of a Messages request that references a file without the files beta. */
export const fileReferenceError = (request: ReceivedRequest): Reply | undefined =>
  hasFilesBeta(request) || fileIdsIn(request.body).length === 0 ? undefined : betaRequired("A file reference")

/** The files routes over the script's initial files. */
export const makeFilesApi = (context: FilesContext): FilesApi => {
  const store = new Map<string, StoredFile>()
  // Newest first, as the API lists them.
  let order: Array<StoredFile> = []
  let uploaded = 0

  const add = (file: StoredFile): void => {
    store.set(file.id, file)
    order.unshift(file)
  }
  for (const seed of context.initial) {
    add({
      id: seed.id ?? `file_${String(++uploaded).padStart(4, "0")}`,
      filename: seed.filename,
      mimeType: seed.mimeType ?? "application/octet-stream",
      bytes: typeof seed.content === "string" ? new TextEncoder().encode(seed.content) : seed.content,
      createdAt: iso(context.now()),
      expiresAt: null,
      downloadable: seed.downloadable ?? true
    })
  }

  const upload = (request: ReceivedRequest): Reply => {
    const form = request.body
    if (!isRecord(form)) return errorReply(400, "The request body must be multipart/form-data")
    const file = form.file
    if (!isFormFile(file)) return errorReply(400, "file: Field required")
    let expiresIn: number | undefined
    if (form.expires_in_seconds !== undefined) {
      expiresIn = Number(form.expires_in_seconds)
      if (!Number.isInteger(expiresIn) || expiresIn < minExpiry || expiresIn > maxExpiry) {
        return errorReply(400, `expires_in_seconds: Input should be an integer from ${minExpiry} to ${maxExpiry}`)
      }
    }
    const createdAt = context.now()
    const stored: StoredFile = {
      id: `file_${String(++uploaded).padStart(4, "0")}`,
      filename: baseName(file.filename) || "unnamed",
      mimeType: file.contentType === "" ? "application/octet-stream" : file.contentType,
      bytes: file.bytes,
      createdAt: iso(createdAt),
      expiresAt: expiresIn === undefined ? null : iso(new Date(createdAt.getTime() + expiresIn * 1000)),
      // Only files the API makes (code execution, skills) can be downloaded, never uploads.
      downloadable: false
    }
    add(stored)
    return jsonReply(wireOf(stored))
  }

  const list = (request: ReceivedRequest): Reply => {
    const page = pageOf(order, (file) => file.id, request.query, "file")
    if (typeof page === "string") return errorReply(400, page)
    // The SDK's `PageCursor` follows `next_page`.
    return jsonReply({ ...page, data: page.data.map(wireOf), next_page: page.has_more ? page.last_id : null })
  }

  const download = (file: StoredFile): Reply => {
    if (!file.downloadable) return errorReply(400, `File ${file.id} is not downloadable`)
    const pieces: Array<Uint8Array> = []
    for (let start = 0; start < file.bytes.byteLength; start += pieceBytes) {
      pieces.push(file.bytes.subarray(start, start + pieceBytes))
    }
    return {
      _tag: "StreamedReply",
      status: 200,
      contentType: file.mimeType,
      body: Stream.fromIterable(pieces),
      options: { headers: { "content-length": String(file.bytes.byteLength) } }
    }
  }

  const remove = (file: StoredFile): Reply => {
    store.delete(file.id)
    order = order.filter((entry) => entry !== file)
    return jsonReply({ id: file.id, type: "file_deleted" })
  }

  const withFile = (id: string, answer: (file: StoredFile) => Reply): Reply => {
    const file = store.get(decodeURIComponent(id))
    return file === undefined ? errorReply(404, `file_id: no file ${id}`) : answer(file)
  }

  const route = (request: ReceivedRequest): Reply | undefined => {
    const { method, path } = request
    if (path === collectionPath) {
      if (method !== "GET" && method !== "POST") return undefined
      if (!hasFilesBeta(request)) return betaRequired("The Files API")
      return method === "POST" ? upload(request) : list(request)
    }
    const match = filePath.exec(path)
    if (match === null) return undefined
    const [, id, content] = match
    if (content !== undefined) {
      if (method !== "GET") return undefined
      if (!hasFilesBeta(request)) return betaRequired("The Files API")
      return withFile(id!, download)
    }
    if (method !== "GET" && method !== "DELETE") return undefined
    if (!hasFilesBeta(request)) return betaRequired("The Files API")
    return withFile(id!, method === "DELETE" ? remove : (file) => jsonReply(wireOf(file)))
  }

  return { route, files: () => order.slice() }
}
