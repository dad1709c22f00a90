import { describe, expect, it } from "@effect/vitest"
import { JSONSchema, Schema } from "effect"
import fc from "fast-check"
import { generate, mixSeed, Random } from "../../src/testing/internal/jsonSchemaValues.js"

interface Category {
  readonly name: string
  readonly subcategories: ReadonlyArray<Category>
}
const Category: Schema.Schema<Category> = Schema.Struct({
  name: Schema.String,
  subcategories: Schema.Array(Schema.suspend(() => Category))
}).annotations({ identifier: "Category" })

const Address = Schema.Struct({
  street: Schema.NonEmptyString,
  city: Schema.String.pipe(Schema.minLength(2), Schema.maxLength(20)),
  zip: Schema.String.pipe(Schema.pattern(/^\d{5}(-\d{4})?$/)),
  country: Schema.optional(Schema.Literal("FR", "DE", "US"))
})

/** Schemas of the kinds tool parameters use; each must accept every value generated for it. */
const schemas = {
  scalars: Schema.Struct({
    text: Schema.String,
    flag: Schema.Boolean,
    nothing: Schema.Null,
    amount: Schema.Number,
    count: Schema.Int
  }),
  numbersWithBounds: Schema.Struct({
    percent: Schema.Number.pipe(Schema.between(0, 100)),
    positive: Schema.Positive,
    negative: Schema.Negative,
    nonNegativeInt: Schema.NonNegativeInt,
    positiveInt: Schema.Int.pipe(Schema.positive()),
    exclusive: Schema.Number.pipe(Schema.greaterThan(2), Schema.lessThan(3)),
    narrowExclusive: Schema.Number.pipe(Schema.greaterThan(0.1), Schema.lessThan(0.10001)),
    intRange: Schema.Int.pipe(Schema.between(-5, 5)),
    evenInRange: Schema.Int.pipe(Schema.between(-9, 9), Schema.multipleOf(2)),
    halfSteps: Schema.Number.pipe(Schema.multipleOf(0.5), Schema.between(1, 3)),
    tenths: Schema.Number.pipe(Schema.multipleOf(0.1)),
    large: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1_000_000)),
    belowMinusThousand: Schema.Number.pipe(Schema.lessThan(-1000))
  }),
  strings: Schema.Struct({
    nonEmpty: Schema.NonEmptyString,
    trimmed: Schema.Trimmed,
    nonEmptyTrimmed: Schema.NonEmptyTrimmedString,
    exactLength: Schema.String.pipe(Schema.length(4)),
    bounded: Schema.String.pipe(Schema.minLength(3), Schema.maxLength(5)),
    char: Schema.Char,
    uuid: Schema.UUID,
    ulid: Schema.ULID,
    identifier: Schema.String.pipe(Schema.pattern(/^[a-z_][a-z0-9_]*$/)),
    email: Schema.String.pipe(Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/)),
    template: Schema.TemplateLiteral("order-", Schema.Number)
  }),
  enums: Schema.Struct({
    color: Schema.Literal("red", "green", "blue"),
    mixed: Schema.Literal("a", 1, true),
    single: Schema.Literal("only"),
    native: Schema.Enums({ Low: "low", High: 10 })
  }),
  optionalFields: Schema.Struct({
    required: Schema.String,
    maybe: Schema.optional(Schema.Number),
    maybeObject: Schema.optional(Schema.Struct({ inner: Schema.Boolean })),
    nullable: Schema.NullOr(Schema.String),
    nullish: Schema.optional(Schema.NullishOr(Schema.Number))
  }),
  nested: Schema.Struct({
    customer: Schema.Struct({
      name: Schema.String,
      address: Address,
      previous: Schema.Array(Address).pipe(Schema.maxItems(2))
    }),
    order: Schema.Struct({
      lines: Schema.NonEmptyArray(
        Schema.Struct({ sku: Schema.String, quantity: Schema.Int.pipe(Schema.between(1, 10)) })
      ),
      notes: Schema.optional(Schema.Array(Schema.String))
    })
  }),
  arrays: Schema.Struct({
    plain: Schema.Array(Schema.Number),
    bounded: Schema.Array(Schema.Boolean).pipe(Schema.minItems(2), Schema.maxItems(4)),
    exact: Schema.Array(Schema.String).pipe(Schema.itemsCount(3)),
    nonEmpty: Schema.NonEmptyArray(Schema.Literal("x", "y")),
    matrix: Schema.Array(Schema.Array(Schema.Int)),
    tuple: Schema.Tuple(Schema.String, Schema.Number),
    tupleWithRest: Schema.Tuple([Schema.String], Schema.Int),
    tupleWithOptional: Schema.Tuple(Schema.String, Schema.optionalElement(Schema.Boolean))
  }),
  records: Schema.Struct({
    counts: Schema.Record({ key: Schema.String, value: Schema.Int }),
    literalKeys: Schema.Record({ key: Schema.Literal("a", "b"), value: Schema.String }),
    patternKeys: Schema.Record({ key: Schema.String.pipe(Schema.pattern(/^k_/)), value: Schema.Number }),
    longKeys: Schema.Record({ key: Schema.String.pipe(Schema.minLength(3)), value: Schema.Boolean })
  }),
  unions: Schema.Struct({
    shape: Schema.Union(
      Schema.TaggedStruct("Circle", { radius: Schema.Positive }),
      Schema.TaggedStruct("Square", { side: Schema.Positive }),
      Schema.TaggedStruct("Point", {})
    ),
    stringOrNumber: Schema.Union(Schema.String, Schema.Number)
  }),
  recursive: Schema.Struct({ root: Category, extra: Schema.optional(Category) }),
  classes: Schema.Struct({
    value: Schema.Class<{ readonly a: number }>("Point")({ a: Schema.Int.pipe(Schema.between(0, 3)) })
  })
} as const

