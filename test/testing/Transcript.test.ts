import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type { Stream as SdkStream } from "@anthropic-ai/sdk/core/streaming"
import type { RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Redacted, Stream } from "effect"
import { AnthropicClient } from "effect-claude/anthropic"
import { Transcript } from "effect-claude/testing"

const transcripts = new URL("../fixtures/transcripts/", import.meta.url)
const transcriptFile = (name: string) => new URL(`${name}.json`, transcripts)

const apiKey = "sk-ant-transcript-test"

const replay = (source: Transcript.Source, options?: Transcript.Options) =>
  AnthropicClient.layer({ apiKey: Redacted.make(apiKey) }).pipe(Layer.provideMerge(Transcript.layer(source, options)))

const client = AnthropicClient.AnthropicClient

const question = {
  model: "claude-3-opus-latest",
  max_tokens: 4096,
  system: "You are a helpful assistant.\n\n",
  messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "What is the capital of France?" }] }]
}

/** The events of a raw SSE text, as the SDK yields them (pings dropped). Test-side only. */
const recordedEvents = (sse: string): ReadonlyArray<unknown> =>
  sse
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .flatMap((block) => {
      const event = block.split("\n").find((line) => line.startsWith("event:"))
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5))
        .join("\n")
      return event === "event: ping" || data === "" ? [] : [JSON.parse(data)]
    })

const readJson = (name: string): Transcript.TranscriptFile => JSON.parse(readFileSync(transcriptFile(name), "utf8"))

