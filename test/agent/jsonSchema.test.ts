import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Output, Tool } from "effect-claude"
import { fromSchema, toObjectSchema } from "../../src/internal/jsonSchema.js"

class Point extends Schema.Class<Point>("Point")({ x: Schema.Number, y: Schema.Number }) {}

interface Category {
  readonly name: string
  readonly children: ReadonlyArray<Category>
}
const Category: Schema.Schema<Category> = Schema.Struct({
  name: Schema.String,
  children: Schema.Array(Schema.suspend(() => Category))
}).annotations({ identifier: "Category" })

describe("Schema → JSON Schema", () => {
  it("inlines named definitions that are not recursive, and drops $schema", () => {
    const schema = Schema.Struct({
      where: Point,
      count: Schema.optional(Schema.Int),
      when: Schema.Date,
      label: Schema.String.annotations({ description: "A short label" })
    })
    expect(fromSchema(schema)).toEqual({
      type: "object",
      required: ["where", "when", "label"],
      properties: {
        where: {
          type: "object",
          required: ["x", "y"],
          properties: { x: { type: "number" }, y: { type: "number" } },
          additionalProperties: false
        },
        count: { type: "integer", description: "an integer", title: "int" },
        when: { type: "string", description: "a string to be decoded into a Date" },
        label: { type: "string", description: "A short label" }
      },
      additionalProperties: false
    })
  })

  it("keeps recursive definitions in $defs and starts from the top definition", () => {
    const categoryDefinition = {
      type: "object",
      required: ["name", "children"],
      properties: {
        name: { type: "string" },
        children: { type: "array", items: { $ref: "#/$defs/Category" } }
      },
      additionalProperties: false
    }
    expect(fromSchema(Category)).toEqual({ ...categoryDefinition, $defs: { Category: categoryDefinition } })
    expect(fromSchema(Schema.Struct({ root: Category }))).toEqual({
      type: "object",
      required: ["root"],
      properties: { root: { $ref: "#/$defs/Category" } },
      additionalProperties: false,
      $defs: { Category: categoryDefinition }
    })
  })

  it("gives tool inputs an object at the top, also for a union of objects", () => {
    const union = Schema.Union(Schema.Struct({ a: Schema.String }), Schema.Struct({ b: Schema.Number }))
    const schema = toObjectSchema(fromSchema(union))
    expect(schema.type).toBe("object")
    expect(schema.anyOf).toHaveLength(2)
    const tool = Tool.make("either", { parameters: union, handler: () => Effect.void })
    expect(tool.definition.parametersJsonSchema.type).toBe("object")
  })

  it("wraps non-object output as { response }, but not a union of objects", () => {
    expect(Output.tool(Schema.String).jsonSchema).toEqual({
      type: "object",
      properties: { response: { type: "string" } },
      required: ["response"],
      additionalProperties: false
    })
    expect(Output.tool(Schema.String).wrapped).toBe(true)
    const union = Schema.Union(Schema.Struct({ a: Schema.String }), Schema.Struct({ b: Schema.Number }))
    expect(Output.tool(union).wrapped).toBe(false)
    expect(Output.tool(Category).wrapped).toBe(false)
  })
})
