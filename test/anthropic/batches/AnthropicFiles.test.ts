import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"
import { Message, Model } from "effect-claude"
import { AnthropicError, AnthropicFiles, AnthropicModel } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { scratchFolder } from "../../support/scratchFolder.js"
import { clientLayer, cloudClientLayer, withServer } from "./helpers.js"

const filesBeta = MockAnthropicServer.filesBeta

const text = (value: string) => new TextEncoder().encode(value)

describe("AnthropicFiles.upload", () => {
  it.scoped("uploads bytes as multipart with the files beta, and decodes the metadata", () =>
    withServer({}, (server) =>
      Effect.gen(function* () {
        const file = yield* AnthropicFiles.upload({
          bytes: text("hello world"),
          filename: "notes.txt",
          mediaType: "text/plain"
        })
        expect(file).toEqual(
          new AnthropicFiles.FileMetadata({
            id: "file_0001",
            filename: "notes.txt",
            mimeType: "text/plain",
            sizeBytes: 11,
            createdAt: new Date("2025-06-01T00:00:00Z"),
            downloadable: false
          })
        )
        const [request] = yield* server.requests
        expect(request!.method).toBe("POST")
        expect(request!.path).toBe("/v1/files")
        expect(request!.headers["anthropic-beta"]).toBe(filesBeta)
        expect(request!.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
        // The whole form: the file part, and no expiry.
        expect(request!.body).toEqual({
          file: { filename: "notes.txt", contentType: "text/plain", bytes: text("hello world") }
        })
        const [stored] = yield* server.files
        expect([stored!.id, stored!.expiresAt, Buffer.from(stored!.bytes).toString()]).toEqual([
          "file_0001",
          null,
          "hello world"
        ])
      })
    )
  )

  it.scoped("uploads a local file, guessing its media type from the name; expiresIn is sent in seconds", () =>
    Effect.gen(function* () {
      const directory = scratchFolder("files")
      const path = join(directory, "Report.PDF")
      writeFileSync(path, "%PDF-1.4 tiny")
      const server = yield* MockAnthropicServer.make({})
      const layer = Layer.merge(clientLayer(server.baseURL, server.apiKey), NodeFileSystem.layer)
      const file = yield* AnthropicFiles.uploadPath(path, { expiresIn: "1 hour" }).pipe(Effect.provide(layer))
      expect([file.filename, file.mimeType, file.sizeBytes]).toEqual(["Report.PDF", "application/pdf", 13])
      expect([file.createdAt, file.expiresAt]).toEqual([
        new Date("2025-06-01T00:00:00Z"),
        new Date("2025-06-01T01:00:00Z")
      ])
      expect((yield* server.requests)[0]!.body).toEqual({
        file: { filename: "Report.PDF", contentType: "application/pdf", bytes: text("%PDF-1.4 tiny") },
        expires_in_seconds: "3600"
      })
      // Name and media type can be given.
      const renamed = yield* AnthropicFiles.uploadPath(path, { filename: "q3.bin", mediaType: "application/pdf" }).pipe(
        Effect.provide(layer)
      )
      expect([renamed.filename, renamed.mimeType]).toEqual(["q3.bin", "application/pdf"])
      // A missing file is the file system's error, and nothing is sent.
      const missing = yield* AnthropicFiles.uploadPath(join(directory, "nope.txt")).pipe(
        Effect.provide(layer),
        Effect.flip
      )
      expect(missing._tag).toBe("SystemError")
      expect(yield* server.requestCount).toBe(2)
    })
  )

  it("guesses media types by extension", () => {
    expect(
      ["a.pdf", "b.TXT", "c.md", "d.csv", "e.png", "f.jpeg", "g.jpg", "h.webp", "i.gif", "noext", "j.unknown"].map(
        AnthropicFiles.mediaTypeOf
      )
    ).toEqual([
      "application/pdf",
      "text/plain",
      "text/markdown",
      "text/csv",
      "image/png",
      "image/jpeg",
      "image/jpeg",
      "image/webp",
      "image/gif",
      "application/octet-stream",
      "application/octet-stream"
    ])
  })
})

describe("Files metadata, list, delete", () => {
  it.scoped("retrieves metadata, lists over pages newest first, deletes", () =>
    withServer({}, (server) =>
      Effect.gen(function* () {
        for (let index = 0; index < 5; index++) {
          yield* AnthropicFiles.upload({
            bytes: text(`file ${index}`),
            filename: `f${index}.txt`,
            mediaType: "text/plain"
          })
        }
        const one = yield* AnthropicFiles.retrieve("file_0003")
        expect([one.id, one.filename, one.sizeBytes]).toEqual(["file_0003", "f2.txt", 6])

        const listed = Chunk.toReadonlyArray(yield* Stream.runCollect(AnthropicFiles.list({ limit: 2 })))
        expect(listed.map((file) => file.id)).toEqual(["file_0005", "file_0004", "file_0003", "file_0002", "file_0001"])
        const received = yield* server.requests
        const pages = received.filter((request) => request.method === "GET" && request.path === "/v1/files")
        expect(pages.map((request) => request.query)).toEqual([
          { limit: "2" },
          { limit: "2", page: "file_0004" },
          { limit: "2", page: "file_0002" }
        ])

        yield* AnthropicFiles.delete("file_0003")
        expect((yield* server.files).map((file) => file.id)).toEqual([
          "file_0005",
          "file_0004",
          "file_0002",
          "file_0001"
        ])
        const gone = yield* Effect.flip(AnthropicFiles.retrieve("file_0003"))
        expect(gone).toMatchObject({ _tag: "NotFoundError", status: 404 })
        // Every call carried the files beta.
        const all = yield* server.requests
        expect(all).toHaveLength(11)
        expect(all.every((request) => request.headers["anthropic-beta"] === filesBeta)).toBe(true)
      })
    )
  )
})

describe("AnthropicFiles.download", () => {
  const content = new Uint8Array(200_000).map((_, index) => index % 251)
  const made = { id: "file_made", filename: "plot.png", mimeType: "image/png", content, downloadable: true }

  it.scoped("streams a file's content in pieces as they arrive", () =>
    withServer({ files: { initial: [made] } }, (server) =>
      Effect.gen(function* () {
        const pieces = Chunk.toReadonlyArray(yield* Stream.runCollect(AnthropicFiles.download("file_made")))
        expect(pieces.length).toBeGreaterThan(1)
        expect(Buffer.concat(pieces).equals(Buffer.from(content))).toBe(true)
        const [request] = yield* server.requests
        expect([request!.path, request!.headers.accept, request!.headers["anthropic-beta"]]).toEqual([
          "/v1/files/file_made/content",
          "application/binary",
          filesBeta
        ])
      })
    )
  )

  it.scoped("downloads a file's content whole", () =>
    withServer({ files: { initial: [made] } }, () =>
      Effect.gen(function* () {
        const bytes = yield* AnthropicFiles.downloadBytes("file_made")
        expect(Buffer.from(bytes).equals(Buffer.from(content))).toBe(true)
      })
    )
  )

  it.scoped("taking part of a download ends it early", () =>
    withServer({ files: { initial: [made] } }, () =>
      Effect.gen(function* () {
        const first = yield* Stream.runCollect(Stream.take(AnthropicFiles.download("file_made"), 1))
        expect(Chunk.size(first)).toBe(1)
      })
    )
  )

  it.scoped("an uploaded file is not downloadable: the API's error, mirrored", () =>
    withServer({}, () =>
      Effect.gen(function* () {
        const file = yield* AnthropicFiles.upload({ bytes: text("x"), filename: "x.txt", mediaType: "text/plain" })
        const streamed = yield* Effect.flip(Stream.runDrain(AnthropicFiles.download(file.id)))
        const whole = yield* Effect.flip(AnthropicFiles.downloadBytes(file.id))
        for (const error of [streamed, whole]) {
          expect(error).toMatchObject({
            _tag: "BadRequestError",
            status: 400,
            message: `400 invalid_request_error: File ${file.id} is not downloadable`
          })
        }
      })
    )
  )
})

describe("Files on other platforms", () => {
  it.scoped("fail with UnsupportedFeature and send nothing", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({})
      for (const platform of ["bedrock", "vertex", "foundry"] as const) {
        const failures = yield* Effect.all([
          Effect.flip(AnthropicFiles.upload({ bytes: text("x"), filename: "x.txt", mediaType: "text/plain" })),
          Effect.flip(AnthropicFiles.retrieve("file_1")),
          Effect.flip(AnthropicFiles.delete("file_1")),
          Effect.flip(AnthropicFiles.downloadBytes("file_1")),
          Effect.flip(Stream.runDrain(AnthropicFiles.download("file_1"))),
          Effect.flip(Stream.runDrain(AnthropicFiles.list()))
        ]).pipe(Effect.provide(cloudClientLayer(platform, server.baseURL)))
        for (const failure of failures) {
          expect(failure).toEqual(
            new AnthropicError.UnsupportedFeature({
              message: `files is not available on ${platform}`,
              platform,
              feature: "files"
            })
          )
        }
      }
      expect(yield* server.requests).toEqual([])
    })
  )
})

