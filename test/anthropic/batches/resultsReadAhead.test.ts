import Anthropic from "@anthropic-ai/sdk"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { Message } from "effect-claude"
import { AnthropicBatches } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { clientLayer, pause } from "./helpers.js"

// A results file shaped like the API's (a succeeded message per line, ~900 bytes), ~37 MB in all:
// far more than the loopback sockets buffer, so a reader that ran ahead of its consumer would
// have the server write most of it.
const total = 40_000
const lineOf = (index: number) =>
  JSON.stringify({
    custom_id: `req-${index}`,
    result: MockAnthropicServer.batchSucceeded(MockAnthropicServer.textMessage(`answer ${index} ${"x".repeat(300)}`))
  })
const lineBytes = Buffer.byteLength(lineOf(total)) + 1
const lines = function* () {
  for (let index = 0; index < total; index++) yield lineOf(index)
}

const requests = [{ customId: "req-0", messages: [Message.ModelRequest.user("question")] }]

/** Submits a batch to `server` with the SDK and ends it, so its results are ready. */
const endedBatch = (server: MockAnthropicServer.Service) =>
  Effect.promise(async () => {
    const sdk = new Anthropic({ apiKey: server.apiKey, baseURL: server.baseURL, maxRetries: 0 })
    const { id } = await sdk.messages.batches.create({
      requests: [
        {
          custom_id: "req-0",
          params: { model: "claude-haiku-4-5", max_tokens: 16, messages: [{ role: "user", content: "question" }] }
        }
      ]
    })
    // The server ends a batch at its first retrieval.
    await sdk.messages.batches.retrieve(id)
    return { id, headers: { "x-api-key": server.apiKey, "anthropic-version": "2023-06-01" } }
  })

/**
 * Lines the server wrote beyond those the reader took, once the server has stopped writing (the
 * reader paused; the sockets' buffers are full). A reader that read on regardless would let the
 * server write the whole file.
 */
const writtenAhead = (server: MockAnthropicServer.Service, taken: number) =>
  Effect.gen(function* () {
    let written = -1
    for (let waited = 0; waited < 10_000; waited += 200) {
      yield* pause(200)
      const [download] = yield* server.resultsDownloads
      if (download!.finished || download!.linesWritten === written) break
      written = download!.linesWritten
    }
    const [download] = yield* server.resultsDownloads
    expect(download!.finished).toBe(false)
    return download!.linesWritten - taken
  })

describe("AnthropicBatches.results: reading paced by the consumer", () => {
  it.live(
    "a paused consumer holds the server back: the stream reads little more than a bare fetch reader's sockets buffer",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          // The floor: a plain fetch reader that takes one piece and stops; the sockets' buffers fill.
          const bare = yield* MockAnthropicServer.make({ batches: { resultLines: lines } })
          const { headers, id } = yield* endedBatch(bare)
          const reader = yield* Effect.promise(async () => {
            const response = await fetch(`${bare.url}/v1/messages/batches/${id}/results`, { headers })
            return response.body!.getReader()
          })
          const first = yield* Effect.promise(() => reader.read())
          const floor = yield* writtenAhead(bare, Math.floor(first.value!.byteLength / lineBytes))
          yield* Effect.promise(() => reader.cancel())

          const server = yield* MockAnthropicServer.make({ batches: { resultLines: lines } })
          let taken = 0
          let ahead = -1
          yield* Effect.gen(function* () {
            const batch = yield* AnthropicBatches.create(requests, { model: "claude-haiku-4-5" })
            yield* AnthropicBatches.results(batch.id).pipe(
              Stream.runForEachChunk((chunk) =>
                Effect.gen(function* () {
                  taken += chunk.length
                  // A consumer busy elsewhere after its first results.
                  if (ahead === -1) ahead = yield* writtenAhead(server, taken)
                })
              )
            )
          }).pipe(Effect.provide(clientLayer(server.baseURL, server.apiKey)))

          expect(taken).toBe(total)
          expect(floor).toBeGreaterThan(0)
          // What the client holds itself (the pump's read-ahead, the transport's buffers) is a few
          // megabytes; reading on regardless would have had the server write the whole file.
          expect((ahead - floor) * lineBytes).toBeLessThan(12 * 1024 * 1024)
          expect(ahead).toBeLessThan(total / 2)
        })
      ),
    60_000
  )
})
