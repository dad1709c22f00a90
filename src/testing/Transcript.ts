/**
 * Recorded API traffic, replayed: an `HttpClient` Layer that answers the requests it gets with the
 * responses of a recorded transcript, in order. JSON bodies and raw
 * SSE text are served as recorded, so the real SDK parses them; a request beyond the recording (or
 * to another endpoint than recorded) fails as a connection error whose message names the
 * transcript and the request number. What the client sent is kept for assertions.
 *
 * A transcript file is JSON: `{ "name": string, "interactions": [{ "request": { "method", "path",
 * "body"? }, "response": { "status", "contentType", "headers"?, "body" } }] }`, interactions in the
 * order the client sent them; a `text/event-stream` response's `body` is the raw SSE text as the API
 * sent it, any other `body` is the JSON value. (The repository's own recordings, in
 * `test/fixtures/transcripts`, come from pydantic-ai's recorded test cassettes.)
 *
 * @example
 * import { Effect, Layer, Redacted } from "effect"
 * import { AnthropicClient } from "effect-claude/anthropic"
 * import { Transcript } from "effect-claude/testing"
 *
 * const replay = AnthropicClient.layer({ apiKey: Redacted.make("test") }).pipe(
 *   Layer.provideMerge(Transcript.layer("transcripts/anthropic_model_instructions.json"))
 * )
 *
 * const firstRequestBody = Effect.map(Transcript.Transcript, (transcript) => transcript.received).pipe(
 *   Effect.flatten,
 *   Effect.map((received) => received[0]?.body)
 * )
 */

import type { HttpBody } from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type { HttpClientRequest } from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { type Interaction, readTranscriptFile, TranscriptFile } from "./internal/transcriptFile.js"

export { type Interaction, TranscriptFile }

/**
 * A transcript: a file (path or URL) or its decoded contents.
 *
 * @since 0.1.0
 * @category models
 */
export type Source = string | URL | TranscriptFile

/**
 * One request as the client sent it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReceivedRequest {
  /** Order of arrival, from 0. */
  readonly index: number
  readonly method: string
  /** The full URL, query included. */
  readonly url: string
  /** The path without the query, e.g. `/v1/messages`. */
  readonly path: string
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>
  /** The parsed JSON body; the text when it is not JSON; `undefined` without a body. */
  readonly body: unknown
}

/**
 * The transcript could not be read or decoded.
 *
 * @since 0.1.0
 * @category errors
 */
export class TranscriptError extends Schema.TaggedError<TranscriptError>()("TranscriptError", {
  message: Schema.String
}) {}

/**
 * The replay, for assertions.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The transcript's name (the file's `name`). */
  readonly name: string
  readonly interactions: ReadonlyArray<Interaction>
  /** The requests received so far, in order. */
  readonly received: Effect.Effect<ReadonlyArray<ReceivedRequest>>
  /** How many recorded responses have not been served yet. */
  readonly remaining: Effect.Effect<number>
}

/**
 * The replay of the transcript behind the `HttpClient` in context.
 *
 * @since 0.1.0
 * @category tags
 */
export class Transcript extends Context.Tag("effect-claude/testing/Transcript")<Transcript, Service>() {}

/**
 * Options of `make` / `layer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Whether a request must go to the recorded method and path (default true): a request to
   * another endpoint fails like an unrecorded one.
   */
  readonly matchPath?: boolean | undefined
}

const decodeTranscript = Schema.decodeUnknown(TranscriptFile)

const load = (
  source: Source
): Effect.Effect<{ readonly file: TranscriptFile; readonly label: string }, TranscriptError> =>
  typeof source === "string" || source instanceof URL
    ? Effect.mapBoth(readTranscriptFile(source), {
        onFailure: (message) => new TranscriptError({ message }),
        onSuccess: (file) => ({ file, label: `${file.name} (${String(source)})` })
      })
    : Effect.mapBoth(decodeTranscript(source), {
        onFailure: (error) => new TranscriptError({ message: `invalid transcript: ${error.message}` }),
        onSuccess: (file) => ({ file, label: file.name })
      })

const textDecoder = new TextDecoder()

