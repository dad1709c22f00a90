/**
 * Fast path: the whole body of a response made by `@effect/platform`'s own clients
 * (`FetchHttpClient`, `NodeHttpClient`), read from what the transport returned.
 *
 * `HttpClientResponse.arrayBuffer` builds a cached Effect for every response (a synchronized ref,
 * a deferred, and a fiber run to set them up), which costs several times more than reading a small
 * body. `HttpClient.make` hands out its client's response wrapped (as `original`) with the
 * request's `AbortController` (as `controller`), and both platform clients keep the transport's
 * response as `source`: a web `Response` (fetch) or undici's response data, whose `body` reads
 * whole. Those are read directly, and an interruption aborts the request through that controller,
 * as the platform's own body effects do. Any other response (another `HttpClient`, a version of the
 * platform that keeps these elsewhere) is read through the public `arrayBuffer`.
 *
 * `platformChunks` reads a streamed body the same way, one transport chunk per read
 * (`bridgeBodies.ts`' `pulledBody`).
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import type { HttpClientResponse } from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"

/** The transport's response under a platform client's response, and how to abort its request. */
export interface PlatformSource {
  readonly read: () => Promise<ArrayBuffer>
  readonly abort: () => void
}

/**
 * A streamed body read chunk by chunk from the transport: `read` gives `undefined` at the end.
 * @since 0.1.0
 * @category models
 */
export interface ChunkReader {
  readonly read: () => Promise<Uint8Array | undefined>
  readonly abort: () => void
  /**
   * The platform's response, held while the body streams: the platform aborts the request of a
   * response it sees collected, and nothing else refers to it once the body is read directly.
   */
  readonly response: HttpClientResponse
}

const hasArrayBuffer = (u: unknown): u is { arrayBuffer(): Promise<ArrayBuffer> } =>
  Predicate.hasProperty(u, "arrayBuffer") && typeof u.arrayBuffer === "function"

/**
 * The transport's response under `response`, when `response` is what `HttpClient.make` made over
 * `FetchHttpClient`'s or `NodeHttpClient`'s response; else `undefined`.
 * @since 0.1.0
 * @category utils
 */
export const platformSource = (response: HttpClientResponse): PlatformSource | undefined => {
  const transport = transportOf(response)
  if (transport === undefined) return undefined
  const { abort } = transport
  if (transport.fetched !== undefined) {
    const fetched = transport.fetched
    return { read: () => fetched.arrayBuffer(), abort }
  }
  const body = transport.undiciBody
  return hasArrayBuffer(body) ? { read: () => body.arrayBuffer(), abort } : undefined
}

const isAsyncIterable = (u: unknown): u is AsyncIterable<Uint8Array> =>
  Predicate.hasProperty(u, Symbol.asyncIterator) && typeof u[Symbol.asyncIterator] === "function"

/**
 * A chunk reader over the transport's body under `response`, when `response` is what
 * `HttpClient.make` made over `FetchHttpClient`'s or `NodeHttpClient`'s response; else `undefined`.
 * @since 0.1.0
 * @category utils
 */
export const platformChunks = (response: HttpClientResponse): ChunkReader | undefined => {
  const transport = transportOf(response)
  if (transport === undefined) return undefined
  const { abort } = transport
  if (transport.fetched !== undefined) {
    const body = transport.fetched.body
    if (body === null || transport.fetched.bodyUsed) return undefined
    const reader = body.getReader()
    return { read: () => reader.read().then((next) => (next.done ? undefined : next.value)), abort, response }
  }
  // undici's body is a Node Readable of Buffers.
  const body = transport.undiciBody
  if (!isAsyncIterable(body)) return undefined
  const chunks = body[Symbol.asyncIterator]()
  return { read: () => chunks.next().then((next) => (next.done === true ? undefined : next.value)), abort, response }
}

/**
 * What a platform client's response keeps of the transport: `fetch`'s web `Response`, or the body
 * of undici's `request` result (`{ statusCode, headers, body }`); and the request's abort.
 */
type Transport =
  | { readonly fetched: Response; readonly undiciBody?: undefined; readonly abort: () => void }
  | { readonly fetched?: undefined; readonly undiciBody: unknown; readonly abort: () => void }

const transportOf = (response: HttpClientResponse): Transport | undefined => {
  if (!Predicate.hasProperty(response, "original") || !Predicate.hasProperty(response, "controller")) return undefined
  const controller = response.controller
  const original = response.original
  if (!(controller instanceof AbortController) || !Predicate.hasProperty(original, "source")) return undefined
  const source = original.source
  const abort = () => controller.abort()
  if (source instanceof Response) return { fetched: source, abort }
  if (Predicate.hasProperty(source, "statusCode") && Predicate.hasProperty(source, "body")) {
    return { undiciBody: source.body, abort }
  }
  return undefined
}

/**
 * The whole body of `response`: read from the transport's response when the platform's own client
 * made it, else through `response.arrayBuffer`.
 * @since 0.1.0
 * @category utils
 */
export const readWhole = (response: HttpClientResponse): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> => {
  const source = platformSource(response)
  if (source === undefined) return response.arrayBuffer
  const read = (abortOnInterrupt: boolean) =>
    Effect.async<ArrayBuffer, HttpClientError.ResponseError>((resume) => {
      source.read().then(
        (buffer) => resume(Effect.succeed(buffer)),
        (cause: unknown) =>
          resume(
            Effect.fail(
              new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause })
            )
          )
      )
      return abortOnInterrupt ? Effect.sync(source.abort) : undefined
    })
  // The platform watches every response it hands out with a `FinalizationRegistry`, and aborts its
  // request when the response is collected unread: one `DOMException` and an abort event per
  // request, at garbage-collection time, for a body that was read long before. Its own body
  // effects stop watching as they start (`applyInterrupt`, which also aborts on interruption).
  return hasApplyInterrupt(response) ? response.applyInterrupt(read(false)) : read(true)
}

/** What `HttpClient.make`'s response wrapper does before it reads a body: stop watching, abort on interruption. */
interface AppliesInterrupt {
  readonly applyInterrupt: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

const hasApplyInterrupt = (u: object): u is AppliesInterrupt =>
  Predicate.hasProperty(u, "applyInterrupt") && typeof u.applyInterrupt === "function"
