/**
 * The machinery behind every `AnthropicClient` Layer (first-party and cloud): the bridged `fetch`,
 * `call`, and `stream` with its chunking pump.
 */
import type Anthropic from "@anthropic-ai/sdk"
import { HttpClient } from "@effect/platform"
import { Chunk, Duration, Effect, Option, Predicate, Stream } from "effect"
import type { CommonOptions, Platform, Service } from "../AnthropicClient.js"
import { type AnthropicError, fromSdkError } from "../AnthropicError.js"
import { type Fetch, makeFetch } from "./httpBridge.js"

/**
 * Resolves the HttpClient and the Runtime in context once, and builds the SDK's `fetch` over them.
 * The runtime runs with Effect's tracer off: the HttpClient would otherwise open a root span per
 * request (no caller span reaches it through the SDK) and add trace headers to every API call;
 * the SDK has its own OpenTelemetry support for request spans.
 */
export const bridgedFetch: Effect.Effect<Fetch, never, HttpClient.HttpClient> = Effect.gen(function* () {
  const client = yield* HttpClient.HttpClient
  const runtime = yield* Effect.withTracerEnabled(Effect.runtime<never>(), false)
  return makeFetch(client, runtime)
})

/** The SDK's `timeout` (positive whole milliseconds, at most what one timer can hold). */
export const timeoutMillis = (timeout: Duration.DurationInput): number =>
  Math.min(2 ** 31 - 1, Math.max(1, Math.round(Duration.toMillis(Duration.decode(timeout)))))

/** The SDK client options the common options stand for. */
export const commonClientOptions = (options: CommonOptions) => ({
  ...(options.timeout === undefined ? {} : { timeout: timeoutMillis(options.timeout) }),
  ...(options.defaultHeaders === undefined ? {} : { defaultHeaders: { ...options.defaultHeaders } }),
  ...(options.defaultQuery === undefined ? {} : { defaultQuery: { ...options.defaultQuery } })
})

/** `setImmediate` where there is one: it runs after the I/O callbacks of the current loop turn. */
const nextMacrotask: (callback: () => void) => void =
  typeof globalThis.setImmediate === "function"
    ? (callback) => globalThis.setImmediate(callback)
    : (callback) => globalThis.setTimeout(callback, 0)

/**
 * How many events the pump reads ahead of its consumer before it waits (and the largest chunk when
 * the events were already buffered). Small enough that events do not outlive the young generation
 * of the garbage collector, large enough that the Stream runs rarely.
 */
const readAhead = 256

type Resume<A> = (effect: Effect.Effect<Chunk.Chunk<A>, Option.Option<AnthropicError>>) => void

/**
 * Reads an SDK event iterator in a plain `await` loop and hands the events over in chunks:
 * everything that arrived during one macrotask (typically one network read) becomes one chunk, so
 * the Stream machinery runs once per chunk, not once per event. It reads ahead of its consumer up
 * to `readAhead` events, then waits for a chunk to be taken.
 */
class Pump<A> {
  private buffer: Array<A> = []
  private finished = false
  private closed = false
  private failure: AnthropicError | undefined = undefined
  private waiter: Resume<A> | undefined = undefined
  private flushScheduled = false
  private paused: (() => void) | undefined = undefined

  constructor(
    private readonly iterator: AsyncIterator<A>,
    private readonly toError: (error: unknown) => AnthropicError
  ) {
    void this.loop()
  }

  /** The next chunk; fails with `None` at the end. */
  readonly pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<AnthropicError>> = Effect.async((resume) => {
    if (this.buffer.length > 0) return resume(Effect.succeed(this.take()))
    if (this.failure !== undefined) return resume(Effect.fail(Option.some(this.failure)))
    if (this.finished) return resume(Effect.fail(Option.none()))
    this.waiter = resume
    return Effect.sync(() => {
      this.waiter = undefined
    })
  })

  /** Whether the iterator has ended (or failed): nothing is left to abort. */
  get done(): boolean {
    return this.finished || this.failure !== undefined
  }

  /** Stops reading; the caller aborts the request. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.waiter = undefined
    this.resumeReading()
    if (this.done) return
    const finish = this.iterator.return
    if (finish === undefined) return
    try {
      // Runs the SDK stream's own cleanup (it aborts its request); settles after a pending read.
      finish.call(this.iterator).then(undefined, () => {})
    } catch {
      // A broken iterator cannot stop the stream from closing.
    }
  }

  // Never rejects: every failure is kept for the consumer.
  private async loop(): Promise<void> {
    try {
      while (!this.closed) {
        if (this.buffer.length >= readAhead) {
          // A full buffer goes to a waiting consumer now, without waiting for the macrotask.
          this.flush()
          if (this.buffer.length >= readAhead) {
            await new Promise<void>((resume) => {
              this.paused = resume
            })
          }
          continue
        }
        const result = await this.iterator.next()
        if (this.closed) return
        if (result.done === true) break
        this.buffer.push(result.value)
        if (this.waiter !== undefined && !this.flushScheduled) {
          this.flushScheduled = true
          nextMacrotask(this.scheduledFlush)
        }
      }
      this.finished = true
    } catch (error) {
      if (this.closed) return
      this.failure = this.toError(error)
    }
    this.flush()
  }

  private resumeReading(): void {
    const paused = this.paused
    this.paused = undefined
    paused?.()
  }

  private take(): Chunk.Chunk<A> {
    const chunk = Chunk.unsafeFromArray(this.buffer)
    this.buffer = []
    this.resumeReading()
    return chunk
  }

  private readonly scheduledFlush = (): void => {
    this.flushScheduled = false
    this.flush()
  }

  private flush(): void {
    const waiter = this.waiter
    if (waiter === undefined) return
    if (this.buffer.length > 0) {
      this.waiter = undefined
      waiter(Effect.succeed(this.take()))
    } else if (this.failure !== undefined) {
      this.waiter = undefined
      waiter(Effect.fail(Option.some(this.failure)))
    } else if (this.finished) {
      this.waiter = undefined
      waiter(Effect.fail(Option.none()))
    }
  }
}

/** Aborts the SDK `Stream`'s own controller, when the iterable is one. */
const abortIterable = (iterable: unknown): void => {
  if (Predicate.hasProperty(iterable, "controller") && iterable.controller instanceof AbortController) {
    iterable.controller.abort()
  }
}

/** The service over an SDK client; `secrets` are blanked out of any error should a server echo them. */
export const makeService = (sdk: Anthropic, platform: Platform, secrets: ReadonlyArray<string>): Service => {
  const toError = (error: unknown): AnthropicError => fromSdkError(error, { secrets })

  const call: Service["call"] = (f) =>
    Effect.tryPromise({
      try: (signal) => f(sdk, { signal }),
      catch: toError
    })

  const stream: Service["stream"] = <A>(
    f: (sdk: Anthropic, options: { readonly signal: AbortSignal }) => Promise<AsyncIterable<A>>
  ) =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        const controller = new AbortController()
        yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
        const iterable = yield* Effect.tryPromise({
          try: () => f(sdk, { signal: controller.signal }),
          catch: toError
        })
        const iterator = yield* Effect.try({ try: () => iterable[Symbol.asyncIterator](), catch: toError }).pipe(
          Effect.tapError(() => Effect.sync(() => abortIterable(iterable)))
        )
        const pump = new Pump<A>(iterator, toError)
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            if (!pump.done) abortIterable(iterable)
            pump.close()
          })
        )
        return Stream.repeatEffectChunkOption(pump.pull)
      })
    )

  return { sdk, platform, call, stream }
}
