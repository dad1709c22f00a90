/**
 * The response mapping's hand-written checks (`wireGuards.ts`, a fast path) accept exactly what
 * the Schemas they stand in for accept: a value they pass is used without decoding, so a guard
 * looser than its Schema would let a malformed message through unchecked.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import * as fc from "fast-check"
import { UsageCounts, WireMessage } from "../../../src/anthropic/internal/responseMapping.js"
import { hasUsageCounts, isWireMessage } from "../../../src/anthropic/internal/wireGuards.js"

const decodes = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (value: unknown) => Either.isRight(decode(value))
}

/** A field that is absent, or one of the values a field of the wire could hold (right or wrong). */
const field = fc.option(
  fc.oneof(
    fc.string({ maxLength: 4 }),
    fc.integer(),
    fc.double(),
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.array(fc.anything(), { maxLength: 2 }),
    fc.dictionary(fc.constantFrom("id", "expires_at", "x"), fc.oneof(fc.string(), fc.integer(), fc.constant(null)))
  ),
  { nil: "absent" as const }
)

const record = (keys: ReadonlyArray<string>) =>
  fc.tuple(...keys.map(() => field)).map((values) => {
    const out: Record<string, unknown> = {}
    keys.forEach((key, i) => {
      if (values[i] !== "absent") out[key] = values[i]
    })
    return out
  })

describe("wire guards agree with their Schemas", () => {
  it("isWireMessage accepts exactly what WireMessage decodes", () => {
    const schemaAccepts = decodes(WireMessage)
    const keys = ["id", "model", "content", "usage", "stop_reason", "stop_sequence", "stop_details", "container"]
    fc.assert(
      fc.property(fc.oneof(record(keys), fc.anything()), (value) => {
        expect(isWireMessage(value)).toBe(schemaAccepts(value))
      }),
      { numRuns: 2_000 }
    )
    // A well-formed message passes both (the generator above rarely builds one whole).
    const message = { id: "msg_1", model: "claude", content: [], usage: {}, stop_reason: null, container: { id: "c" } }
    expect([isWireMessage(message), schemaAccepts(message)]).toEqual([true, true])
  })

  it("hasUsageCounts accepts exactly what UsageCounts decodes", () => {
    const schemaAccepts = decodes(UsageCounts)
    const keys = ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"]
    fc.assert(
      fc.property(fc.oneof(record(keys), fc.anything()), (value) => {
        expect(hasUsageCounts(value)).toBe(schemaAccepts(value))
      }),
      { numRuns: 2_000 }
    )
  })
})
