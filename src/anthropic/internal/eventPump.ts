/**
 * The pump behind every streamed call of an `AnthropicClient`: it reads the SDK's events (or
 * decodes an SSE body itself) ahead of the Stream that consumes them, hands them over in chunks,
 * and watches for a server that stalls.
 */
import type Anthropic from "@anthropic-ai/sdk"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import { type AnthropicError, APIConnectionTimeoutError } from "../AnthropicError.js"
import { SseDecoder } from "./sseEvents.js"

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

/** Decodes a body a network chunk at a time: `SseDecoder`, `JsonlDecoder`. */
export interface BodyDecoder<A> {
  /** Appends the values `bytes` completes to `out`; throws on malformed input. */
  readonly feed: (bytes: Uint8Array, out: Array<A>) => void
  /** Appends the values the rest of the body completes to `out`, once it has ended. */
  readonly end: (out: Array<A>) => void
}

/**
 * An iterable the pump may read faster: a response whose body it decodes with `decoder` itself,
 * instead of iterating the values one promise at a time (a batch's JSONL results).
 */
export class DecodableBody<A> implements AsyncIterable<A> {
  constructor(
    readonly response: Response,
    readonly decoder: BodyDecoder<A>
  ) {}

  /** The values, for a reader other than the pump. */
  async *[Symbol.asyncIterator](): AsyncIterator<A> {
    const body = this.response.body
    if (body === null) return
    const reader = body.getReader()
    const values: Array<A> = []
    try {
      while (true) {
        const result = await reader.read()
        if (result.done) break
        this.decoder.feed(result.value, values)
        yield* values.splice(0)
      }
      this.decoder.end(values)
      yield* values
    } finally {
      reader.releaseLock()
    }
  }
}

type Resume<A> = (effect: Effect.Effect<Chunk.Chunk<A>, Option.Option<AnthropicError>>) => void

/**
 * What the pump reads: an SDK event iterator, or a response body whose events it decodes itself
 * (the fast path of `sseEvents.ts`: a network chunk per read instead of a promise per event).
 */
export type Source<A> =
  | {
      readonly _tag: "Iterator"
      readonly iterator: AsyncIterator<A>
      /**
       * The iterator's `next`, read once: each SDK stream's iterator is an object of a hidden class
       * of its own (its async generator function is made anew for each stream), so the per-event
       * code does not look a method up on an object whose class is new every time.
       */
      readonly next: () => Promise<IteratorResult<A>>
    }
  | {
      readonly _tag: "Body"
      readonly reader: ReadableStreamDefaultReader<Uint8Array>
      readonly decoder: BodyDecoder<A>
    }

/** An SDK event iterator as a pump's source. */
export const iteratorSource = <A>(iterator: AsyncIterator<A>): Source<A> => ({
  _tag: "Iterator",
  iterator,
  next: iterator.next
})

/** Whether a read failed because the request was aborted; the SDK's event iterator then just ends. */
const isAbort = (error: unknown): boolean => error instanceof Error && error.name === "AbortError"

/**
 * Reads an SDK event iterator one `next()` after the other (or an SSE body one network chunk
 * after the other) and hands the events over in chunks:
 * everything that arrived during one macrotask (typically one network read) becomes one chunk, so
 * the Stream machinery runs once per chunk, not once per event. It reads ahead of its consumer up
 * to `readAhead` events, then waits for a chunk to be taken.
 *
 * The reading is an `async` loop with an `await` per event rather than a `then` callback per
 * event, which would allocate a derived promise each time.
 */
export class Pump<A> {
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