const parseBody = (text: string): unknown => {
  if (text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** The request body as the server would see it. */
const readBody = (body: HttpBody): Effect.Effect<unknown> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
      return Effect.succeed(parseBody(textDecoder.decode(body.body)))
    case "Raw":
      return Effect.succeed(
        typeof body.body === "string"
          ? parseBody(body.body)
          : body.body instanceof Uint8Array
            ? parseBody(textDecoder.decode(body.body))
            : body.body
      )
    case "FormData":
      return Effect.succeed(body.formData)
    case "Stream":
      return Stream.runFold(body.stream, "", (text, bytes) => text + textDecoder.decode(bytes, { stream: true })).pipe(
        Effect.map(parseBody),
        Effect.orElseSucceed(() => undefined)
      )
  }
}

/** The recorded body as the server sent it: JSON re-serialized, SSE text split at its events. */
const responseBody = (interaction: Interaction): BodyInit | null => {
  const { body, contentType, status } = interaction.response
  if (status === 204 || status === 205 || status === 304) return null
  if (contentType.includes("event-stream") && typeof body === "string") {
    // One network chunk per event, as a server flushes them.
    const events = body.split(/(?<=\n\n)/)
    const encoder = new TextEncoder()
    return new ReadableStream<Uint8Array>({
      start(controller) {
        for (const event of events) controller.enqueue(encoder.encode(event))
        controller.close()
      }
    })
  }
  return typeof body === "string" && !contentType.includes("json") ? body : JSON.stringify(body)
}

const describeRequest = (request: HttpClientRequest, url: URL) => `${request.method} ${url.pathname}`

/**
 * Builds the replaying `HttpClient` and its replay service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  source: Source,
  options?: Options
): Effect.Effect<{ readonly client: HttpClient.HttpClient; readonly service: Service }, TranscriptError> =>
  Effect.map(load(source), ({ file, label }) => {
    const received: Array<ReceivedRequest> = []
    const matchPath = options?.matchPath ?? true
    const recorded = file.interactions.length

    const unrecorded = (request: HttpClientRequest, description: string) =>
      new HttpClientError.RequestError({ request, reason: "Transport", description })

    const client = HttpClient.make((request, url) =>
      Effect.gen(function* () {
        const index = received.length
        const entry: ReceivedRequest = {
          index,
          method: request.method,
          url: url.href,
          path: url.pathname,
          headers: { ...request.headers },
          body: undefined
        }
        // Taken in arrival order, before a streamed body is read.
        received.push(entry)
        received[index] = { ...entry, body: yield* readBody(request.body) }
        const number = index + 1
        const interaction = file.interactions[index]
        if (interaction === undefined) {
          return yield* unrecorded(
            request,
            `transcript ${label} has ${recorded} recorded request${recorded === 1 ? "" : "s"}; request #${number} (${describeRequest(request, url)}) was not recorded`
          )
        }
        const expected = interaction.request
        if (
          matchPath &&
          (expected.method.toUpperCase() !== request.method || expected.path.split("?")[0] !== url.pathname)
        ) {
          return yield* unrecorded(
            request,
            `transcript ${label}: request #${number} was ${describeRequest(request, url)} but the recording has ${expected.method.toUpperCase()} ${expected.path}`
          )
        }
        const response = new Response(responseBody(interaction), {
          status: interaction.response.status,
          headers: { ...interaction.response.headers, "content-type": interaction.response.contentType }
        })
        return HttpClientResponse.fromWeb(request, response)
      })
    )

    const service: Service = {
      name: file.name,
      interactions: file.interactions,
      received: Effect.sync(() => [...received]),
      remaining: Effect.sync(() => Math.max(0, recorded - received.length))
    }
    return { client, service }
  })

/**
 * An `HttpClient` replaying the transcript, plus the `Transcript` service to inspect it. Use
 * `Layer.provideMerge` to keep the `Transcript` service visible next to the client built on it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const layer = (
  source: Source,
  options?: Options
): Layer.Layer<HttpClient.HttpClient | Transcript, TranscriptError> =>
  Layer.effectContext(
    Effect.map(make(source, options), ({ client, service }) =>
      Context.make(HttpClient.HttpClient, client).pipe(Context.add(Transcript, service))
    )
  )
