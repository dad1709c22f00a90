/**
 * Fast path: the values of a JSON Lines body (a Message Batch's results file) read straight from
 * the response body, one network chunk at a time, instead of through the SDK's `JSONLDecoder`
 * (an async generator and a promise per line over a byte-level line splitter). The client's pump
 * feeds it (`eventPump.ts`), as it feeds `SseDecoder` a Messages stream.
 *
 * Lines end with LF or CRLF; blank lines are skipped; a line that is not JSON throws a
 * `SyntaxError` naming the line by its number, without quoting it (a results file holds whatever
 * the prompts and answers held).
 */

/**
 * Decodes a JSON Lines body into the values of its lines. Stateful: make one per response.
 * @since 0.1.0
 * @category models
 */
export class JsonlDecoder<A = unknown> {
  private readonly utf8 = new TextDecoder("utf-8", { ignoreBOM: false })
  /** Text after the last complete line. */
  private pending = ""
  /** Lines completed so far (blank ones included), to name a malformed one. */
  private lines = 0

  /** Appends the values of the lines `bytes` completes to `out`; throws on a line that is not JSON. */
  feed(bytes: Uint8Array, out: Array<A>): void {
    const decoded = this.utf8.decode(bytes, { stream: true })
    let end = decoded.indexOf("\n")
    if (end === -1) {
      this.pending += decoded
      return
    }
    // The first line may have begun in an earlier chunk; the others lie within this one.
    this.line(this.pending + decoded.slice(0, end), out)
    let start = end + 1
    for (end = decoded.indexOf("\n", start); end !== -1; end = decoded.indexOf("\n", start)) {
      this.line(decoded.slice(start, end), out)
      start = end + 1
    }
    this.pending = decoded.slice(start)
  }

  /** Appends the value of a last line without a line break to `out`, once the body has ended. */
  end(out: Array<A>): void {
    const text = this.pending + this.utf8.decode()
    this.pending = ""
    if (text !== "") this.line(text, out)
  }

  private line(text: string, out: Array<A>): void {
    this.lines++
    const line = text.endsWith("\r") ? text.slice(0, -1) : text
    if (line.length === 0 || (line.charCodeAt(0) <= 0x20 && line.trim() === "")) return
    try {
      out.push(JSON.parse(line))
    } catch {
      throw new SyntaxError(`Line ${this.lines} of the JSON Lines body is not JSON (${line.length} characters)`)
    }
  }
}
