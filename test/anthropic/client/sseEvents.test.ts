import * as Sdk from "@anthropic-ai/sdk"
import { describe, expect, it } from "@effect/vitest"
import { SseDecoder } from "../../../src/anthropic/internal/sseEvents.js"
import { feedPieces } from "./feedPieces.js"

const events = [
  { type: "message_start", message: { id: "msg_1" } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: 'é "quoted"\\ 🙂' } },
  { type: "message_stop" }
]

/** The SSE text of `events` with a ping, a comment and a nameless event between them. */
const sseText = (eol: string): string =>
  [
    ": a comment",
    "event: ping",
    'data: {"type":"ping"}',
    "",
    'data: {"nameless":true}',
    "",
    ...events.flatMap((event) => [`event: ${event.type}`, `data: ${JSON.stringify(event)}`, ""])
  ].join(eol) + eol

/** Decodes `bytes` fed in pieces cut at `cuts`. */
const decode = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<unknown> => {
  const logged: Array<string> = []
  const decoder = new SseDecoder<unknown>(new Headers(), (event) => logged.push(event))
  const out = feedPieces(decoder, bytes, cuts)
  expect(logged).toEqual([])
  return out
}

describe("SseDecoder", () => {
  it("reads the events of LF, CRLF and CR streams cut at any byte, skipping pings, comments and nameless events", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const bytes = new TextEncoder().encode(sseText(eol))
      expect(decode(bytes, [])).toEqual(events)
      for (let cut = 1; cut < bytes.length; cut++) expect(decode(bytes, [cut])).toEqual(events)
      expect(
        decode(
          bytes,
          Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)
        )
      ).toEqual(events)
    }
  })

  it("throws an error event as the SDK's APIError and malformed JSON as a SyntaxError, after logging it", () => {
    const headers = new Headers({ "request-id": "req_1" })
    const error = new SseDecoder<unknown>(headers, () => {})
    const body = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }
    const thrown = (() => {
      try {
        error.feed(new TextEncoder().encode(`event: error\ndata: ${JSON.stringify(body)}\n\n`), [])
      } catch (cause) {
        return cause
      }
    })()
    expect(thrown).toBeInstanceOf(Sdk.APIError)
    expect(thrown instanceof Sdk.APIError ? [thrown.type, thrown.requestID] : []).toEqual(["overloaded_error", "req_1"])

    const logged: Array<string> = []
    const malformed = new SseDecoder<unknown>(headers, (event, data) => logged.push(`${event} ${data}`))
    const out: Array<unknown> = []
    expect(() =>
      malformed.feed(new TextEncoder().encode('event: a\ndata: {"ok":1}\n\nevent: b\ndata: {nope\n\n'), out)
    ).toThrow(SyntaxError)
    expect(out).toEqual([{ ok: 1 }])
    expect(logged).toEqual(["b {nope"])
  })

  it("completes an event only at its blank line, also at the end of the body", () => {
    const decoder = new SseDecoder<unknown>(new Headers(), () => {})
    const out: Array<unknown> = []
    decoder.feed(new TextEncoder().encode('event: a\ndata: {"n":1}\n'), out)
    expect(out).toEqual([])
    decoder.feed(new TextEncoder().encode('\nevent: b\ndata: {"n":2}\n'), out)
    decoder.end(out)
    expect(out).toEqual([{ n: 1 }])
  })
})
