/**
 * Writes a planned answer to a Node `ServerResponse`: status and headers, then the body in as few
 * writes as possible, then either a normal end or a cut connection (the injected faults).
 * Only answers with delays or a streamed body run as an Effect; the rest are written
 * synchronously, so a benchmark's thousands of requests cost no fiber each. A streamed body is
 * pulled only as fast as the client reads it (backpressure), so it is never held whole.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http"
import type * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

/** What to send for one request. */
export type Plan =
  | {
      readonly _tag: "Reset"
      readonly delay: Duration.Duration | undefined
    }
  | {
      readonly _tag: "Write"
      readonly delay: Duration.Duration | undefined
      readonly status: number
      readonly headers: OutgoingHttpHeaders
      /** SSE events (or one body); written in one batch unless `eventDelay` spaces them. */
      readonly chunks: ReadonlyArray<string>
      readonly eventDelay: Duration.Duration | undefined
      /** `close` cuts the connection once the chunks are sent, leaving the response unfinished. */
      readonly ending: "end" | "close"
    }
  | {
      readonly _tag: "Stream"
      readonly delay: Duration.Duration | undefined
      readonly status: number
      readonly headers: OutgoingHttpHeaders
      /** Pulled piece by piece as the socket drains; a failure cuts the connection. */
      readonly body: Stream.Stream<string | Uint8Array, unknown>
    }

/** One request in flight and what the server knows about its connection. */
export interface Exchange {
  readonly request: IncomingMessage
  readonly response: ServerResponse
  /** The client (or the server's shutdown) closed the connection. */
  closed: boolean
  /** The server cut the connection on purpose (a scripted fault), so it is not a client abort. */
  cut: boolean
}

/** Whether the plan has to wait, and so needs a fiber. */
export const isTimed = (plan: Plan): boolean =>
  plan.delay !== undefined || plan._tag === "Stream" || (plan._tag === "Write" && plan.eventDelay !== undefined)

const cutConnection = (exchange: Exchange, immediately: boolean): void => {
  exchange.cut = true
  const socket = exchange.request.socket
  // `destroySoon` lets the bytes already written reach the client before the connection ends.
  if (immediately) socket.destroy()
  else socket.destroySoon()
}

const finish = (exchange: Exchange, plan: Plan & { readonly _tag: "Write" }, rest: string): void => {
  const response = exchange.response
  if (plan.ending === "end") {
    response.end(rest)
    return
  }
  if (rest === "") response.flushHeaders()
  else response.write(rest)
  cutConnection(exchange, false)
}

/** Writes a plan that has no delays, synchronously (a streamed body cannot be: it is cut). */
export const writeNow = (exchange: Exchange, plan: Plan): void => {
  if (exchange.closed) return
  if (plan._tag === "Reset" || plan._tag === "Stream") {
    cutConnection(exchange, true)
    return
  }
  exchange.response.writeHead(plan.status, plan.headers)
  finish(exchange, plan, plan.chunks.length === 1 ? plan.chunks[0]! : plan.chunks.join(""))
}

/** `writeNow`, but headers Node refuses (invalid characters) cut the connection instead of throwing. */
export const writeSafely = (exchange: Exchange, plan: Plan): void => {
  try {
    writeNow(exchange, plan)
  } catch {
    cutConnection(exchange, true)
  }
}

const whenClosed = (exchange: Exchange): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (exchange.closed) return resume(Effect.void)
    const onClose = () => resume(Effect.void)
    exchange.response.once("close", onClose)
    return Effect.sync(() => exchange.response.off("close", onClose))
  })

const drained = (exchange: Exchange): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (exchange.closed) return resume(Effect.void)
    const response = exchange.response
    const onDone = () => {
      response.off("drain", onDone)
      response.off("close", onDone)
      resume(Effect.void)
    }
    response.on("drain", onDone)
    response.on("close", onDone)
    return Effect.sync(() => {
      response.off("drain", onDone)
      response.off("close", onDone)
    })
  })

// About 64 KB per write: few syscalls, yet the socket's buffers fill long before a big body is read.
const pieceSize = 65_536

const joinPieces = (pieces: Array<string | Uint8Array>): string | Uint8Array => {
  if (pieces.length === 1) return pieces[0]!
  if (pieces.every((piece) => typeof piece === "string")) return pieces.join("")
  return Buffer.concat(pieces.map((piece) => (typeof piece === "string" ? Buffer.from(piece) : piece)))
}

// A chunk's pieces are written in ~64 KB writes, waiting for `drain` whenever the socket is full;
// what a chunk holds is flushed at its end, so a stream that pauses has sent everything before the pause.
const writeChunk = (exchange: Exchange, chunk: Chunk.Chunk<string | Uint8Array>): Effect.Effect<void> =>
  Effect.gen(function* () {
    let pending: Array<string | Uint8Array> = []
    let pendingSize = 0
    const flush = function* () {
      if (pendingSize === 0 || exchange.closed) return
      const written = exchange.response.write(joinPieces(pending))
      pending = []
      pendingSize = 0
      if (!written) yield* drained(exchange)
    }
    for (const piece of chunk) {
      pending.push(piece)
      pendingSize += piece.length
      if (pendingSize >= pieceSize) yield* flush()
    }
    yield* flush()
  })

const writeStreamed = (exchange: Exchange, plan: Plan & { readonly _tag: "Stream" }): Effect.Effect<void> =>
  Effect.gen(function* () {
    exchange.response.writeHead(plan.status, plan.headers)
    yield* Stream.runForEachChunk(plan.body, (chunk) => writeChunk(exchange, chunk))
    if (!exchange.closed) exchange.response.end()
    // What was written before the failure still reaches the client; then the connection drops.
  }).pipe(Effect.catchAll(() => Effect.sync(() => cutConnection(exchange, false))))

const writeSpaced = (exchange: Exchange, plan: Plan): Effect.Effect<void> =>
  Effect.gen(function* () {
    if (plan.delay !== undefined) yield* Effect.sleep(plan.delay)
    if (exchange.closed) return
    if (plan._tag === "Stream") return yield* writeStreamed(exchange, plan)
    if (plan._tag === "Reset" || plan.eventDelay === undefined) {
      writeSafely(exchange, plan)
      return
    }
    exchange.response.writeHead(plan.status, plan.headers)
    const last = plan.chunks.length - 1
    for (let index = 0; index < last; index++) {
      if (index > 0) yield* Effect.sleep(plan.eventDelay)
      if (exchange.closed) return
      exchange.response.write(plan.chunks[index]!)
    }
    if (last > 0) yield* Effect.sleep(plan.eventDelay)
    if (exchange.closed) return
    finish(exchange, plan, plan.chunks[last] ?? "")
  })

/** Writes a plan with delays; stops waiting as soon as the connection closes. */
export const writeTimed = (exchange: Exchange, plan: Plan): Effect.Effect<void> =>
  Effect.raceFirst(writeSpaced(exchange, plan), whenClosed(exchange)).pipe(
    Effect.catchAllDefect(() => Effect.sync(() => cutConnection(exchange, true)))
  )

/** `Duration` of an optional input. */
export const optionalDuration = (input: Duration.DurationInput | undefined): Duration.Duration | undefined =>
  input === undefined ? undefined : Duration.decode(input)