  constructor(
    private readonly source: Source<A>,
    private readonly toError: (error: unknown) => AnthropicError,
    /** How long the server may send nothing while the pump waits for it. */
    private readonly idleMillis: number,
    /** Aborts the request, once the server has been idle too long. */
    private readonly abort: () => void
  ) {}

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
    const source = this.source
    if (source._tag === "Body") {
      // Cancelling the body aborts the request; a pending read settles with the end.
      source.reader.cancel().then(undefined, () => {})
      return
    }
    const finish = source.iterator.return
    if (finish === undefined) return
    try {
      // Runs the SDK stream's own cleanup (it aborts its request); settles after a pending read.
      finish.call(source.iterator).then(undefined, () => {})
    } catch {
      // A broken iterator cannot stop the stream from closing.
    }
  }

  /** Asks the iterator for the next event, unless one is on its way, the buffer is full, or reading is over. */
  private read(): void {
    if (this.reading || this.closed || this.done) return
    this.reading = true
    const source = this.source
    if (source._tag === "Iterator") this.loop(source).then(undefined, this.onFailure)
    else this.loopBody(source).then(undefined, this.onFailure)
  }

  /**
   * Whether reading pauses: the buffer is full even after a full buffer went to a waiting
   * consumer (now, without waiting for the macrotask). Reading goes on when a chunk is taken.
   */
  private pausedWhenFull(): boolean {
    if (this.buffer.length < readAhead) return false
    this.flush()
    if (this.buffer.length < readAhead) return false
    this.paused = true
    this.reading = false
    return true
  }

  /** Reads events until the buffer is full, the iterator ends, or the pump is closed. */
  private async loop(source: Source<A> & { readonly _tag: "Iterator" }): Promise<void> {
    while (true) {
      if (this.pausedWhenFull()) return
      const result = await source.next.call(source.iterator)
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

  /** `loop` over a body the pump decodes itself: every network chunk adds the events it completes. */
  private async loopBody(body: Source<A> & { readonly _tag: "Body" }): Promise<void> {
    while (true) {
      if (this.pausedWhenFull()) return
      let result: ReadableStreamReadResult<Uint8Array>
      try {
        result = await body.reader.read()
      } catch (error) {
        if (!isAbort(error)) throw error
        result = { done: true, value: undefined }
      }
      if (this.closed || this.failure !== undefined) {
        this.reading = false
        return
      }
      const before = this.buffer.length
      if (result.done === true) {
        body.decoder.end(this.buffer)
        this.events += this.buffer.length - before
        this.reading = false
        this.finished = true
        if (this.watch !== undefined) clearTimeout(this.watch)
        this.flush()
        return
      }
      body.decoder.feed(result.value, this.buffer)
      this.events += this.buffer.length - before
      if (this.buffer.length > before && this.waiter !== undefined && !this.flushScheduled) {
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

/** An SDK call's promise that can also hand over its raw `Response` (the SDK's `APIPromise`). */
interface WithResponse<T> {
  readonly withResponse: () => Promise<{ readonly data: T; readonly response: Response }>
}

const hasWithResponse = <T>(promise: Promise<T>): promise is Promise<T> & WithResponse<T> =>
  "withResponse" in promise && typeof promise.withResponse === "function"

/**
 * The events of a streaming SDK call. An SSE response (a Messages stream) is decoded by the pump
 * itself from the body; the SDK's `Stream` is kept, unread, for its abort controller. So is a
 * `DecodableBody` (a batch's JSONL results). Anything else (downloads, a hand-made iterable) is
 * read through its own iterator.
 */
export const opened = async <A>(
  sdk: Anthropic,
  call: Promise<AsyncIterable<A>>
): Promise<{ readonly iterable: AsyncIterable<A>; readonly body: Source<A> | undefined }> => {
  if (!hasWithResponse(call)) {
    const iterable = await call
    const body = iterable instanceof DecodableBody ? iterable.response.body : null
    if (body === null || !(iterable instanceof DecodableBody)) return { iterable, body: undefined }
    return { iterable, body: { _tag: "Body", reader: body.getReader(), decoder: iterable.decoder } }
  }
  const { data, response } = await call.withResponse()
  const contentType = response.headers.get("content-type") ?? ""
  if (!contentType.includes("text/event-stream") || response.body === null || !isSdkStream(data)) {
    return { iterable: data, body: undefined }
  }
  return {
    iterable: data,
    body: {
      _tag: "Body",
      reader: response.body.getReader(),
      decoder: new SseDecoder<A>(response.headers, logMalformed(sdk))
    }
  }
}

/** Logs an event that is not JSON through the SDK's logger, as the SDK's own stream does. */
const logMalformed =
  (sdk: Anthropic) =>
  (event: string, data: string): void => {
    if (sdk.logLevel === "off") return
    sdk.logger.error("Could not parse message into JSON:", data)
    sdk.logger.error("From chunk:", [`event: ${event}`, `data: ${data}`])
  }

/** Whether an iterable is the SDK's `Stream` (which reads its response only when iterated). */
const isSdkStream = (iterable: unknown): boolean =>
  Predicate.hasProperty(iterable, "controller") &&
  iterable.controller instanceof AbortController &&
  Predicate.hasProperty(iterable, "iterator") &&
  typeof iterable.iterator === "function"
