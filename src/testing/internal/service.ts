/**
 * What a running loopback server offers tests (its address, the request log, connection counts,
 * the batches and files it holds), and the options it starts with.
 */
import type Anthropic from "@anthropic-ai/sdk"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { ResultsDownload, StoredBatch } from "./batchOutcomes.js"
import type { StoredFile } from "./filesApi.js"
import type { ReceivedRequest } from "./receivedRequest.js"

/**
 * Server options.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default 0: a free port chosen by the system. The server always binds 127.0.0.1. */
  readonly port?: number | undefined
  /** The only API key accepted (`x-api-key` or `Authorization: Bearer`); without it any non-empty key is. */
  readonly apiKey?: string | undefined
  /** What `GET /v1/models` lists (default: a catalogue of current Claude models). */
  readonly models?: ReadonlyArray<Anthropic.ModelInfo> | undefined
  /**
   * How long an idle keep-alive connection stays open (default 5 seconds, Node's; infinite: until the
   * client closes it). A client that reuses pooled connections under heavy load can send a request on
   * one just as the server closes it; a long timeout keeps load tests and benchmarks clear of that race.
   */
  readonly keepAliveTimeout?: Duration.DurationInput | undefined
}

/**
 * A running server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** The SDK's `baseURL` (the same origin: the SDK appends `/v1/...`). */
  readonly baseURL: string
  readonly port: number
  /** A key the server accepts. */
  readonly apiKey: string
  /** Every request received so far (rejected ones too), in arrival order. */
  readonly requests: Effect.Effect<ReadonlyArray<ReceivedRequest>>
  readonly requestCount: Effect.Effect<number>
  /**
   * TCP connections currently open, idle keep-alive ones included. Node's `fetch` opens a spare idle
   * connection after an aborted request, so assert aborts with `activeRequests` / `abortedRequests`.
   */
  readonly openConnections: Effect.Effect<number>
  /** Requests whose response is neither finished nor closed. */
  readonly activeRequests: Effect.Effect<number>
  /** Responses whose connection the client closed before they were complete. */
  readonly abortedRequests: Effect.Effect<number>
  /** Completes once exactly `count` connections are open. */
  readonly awaitOpenConnections: (count: number) => Effect.Effect<void>
  /** Completes once exactly `count` requests are in progress. */
  readonly awaitActiveRequests: (count: number) => Effect.Effect<void>
  /** The Message Batches the server holds, newest first. */
  readonly batches: Effect.Effect<ReadonlyArray<StoredBatch>>
  /** Every download of a batch's results so far, in order. */
  readonly resultsDownloads: Effect.Effect<ReadonlyArray<ResultsDownload>>
  /** Lets results files held by `BatchesScript.holdResultsAfter` go on (and later ones not stop). */
  readonly releaseResults: Effect.Effect<void>
  /** The files the server holds, newest first. */
  readonly files: Effect.Effect<ReadonlyArray<StoredFile>>
}
