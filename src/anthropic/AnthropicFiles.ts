/**
 * The Files API (beta) as Effects and Streams: upload a document or image once, then reference
 * it in any number of prompts by id (`AnthropicFiles.reference` gives the prompt content; the request
 * mapping adds the files beta header); list, inspect, download and delete files. Every call sends
 * the `files-api-2025-04-14` beta the API requires. Only the first-party API serves files: on
 * Bedrock, Vertex or Foundry every call fails with `UnsupportedFeature`.
 *
 * @example
 * import { NodeContext, NodeHttpClient } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Message } from "effect-claude"
 * import {AnthropicClient, AnthropicFiles} from "effect-claude/anthropic"
 *
 * const program = Effect.gen(function* () {
 *   const file = yield* AnthropicFiles.uploadPath("report.pdf")
 *   // A prompt that reads the uploaded file: send it with any Model.
 *   const prompt = Message.ModelRequest.user([AnthropicFiles.reference(file), new Message.TextContent({ text: "Summarise." })])
 *   return prompt
 * }).pipe(
 *   Effect.provide(AnthropicClient.layerConfig()),
 *   Effect.provide(NodeHttpClient.layerUndici),
 *   Effect.provide(NodeContext.layer)
 * )
 */
import { toFile } from "@anthropic-ai/sdk"
import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { UploadedFile } from "../Message.js"
import { AnthropicClient, type Service as ClientService } from "./AnthropicClient.js"
import { type AnthropicError, UnsupportedFeature } from "./AnthropicError.js"
import { filesBeta } from "./internal/requestMapping.js"
import { decodeStream, decodeWire } from "./internal/wireDecoding.js"

/**
 * The beta header value every Files API call sends.
 * @since 0.1.0
 * @category operations
 */
export const beta = filesBeta

/**
 * A file's metadata, as the API reports it.
 * @since 0.1.0
 * @category models
 */
export class FileMetadata extends Schema.Class<FileMetadata>("FileMetadata")({
  id: Schema.String,
  filename: Schema.String,
  /** The media type given at upload, e.g. `application/pdf`. */
  mimeType: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("mime_type")),
  sizeBytes: Schema.propertySignature(Schema.Number).pipe(Schema.fromKey("size_bytes")),
  createdAt: Schema.propertySignature(Schema.Date).pipe(Schema.fromKey("created_at")),
  /** Whether its content can be downloaded: only files the API made (code execution, skills), not uploads. */
  downloadable: Schema.optionalWith(Schema.Boolean, { nullable: true }),
  expiresAt: Schema.optionalWith(Schema.Date, { nullable: true }).pipe(Schema.fromKey("expires_at"))
}) {}

const decodeMetadata = decodeWire(FileMetadata, "file metadata")

/** Runs `f` with the client, once the platform is known to serve files (only the first-party API does). */
const withFiles = <A, E>(
  f: (client: ClientService) => Effect.Effect<A, E>
): Effect.Effect<A, E | UnsupportedFeature, AnthropicClient> =>
  Effect.flatMap(
    AnthropicClient,
    (client): Effect.Effect<A, E | UnsupportedFeature> =>
      client.platform === "anthropic"
        ? f(client)
        : Effect.fail(
            new UnsupportedFeature({
              message: `files is not available on ${client.platform}`,
              platform: client.platform,
              feature: "files"
            })
          )
  )

const betas = [filesBeta]

// ---------------------------------------------------------------------------------------------
// Upload
// ---------------------------------------------------------------------------------------------

/**
 * Options of an upload.
 * @since 0.1.0
 * @category models
 */
export interface UploadOptions {
  /** Ask the API to delete the file after this long (rounded to whole seconds). */
  readonly expiresIn?: Duration.DurationInput | undefined
}

/**
 * Bytes to upload, with the name and media type the API will keep.
 * @since 0.1.0
 * @category models
 */
export interface BytesUpload extends UploadOptions {
  readonly bytes: Uint8Array
  readonly filename: string
  /** e.g. `application/pdf`, `text/plain`, `image/png`. */
  readonly mediaType: string
}

/**
 * Uploads bytes as a file.
 * @since 0.1.0
 * @category operations
 */
export const upload = (source: BytesUpload): Effect.Effect<FileMetadata, AnthropicError, AnthropicClient> =>
  withFiles((client) =>
    client.call(async (sdk, options) => {
      const file = await toFile(source.bytes, source.filename, { type: source.mediaType })
      const expiresIn =
        source.expiresIn === undefined ? undefined : Math.round(Duration.toSeconds(Duration.decode(source.expiresIn)))
      return sdk.beta.files.upload(
        expiresIn === undefined ? { file, betas } : { file, betas, expires_in_seconds: expiresIn },
        options
      )
    })
  ).pipe(
    Effect.flatMap(decodeMetadata),
    Effect.withSpan("AnthropicFiles.upload", { attributes: { filename: source.filename } })
  )

