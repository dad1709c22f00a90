/**
 * TEMPORARY stand-in for `MockAnthropicServer` (effect-agent/testing) until it lands; deleted then.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { modelName } from "./scenarios.js"
import { type AnswerMessage, answerFor } from "./serverScript.js"

const sse = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`

const textStreamBody = (deltas: ReadonlyArray<string>): string => {
  const parts: Array<string> = [
    sse("message_start", {
      type: "message_start",
      message: {
        id: "msg_stream",
        type: "message",
        role: "assistant",
        model: modelName,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 1 }
      }
    }),
    sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } })
  ]
  for (const text of deltas) {
    parts.push(
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })
    )
  }
  parts.push(
    sse("content_block_stop", { type: "content_block_stop", index: 0 }),
    sse("message_delta", {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: deltas.length }
    }),
    sse("message_stop", { type: "message_stop" })
  )
  return parts.join("")
}

const messageStreamBody = (message: AnswerMessage): string => {
  const parts: Array<string> = [
    sse("message_start", { type: "message_start", message: { ...message, content: [], stop_reason: null } })
  ]
  message.content.forEach((block, index) => {
    if (block.type === "text") {
      parts.push(
        sse("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }),
        sse("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "text_delta", text: block.text }
        })
      )
    } else {
      parts.push(
        sse("content_block_start", { type: "content_block_start", index, content_block: { ...block, input: {} } }),
        sse("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) }
        })
      )
    }
    parts.push(sse("content_block_stop", { type: "content_block_stop", index }))
  })
  parts.push(
    sse("message_delta", {
      type: "message_delta",
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: message.usage.output_tokens }
    }),
    sse("message_stop", { type: "message_stop" })
  )
  return parts.join("")
}

/** Starts the stand-in on a random loopback port. */
export const start = async (): Promise<{ readonly baseURL: string; readonly close: () => Promise<void> }> => {
  const streamCache = new Map<ReadonlyArray<string>, Buffer>()
  const server: Server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"))
      } catch {
        body = undefined
      }
      const answer = answerFor(body)
      if (answer === undefined) {
        response.writeHead(400, { "content-type": "application/json" })
        response.end(
          JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "not a bench request" } })
        )
        return
      }
      const streaming = typeof body === "object" && body !== null && "stream" in body && body.stream === true
      if (answer._tag === "TextStream") {
        let buffer = streamCache.get(answer.deltas)
        if (buffer === undefined) {
          buffer = Buffer.from(textStreamBody(answer.deltas))
          streamCache.set(answer.deltas, buffer)
        }
        response.writeHead(200, { "content-type": "text/event-stream", "request-id": "req_bench" })
        response.end(buffer)
      } else if (streaming) {
        response.writeHead(200, { "content-type": "text/event-stream", "request-id": "req_bench" })
        response.end(messageStreamBody(answer.message))
      } else {
        const json = JSON.stringify(answer.message)
        response.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(json),
          "request-id": "req_bench"
        })
        response.end(json)
      }
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseURL: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
