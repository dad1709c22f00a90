/**
 * Fast path: the events of a server-sent event stream read straight from the response body, one
 * network chunk at a time, instead of through the SDK's `Stream` (two async generators and a
 * promise per event, which cost more than everything effect-claude does with the event). The
 * reading follows the SDK's own (`_iterSSEMessages` and `Stream.fromSSEResponse`) line for line:
 * the same line endings, fields, `ping` and nameless events skipped, `error` events thrown as the
 * SDK's `APIError`, malformed JSON thrown as the `SyntaxError` of `JSON.parse`.
 */
import * as Sdk from "@anthropic-ai/sdk"

/**
 * Decodes a server-sent event stream into the JSON values of its events. Stateful: make one per
 * response.
 * @since 0.1.0
 * @category models
 */
export class SseDecoder<A> {
  private readonly utf8 = new TextDecoder("utf-8", { ignoreBOM: true })
  /** Text after the last complete line. */
  private pending = ""
  private endsWithCR = false
  private event: string | null = null
  private data: Array<string> = []

  constructor(
    /** The response's headers, for the `APIError` of an `error` event. */
    private readonly headers: Headers,
    /** Told about an event whose data is not JSON before it is thrown (the SDK logs it). */
    private readonly onMalformed: (event: string, data: string) => void
  ) {}

  /** Appends the events that `bytes` completes to `out`; throws on an `error` event or malformed JSON. */
  feed(bytes: Uint8Array, out: Array<A>): void {
    const decoded = this.utf8.decode(bytes, { stream: true })
    const text = this.pending + decoded
    // Nothing ends a line: keep the text until a chunk does.
    if (!this.endsWithCR && !decoded.includes("\n") && !decoded.includes("\r")) {
      this.pending = text
      return
    }
    let start = 0
    if (!text.includes("\r")) {
      for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
        this.line(text.slice(start, end), out)
        start = end + 1
      }
    } else {
      for (let i = 0; i < text.length; i++) {
        const char = text[i]
        if (char !== "\n" && char !== "\r") continue
        // A CR at the very end may be the first half of a CRLF.
        if (char === "\r" && i + 1 === text.length) break
        this.line(text.slice(start, i), out)
        if (char === "\r" && text[i + 1] === "\n") i++
        start = i + 1
      }
    }
    this.pending = text.slice(start)
    this.endsWithCR = this.pending.endsWith("\r")
  }

  /** Appends the events the rest of the stream completes to `out`, once the body has ended. */
  end(out: Array<A>): void {
    const text = this.pending + this.utf8.decode()
    this.pending = ""
    if (text === "") return
    for (const line of text.replace(/\r$/, "").split(/\r\n|[\n\r]/)) this.line(line, out)
  }

  /** One line: a field of the event under way, or the blank line that completes it. */
  private line(line: string, out: Array<A>): void {
    if (line.charCodeAt(0) === 0xfeff) line = line.slice(1)
    if (line === "") {
      if (this.event === null && this.data.length === 0) return
      const event = this.event
      const data = this.data.length === 1 ? this.data[0]! : this.data.join("\n")
      this.event = null
      this.data = []
      this.dispatch(event, data, out)
      return
    }
    const colon = line.indexOf(":")
    if (colon === 0) return
    const field = colon === -1 ? line : line.slice(0, colon)
    if (field !== "event" && field !== "data") return
    const value = colon === -1 ? "" : line.slice(line.charCodeAt(colon + 1) === 0x20 ? colon + 2 : colon + 1)
    if (field === "event") this.event = value
    else this.data.push(value)
  }

  private dispatch(event: string | null, data: string, out: Array<A>): void {
    if (event === null || event === "ping") return
    if (event === "error") {
      // Not JSON: the error is the text itself, as the SDK reports it.
      let body: object | string = data
      try {
        const parsed: unknown = JSON.parse(data)
        if (typeof parsed === "object" && parsed !== null) body = parsed
      } catch {}
      // Its type comes from `body.error.type`, as the SDK's does.
      throw new Sdk.APIError(undefined, body, undefined, this.headers)
    }
    if (data === "") return
    try {
      out.push(JSON.parse(data))
    } catch (error) {
      this.onMalformed(event, data)
      throw error
    }
  }
}
