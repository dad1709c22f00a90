/**
 * An incremental JSON parser for text that arrives in deltas (a tool call's arguments, a native
 * JSON answer). Each character is read once, whatever the number of deltas; `snapshot` gives the
 * value so far without reparsing.
 *
 * A snapshot is "prefix-consistent" with the complete value: strings may be cut short, arrays may
 * lack their last elements, objects may lack keys, and nothing else differs. So a number or a
 * literal shows only once complete, an object key only once its value has begun, and a string as
 * far as it has arrived (an escape sequence only once complete).
 *
 * Completed values are shared between snapshots; the containers still open are copied (shallowly)
 * for each snapshot, so a snapshot costs the width of the open containers, not the text so far.
 */

/** Why the text is not JSON, and where. */
export interface PartialJsonFailure {
  readonly message: string
  /** Offset of the offending character in the whole text. */
  readonly position: number
}

/** What `finish` gives: the complete value, or why there is none. */
export type PartialJsonResult =
  | { readonly _tag: "Complete"; readonly value: unknown }
  | { readonly _tag: "Invalid"; readonly failure: PartialJsonFailure }

// What the parser expects next, outside any token.
enum Expect {
  Value,
  ValueOrClose,
  KeyOrClose,
  Key,
  Colon,
  CommaOrClose,
  End
}

// The token being read, if any.
enum Token {
  None,
  String,
  Number,
  Literal
}

interface ArrayFrame {
  readonly array: true
  readonly items: Array<unknown>
}

interface ObjectFrame {
  readonly array: false
  readonly fields: Record<string, unknown>
  key: string | undefined
}

type Frame = ArrayFrame | ObjectFrame

const literals: Record<string, unknown> = { t: true, f: false, n: null }
const literalTexts: Record<string, string> = { t: "true", f: "false", n: "null" }
const escapes: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }
const numberPattern = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/

const isWhitespace = (code: number) => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09
const isNumberChar = (code: number) =>
  (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2b || code === 0x2e || code === 0x65 || code === 0x45

/** Sets a field as `JSON.parse` does: `__proto__` becomes an own property, not the prototype. */
const setField = (fields: Record<string, unknown>, key: string, value: unknown): void => {
  if (key === "__proto__") {
    Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    fields[key] = value
  }
}

const copyFields = (fields: Record<string, unknown>): Record<string, unknown> => {
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(fields)) setField(copy, key, fields[key])
  return copy
}

/** Reads JSON text delta by delta; `snapshot` gives the prefix-consistent value so far. */
export class PartialJsonParser {
  private readonly stack: Array<Frame> = []
  private expect: Expect = Expect.Value
  private token: Token = Token.None
  /** The text of the string, number or literal being read. */
  private text = ""
  private stringIsKey = false
  /** Inside a string: 0 outside an escape, 1 after a backslash, 2 to 5 while reading `\u` digits. */
  private escape = 0
  private hex = ""
  private root: unknown = undefined
  private hasRoot = false
  private offset = 0
  private failure: PartialJsonFailure | undefined = undefined
  /** Grows whenever the snapshot may have changed. */
  version = 0

  /** Why the text is not JSON, once it is known not to be. */
  get failed(): PartialJsonFailure | undefined {
    return this.failure
  }

  /** Reads one more piece of the text. Does nothing once the text is known to be invalid. */
  push(delta: string): void {
    if (this.failure !== undefined) return
    const length = delta.length
    let index = 0
    while (index < length && this.failure === undefined) {
      if (this.token === Token.String) {
        index = this.readString(delta, index)
        continue
      }
      const code = delta.charCodeAt(index)
      if (this.token === Token.Number) {
        if (isNumberChar(code)) {
          let end = index + 1
          while (end < length && isNumberChar(delta.charCodeAt(end))) end++
          this.text += delta.slice(index, end)
          index = end
          continue
        }
        if (!this.endNumber(this.offset + index)) break
      } else if (this.token === Token.Literal) {
        const expected = literalTexts[this.text[0] ?? ""] ?? ""
        if (delta[index] !== expected[this.text.length]) {
          this.fail(`Unexpected character in literal '${expected}'`, this.offset + index)
          break
        }
        this.text += delta[index]
        index++
        if (this.text.length === expected.length) {
          this.token = Token.None
          this.place(literals[expected[0] ?? ""])
        }
        continue
      }
      this.readStructure(delta, index, code)
      index++
    }
    this.offset += length
  }

  /** The value so far; undefined until something of it can be shown. */
  snapshot(): unknown {
    if (this.hasRoot) return this.root
    let child: unknown
    let hasChild = false
    // A string value being read shows as far as it has arrived.
    if (this.token === Token.String && !this.stringIsKey) {
      child = this.text
      hasChild = true
    }
    for (let level = this.stack.length - 1; level >= 0; level--) {
      const frame = this.stack[level] as Frame
      if (frame.array) {
        const items = frame.items.slice()
        if (hasChild) items.push(child)
        child = items
      } else {
        const fields = copyFields(frame.fields)
        if (hasChild && frame.key !== undefined) setField(fields, frame.key, child)
        child = fields
      }
      hasChild = true
    }
    return hasChild ? child : undefined
  }

  /** The end of the text: the complete value, or why the text is not (complete) JSON. */
  finish(): PartialJsonResult {
    if (this.failure === undefined && this.token === Token.Number && this.stack.length === 0) {
      this.endNumber(this.offset)
    }
    if (this.failure !== undefined) return { _tag: "Invalid", failure: this.failure }
    if (!this.hasRoot) {
      return { _tag: "Invalid", failure: { message: "Unexpected end of JSON input", position: this.offset } }
    }
    return { _tag: "Complete", value: this.root }
  }

