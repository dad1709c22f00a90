/**
 * The machinery behind every `AnthropicClient` Layer (first-party and cloud): the bridged `fetch`,
 * `call`, and `stream` with its chunking pump.
 */
import type Anthropic from "@anthropic-ai/sdk"
import * as HttpClient from "@effect/platform/HttpClient"
import { Chunk, Duration, Effect, Option, Predicate, type Scope, Stream } from "effect"
import { type AnthropicError, APIConnectionTimeoutError } from "../AnthropicError.js"
import type { CommonOptions, Platform, RequestOptions, Service, StreamOptions } from "./clientTypes.js"
import { type Fetch, makeFetch } from "./httpBridge.js"
import { fromSdkError } from "./sdkErrors.js"
import { printAs, type SdkLogger, scrub } from "./secrets.js"

/**
 * Resolves the HttpClient and the Runtime in context once, and builds the SDK's `fetch` over them;
 * a streamed body idle for the client's `timeout` (default 10 minutes, the SDK's) is aborted.
 * The runtime runs with Effect's tracer off: the HttpClient would otherwise open a root span per
 * request (no caller span reaches it through the SDK) and add trace headers to every API call;
 * the SDK has its own OpenTelemetry support for request spans.
 * @since 0.1.0
 * @category utils
 */
export const bridgedFetch = (
  options: Pick<CommonOptions, "timeout"> = {}
): Effect.Effect<Fetch, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const runtime = yield* Effect.withTracerEnabled(Effect.runtime<never>(), false)
    return makeFetch(client, runtime, {
      idleMillis: options.timeout === undefined ? defaultTimeoutMillis : timeoutMillis(options.timeout)
    })
  })

/** The SDK's default `timeout`: 10 minutes. */
const defaultTimeoutMillis = 10 * 60 * 1000

/**
 * The SDK's `timeout` (positive whole milliseconds, at most what one timer can hold).
 * @since 0.1.0
 * @category utils
 */
export const timeoutMillis = (timeout: Duration.DurationInput): number =>
  Math.min(2 ** 31 - 1, Math.max(1, Math.round(Duration.toMillis(Duration.decode(timeout)))))

/**
 * The SDK client options the common options stand for, with the SDK's log lines going to `logger`.
 * @since 0.1.0
 * @category utils
 */
