/**
 * The bridge's `Response` for a body already in memory (JSON and text answers).
 *
 * The class extends the global `Response`, and reading that global loads Node's bundled fetch
 * implementation (several MB of code): so the class is defined when the first such response is
 * made, not when the module is imported, and a program that never sends a request through the
 * bridge (an agent over a fake model, say) never loads it.
 */

const utf8 = new TextDecoder()

const bodyUnusable = () => new TypeError("Body is unusable: Body has already been read")

const defineBufferedResponse = () => {
  /**
   * A real `Response` (so `instanceof`, headers and status are the platform's own), built without
   * a body stream: the SDK reads such bodies at once with `json()` / `text()`. The `body` stream is
   * made only if someone asks for it.
   */
  class BufferedResponse extends Response {
    #bytes: Uint8Array | undefined
    #stream: ReadableStream<Uint8Array> | undefined = undefined
    readonly #streamable: boolean

    constructor(bytes: Uint8Array, init: ResponseInit, streamable: boolean) {
      super(null, init)
      this.#bytes = bytes
      this.#streamable = streamable
    }

    /** Takes the bytes; a second reader is refused, as with any body. */
    #take(): Uint8Array {
      const bytes = this.#bytes
      if (bytes === undefined || this.#stream?.locked === true) throw bodyUnusable()
      this.#bytes = undefined
      return bytes
    }

    /** The `body` accessor: a stream over the bytes, made on first use; none if not `streamable`. */
    bodyStream(): ReadableStream<Uint8Array> | null {
      if (!this.#streamable) return null
      // High-water mark 0: the bytes move into the stream only when it is read, so asking for
      // `body` (the SDK does, to watch it) does not consume it.
      this.#stream ??= new ReadableStream<Uint8Array>(
        {
          pull: (controller) => {
            const bytes = this.#bytes
            this.#bytes = undefined
            if (bytes !== undefined && bytes.byteLength > 0) controller.enqueue(bytes)
            controller.close()
          }
        },
        { highWaterMark: 0 }
      )
      return this.#stream
    }

    /** The `bodyUsed` accessor. */
    isUsed(): boolean {
      return this.#bytes === undefined
    }

    override async arrayBuffer(): Promise<ArrayBuffer> {
      const bytes = this.#take()
      return bytes.buffer instanceof ArrayBuffer &&
        bytes.byteOffset === 0 &&
        bytes.byteLength === bytes.buffer.byteLength
        ? bytes.buffer
        : new Uint8Array(bytes).buffer
    }

    override async bytes(): Promise<Uint8Array<ArrayBuffer>> {
      return new Uint8Array(await this.arrayBuffer())
    }

    override async text(): Promise<string> {
      return utf8.decode(this.#take())
    }

    override async json(): Promise<unknown> {
      return JSON.parse(await this.text())
    }

    override async blob(): Promise<Blob> {
      return new Blob([await this.arrayBuffer()], { type: this.headers.get("content-type") ?? "" })
    }

    override async formData(): Promise<FormData> {
      return new Response(await this.arrayBuffer(), { headers: this.headers }).formData()
    }

    override clone(): Response {
      const bytes = this.#bytes
      if (bytes === undefined || this.#stream?.locked === true) throw bodyUnusable()
      return new BufferedResponse(
        bytes,
        { status: this.status, statusText: this.statusText, headers: this.headers },
        this.#streamable
      )
    }
  }

  // `body` and `bodyUsed` are accessors of `Response.prototype`; TypeScript types them as fields,
  // so they are redefined here rather than in the class body.
  Object.defineProperties(BufferedResponse.prototype, {
    body: {
      get(this: BufferedResponse) {
        return this.bodyStream()
      }
    },
    bodyUsed: {
      get(this: BufferedResponse) {
        return this.isUsed()
      }
    }
  })
  return BufferedResponse
}

let BufferedResponse: ReturnType<typeof defineBufferedResponse> | undefined

/**
 * A `Response` over `bytes`, read whole by `json()`, `text()` and the like without a body stream.
 * With `streamable` false its `body` is null, as a bodiless response's is: for a response that only
 * the SDK's own parsing reads (a model request's), which asks for `body` only to watch it for
 * garbage collection (falling back to the response when there is none). On Node 20 a
 * `ReadableStream` costs 40-100 µs to make and collect under load, more than the rest of the bridge.
 * @since 0.1.0
 * @category constructors
 */
export const bufferedResponse = (bytes: Uint8Array, init: ResponseInit, streamable = true): Response => {
  BufferedResponse ??= defineBufferedResponse()
  return new BufferedResponse(bytes, init, streamable)
}
