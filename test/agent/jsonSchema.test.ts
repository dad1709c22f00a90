import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Output, Tool } from "effect-claude"
import { fromSchema, plainObjectSchema, toObjectSchema, toolInputSchema } from "../../src/internal/jsonSchema.js"

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

const closedObject = (properties: Record<string, unknown>, required?: ReadonlyArray<string>) => ({
  type: "object",
  ...(required === undefined ? {} : { required }),
  properties,
  additionalProperties: false
})

/** No `$id` anywhere and no combinator at the top: what Anthropic accepts as `input_schema`. */
const expectPlain = (schema: Record<string, unknown>) => {
  expect(schema.type).toBe("object")
  expect(JSON.stringify(schema)).not.toContain("$id")
  for (const key of ["anyOf", "oneOf", "allOf", "$ref"]) expect(schema).not.toHaveProperty(key)
}

describe("#16 point 5: exact tool input schemas", () => {
  const UserId = Schema.String.pipe(Schema.brand("UserId"))
  const cases: ReadonlyArray<readonly [string, Schema.Schema.AnyNoContext, Record<string, unknown>]> = [
    ["empty struct", Schema.Struct({}), { type: "object", properties: {}, additionalProperties: false }],
    [
      "optional fields",
      Schema.Struct({ a: Schema.optional(Schema.String), b: Schema.NullOr(Schema.Number) }),
      closedObject({ a: { type: "string" }, b: { anyOf: [{ type: "number" }, { type: "null" }] } }, ["b"])
    ],
    [
      "tagged union",
      Schema.Union(Schema.TaggedStruct("A", { a: Schema.String }), Schema.TaggedStruct("B", { b: Schema.Number })),
      {
        type: "object",
        properties: { _tag: { type: "string", enum: ["A", "B"] }, a: { type: "string" }, b: { type: "number" } },
        required: ["_tag"],
        additionalProperties: false
      }
    ],
    [
      "union with a field of different types",
      Schema.Union(Schema.Struct({ v: Schema.String }), Schema.Struct({ v: Schema.Number, w: Schema.Boolean })),
      {
        type: "object",
        properties: { v: { anyOf: [{ type: "string" }, { type: "number" }] }, w: { type: "boolean" } },
        required: ["v"],
        additionalProperties: false
      }
    ],
    [
      "record",
      Schema.Record({ key: Schema.String, value: Schema.Number }),
      { type: "object", required: [], properties: {}, additionalProperties: { type: "number" } }
    ],
    ["branded", Schema.Struct({ id: UserId }), closedObject({ id: { type: "string" } }, ["id"])],
    [
      "transformations (the encoded side)",
      Schema.Struct({ n: Schema.NumberFromString }),
      closedObject({ n: { type: "string", description: "a string to be decoded into a number" } }, ["n"])
    ],
    [
      "annotations",
      Schema.Struct({ a: Schema.String.annotations({ description: "An a" }) }).annotations({
        identifier: "Named",
        title: "T",
        description: "D"
      }),
      { ...closedObject({ a: { type: "string", description: "An a" } }, ["a"]), title: "T", description: "D" }
    ],
    ["class", Point, closedObject({ x: { type: "number" }, y: { type: "number" } }, ["x", "y"])],
    [
      "extended by a union",
      Schema.extend(
        Schema.Struct({ a: Schema.String }),
        Schema.Union(Schema.Struct({ b: Schema.String }), Schema.Struct({ c: Schema.String }))
      ),
      closedObject({ a: { type: "string" }, b: { type: "string" }, c: { type: "string" } }, ["a"])
    ],
    [
      "object",
      Schema.Object,
      {
        type: "object",
        title: "object",
        description: "an object in the TypeScript meaning, i.e. the `object` type"
      }
    ]
  ]
  for (const [name, schema, expected] of cases) {
    it(`${name}`, () => {
      const actual = toolInputSchema(schema)
      expect(actual).toEqual(expected)
      expectPlain(actual)
    })
  }

  it("recursive: the definition at the top, $defs kept", () => {
    const actual = toolInputSchema(Category)
    expectPlain(actual)
    expect(actual.properties).toEqual({
      name: { type: "string" },
      children: { type: "array", items: { $ref: "#/$defs/Category" } }
    })
    expect(Object.keys(actual.$defs as object)).toEqual(["Category"])
  })

  it("a union with a recursive member resolves it before flattening", () => {
    const actual = toolInputSchema(Schema.Union(Category, Schema.Struct({ leaf: Schema.Boolean })))
    expectPlain(actual)
    expect(Object.keys(actual.properties as object)).toEqual(["name", "children", "leaf"])
    expect(actual.required).toBeUndefined()
    expect(Object.keys(actual.$defs as object)).toEqual(["Category"])
  })

  it("a JSON Schema already made: $id removed at every depth, oneOf and allOf also flattened", () => {
    expect(
      plainObjectSchema({
        $id: "/schemas/x",
        oneOf: [closedObject({ a: { $id: "/schemas/y", type: "string" } }, ["a"]), closedObject({ b: {} }, ["b"])]
      })
    ).toEqual({ type: "object", properties: { a: { type: "string" }, b: {} }, additionalProperties: false })
    expect(plainObjectSchema({ allOf: [{ type: "string" }] })).toEqual({ type: "object" })
    expect(
      plainObjectSchema({ allOf: [closedObject({ a: { type: "string" } }, ["a"]), closedObject({ b: {} }, ["b"])] })
    ).toEqual(closedObject({ a: { type: "string" }, b: {} }, ["a", "b"]))
  })
})
