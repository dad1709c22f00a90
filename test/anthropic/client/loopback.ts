/**
 * A tiny HTTP server on 127.0.0.1 for the client tests: each test scripts its answers with a
 * handler, and sees what arrived and when a connection closed.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http"
import { Deferred, Effect, FiberId, type Scope } from "effect"

/** One request as the server saw it. */
export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

/** The handler answers; it may leave the response open. */
export type Handler = (request: Received, response: ServerResponse, raw: IncomingMessage) => void

export interface Loopback {
  readonly baseURL: string
  readonly received: ReadonlyArray<Received>
  /** Resolves when the server has received the `n`-th request (from 1) in full. */
  readonly arrived: (n: number) => Effect.Effect<Received>
  /** Resolves when the connection of the `n`-th request (from 1) has closed. */
  readonly closed: (n: number) => Effect.Effect<void>
}

export const loopback = (handler: Handler): Effect.Effect<Loopback, never, Scope.Scope> =>
  Effect.gen(function* () {
    const received: Array<Received> = []
    const arrivals: Array<Deferred.Deferred<Received>> = []
    const closes: Array<Deferred.Deferred<void>> = []
    const slot = <A>(list: Array<Deferred.Deferred<A>>, n: number) => {
      while (list.length < n) list.push(Deferred.unsafeMake<A>(FiberId.none))
      return list[n - 1]!
    }
    const server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const entry: Received = {
          method: request.method ?? "",
          url: request.url ?? "",
          headers: request.headers,
          body: Buffer.concat(chunks)
        }
        received.push(entry)
        const n = received.length
        response.on("close", () => Deferred.unsafeDone(slot(closes, n), Effect.void))
        Deferred.unsafeDone(slot(arrivals, n), Effect.succeed(entry))
        handler(entry, response, request)
      })
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    return {
      baseURL: `http://127.0.0.1:${port}`,
      received,
      arrived: (n) => Deferred.await(slot(arrivals, n)),
      closed: (n) => Deferred.await(slot(closes, n))
    }
  })

/** Answers with JSON. */
export const sendJson = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
) => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers
  })
  response.end(text)
}

/** A Messages API answer with one text block. */
export const textMessage = (text: string) => ({
  id: "msg_test",
  type: "message",
  role: "assistant",
  model: "claude-test",
  content: [{ type: "text", text }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: 2 }
})

/** The SSE events of a streamed text answer made of `deltas`. */
export const textEvents = (deltas: ReadonlyArray<string>): ReadonlyArray<Record<string, unknown>> => [
  {
    type: "message_start",
    message: { ...textMessage(""), content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } }
  },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
  ...deltas.map((text) => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })),
  { type: "content_block_stop", index: 0 },
  { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } },
  { type: "message_stop" }
]

/** Events in SSE framing. */
export const sse = (events: ReadonlyArray<Record<string, unknown>>): string =>
  events.map((event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`).join("")

/** Starts an SSE answer. */
export const sseHead = (response: ServerResponse, headers: Record<string, string> = {}) =>
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...headers })

/** A minimal Messages API request body. */
export const messageParams = {
  model: "claude-test",
  max_tokens: 16,
  messages: [{ role: "user" as const, content: "Hi" }]
}
