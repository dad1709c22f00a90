import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { isPlain } from "../../src/internal/plainSchema.js"

class Point extends Schema.Class<Point>("Point")({ x: Schema.Number }) {}

describe("isPlain (which tool parameters decode with the synchronous decoder)", () => {
  it("takes structs, tuples, unions, records and refinements of primitives", () => {
    expect(isPlain(Schema.Struct({ run: Schema.Int, step: Schema.Int }).ast)).toBe(true)
    expect(
      isPlain(
        Schema.Struct({
          tags: Schema.Array(Schema.String),
          pair: Schema.Tuple(Schema.String, Schema.Number),
          mode: Schema.optional(Schema.Literal("a", "b")),
          extra: Schema.Record({ key: Schema.String, value: Schema.Unknown })
        }).ast
      )
    ).toBe(true)
  })

  it("leaves transformations, classes and recursive schemas to the Effect decoder", () => {
    expect(isPlain(Schema.Struct({ n: Schema.NumberFromString }).ast)).toBe(false)
    expect(isPlain(Schema.Struct({ point: Point }).ast)).toBe(false)
    expect(isPlain(Schema.Struct({ when: Schema.optionalWith(Schema.String, { default: () => "now" }) }).ast)).toBe(
      false
    )
    interface Tree {
      readonly children: ReadonlyArray<Tree>
    }
    const Tree: Schema.Schema<Tree> = Schema.Struct({ children: Schema.Array(Schema.suspend(() => Tree)) })
    expect(isPlain(Tree.ast)).toBe(false)
  })
})