const targets = ["jsonSchema7", "jsonSchema2019-09", "jsonSchema2020-12", "openApi3.1"] as const

describe("jsonSchemaValues.generate", () => {
  const cases: ReadonlyArray<readonly [string, Schema.Schema.AnyNoContext]> = Object.entries(schemas)
  for (const [name, schema] of cases) {
    it(`generates values that decode with their own Effect Schema: ${name}`, () => {
      const decode = Schema.decodeUnknownSync(Schema.encodedSchema(schema))
      const jsonSchemas = targets.map((target) => JSONSchema.make(schema, { target }))
      fc.assert(
        fc.property(fc.integer(), fc.constantFrom(...jsonSchemas), (seed, jsonSchema) => {
          const value = generate(jsonSchema, seed)
          decode(value)
          // The encoded side decodes into the type, too (classes, refinements on both sides).
          Schema.decodeUnknownSync(schema)(value)
          // Values survive JSON unchanged, so a streamed tool call equals the non-streamed one.
          expect(JSON.parse(JSON.stringify(value))).toStrictEqual(value)
        }),
        { numRuns: 150 }
      )
    })
  }

  it("is deterministic for a seed and varies across seeds", () => {
    const jsonSchema = JSONSchema.make(schemas.nested)
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expect(generate(jsonSchema, seed)).toStrictEqual(generate(jsonSchema, seed))
      })
    )
    const distinct = new Set(Array.from({ length: 20 }, (_, seed) => JSON.stringify(generate(jsonSchema, seed))))
    expect(distinct.size).toBeGreaterThan(15)
  })

  it("includes optional properties for some seeds and leaves them out for others", () => {
    const jsonSchema = JSONSchema.make(schemas.optionalFields)
    const present = Array.from({ length: 40 }, (_, seed) => generate(jsonSchema, seed)).map((value) =>
      Object.keys(value as object).includes("maybe")
    )
    expect(present).toContain(true)
    expect(present).toContain(false)
  })

  it("reaches every enum member and every union branch across seeds", () => {
    const jsonSchema = JSONSchema.make(
      Schema.Struct({ shape: schemas.unions.fields.shape, color: schemas.enums.fields.color })
    )
    const values = Array.from({ length: 60 }, (_, seed) =>
      Schema.decodeUnknownSync(
        Schema.Struct({
          shape: schemas.unions.fields.shape,
          color: schemas.enums.fields.color
        })
      )(generate(jsonSchema, seed))
    )
    expect(new Set(values.map((value) => value.shape._tag))).toEqual(new Set(["Circle", "Square", "Point"]))
    expect(new Set(values.map((value) => value.color))).toEqual(new Set(["red", "green", "blue"]))
  })

  it("ends recursion: deep levels keep arrays at their minimum length", () => {
    const depthOf = (category: Category): number =>
      1 + Math.max(0, ...category.subcategories.map((child) => depthOf(child)))
    const jsonSchema = JSONSchema.make(Category)
    for (let seed = 0; seed < 50; seed++) {
      const value = Schema.decodeUnknownSync(Category)(generate(jsonSchema, seed))
      expect(depthOf(value)).toBeLessThanOrEqual(4)
    }
  })

  it("handles hand-written schemas: const, enum, oneOf, allOf, type lists, draft-04 bounds, $ref to the root", () => {
    const schema = {
      type: "object",
      definitions: { positive: { type: "integer", minimum: 0, exclusiveMinimum: true, maximum: 3 } },
      properties: {
        version: { const: { major: 1, tags: ["a"] } },
        level: { enum: ["low", 2, null] },
        either: { oneOf: [{ type: "string", maxLength: 0 }, { type: "boolean" }] },
        both: { allOf: [{ type: "number", minimum: 5 }, { maximum: 5 }] },
        typeList: { type: ["integer", "null"], minimum: 7, maximum: 7 },
        counter: { $ref: "#/definitions/positive" },
        child: { anyOf: [{ $ref: "#" }, { type: "null" }] },
        anything: {},
        alwaysTrue: true
      },
      required: ["version", "level", "either", "both", "typeList", "counter", "child", "anything", "alwaysTrue"],
      additionalProperties: false
    } as const
    const check = (value: unknown, depth: number): void => {
      expect(value).toBeTypeOf("object")
      const record = value as Record<string, unknown>
      expect(Object.keys(record).sort()).toEqual([...schema.required].sort())
      expect(record.version).toEqual({ major: 1, tags: ["a"] })
      expect(["low", 2, null]).toContainEqual(record.level)
      expect(record.either === "" || typeof record.either === "boolean").toBe(true)
      expect(record.both).toBe(5)
      expect(record.typeList === 7 || record.typeList === null).toBe(true)
      expect([1, 2, 3]).toContain(record.counter)
      expect(record.anything).not.toBeUndefined()
      expect(record.alwaysTrue).not.toBeUndefined()
      if (record.child !== null) check(record.child, depth + 1)
      expect(depth).toBeLessThan(70)
    }
    for (let seed = 0; seed < 50; seed++) check(generate(schema, seed), 0)
  })

  it("gives 2020-12 tuples, contains, uniqueItems and min/maxProperties", () => {
    const schema = {
      type: "object",
      properties: {
        pair: { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], items: false, minItems: 2 },
        distinct: { type: "array", items: { enum: [1, 2, 3] }, uniqueItems: true, minItems: 3 },
        withFive: { type: "array", items: { type: "integer" }, contains: { const: 5 } },
        bag: { type: "object", additionalProperties: { type: "string" }, minProperties: 2, maxProperties: 3 }
      },
      required: ["pair", "distinct", "withFive", "bag"]
    }
    for (let seed = 0; seed < 50; seed++) {
      const value = generate(schema, seed) as {
        pair: [unknown, unknown]
        distinct: Array<number>
        withFive: Array<number>
        bag: Record<string, unknown>
      }
      expect(value.pair).toHaveLength(2)
      expect(typeof value.pair[0]).toBe("string")
      expect(Number.isInteger(value.pair[1])).toBe(true)
      expect([...value.distinct].sort()).toEqual([1, 2, 3])
      expect(value.withFive).toContain(5)
      const bagSize = Object.keys(value.bag).length
      expect(bagSize).toBeGreaterThanOrEqual(2)
      expect(bagSize).toBeLessThanOrEqual(3)
      for (const item of Object.values(value.bag)) expect(typeof item).toBe("string")
    }
  })

  it("produces well-formed strings for common formats", () => {
    const formats = {
      "date-time": (text: string) =>
        !Number.isNaN(Date.parse(text)) && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text),
      date: (text: string) => /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d)$/.test(text),
      time: (text: string) => /^([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/.test(text),
      email: (text: string) => /^[a-z]+@example\.com$/.test(text),
      uri: (text: string) => URL.canParse(text),
      uuid: (text: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(text),
      ipv4: (text: string) => text.split(".").every((octet) => Number(octet) >= 0 && Number(octet) <= 255),
      ipv6: (text: string) => URL.canParse(`http://[${text}]/`),
      hostname: (text: string) => URL.canParse(`http://${text}/`)
    }
    for (const [format, valid] of Object.entries(formats)) {
      for (let seed = 0; seed < 20; seed++) {
        const value = generate({ type: "string", format }, seed)
        expect(typeof value === "string" && valid(value), `${format}: ${String(value)}`).toBe(true)
      }
    }
  })

  it("matches patterns (a regular-expression subset) and length bounds together", () => {
    const patterns = [
      "^[A-Z]{2}-\\d{3,5}$",
      "^(foo|bar)+baz?$",
      "^\\w+@\\w+\\.(com|org)$",
      "^[^aeiou\\s]{4}$",
      "^#[0-9a-fA-F]{6}$",
      "^(?:\\+\\d{1,3} )?\\(\\d{3}\\) \\d{3}-\\d{4}$",
      "^v\\d+\\.\\d+\\.\\d+(-[a-z]+)?$",
      "ab*c",
      "^\\u0041\\x42[.]$",
      "^(?<year>\\d{4})-(?<month>0[1-9]|1[0-2])$"
    ]
    for (const pattern of patterns) {
      const regex = new RegExp(pattern, "u")
      for (let seed = 0; seed < 30; seed++) {
        const value = generate({ type: "string", pattern }, seed)
        expect(typeof value === "string" && regex.test(value), `${pattern}: ${String(value)}`).toBe(true)
      }
    }
    for (let seed = 0; seed < 30; seed++) {
      const value = generate({ type: "string", pattern: "^[a-z]+$", minLength: 6, maxLength: 7 }, seed)
      expect(value).toMatch(/^[a-z]{6,7}$/)
    }
  })

  it("keeps integers and numbers inside every kind of bound", () => {
    const cases: ReadonlyArray<readonly [Record<string, unknown>, (value: number) => boolean]> = [
      [{ type: "integer", exclusiveMinimum: 10, exclusiveMaximum: 12 }, (value) => value === 11],
      [{ type: "integer", minimum: 1.5, maximum: 2.5 }, (value) => value === 2],
      [{ type: "integer", multipleOf: 7, minimum: 20, maximum: 30 }, (value) => value === 21 || value === 28],
      [{ type: "integer", multipleOf: 2.5 }, (value) => Number.isInteger(value) && value % 5 === 0],
      [{ type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1e-9 }, (value) => value > 0 && value < 1e-9],
      [{ type: "number", minimum: 1e12 }, (value) => value >= 1e12 && value <= 1e12 + 100],
      [{ type: "number", maximum: -50, minimum: -50 }, (value) => value === -50],
      [{ type: "number", multipleOf: 0.01, minimum: 0.5, maximum: 0.52 }, (value) => [0.5, 0.51, 0.52].includes(value)],
      [
        { type: "number", minimum: 5, exclusiveMinimum: true, maximum: 6, exclusiveMaximum: true },
        (value) => value > 5 && value < 6
      ]
    ]
    for (const [schema, valid] of cases) {
      for (let seed = 0; seed < 40; seed++) {
        const value = generate(schema, seed)
        expect(typeof value === "number" && valid(value), `${JSON.stringify(schema)}: ${String(value)}`).toBe(true)
      }
    }
    // Never -0, which JSON would turn into 0.
    for (let seed = 0; seed < 40; seed++)
      expect(Object.is(generate({ type: "integer", maximum: 0, minimum: 0 }, seed), -0)).toBe(false)
  })

  it("gives a best-effort value instead of failing on unsatisfiable or unknown schemas", () => {
    expect(generate(false, 1)).toBeNull()
    expect(generate({ type: "object", properties: { a: false }, required: ["a"] }, 1)).toEqual({ a: null })
    expect(generate({ $ref: "#/$defs/missing" }, 1)).toBeTypeOf("string")
    expect(generate({ $ref: "https://example.com/schema.json" }, 1)).toBeTypeOf("string")
    expect(generate({ $defs: { loop: { $ref: "#/$defs/loop" } }, $ref: "#/$defs/loop" }, 1)).toBeNull()
    expect(generate({ type: "string", pattern: "(unbalanced" }, 1)).toBeTypeOf("string")
    const infinite = { type: "object", properties: { next: { $ref: "#" } }, required: ["next"] }
    expect(() => JSON.stringify(generate(infinite, 1))).not.toThrow()
  })
})

describe("jsonSchemaValues.Random", () => {
  it("is a deterministic source of numbers in [0, 1)", () => {
    const first = new Random(42)
    const second = new Random(42)
    const values = Array.from({ length: 1000 }, () => first.next())
    expect(values).toEqual(Array.from({ length: 1000 }, () => second.next()))
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true)
    expect(new Set(values).size).toBe(1000)
  })

  it("mixes a seed with a name into distinct seeds", () => {
    expect(mixSeed(0, "get_weather")).toBe(mixSeed(0, "get_weather"))
    expect(mixSeed(0, "get_weather")).not.toBe(mixSeed(1, "get_weather"))
    expect(mixSeed(0, "get_weather")).not.toBe(mixSeed(0, "get_time"))
  })
})