export const commonClientOptions = (options: CommonOptions, logger: SdkLogger) => ({
  logger,
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
 * of the garbage collector (a thousand small events are a few hundred kilobytes), large enough
 * that the Stream runs rarely: a long answer read from a fast server is a handful of chunks.
 */
const readAhead = 1024

type Resume<A> = (effect: Effect.Effect<Chunk.Chunk<A>, Option.Option<AnthropicError>>) => void

/**
 * Reads an SDK event iterator one `next()` after the other and hands the events over in chunks:
 * everything that arrived during one macrotask (typically one network read) becomes one chunk, so
 * the Stream machinery runs once per chunk, not once per event. It reads ahead of its consumer up
 * to `readAhead` events, then waits for a chunk to be taken.
 *
 * The reading is an `async` loop with an `await` per event rather than a `then` callback per
 * event, which would allocate a derived promise each time.
 */
class Pump<A> {
  private buffer: Array<A> = []
  private finished = false
  private closed = false
  private failure: AnthropicError | undefined = undefined
  private waiter: Resume<A> | undefined = undefined
  private flushScheduled = false
  /** Whether an `iterator.next()` is under way. */
  private reading = false
  /** Whether reading stopped at a full buffer, to go on when a chunk is taken. */
  private paused = false
  /** Events read so far: the idle watch only compares it between its ticks, so an event costs an increment. */
  private events = 0
  /** `events` at the watch's last tick, and when the count last moved (or the pump last waited on its consumer). */
  private eventsAtTick = 0
  private quietSince = 0
  private watch: ReturnType<typeof setTimeout> | undefined = undefined

  /**
   * The iterator's `next`, read once: each SDK stream's iterator is an object of a hidden class of
   * its own (its async generator function is made anew for each stream), so the per-event code
   * does not look a method up on an object whose class is new every time.
   */
  private readonly nextEvent: () => Promise<IteratorResult<A>>

  constructor(
    private readonly iterator: AsyncIterator<A>,
    private readonly toError: (error: unknown) => AnthropicError,
    /** How long the server may send nothing while the pump waits for it. */
    private readonly idleMillis: number,
    /** Aborts the request, once the server has been idle too long. */
    private readonly abort: () => void
  ) {
    this.nextEvent = iterator.next
  }

  /** Starts reading, and watching for a server that stalls. */
  start(): this {
    this.read()
    this.quietSince = Date.now()
    this.watch = setTimeout(this.tick, this.tickMillis())
    return this
  }

  /**
   * A tick a few times per idle period: the server counts as idle while the pump waits for an
   * event (not while its consumer is slow) and the count has not moved. A byte trickle that never
   * completes an event is idle too: only whole events are progress.
   */
  private readonly tick = (): void => {
    this.watch = undefined
    if (this.closed || this.done) return
    const now = Date.now()
    if (this.events !== this.eventsAtTick || !this.reading) {
      this.eventsAtTick = this.events
      this.quietSince = now
    } else if (now - this.quietSince >= this.idleMillis) {
      this.failure = new APIConnectionTimeoutError({
        message: `Request timed out: the server sent nothing for ${this.idleMillis} ms`,
        headers: {}
      })
      this.abort()
      this.flush()
      return
    }
    this.watch = setTimeout(this.tick, this.tickMillis())
  }

  private tickMillis(): number {
    return Math.max(5, Math.min(this.idleMillis - (Date.now() - this.quietSince), Math.ceil(this.idleMillis / 4)))
  }

  /** Waits for the next chunk (or the end, or the failure). */
  private readonly wait: Effect.Effect<Chunk.Chunk<A>, Option.Option<AnthropicError>> = Effect.async((resume) => {
    if (this.buffer.length > 0) return resume(Effect.succeed(this.take()))
    if (this.failure !== undefined) return resume(Effect.fail(Option.some(this.failure)))
    if (this.finished) return resume(Effect.fail(Option.none()))
    this.waiter = resume
    return Effect.sync(() => {
      this.waiter = undefined
    })
  })

  /** The next chunk; fails with `None` at the end. Events already read are taken without suspending. */
  readonly pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<AnthropicError>> = Effect.suspend(() =>
    this.buffer.length > 0 ? Effect.succeed(this.take()) : this.wait
  )

  /** Whether the iterator has ended (or failed): nothing is left to abort. */
  get done(): boolean {
    return this.finished || this.failure !== undefined
  }

  /** Stops reading; the caller aborts the request. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.waiter = undefined
    if (this.watch !== undefined) clearTimeout(this.watch)
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

  /** Asks the iterator for the next event, unless one is on its way, the buffer is full, or reading is over. */
  private read(): void {
    if (this.reading || this.closed || this.done) return
    this.reading = true
    this.loop().then(undefined, this.onFailure)
  }

  /** Reads events until the buffer is full, the iterator ends, or the pump is closed. */
  private async loop(): Promise<void> {
    while (true) {
      if (this.buffer.length >= readAhead) {
        // A full buffer goes to a waiting consumer now, without waiting for the macrotask.
        this.flush()
        if (this.buffer.length >= readAhead) {
          this.paused = true
          this.reading = false
          return
        }
      }
      const result = await this.nextEvent.call(this.iterator)
      if (this.closed || this.failure !== undefined) {
        this.reading = false
        return
      }
      if (result.done === true) {
        this.reading = false
        this.finished = true
        if (this.watch !== undefined) clearTimeout(this.watch)
        this.flush()
        return
      }
      this.events++
      this.buffer.push(result.value)
      if (this.waiter !== undefined && !this.flushScheduled) {
        this.flushScheduled = true
        nextMacrotask(this.scheduledFlush)
      }
    }
  }

  private readonly onFailure = (error: unknown): void => {
    this.reading = false
    // After an idle timeout the read fails with the abort: the timeout is the stream's failure.
    if (this.closed || this.failure !== undefined) return
    if (this.watch !== undefined) clearTimeout(this.watch)
    this.failure = this.toError(error)
    this.flush()
  }

  private take(): Chunk.Chunk<A> {
    const chunk = Chunk.unsafeFromArray(this.buffer)
    this.buffer = []
    if (this.paused) {
      this.paused = false
      this.read()
    }
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

/**
 * A Stream's pull: the next chunk; `None` at the end.
 * @since 0.1.0
 * @category models
 */
export type Pull<A> = Effect.Effect<Chunk.Chunk<A>, Option.Option<AnthropicError>>

/** Aborts the SDK `Stream`'s own controller, when the iterable is one. */
const abortIterable = (iterable: unknown): void => {
  if (Predicate.hasProperty(iterable, "controller") && iterable.controller instanceof AbortController) {
    iterable.controller.abort()
  }
}

/**
 * The service over an SDK client; `secrets` are blanked out of any error should a server echo them.
 * @since 0.1.0
 * @category utils
 */
export const makeService = (sdk: Anthropic, platform: Platform, secrets: ReadonlyArray<string>): Service => {
  const toError = (error: unknown): AnthropicError => fromSdkError(error, { secrets })

  const call: Service["call"] = (f) =>
    Effect.tryPromise({
      try: (signal) => f(sdk, { signal }),
      catch: toError
    })

  const openPull: Service["openPull"] = <A>(
    f: (sdk: Anthropic, options: RequestOptions) => Promise<AsyncIterable<A>>,
    streamOptions?: StreamOptions
  ): Effect.Effect<Pull<A>, AnthropicError, Scope.Scope> =>
    // Plain `flatMap`s rather than `Effect.gen`: this runs once per streamed request.
    Effect.suspend(() => {
      const controller = new AbortController()
      const abort = () => controller.abort()
      const idleMillis =
        streamOptions?.idleTimeout === undefined ? sdk.timeout : timeoutMillis(streamOptions.idleTimeout)
      let pump: Pump<A> | undefined
      return Effect.zipRight(
        // A stream that was read to its end (or failed) has no request left to abort: aborting it
        // anyway would only cost an exception object per request.
        Effect.addFinalizer(() => (pump?.done === true ? Effect.void : Effect.sync(abort))),
        Effect.flatMap(
          Effect.tryPromise({ try: () => f(sdk, { signal: controller.signal }), catch: toError }),
          (iterable) => {
            let iterator: AsyncIterator<A>
            try {
              iterator = iterable[Symbol.asyncIterator]()
            } catch (error) {
              abortIterable(iterable)
              return Effect.fail(toError(error))
            }
            const opened = new Pump<A>(iterator, toError, idleMillis, () => {
              abortIterable(iterable)
              abort()
            }).start()
            pump = opened
            return Effect.as(
              Effect.addFinalizer(() =>
                Effect.sync(() => {
                  if (!opened.done) abortIterable(iterable)
                  opened.close()
                })
              ),
              opened.pull
            )
          }
        )
      )
    })

  const stream: Service["stream"] = (f, streamOptions) =>
    Stream.unwrapScoped(Effect.map(openPull(f, streamOptions), Stream.repeatEffectChunkOption))

  const service: Service = { sdk, platform, call, stream, openPull, scrub: (text) => scrub(text, secrets) }
  // Both hold the SDK client, whose fields include the key in clear.
  printAs(sdk, () => ({ _id: "Anthropic", platform, baseURL: sdk.baseURL }))
  printAs(service, () => ({ _id: "AnthropicClient", platform, baseURL: sdk.baseURL }))
  return service
}