describe("an uploaded file in a prompt", () => {
  const pdf = new AnthropicFiles.FileMetadata({
    id: "file_pdf",
    filename: "report.pdf",
    mimeType: "application/pdf",
    sizeBytes: 10,
    createdAt: new Date(0)
  })
  const png = new AnthropicFiles.FileMetadata({
    id: "file_png",
    filename: "chart.png",
    mimeType: "image/png",
    sizeBytes: 10,
    createdAt: new Date(0)
  })

  it("reference gives a document block for documents and an image block for images", () => {
    expect(AnthropicFiles.reference(pdf)).toEqual(new Message.UploadedFile({ fileId: "file_pdf", kind: "document" }))
    expect(AnthropicFiles.reference(png)).toEqual(new Message.UploadedFile({ fileId: "file_png", kind: "image" }))
  })

  it.scoped("goes on the wire as file blocks with the files beta: request, stream and token count", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make({
        messages: MockAnthropicServer.textMessage("It shows growth."),
        countTokens: MockAnthropicServer.json({ input_tokens: 1500 })
      })
      const prompt = [
        Message.ModelRequest.user([
          AnthropicFiles.reference(pdf),
          AnthropicFiles.reference(png),
          new Message.TextContent({ text: "What do these show?" })
        ])
      ]
      yield* Effect.gen(function* () {
        const model = yield* AnthropicModel.make("claude-sonnet-4-5")
        const answer = yield* model.request(prompt, {}, Model.textParameters)
        expect(Message.responseText(answer)).toBe("It shows growth.")
        yield* Stream.runDrain(model.requestStream(prompt, {}, Model.textParameters))
        expect(yield* model.countTokens(prompt)).toBe(1500)
      }).pipe(Effect.provide(clientLayer(server.baseURL, server.apiKey)))

      const received = yield* server.requests
      expect(received.map((request) => [request.path, request.stream])).toEqual([
        ["/v1/messages", false],
        ["/v1/messages", true],
        ["/v1/messages/count_tokens", false]
      ])
      expect(received.map((request) => request.headers["anthropic-beta"])).toEqual([
        filesBeta,
        filesBeta,
        // The SDK adds token counting's own beta.
        `${filesBeta},token-counting-2024-11-01`
      ])
      for (const request of received) {
        expect(request.body).toMatchObject({
          messages: [
            {
              role: "user",
              content: [
                { type: "document", source: { type: "file", file_id: "file_pdf" } },
                { type: "image", source: { type: "file", file_id: "file_png" } },
                { type: "text", text: "What do these show?" }
              ]
            }
          ]
        })
      }
    })
  )
})
