/**
 * Upload a document once, reference it in prompts by id: the Files API (beta) as Effects and
 * Streams.
 *
 * Uploads a small text document (from bytes; `AnthropicFiles.uploadPath` reads a local file instead),
 * lists the workspace's files, asks Claude about the document with `AnthropicFiles.reference` (the request
 * carries the files beta header on its own), counts the tokens the same prompt costs, tries to
 * download it (only files the API made are downloadable), and deletes it.
 *
 * With `ANTHROPIC_API_KEY` set it talks to the real API (`ANTHROPIC_MODEL` picks the model).
 * Without it, it runs offline against `MockAnthropicServer`, a loopback server of the API from
 * `effect-claude/testing` (it refuses a file reference without the files beta, as the API does),
 * through the same SDK and HTTP client.
 *
 * Run: `npx tsx examples/files.ts`
 */
import { NodeHttpClient } from "@effect/platform-node"
import { type ConfigError, Effect, Layer, Redacted, Stream } from "effect"
import { Message, Model } from "effect-claude"
import { AnthropicClient, AnthropicFiles, AnthropicModel } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"

const modelName = process.env.ANTHROPIC_MODEL ?? "claude-haiku-4-5"
const online = (process.env.ANTHROPIC_API_KEY ?? "") !== ""

const live = AnthropicClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Offline, Claude's answer says which files the request referenced and what it asked. */
const offlineAnswer = (request: MockAnthropicServer.ReceivedRequest) => {
  const files = MockAnthropicServer.fileReferences(request)
  return MockAnthropicServer.textMessage(
    `(offline) I was sent ${files.length} file(s): ${files.join(", ")}; ` +
      `you asked: ${MockAnthropicServer.lastUserText(request)}`
  )
}

const offline = Layer.unwrapScoped(
  Effect.map(MockAnthropicServer.make({ messages: offlineAnswer }), (server) =>
    AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL }).pipe(
      Layer.provide(NodeHttpClient.layerUndici)
    )
  )
)

const client: Layer.Layer<
  AnthropicClient.AnthropicClient,
  ConfigError.ConfigError | MockAnthropicServer.MockServerError
> = online ? live : offline

const notes = `Meeting notes, 3 March
- The launch moves to 14 April.
- Priya owns the migration plan.
- Budget approved: 40,000 EUR.`

const program = Effect.gen(function* () {
  console.log(
    online
      ? `Using the Files API with ${modelName}.`
      : "No ANTHROPIC_API_KEY: running against MockAnthropicServer on loopback."
  )

  const file = yield* AnthropicFiles.upload({
    bytes: new TextEncoder().encode(notes),
    filename: "notes.txt",
    mediaType: "text/plain"
  })
  console.log(`Uploaded ${file.filename} as ${file.id} (${file.sizeBytes} bytes, ${file.mimeType})`)

  const listed = yield* AnthropicFiles.list().pipe(Stream.take(5), Stream.runCollect)
  console.log(`Newest files: ${[...listed].map((entry) => entry.filename).join(", ")}`)

  // The file, referenced by id in a prompt: no bytes are sent again.
  const prompt = [
    Message.ModelRequest.user([
      AnthropicFiles.reference(file),
      new Message.TextContent({ text: "When is the launch?" })
    ])
  ]
  const model = yield* AnthropicModel.make(modelName, { maxTokens: 128 })
  const answer = yield* model.request(prompt, {}, Model.textParameters)
  console.log(`Claude: ${Message.responseText(answer)}`)
  console.log(`That prompt costs ${yield* model.countTokens(prompt)} input tokens.`)

  yield* AnthropicFiles.downloadBytes(file.id).pipe(
    Effect.flatMap((bytes) => Effect.sync(() => console.log(`Downloaded ${bytes.byteLength} bytes`))),
    Effect.catchTag("BadRequestError", (error) =>
      Effect.sync(() => console.log(`Download refused (uploads are not downloadable): ${error.message}`))
    )
  )

  yield* AnthropicFiles.delete(file.id)
  console.log(`Deleted ${file.id}`)
})

program.pipe(Effect.provide(client), Effect.runPromise).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