  private fail(message: string, position: number): void {
    this.failure = { message, position }
  }

  /** Reads string content from `index`; gives the index after what it read. */
  private readString(delta: string, index: number): number {
    const length = delta.length
    if (this.escape === 0) {
      let end = index
      while (end < length) {
        const code = delta.charCodeAt(end)
        if (code === 0x22 || code === 0x5c || code < 0x20) break
        end++
      }
      if (end > index) {
        this.text += delta.slice(index, end)
        if (!this.stringIsKey) this.version++
      }
      if (end === length) return end
      const code = delta.charCodeAt(end)
      if (code === 0x22) {
        this.token = Token.None
        if (this.stringIsKey) {
          const frame = this.stack.at(-1) as ObjectFrame
          frame.key = this.text
          this.expect = Expect.Colon
        } else {
          this.place(this.text)
        }
        return end + 1
      }
      if (code === 0x5c) {
        this.escape = 1
        return end + 1
      }
      this.fail("Bad control character in string", this.offset + end)
      return end
    }
    const char = delta[index] ?? ""
    if (this.escape === 1) {
      if (char === "u") {
        this.escape = 2
        this.hex = ""
        return index + 1
      }
      const escaped = escapes[char]
      if (escaped === undefined) {
        this.fail("Bad escape in string", this.offset + index)
        return index
      }
      this.text += escaped
      this.escape = 0
      if (!this.stringIsKey) this.version++
      return index + 1
    }
    if (!/[0-9a-fA-F]/.test(char)) {
      this.fail("Bad Unicode escape in string", this.offset + index)
      return index
    }
    this.hex += char
    if (this.hex.length === 4) {
      this.text += String.fromCharCode(Number.parseInt(this.hex, 16))
      this.escape = 0
      if (!this.stringIsKey) this.version++
    } else {
      this.escape++
    }
    return index + 1
  }

  /** Ends the number being read; false when it is not a JSON number. */
  private endNumber(position: number): boolean {
    this.token = Token.None
    if (!numberPattern.test(this.text)) {
      this.fail(`Bad number '${this.text}'`, position - this.text.length)
      return false
    }
    this.place(Number(this.text))
    return true
  }

  /** Reads one character outside any token: whitespace, punctuation, or the start of a value. */
  private readStructure(delta: string, index: number, code: number): void {
    if (isWhitespace(code)) return
    const position = this.offset + index
    const char = delta[index] ?? ""
    switch (this.expect) {
      case Expect.KeyOrClose:
      case Expect.Key:
        if (char === '"') {
          this.startString(true)
        } else if (char === "}" && this.expect === Expect.KeyOrClose) {
          this.close(false, position)
        } else {
          this.fail("Expected a property name", position)
        }
        return
      case Expect.Colon:
        if (char === ":") this.expect = Expect.Value
        else this.fail("Expected ':' after a property name", position)
        return
      case Expect.CommaOrClose: {
        const frame = this.stack.at(-1) as Frame
        if (char === ",") this.expect = frame.array ? Expect.Value : Expect.Key
        else if (char === (frame.array ? "]" : "}")) this.close(frame.array, position)
        else this.fail(frame.array ? "Expected ',' or ']'" : "Expected ',' or '}'", position)
        return
      }
      case Expect.End:
        this.fail("Unexpected text after the JSON value", position)
        return
      case Expect.ValueOrClose:
        if (char === "]") {
          this.close(true, position)
          return
        }
        this.startValue(char, code, position)
        return
      case Expect.Value:
        this.startValue(char, code, position)
        return
    }
  }

  private startString(isKey: boolean): void {
    this.token = Token.String
    this.stringIsKey = isKey
    this.text = ""
    this.escape = 0
    if (!isKey) this.version++
  }

  private startValue(char: string, code: number, position: number): void {
    if (char === '"') {
      this.startString(false)
    } else if (char === "{") {
      this.stack.push({ array: false, fields: {}, key: undefined })
      this.expect = Expect.KeyOrClose
      this.version++
    } else if (char === "[") {
      this.stack.push({ array: true, items: [] })
      this.expect = Expect.ValueOrClose
      this.version++
    } else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      this.token = Token.Number
      this.text = char
    } else if (char in literalTexts) {
      this.token = Token.Literal
      this.text = char
    } else {
      this.fail(`Unexpected character '${char}'`, position)
    }
  }

  private close(array: boolean, position: number): void {
    const frame = this.stack.pop()
    if (frame === undefined || frame.array !== array) {
      this.fail("Unbalanced brackets", position)
      return
    }
    this.place(frame.array ? frame.items : frame.fields)
  }

  /** Puts a complete value where it belongs: into the open container, or as the whole value. */
  private place(value: unknown): void {
    this.version++
    const frame = this.stack.at(-1)
    if (frame === undefined) {
      this.root = value
      this.hasRoot = true
      this.expect = Expect.End
    } else if (frame.array) {
      frame.items.push(value)
      this.expect = Expect.CommaOrClose
    } else {
      setField(frame.fields, frame.key as string, value)
      frame.key = undefined
      this.expect = Expect.CommaOrClose
    }
  }
}

/** Parses a whole text with the incremental parser (what `JSON.parse` gives, or the failure). */
export const parseComplete = (text: string): PartialJsonResult => {
  const parser = new PartialJsonParser()
  parser.push(text)
  return parser.finish()
}
