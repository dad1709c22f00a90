/**
 * The reliability tests' common ground: Claude over real loopback HTTP (`MockAnthropicServer`,
 * the SDK, the undici HttpClient), fast retry policies, and checks that a failure is typed (never
 * a defect) and that no promise was left rejected without a handler.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { afterAll, afterEach, beforeAll, expect } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Layer, Option, Redacted, Stream } from "effect"
import { AgentEvent, Message, Model, type ModelSettings, type StreamEvent } from "effect-claude"
import { AnthropicClient, AnthropicModel, AnthropicRetry } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"

export const M = MockAnthropicServer

/** A distinctive fake key: the secrets test looks for it everywhere. */
export const apiKey = "sk-ant-test-SECRET-1234"

/** The model name every request uses. */
export const modelName = "claude-sonnet-4-6"

/** The default policy's shape (2 retries, backoff, `retry-after`), with millisecond delays. */
/** One SSE event's data as the API sends it (fields left loose, so tests can send what the API never would). */
export type RawEvent = { readonly type: string; readonly [field: string]: unknown }

/** One SSE event on the wire. */
export const sseEvent = (data: RawEvent): string => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`

/** The `message_start` event of an empty assistant message with id `id`. */
export const messageStartEvent = (id: string): RawEvent => ({
  type: "message_start",
  message: {
    id,
    type: "message",
    role: "assistant",
    model: modelName,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 1 }
  }
})

export const fastRetry: AnthropicRetry.Policy = AnthropicRetry.make({ initialDelay: "1 millis", maxDelay: "4 millis" })

/** Options of `claude`. */
export interface ClaudeOptions {
  readonly settings?: ModelSettings.ModelSettings | undefined
  /** Default `fastRetry`. */
  readonly retry?: AnthropicRetry.Policy | undefined
}

/** A server accepting only `apiKey`. */
export const serve = (script: MockAnthropicServer.Script) => M.make(script, { apiKey })

/** Claude (`AnthropicModel` over `AnthropicClient` over undici) talking to `server`. */
export const claude = (server: MockAnthropicServer.Service, options: ClaudeOptions = {}) =>
  AnthropicModel.layer(modelName, options.settings, { retry: options.retry ?? fastRetry }).pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(apiKey), baseURL: server.baseURL })),
    Layer.provide(NodeHttpClient.layerUndici)
  )

/** Runs `effect` with Claude talking to `server`. */
export const withClaude =
  (server: MockAnthropicServer.Service, options: ClaudeOptions = {}) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.provide(effect, claude(server, options))

const conversation = (prompt: string) => [Message.ModelRequest.user(prompt)]

/** One non-streamed request. */
export const ask = (prompt = "Hi", settings: ModelSettings.ModelSettings = {}) =>
  Effect.flatMap(Model.Model, (model) => model.request(conversation(prompt), settings, Model.textParameters))

/** One streamed request; every event it emitted, and how it ended. */
export const askStream = (prompt = "Hi", settings: ModelSettings.ModelSettings = {}) =>
  Effect.flatMap(Model.Model, (model) =>
    collect(model.requestStream(conversation(prompt), settings, Model.textParameters))
  )

/** What a stream emitted before it ended, and its exit. */
export interface Collected<A, E> {
  readonly events: ReadonlyArray<A>
  readonly exit: Exit.Exit<void, E>
}

/** Runs a stream to its end, keeping what it emitted even when it fails. */
export const collect = <A, E, R>(stream: Stream.Stream<A, E, R>): Effect.Effect<Collected<A, E>, never, R> =>
  Effect.suspend(() => {
    const events: Array<A> = []
    return Effect.map(
      Effect.exit(
        Stream.runForEachChunk(stream, (chunk) => Effect.sync(() => events.push(...Chunk.toReadonlyArray(chunk))))
      ),
      (exit) => ({ events, exit })
    )
  })

/** The text the events streamed, in order. */
export const streamedText = (
  events: ReadonlyArray<StreamEvent.ModelResponseStreamEvent | AgentEvent.AgentEvent<unknown>>
) => events.map((event) => AgentEvent.textOf(event)).join("")

/**
 * The typed failure of `exit`: it must have failed with an error (no defect, not only an
 * interruption) whose tag is `tag`.
 */
export const failureOf = <E extends { readonly _tag: string }, Tag extends E["_tag"]>(
  exit: Exit.Exit<unknown, E>,
  tag: Tag
): Extract<E, { readonly _tag: Tag }> => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a ${tag} failure, got a success`)
  expect(Cause.isDie(exit.cause), Cause.pretty(exit.cause)).toBe(false)
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a ${tag} failure, got ${Cause.pretty(exit.cause)}`)
  expect(failure.value._tag).toBe(tag)
  return failure.value as Extract<E, { readonly _tag: Tag }>
}

/**
 * Fails the test that left a promise rejected without a handler: registers a process listener for
 * the file and checks it after each test.
 */
export const watchUnhandledRejections = (): void => {
  const seen: Array<unknown> = []
  const listener = (reason: unknown) => seen.push(reason)
  beforeAll(() => {
    process.on("unhandledRejection", listener)
  })
  afterAll(() => {
    process.off("unhandledRejection", listener)
  })
  afterEach(async () => {
    // Rejections are reported after the microtask queue drains: give them a macrotask to show up.
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen).toEqual([])
    seen.length = 0
  })
}

/** Waits real time (the test clock may be frozen). */
export const liveSleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))
