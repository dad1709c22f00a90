/**
 * The client's service and option types, apart from the Layers that build it: the machinery
 * (`clientService`, the cloud clients) needs them without importing the module that imports it.
 * `AnthropicClient` re-exports them.
 */
import type Anthropic from "@anthropic-ai/sdk"
import type * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { AnthropicError } from "../AnthropicError.js"

/**
 * The platform serving the requests: some features (batches, token counting, models) are missing on clouds.
 *
 * @since 0.1.0
 * @category models
 */
export type Platform = "anthropic" | "bedrock" | "vertex" | "foundry"

/**
 * What `call` and `stream` hand the SDK call: pass it as the SDK's request options.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  /** Aborted when the Effect (or Stream) is interrupted. */
  readonly signal: AbortSignal
}

/**
 * The client service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The SDK client (maxRetries: 0, fetch bridged to the Effect HttpClient in context). */
  readonly sdk: Anthropic
  /** Which platform it talks to. */
  readonly platform: Platform
  /**
   * Runs one SDK call as an Effect. The AbortSignal handed to `f` is aborted when the Effect is
   * interrupted; any error the SDK throws becomes the mirrored typed AnthropicError.
   */
  readonly call: <A>(f: (sdk: Anthropic, options: RequestOptions) => Promise<A>) => Effect.Effect<A, AnthropicError>
  /**
   * Runs one streaming SDK call (e.g. `sdk.messages.create({ ..., stream: true }, options)`) as a
   * Stream of the SDK's raw events. Events that arrived together are emitted as one chunk.
   * Interrupting the stream aborts the HTTP request; errors (incl. SSE `error` events) become
   * AnthropicError.
   */
  readonly stream: <A>(
    f: (sdk: Anthropic, options: RequestOptions) => Promise<AsyncIterable<A>>,
    options?: StreamOptions | undefined
  ) => Stream.Stream<A, AnthropicError>
  /**
   * `stream` as the pull a reader drives itself: the next chunk of events, `None` at the end.
   * Closing the scope aborts the request.
   */
  readonly openPull: <A>(
    f: (sdk: Anthropic, options: RequestOptions) => Promise<AsyncIterable<A>>,
    options?: StreamOptions | undefined
  ) => Effect.Effect<Effect.Effect<Chunk.Chunk<A>, Option.Option<AnthropicError>>, AnthropicError, Scope.Scope>
  /**
   * `text` without the client's credentials, for messages that quote what a server sent (it may
   * echo them). Absent on a hand-built service: such text is then used as it is.
   */
  readonly scrub?: ((text: string) => string) | undefined
}

/**
 * Options of a streamed call.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions {
  /**
   * How long the server may send no event while the stream waits for one (default: the client's
   * `timeout`, 10 minutes unless set). When it passes, the request is aborted and the stream
   * fails with `APIConnectionTimeoutError`.
   */
  readonly idleTimeout?: Duration.DurationInput | undefined
}

/**
 * Options every constructor shares.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommonOptions {
  /** Default `https://api.anthropic.com` (the `ANTHROPIC_BASE_URL` variable is not read by `layer`). */
  readonly baseURL?: string | undefined
  /**
   * How long a request may wait for its response headers (default 10 minutes, the SDK's), and how
   * long a response body may then stay idle: a body that sends no byte (a stream: no event) for
   * this long is aborted and fails with `APIConnectionTimeoutError`.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** Headers sent with every request. */
  readonly defaultHeaders?: Readonly<Record<string, string>> | undefined
  /** Query parameters sent with every request. */
  readonly defaultQuery?: Readonly<Record<string, string>> | undefined
  /**
   * Whether the SDK also records its own OpenTelemetry span per call (default false). The model's
   * `chat` span (Effect's tracer, GenAI conventions) already describes each request; the SDK's
   * second span of the same call costs CPU on every request even with no tracer registered. Its
   * trace-context headers are sent either way. With `true` the SDK configures its telemetry as it
   * does by default, from its `ANTHROPIC_OPEN_TELEMETRY*` environment variables.
   */
  readonly sdkSpans?: boolean | undefined
}
