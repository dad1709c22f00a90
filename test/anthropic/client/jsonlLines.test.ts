import { describe, expect, it } from "@effect/vitest"
import { DecodableBody } from "../../../src/anthropic/internal/eventPump.js"
import { JsonlDecoder } from "../../../src/anthropic/internal/jsonlLines.js"
import { feedPieces } from "./feedPieces.js"

const values = [
  { custom_id: "a", result: { type: "succeeded", message: { text: 'é "quoted"\\ 🙂 ünïcødé' } } },
  { custom_id: "b", result: { type: "expired" } },
  [1, 2, 3],
  "a string line",
  42
]

const utf8 = new TextEncoder()

/** Decodes `bytes` fed in pieces cut at `cuts`. */
const decode = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<unknown> =>
  feedPieces(new JsonlDecoder(), bytes, cuts)

/** The SyntaxError `decode` throws, or undefined. */
const failure = (text: string, cuts: ReadonlyArray<number> = []): SyntaxError | undefined => {
  try {
    decode(utf8.encode(text), cuts)
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(SyntaxError)
    return error instanceof SyntaxError ? error : undefined
  }
}

describe("JsonlDecoder", () => {
  it("reads LF and CRLF files cut at every byte boundary, into one piece per byte, with or without a final line break", () => {
    for (const eol of ["\n", "\r\n"]) {
      for (const last of [eol, ""]) {
        const bytes = utf8.encode(values.map((value) => JSON.stringify(value)).join(eol) + last)
        expect(decode(bytes, [])).toEqual(values)
        for (let cut = 0; cut <= bytes.length; cut++) expect(decode(bytes, [cut])).toEqual(values)
        // Every byte alone: multi-byte characters are split across pieces too.
        expect(
          decode(
            bytes,
            Array.from({ length: bytes.length }, (_, index) => index)
          )
        ).toEqual(values)
      }
    }
  })

  it("skips blank lines, whitespace-only lines and a byte order mark", () => {
    const text = `\uFEFF\n{"a":1}\n\n   \r\n\t\n{"b":2}\r\n\r\n`
    const bytes = utf8.encode(text)
    for (let cut = 0; cut <= bytes.length; cut++) expect(decode(bytes, [cut])).toEqual([{ a: 1 }, { b: 2 }])
  })

  it("an empty body has no values", () => {
    expect(decode(new Uint8Array(), [])).toEqual([])
    expect(decode(utf8.encode("\n\r\n"), [1])).toEqual([])
  })

  it("a line that is not JSON is a SyntaxError naming the line by its number, not quoting it", () => {
    const secret = "sk-ant-secret-do-not-echo"
    const text = `{"a":1}\n\n{"key":"${secret}" oops}\n{"b":2}\n`
    for (const cuts of [[], [3], [12], [20]]) {
      const message = failure(text, cuts)?.message
      expect(message).toContain("Line 3 ")
      expect(message).not.toContain(secret)
      expect(message).not.toContain("oops")
    }
    // The last line, without a line break, is read (and checked) at the end.
    expect(failure(`{"a":1}\n{"trunc`)?.message).toContain("Line 2 ")
  })

  it("keeps the values of the lines before a malformed one", () => {
    const decoder = new JsonlDecoder()
    const out: Array<unknown> = []
    expect(() => decoder.feed(utf8.encode(`{"a":1}\n{"b":2}\nnot json\n{"c":3}\n`), out)).toThrow(SyntaxError)
    expect(out).toEqual([{ a: 1 }, { b: 2 }])
  })
})

describe("DecodableBody", () => {
  it("iterated by itself, gives the values of its body", async () => {
    const chunks = ['{"a":1}\n{"b"', ':2}\r\n\n{"c":3}'].map((text) => utf8.encode(text))
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk)
        controller.close()
      }
    })
    const seen: Array<unknown> = []
    for await (const value of new DecodableBody(new Response(body), new JsonlDecoder())) seen.push(value)
    expect(seen).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }])
  })
})
