/**
 * The SDK's `fetch`, implemented over the `@effect/platform` `HttpClient`.
 *
 * Built once per client Layer: the HttpClient and the Runtime are resolved when the Layer is built,
 * so a request costs one forked fiber and nothing else of Effect's (no Layer, no context lookups).
 * A body the SDK will parse at once (JSON, text) is read inside that fiber and handed over as one
 * buffer; anything else (SSE, binary downloads) becomes a `ReadableStream` read chunk by chunk
 * (`bridgeBodies.ts`).
 * The SDK's AbortSignal interrupts the fiber (which aborts the HTTP request) at any point,
 * including while the body streams; so does the `Interrupter` of an interrupted model request
 * (`callInterrupt.ts`), until the response is handed over.
 */
import type * as HttpHeaders from "@effect/platform/Headers"
import * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClient from "@effect/platform/HttpClient"
import type { HttpClientError } from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { HttpClientResponse } from "@effect/platform/HttpClientResponse"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import { interruptFiber, pulledBody, readableBody } from "./bridgeBodies.js"
import { abortError, BridgeTransportError, transportError } from "./bridgeErrors.js"
import { bufferedResponse } from "./bufferedResponse.js"
import { interrupterOf } from "./callInterrupt.js"
import { platformChunks, readWhole } from "./platformBody.js"

/**
 * The `fetch` signature the SDK calls.
 * @since 0.1.0
 * @category models
 */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

const methods: ReadonlySet<string> = new Set(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])

const isHttpMethod = (method: string): method is HttpMethod => methods.has(method)

/** Statuses whose responses have no body (the `Response` constructor refuses one). */
const nullBodyStatus = (status: number): boolean => status === 204 || status === 205 || status === 304

/**
 * Whether a response body is read whole before the SDK sees it: JSON and plain text (what the SDK
 * parses at once). SSE and anything binary stream, and so does every answer to a request that
 * `accept`s `application/binary`: the SDK reads those bodies in pieces (batch results, which are
 * `application/x-jsonl` and may be gigabytes; file downloads of any media type).
 */
const readsWhole = (contentType: string | undefined, accept: string | undefined): boolean => {
  if (accept === "application/binary") return false
  if (contentType === undefined) return true
  return contentType.includes("json") || (contentType.startsWith("text/") && !contentType.includes("event-stream"))
}

const toBody = (body: BodyInit, contentType: string | undefined): HttpBody.HttpBody => {
  if (typeof body === "string" || body instanceof Uint8Array) return HttpBody.raw(body)
  if (body instanceof ArrayBuffer) return HttpBody.raw(new Uint8Array(body))
  if (ArrayBuffer.isView(body)) return HttpBody.raw(new Uint8Array(body.buffer, body.byteOffset, body.byteLength))
  if (body instanceof URLSearchParams) return HttpBody.raw(body.toString())
  if (body instanceof Blob) {
    return HttpBody.stream(
      Stream.fromReadableStream({ evaluate: () => body.stream(), onError: (error) => error }),
      contentType ?? (body.type === "" ? undefined : body.type),
      body.size
    )
  }
  if (body instanceof ReadableStream) {
    return HttpBody.stream(Stream.fromReadableStream({ evaluate: () => body, onError: (error) => error }), contentType)
  }
  throw new TypeError(`Unsupported request body type: ${Object.prototype.toString.call(body)}`)
}

/**
 * A multipart body, encoded the way fetch encodes it. HttpClients differ in which `FormData`
 * class they accept (undici's own vs the global one), so the bytes are sent instead; they are in
 * memory already, and a known length spares the upload a chunked encoding.
 */
const multipartBody = (formData: FormData): Effect.Effect<HttpBody.HttpBody> => {
  const encoded = new Response(formData)
  const contentType = encoded.headers.get("content-type") ?? "multipart/form-data"
  return Effect.map(
    Effect.promise(() => encoded.arrayBuffer()),
    (buffer) => HttpBody.uint8Array(new Uint8Array(buffer), contentType)
  )
}

/**
 * An Effect request built from fetch arguments: at once, or after encoding a multipart body.
 * @since 0.1.0
 * @category models
 */
export type PreparedRequest = HttpClientRequest.HttpClientRequest | Effect.Effect<HttpClientRequest.HttpClientRequest>

/**
 * Turns the SDK's fetch arguments into an Effect request. The fetch headers (the SDK hands a web
 * `Headers`) go to `setHeaders` as they are: it lower-cases them into the request's own record, so a
 * record made here first would only be copied again.
 */