describe("Transcript", () => {
  it.effect("replays a JSON answer through the real SDK and records the wire payload", () =>
    Effect.gen(function* () {
      const message = yield* Effect.flatMap(client, (c) =>
        c.call((sdk, options) => sdk.messages.create(question, options))
      )
      const recorded = readJson("anthropic_model_instructions").interactions[0]?.response.body
      expect(message).toEqual(recorded)
      expect(message.content).toEqual([{ type: "text", text: "The capital of France is Paris." }])
      const transcript = yield* Transcript.Transcript
      const [request, ...rest] = yield* transcript.received
      expect(rest).toEqual([])
      expect(request).toMatchObject({ index: 0, method: "POST", path: "/v1/messages", body: question })
      expect(request?.url).toBe("https://api.anthropic.com/v1/messages")
      expect(request?.headers.authorization).toBe(`Bearer ${apiKey}`)
      expect(yield* transcript.remaining).toBe(0)
      expect(transcript.name).toBe("anthropic_model_instructions")
    }).pipe(Effect.provide(replay(transcriptFile("anthropic_model_instructions"))))
  )

  it.effect("replays raw SSE exactly: the SDK parses the recorded events, in chunks", () =>
    Effect.gen(function* () {
      const chunks = yield* Effect.flatMap(client, (c) =>
        Stream.runCollect(
          Stream.chunks(
            c.stream((sdk, options) =>
              sdk.messages.create(
                {
                  ...question,
                  model: "claude-sonnet-4-0",
                  stream: true,
                  thinking: { type: "enabled", budget_tokens: 1024 }
                },
                options
              )
            )
          )
        )
      )
      const events = Chunk.toReadonlyArray(chunks).flatMap((chunk) => Chunk.toReadonlyArray(chunk))
      const sse = readJson("anthropic_model_thinking_part_stream").interactions[0]?.response.body
      expect(typeof sse).toBe("string")
      expect(events).toEqual(recordedEvents(String(sse)))
      expect(events.length).toBeGreaterThan(10)
      expect(chunks.length).toBeLessThan(events.length)
      const [request] = yield* Effect.flatMap(Transcript.Transcript, (transcript) => transcript.received)
      expect(request?.body).toMatchObject({ stream: true, thinking: { type: "enabled", budget_tokens: 1024 } })
    }).pipe(Effect.provide(replay(transcriptFile("anthropic_model_thinking_part_stream"))))
  )

  it.effect("a request beyond the recording fails as a connection error naming the transcript and request", () =>
    Effect.gen(function* () {
      const c = yield* client
      yield* c.call((sdk, options) => sdk.messages.create(question, options))
      const error = yield* Effect.flip(c.call((sdk, options) => sdk.messages.create(question, options)))
      expect(error._tag).toBe("APIConnectionError")
      expect(error.message).toContain("anthropic_model_instructions")
      expect(error.message).toContain("has 1 recorded request; request #2 (POST /v1/messages) was not recorded")
      expect(error.message).not.toContain(apiKey)
      expect(yield* Effect.flatMap(Transcript.Transcript, (t) => t.received)).toHaveLength(2)
    }).pipe(Effect.provide(replay(transcriptFile("anthropic_model_instructions"))))
  )

  it.effect("a request to another endpoint than recorded fails clearly", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flatMap(client, (c) =>
        c.call((sdk, options) =>
          sdk.messages.countTokens({ model: question.model, messages: question.messages }, options)
        )
      ).pipe(Effect.flip)
      expect(error._tag).toBe("APIConnectionError")
      expect(error.message).toContain(
        "request #1 was POST /v1/messages/count_tokens but the recording has POST /v1/messages"
      )
    }).pipe(Effect.provide(replay(transcriptFile("anthropic_model_instructions"))))
  )

  it.effect("a recorded error response becomes the mirrored error", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flatMap(client, (c) =>
        c.call((sdk, options) =>
          sdk.messages.countTokens(
            {
              model: "claude-does-not-exist",
              messages: [{ role: "user", content: [{ type: "text", text: "hello" }] }]
            },
            options
          )
        )
      ).pipe(Effect.flip)
      expect(error._tag).toBe("NotFoundError")
      expect(error.message).toBe("404 not_found_error: model: claude-does-not-exist")
      expect(error).toMatchObject({
        status: 404,
        errorType: "not_found_error",
        requestId: "req_011CVEA3SF7rnb3DuBZytqQa"
      })
    }).pipe(Effect.provide(replay(transcriptFile("anthropic_count_tokens_error"))))
  )

  it.effect("takes a transcript as data too, and checks it with Schema", () =>
    Effect.gen(function* () {
      const data = readJson("anthropic_model_instructions")
      const message = yield* Effect.flatMap(client, (c) =>
        c.call((sdk, options) => sdk.messages.create(question, options))
      ).pipe(Effect.provide(replay(data)))
      expect(message.id).toBe("msg_01Fg1JVgvCYUHWsxrj9GkpEv")
      const invalid = yield* Layer.build(
        Transcript.layer({ name: "broken", interactions: [{ request: {} }] } as never)
      ).pipe(Effect.scoped, Effect.flip)
      expect(invalid._tag).toBe("TranscriptError")
      expect(invalid.message).toMatch(/^invalid transcript: /)
      const missing = yield* Layer.build(Transcript.layer(new URL("does-not-exist.json", transcripts))).pipe(
        Effect.scoped,
        Effect.flip
      )
      expect(missing.message).toMatch(/^cannot read transcript .*does-not-exist\.json/)
    })
  )

  describe("every recorded transcript replays through the real SDK", () => {
    const names = readdirSync(fileURLToPath(transcripts))
      .filter((name) => name.endsWith(".json"))
      .map((name) => name.slice(0, -".json".length))
    for (const name of names) {
      it.effect(name, () =>
        Effect.gen(function* () {
          const file = readJson(name)
          const c = yield* client
          for (const interaction of file.interactions) {
            const { request, response } = interaction
            const streamed = response.contentType.includes("event-stream")
            if (response.status >= 400) {
              const error = yield* Effect.flip(
                c.call((sdk, options) => sdk.post<unknown>(request.path, { body: request.body, ...options }))
              )
              expect(error).toMatchObject({ status: response.status })
            } else if (streamed) {
              const events = yield* Stream.runCollect(
                c.stream((sdk, options) =>
                  sdk.post<SdkStream<RawMessageStreamEvent>>(request.path, {
                    body: request.body,
                    stream: true,
                    ...options
                  })
                )
              )
              expect(Chunk.toReadonlyArray(events)).toEqual(recordedEvents(String(response.body)))
            } else {
              const body = yield* c.call((sdk, options) =>
                sdk.post<unknown>(request.path, { body: request.body, ...options })
              )
              expect(body).toEqual(response.body)
            }
          }
          const transcript = yield* Transcript.Transcript
          expect((yield* transcript.received).map((received) => received.body)).toEqual(
            file.interactions.map((interaction) => interaction.request.body)
          )
          expect(yield* transcript.remaining).toBe(0)
        }).pipe(Effect.provide(replay(transcriptFile(name))))
      )
    }
  })
})