const mediaTypes: Readonly<Record<string, string>> = {
  pdf: "application/pdf",
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  json: "application/json",
  html: "text/html",
  xml: "application/xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

/**
 * The media type a file name suggests (by extension), `application/octet-stream` when unknown.
 * @since 0.1.0
 * @category operations
 */
export const mediaTypeOf = (filename: string): string => {
  const dot = filename.lastIndexOf(".")
  return (dot === -1 ? undefined : mediaTypes[filename.slice(dot + 1).toLowerCase()]) ?? "application/octet-stream"
}

const baseName = (path: string): string => path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1)

/**
 * Options of `uploadPath`.
 * @since 0.1.0
 * @category models
 */
export interface PathUploadOptions extends UploadOptions {
  /** Default: the path's last segment. */
  readonly filename?: string | undefined
  /** Default: guessed from the file name's extension (`mediaTypeOf`). */
  readonly mediaType?: string | undefined
}

/**
 * Reads a local file (with the platform `FileSystem`) and uploads it.
 * @since 0.1.0
 * @category operations
 */
export const uploadPath = (
  path: string,
  options: PathUploadOptions = {}
): Effect.Effect<FileMetadata, AnthropicError | PlatformError, AnthropicClient | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* fs.readFile(path)
    const filename = options.filename ?? baseName(path)
    return yield* upload({
      bytes,
      filename,
      mediaType: options.mediaType ?? mediaTypeOf(filename),
      expiresIn: options.expiresIn
    })
  })

// ---------------------------------------------------------------------------------------------
// Metadata, list, delete
// ---------------------------------------------------------------------------------------------

/**
 * A file's metadata.
 * @since 0.1.0
 * @category operations
 */
export const retrieve = (fileId: string): Effect.Effect<FileMetadata, AnthropicError, AnthropicClient> =>
  withFiles((client) =>
    client.call((sdk, options) => sdk.beta.files.retrieveMetadata(fileId, { betas }, options))
  ).pipe(Effect.flatMap(decodeMetadata))

/**
 * Options of `list`.
 * @since 0.1.0
 * @category models
 */
export interface ListOptions {
  /** Files per page (default 20); the Stream reads every page either way. */
  readonly limit?: number | undefined
}

/**
 * Every file of the workspace, newest first, as a Stream over all pages.
 * @since 0.1.0
 * @category operations
 */
export const list = (options: ListOptions = {}): Stream.Stream<FileMetadata, AnthropicError, AnthropicClient> =>
  Stream.unwrap(
    withFiles((client) =>
      Effect.succeed(
        client.stream<unknown>(
          async (sdk, requestOptions) =>
            await sdk.beta.files.list(
              options.limit === undefined ? { betas } : { betas, limit: options.limit },
              requestOptions
            )
        )
      )
    )
  ).pipe(decodeStream(FileMetadata, "file metadata"))

/** Deletes a file. */
const deleteFile = (fileId: string): Effect.Effect<void, AnthropicError, AnthropicClient> =>
  Effect.asVoid(withFiles((client) => client.call((sdk, options) => sdk.beta.files.delete(fileId, { betas }, options))))

export {
  /** Deletes a file. */
  deleteFile as delete
}

// ---------------------------------------------------------------------------------------------
// Download
// ---------------------------------------------------------------------------------------------

/** The pieces of a response body as they arrive; returning early cancels the body. */
async function* bodyPieces(response: Response): AsyncGenerator<Uint8Array> {
  const body = response.body
  if (body === null) return
  const reader = body.getReader()
  let done = false
  try {
    while (true) {
      const piece = await reader.read()
      if (piece.done) {
        done = true
        return
      }
      yield piece.value
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {})
  }
}

/**
 * A file's content as a Stream of byte pieces, as they arrive (never held whole). Only files the
 * API made are downloadable; an uploaded one fails with the API's error.
 * @since 0.1.0
 * @category operations
 */
export const download = (fileId: string): Stream.Stream<Uint8Array, AnthropicError, AnthropicClient> =>
  Stream.unwrap(
    withFiles((client) =>
      Effect.succeed(
        client.stream(async (sdk, options) => bodyPieces(await sdk.beta.files.download(fileId, { betas }, options)))
      )
    )
  )

/**
 * A file's whole content.
 * @since 0.1.0
 * @category operations
 */
export const downloadBytes = (fileId: string): Effect.Effect<Uint8Array, AnthropicError, AnthropicClient> =>
  withFiles((client) =>
    client.call(async (sdk, options) => {
      const response = await sdk.beta.files.download(fileId, { betas }, options)
      return new Uint8Array(await response.arrayBuffer())
    })
  )

// ---------------------------------------------------------------------------------------------
// Prompts
// ---------------------------------------------------------------------------------------------

/**
 * The prompt content that refers to an uploaded file: an image block for `image/*` files, a
 * document block otherwise. Put it in a user prompt; the request mapping adds the files beta.
 * @since 0.1.0
 * @category operations
 */
export const reference = (file: FileMetadata): UploadedFile =>
  new UploadedFile({ fileId: file.id, kind: file.mimeType.startsWith("image/") ? "image" : "document" })
