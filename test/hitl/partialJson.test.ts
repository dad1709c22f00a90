import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { PartialJsonParser, parseComplete } from "../../src/internal/partialJson.js"

/**
 * Whether `partial` may stand for `complete` seen early: strings cut short, arrays missing their
 * last elements, objects missing keys; anything else equal.
 */
const isPrefixConsistent = (partial: unknown, complete: unknown): boolean => {
  if (partial === undefined) return true
  if (typeof partial === "string") return typeof complete === "string" && complete.startsWith(partial)
  if (Array.isArray(partial)) {
    if (!Array.isArray(complete) || partial.length > complete.length) return false
    // Every element but the last is complete; the last may still be growing.
    return partial.every((item, index) =>
      index < partial.length - 1 ? isEqual(item, complete[index]) : isPrefixConsistent(item, complete[index])
    )
  }
  if (typeof partial === "object" && partial !== null) {
    if (typeof complete !== "object" || complete === null || Array.isArray(complete)) return false
    return Object.keys(partial).every(
      (key) =>
        Object.hasOwn(complete, key) &&
        isPrefixConsistent((partial as Record<string, unknown>)[key], (complete as Record<string, unknown>)[key])
    )
  }
  return Object.is(partial, complete) || partial === complete
}

const isEqual = (left: unknown, right: unknown): boolean => JSON.stringify(left) === JSON.stringify(right)

/** Snapshots after each delta, and the final result. */
const feed = (deltas: ReadonlyArray<string>) => {
  const parser = new PartialJsonParser()
  const snapshots: Array<unknown> = []
  for (const delta of deltas) {
    parser.push(delta)
    snapshots.push(parser.snapshot())
  }
  return { snapshots, result: parser.finish(), parser }
}

/** Writes every character outside ASCII as a `\\u` escape, as some encoders do. */
const escapeNonAscii = (text: string) =>
  text.replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** A JSON text: compact or spaced, with or without `\\u` escapes. */
const jsonText = fc
  .tuple(fc.jsonValue(), fc.constantFrom(undefined, 1, 2, "\t"), fc.boolean())
  .map(([value, space, escaped]) => {
    const text = JSON.stringify(value, null, space)
    return escaped ? escapeNonAscii(text) : text
  })

/** Splits a text into deltas at random points. */
const withCuts = jsonText.chain((text) =>
  fc.uniqueArray(fc.nat({ max: text.length }), { maxLength: 12 }).map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), text.length]
    const deltas: Array<string> = []
    for (let index = 1; index < points.length; index++) {
      deltas.push(text.slice(points[index - 1], points[index]))
    }
    return { text, deltas }
  })
)

describe("point 6: partial structured output: the partial JSON parser", () => {
  it("gives JSON.parse's value for any JSON text, however it is split", () => {
    fc.assert(
      fc.property(withCuts, ({ text, deltas }) => {
        const { result } = feed(deltas)
        expect(result).toEqual({ _tag: "Complete", value: JSON.parse(text) })
      }),
      { numRuns: 300 }
    )
  })

  it("shows a prefix-consistent value after every character, each consistent with the next", () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const complete = JSON.parse(text)
        const { snapshots } = feed([...text])
        let previous: unknown
        for (const snapshot of snapshots) {
          expect(isPrefixConsistent(snapshot, complete)).toBe(true)
          expect(isPrefixConsistent(previous, snapshot)).toBe(true)
          previous = snapshot
        }
      }),
      { numRuns: 200 }
    )
  })

  it("snapshots do not change when later text arrives", () => {
    const { snapshots } = feed(['{"a": [1, {"b": "x', 'y"}], "c": "z', 'w"}'])
    expect(snapshots).toEqual([
      { a: [1, { b: "x" }] },
      { a: [1, { b: "xy" }], c: "z" },
      { a: [1, { b: "xy" }], c: "zw" }
    ])
  })

  it("shows strings as they arrive, numbers and literals once complete, keys once their value began", () => {
    const steps: Array<[string, unknown]> = [
      ["{", {}],
      ['"na', {}],
      ['me"', {}],
      [": ", {}],
      ['"Ad', { name: "Ad" }],
      ["a\\", { name: "Ada" }],
      ["u00e9", { name: "Adaé" }],
      ['", "age": 3', { name: "Adaé" }],
      ["6", { name: "Adaé" }],
      [', "ok": tr', { name: "Adaé", age: 36 }],
      ['ue, "tags": [', { name: "Adaé", age: 36, ok: true, tags: [] }],
      ['"a", nu', { name: "Adaé", age: 36, ok: true, tags: ["a"] }],
      ["ll]}", { name: "Adaé", age: 36, ok: true, tags: ["a", null] }]
    ]
    const parser = new PartialJsonParser()
    for (const [delta, expected] of steps) {
      parser.push(delta)
      expect(parser.snapshot()).toEqual(expected)
    }
    expect(parser.finish()).toEqual({ _tag: "Complete", value: { name: "Adaé", age: 36, ok: true, tags: ["a", null] } })
  })

  it("completes a top-level number at the end of the text", () => {
    expect(parseComplete("-12.5e3")).toEqual({ _tag: "Complete", value: -12500 })
    const parser = new PartialJsonParser()
    parser.push("42")
    expect(parser.snapshot()).toBeUndefined()
  })

  it("keeps __proto__ as an own property, as JSON.parse does", () => {
    const result = parseComplete('{"__proto__": {"polluted": true}}')
    expect(result._tag).toBe("Complete")
    const value = result._tag === "Complete" ? (result.value as Record<string, unknown>) : {}
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.keys(value)).toEqual(["__proto__"])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it("rejects what JSON.parse rejects", () => {
    const invalid = [
      "",
      "{",
      '{"a":}',
      "[1,]",
      "[1 2]",
      "01",
      "1.",
      "-",
      '"\\x"',
      '"\\u12G4"',
      "tru e",
      "nul",
      '{"a" 1}',
      "{1: 2}",
      "[}",
      "{]",
      '"a\nb"',
      "1 2",
      "{} x",
      "[,1]"
    ]
    for (const text of invalid) {
      expect(() => JSON.parse(text)).toThrow()
      expect(parseComplete(text)._tag, text).toBe("Invalid")
    }
  })

  it("stops at the first invalid character and reports where it is", () => {
    const parser = new PartialJsonParser()
    parser.push('{"a": 1,')
    parser.push(" x}")
    expect(parser.failed).toEqual({ message: "Expected a property name", position: 9 })
    parser.push('"b": 2}')
    expect(parser.finish()._tag).toBe("Invalid")
    expect(parser.snapshot()).toEqual({ a: 1 })
  })

  it("reads a long text one character at a time in linear time", { timeout: 10_000 }, () => {
    // 700,000 deltas of one character: a parser that reparsed the prefix per delta would read
    // some 10^11 characters and miss the timeout by far.
    const text = JSON.stringify({
      items: Array.from({ length: 20_000 }, (_, index) => ({ id: index, note: "x".repeat(20) }))
    })
    const parser = new PartialJsonParser()
    for (const char of text) parser.push(char)
    const result = parser.finish()
    expect(result._tag === "Complete" && (result.value as { items: Array<unknown> }).items.length).toBe(20_000)
  })

  it("counts a version that grows whenever the snapshot may change", () => {
    const parser = new PartialJsonParser()
    parser.push('{"key"')
    const afterKey = parser.version
    parser.push(": ")
    expect(parser.version).toBe(afterKey)
    parser.push('"v')
    expect(parser.version).toBeGreaterThan(afterKey)
  })
})
