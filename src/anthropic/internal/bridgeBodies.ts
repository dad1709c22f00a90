/**
 * The `ReadableStream`s the bridge hands the SDK for bodies it does not read whole (SSE, batch
 * results, file downloads). Both apply backpressure (nothing is read while the stream's queue is
 * full), end the HTTP request when the SDK's signal aborts or the SDK cancels the stream, and fail
 * with `BridgeIdleTimeout` when the server sends nothing for too long while the SDK waits.
 *
 * - `readableBody` feeds any `HttpClient`'s body stream through a fiber, one network chunk at a time.
 * - `pulledBody` (fast path, listed in `src/PERFORMANCE.md`) reads the transport's own body under a
 *   platform client's response (`platformBody.ts`), one read per pull of the SDK: no fiber, no
 *   Effect per chunk. Starting the platform's body `Stream` costs more than a small streamed answer.
 */
import type { HttpClientError } from "@effect/platform/HttpClientError"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Stream from "effect/Stream"
import { abortError, BridgeIdleTimeout, BridgeTransportError, transportError } from "./bridgeErrors.js"
import type { ChunkReader } from "./platformBody.js"

/**
 * Interrupts `fiber` without waiting for it.
 * @since 0.1.0
 * @category utils
 */
export const interruptFiber = (fiber: Fiber.RuntimeFiber<unknown, unknown>): void =>
  fiber.unsafeInterruptAsFork(FiberId.none)

/** Watches a body for silence; a chunk costs an increment, not a timer. */
interface IdleWatch {
  readonly chunk: () => void
  readonly stop: () => void
}

/**
 * Calls `onIdle` once no chunk arrived for `idleMillis` while `waitingOnServer()` held. Time spent
 * waiting on a slow reader (the queue full) is not the server's idleness.
 */
const watchIdle = (idleMillis: number, waitingOnServer: () => boolean, onIdle: () => void): IdleWatch => {
  const period = Math.max(5, Math.ceil(idleMillis / 4))
  let chunks = 0
  let chunksAtTick = 0
  let quietSince = Date.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  const tick = () => {
    timer = undefined
    const now = Date.now()
    if (chunks !== chunksAtTick || !waitingOnServer()) {
      chunksAtTick = chunks
      quietSince = now
    } else if (now - quietSince >= idleMillis) {
      onIdle()
      return
    }
    timer = setTimeout(tick, period)
  }
  timer = setTimeout(tick, period)
  return {
    chunk: () => {
      chunks++
    },
    stop: () => {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    }
  }
}

/**
 * Feeds an Effect body stream into a `ReadableStream`, one network chunk at a time, with
 * backpressure: the fiber waits while the stream's queue is full. Aborting `signal` (or
 * cancelling the stream) interrupts the fiber, which aborts the HTTP request.
 * @since 0.1.0
 * @category constructors
 */
export const readableBody = (
  body: Stream.Stream<Uint8Array, HttpClientError>,
  signal: AbortSignal | undefined,
  runFork: <A, E>(effect: Effect.Effect<A, E>) => Fiber.RuntimeFiber<A, E>,
  idleMillis: number
): ReadableStream<Uint8Array> => {
  let fiber: Fiber.RuntimeFiber<void, HttpClientError> | undefined
  let resumeReading: (() => void) | undefined
  let aborted = false
  let idle = false
  let watch: IdleWatch | undefined
  const onAbort = () => {
    aborted = true
    if (fiber !== undefined) interruptFiber(fiber)
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const pump = Stream.runForEachChunk(body, (chunk) =>
        Effect.async<void>((resume) => {
          watch?.chunk()
          for (const bytes of chunk) controller.enqueue(bytes)
          if ((controller.desiredSize ?? 0) > 0) return resume(Effect.void)
          resumeReading = () => resume(Effect.void)
        })
      )
      const running = runFork(pump)
      fiber = running
      running.addObserver((exit) => {
        signal?.removeEventListener("abort", onAbort)
        watch?.stop()
        resumeReading = undefined
        try {
          if (Exit.isSuccess(exit)) controller.close()
          else if (idle && !aborted) controller.error(new BridgeIdleTimeout(idleMillis))
          else if (aborted || Cause.isInterruptedOnly(exit.cause)) controller.error(abortError())
          else controller.error(transportError(exit.cause))
        } catch {
          // The stream was cancelled by its reader: nobody is left to tell.
        }
      })
      if (signal?.aborted) onAbort()
      else {
        signal?.addEventListener("abort", onAbort, { once: true })
        watch = watchIdle(
          idleMillis,
          () => resumeReading === undefined,
          () => {
            idle = true
            interruptFiber(running)
          }
        )
      }
    },
    pull() {
      const resume = resumeReading
      resumeReading = undefined
      resume?.()
    },
    cancel() {
      if (fiber !== undefined) interruptFiber(fiber)
    }
  })
}

/**
 * A `ReadableStream` over the transport's own body (`reader`): each pull of the SDK is one read.
 * Aborting `signal`, cancelling the stream or going idle aborts the HTTP request.
 * @since 0.1.0
 * @category constructors
 */
export const pulledBody = (
  reader: ChunkReader,
  signal: AbortSignal | undefined,
  idleMillis: number
): ReadableStream<Uint8Array> => {
  let ended = false
  let reading = false
  let watch: IdleWatch | undefined
  let fail: (error: Error) => void = () => {}
  /** Stops watching; `abort` ends the HTTP request too (not needed once the body has ended). */
  const end = (abort: boolean) => {
    ended = true
    signal?.removeEventListener("abort", onAbort)
    watch?.stop()
    if (abort) reader.abort()
  }
  const onAbort = () => fail(abortError())
  return new ReadableStream<Uint8Array>({
    start(controller) {
      fail = (error) => {
        if (ended) return
        end(true)
        controller.error(error)
      }
      if (signal?.aborted) return onAbort()
      signal?.addEventListener("abort", onAbort, { once: true })
      watch = watchIdle(
        idleMillis,
        () => reading,
        () => fail(new BridgeIdleTimeout(idleMillis))
      )
    },
    async pull(controller) {
      if (ended) return
      reading = true
      let chunk: Uint8Array | undefined
      try {
        chunk = await reader.read()
      } catch (cause) {
        // After an abort, a timeout or a cancel the read fails too: the stream has its error already.
        const message = cause instanceof Error ? cause.message : String(cause)
        return fail(new BridgeTransportError(message, { cause }))
      } finally {
        reading = false
      }
      if (ended) return
      watch?.chunk()
      if (chunk !== undefined) return controller.enqueue(chunk)
      end(false)
      controller.close()
    },
    cancel() {
      if (!ended) end(true)
    }
  })
}
