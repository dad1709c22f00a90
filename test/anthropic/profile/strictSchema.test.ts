import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { strictSchema } from "../../../src/anthropic/internal/strictSchema.js"
import { toolInputSchema } from "../../../src/internal/jsonSchema.js"

describe("#16 point 5: strict tools, the structured-outputs transformation", () => {
  it("moves unsupported constraints into the description and closes every object", () => {
    const schema = toolInputSchema(
      Schema.Struct({
        name: Schema.String.pipe(Schema.minLength(2)),
        age: Schema.Number.pipe(Schema.between(0, 150)),
        tags: Schema.Array(Schema.String).pipe(Schema.minItems(1)),
        meta: Schema.Record({ key: Schema.String, value: Schema.String })
      })
    )
    const strict = Either.getOrThrow(strictSchema(schema))
    expect(strict).toEqual({
      type: "object",
      properties: {
        name: {
          type: "string",
          title: "minLength(2)",
          description: "a string at least 2 character(s) long\n\n{minLength: 2}"
        },
        age: {
          type: "number",
          title: "between(0, 150)",
          description: "a number between 0 and 150\n\n{minimum: 0, maximum: 150}"
        },
        tags: {
          type: "array",
          items: { type: "string" },
          minItems: 1,
          title: "minItems(1)",
          description: "an array of at least 1 item(s)"
        },
        // A record cannot be strict: structured outputs take only closed objects.
        meta: { type: "object", properties: {}, additionalProperties: false, required: [] }
      },
      additionalProperties: false,
      required: ["name", "age", "tags", "meta"]
    })
  })

  it("a schema it cannot make strict is a reason, not a crash", () => {
    expect(Either.isLeft(strictSchema({ type: "object", properties: { anything: {} } }))).toBe(true)
  })
})