const toHttpClientRequest = (input: string | URL | Request, init: RequestInit | undefined): PreparedRequest => {
  const inputRequest = input instanceof Request ? input : undefined
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url
  const method = (init?.method ?? inputRequest?.method ?? "GET").toUpperCase()
  if (!isHttpMethod(method)) throw new TypeError(`Unsupported HTTP method: ${method}`)
  const headersInit = init?.headers ?? inputRequest?.headers
  let request = HttpClientRequest.make(method)(url)
  if (headersInit !== undefined) request = HttpClientRequest.setHeaders(request, headersInit)
  const body = init?.body ?? inputRequest?.body ?? null
  if (body instanceof URLSearchParams && request.headers["content-type"] === undefined) {
    // What fetch would add for a URLSearchParams body.
    request = HttpClientRequest.setHeader(request, "content-type", "application/x-www-form-urlencoded;charset=UTF-8")
  }
  if (body === null) return request
  if (body instanceof FormData) {
    return Effect.map(multipartBody(body), (multipart) => HttpClientRequest.setBody(request, multipart))
  }
  return HttpClientRequest.setBody(request, toBody(body, request.headers["content-type"]))
}

interface Exchange {
  readonly response: HttpClientResponse
  readonly headers: HttpHeaders.Headers
  /** The whole body, when it was read in the request fiber. */
  readonly buffer: ArrayBuffer | undefined
}

/**
 * Options of `makeFetch`.
 * @since 0.1.0
 * @category models
 */
export interface FetchOptions {
  /** How long a streamed response body may send nothing before it is aborted with `BridgeIdleTimeout`. */
  readonly idleMillis: number
}

/**
 * Builds the SDK's `fetch` over `client`, running every request in `runtime` (resolved once, at
 * Layer build).
 * @since 0.1.0
 * @category utils
 */
export const makeFetch = (
  client: HttpClient.HttpClient,
  runtime: Runtime.Runtime<never>,
  options: FetchOptions
): Fetch => {
  const idleMillis = options.idleMillis
  const runFork = Runtime.runFork(runtime)
  const exchange = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<Exchange, HttpClientError> =>
    Effect.flatMap(client.execute(request), (response): Effect.Effect<Exchange, HttpClientError> => {
      // Read once: some clients build a fresh record on every access.
      const headers = response.headers
      if (nullBodyStatus(response.status) || !readsWhole(headers["content-type"], request.headers.accept)) {
        return Effect.succeed({ response, headers, buffer: undefined })
      }
      return Effect.map(readWhole(response), (buffer) => ({ response, headers, buffer }))
    })

  return (input, init) => {
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined) ?? undefined
    // A model request that handed the SDK no signal of its own (`callInterrupt.ts`).
    const interrupter = interrupterOf(init)
    if (signal?.aborted) return Promise.reject(abortError())
    let prepared: PreparedRequest
    try {
      prepared = toHttpClientRequest(input, init)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<Response>((resolve, reject) => {
      const fiber = runFork(Effect.isEffect(prepared) ? Effect.flatMap(prepared, exchange) : exchange(prepared))
      const onAbort = () => interruptFiber(fiber)
      signal?.addEventListener("abort", onAbort, { once: true })
      interrupter?.attach(onAbort)
      fiber.addObserver((exit) => {
        signal?.removeEventListener("abort", onAbort)
        interrupter?.detach()
        if (Exit.isFailure(exit)) {
          reject(Cause.isInterruptedOnly(exit.cause) ? abortError() : transportError(exit.cause))
          return
        }
        const { buffer, headers, response } = exit.value
        const status = response.status
        if (status < 200 || status > 599) {
          reject(
            new BridgeTransportError(
              `Invalid response status ${status} (${response.request.method} ${response.request.url})`
            )
          )
          return
        }
        try {
          if (nullBodyStatus(status)) resolve(new Response(null, { status, headers }))
          // A request with an interrupter comes from `callInterruptible`, whose answers only the SDK's
          // own parsing reads: no body stream for them (`bufferedResponse`).
          else if (buffer !== undefined) {
            const readOnlyByTheSdk = interrupter !== undefined
            resolve(bufferedResponse(new Uint8Array(buffer), { status, headers }, !readOnlyByTheSdk))
          } else {
            const chunks = platformChunks(response)
            const body =
              chunks === undefined
                ? readableBody(response.stream, signal, runFork, idleMillis)
                : pulledBody(chunks, signal, idleMillis)
            resolve(new Response(body, { status, headers }))
          }
        } catch (error) {
          reject(new BridgeTransportError(`Invalid response: ${String(error)}`, { cause: error }))
        }
      })
    })
  }
}
