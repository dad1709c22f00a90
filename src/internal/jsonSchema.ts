/**
 * Schema → JSON Schema for tool parameters and structured output.
 *
 * `effect`'s `JSONSchema.make` puts every named sub-schema (`Int`, `Date`, classes) in `$defs` and
 * refers to it. Models follow an inline schema better, and several providers reject `$ref`, so
 * definitions that are not recursive are inlined; only recursive ones keep their `$defs` entry.
 *
 * A tool's input schema must be a plain object schema: Anthropic rejects `anyOf`, `oneOf` and
 * `allOf` at the top, and `effect` writes `$id` markers and an object-or-array union for `{}`.
 * `toolInputSchema` removes both (a union of objects becomes one object holding every variant's
 * properties; the handler's decoding still checks which variant was sent).
 */
import * as JSONSchema from "effect/JSONSchema"
import * as Predicate from "effect/Predicate"
import type * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import type { JsonSchema } from "../Model.js"

type JsonObject = Readonly<Record<string, unknown>>

const definitionPrefix = "#/$defs/"

const refName = (value: JsonObject): string | undefined => {
  const ref = value.$ref
  return typeof ref === "string" && ref.startsWith(definitionPrefix) ? ref.slice(definitionPrefix.length) : undefined
}

/** The names of the definitions `value` refers to, directly. */
const collectRefs = (value: unknown, into: Set<string>): void => {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into)
    return
  }
  if (!Predicate.isRecord(value)) return
  const name = refName(value)
  if (name !== undefined) into.add(name)
  for (const key in value) collectRefs(value[key], into)
}

/** The definitions that can reach themselves through references: they cannot be inlined. */
const recursiveDefinitions = (definitions: JsonObject): ReadonlySet<string> => {
  const edges = new Map<string, Set<string>>()
  for (const name in definitions) {
    const refs = new Set<string>()
    collectRefs(definitions[name], refs)
    edges.set(name, refs)
  }
  const recursive = new Set<string>()
  for (const start of edges.keys()) {
    const seen = new Set<string>()
    const stack = [...(edges.get(start) ?? [])]
    while (stack.length > 0) {
      const next = stack.pop()!
      if (next === start) {
        recursive.add(start)
        break
      }
      if (seen.has(next)) continue
      seen.add(next)
      for (const ref of edges.get(next) ?? []) stack.push(ref)
    }
  }
  return recursive
}

const inline = (value: unknown, definitions: JsonObject, keep: ReadonlySet<string>): unknown => {
  if (Array.isArray(value)) return value.map((item) => inline(item, definitions, keep))
  if (!Predicate.isRecord(value)) return value
  const name = refName(value)
  if (name !== undefined && !keep.has(name) && Predicate.isRecord(definitions[name])) {
    const { $ref: _ref, ...siblings } = value
    return inline({ ...definitions[name], ...siblings }, definitions, keep)
  }
  const result: Record<string, unknown> = {}
  for (const key in value) result[key] = inline(value[key], definitions, keep)
  return result
}

/** The JSON Schema of `schema`'s encoded side, with non-recursive definitions inlined and no `$schema`. */
export const fromSchema = <A, I, R>(schema: Schema.Schema<A, I, R>): JsonSchema => {
  const { $schema: _dialect, $defs, ...root } = JSONSchema.make(schema, { target: "jsonSchema2020-12" })
  const definitions: JsonObject = $defs ?? {}
  const keep = recursiveDefinitions(definitions)
  // A recursive schema at the top is itself a reference: start from its definition.
  const topName = refName(root)
  const start = topName !== undefined && Predicate.isRecord(definitions[topName]) ? definitions[topName] : root
  const inlined = inline(start, definitions, keep)
  const result: Record<string, unknown> = Predicate.isRecord(inlined) ? { ...inlined } : {}
  if (keep.size > 0) {
    const kept: Record<string, unknown> = {}
    for (const name of keep) kept[name] = inline(definitions[name], definitions, keep)
    result.$defs = kept
  }
  return result
}

/** Whether a JSON Schema describes a JSON object (so it can be a tool's input schema as is). */
export const isObjectSchema = (schema: JsonSchema): boolean => schema.type === "object"

/**
 * Makes the top level an object schema, which tool inputs require (Anthropic rejects anything
 * else): a union of objects gets `type: "object"` next to its `anyOf`.
 */
export const toObjectSchema = (schema: JsonSchema): JsonSchema => {
  if (isObjectSchema(schema)) return schema
  return { type: "object", ...schema }
}

/** The name under which a non-object output is wrapped, so the model always answers with an object. */
export const wrapperKey = "response"

/** Wraps a non-object schema as `{ response: <schema> }`, keeping its `$defs` at the top. */
export const wrapInObject = (schema: JsonSchema): JsonSchema => {
  const { $defs, ...inner } = schema
  return {
    type: "object",
    properties: { [wrapperKey]: inner },
    required: [wrapperKey],
    additionalProperties: false,
    ...($defs === undefined ? {} : { $defs })
  }
}

/** `effect` marks the schemas it cannot name otherwise (`{}`, `object`, `unknown`) with an `$id`. */
const withoutIds = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutIds)
  if (!Predicate.isRecord(value)) return value
  const result: Record<string, unknown> = {}
  for (const key in value) if (key !== "$id") result[key] = withoutIds(value[key])
  return result
}

/** Whether the encoded side of `ast` is a struct without fields (`Schema.Struct({})`). */
const isEmptyStruct = (ast: SchemaAST.AST): boolean => {
  const encoded = SchemaAST.encodedAST(ast)
  return (
    SchemaAST.isTypeLiteral(encoded) && encoded.propertySignatures.length === 0 && encoded.indexSignatures.length === 0
  )
}

const combinators = ["anyOf", "oneOf", "allOf"] as const

/** The combinator at the top of `schema` and its members, when there is one. */
const topCombinator = (schema: JsonObject): ReadonlyArray<unknown> | undefined => {
  for (const key of combinators) {
    const members = schema[key]
    if (Array.isArray(members)) return members
  }
  return undefined
}

const resolve = (value: unknown, definitions: JsonObject): unknown => {
  if (!Predicate.isRecord(value)) return value
  const name = refName(value)
  return name !== undefined && Predicate.isRecord(definitions[name]) ? definitions[name] : value
}

/** `{ type: "object" }` or `{ type: "array" }` with nothing else: `effect`'s rendering of `{}` and `object`. */
const isBareContainer = (value: unknown): boolean =>
  Predicate.isRecord(value) && Object.keys(value).length === 1 && (value.type === "object" || value.type === "array")

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** The string literals a property allows, when it is exactly `{ type: "string", enum }`. */
const stringEnum = (value: unknown): ReadonlyArray<unknown> | undefined =>
  Predicate.isRecord(value) && value.type === "string" && Array.isArray(value.enum) && Object.keys(value).length === 2
    ? value.enum
    : undefined

/** One schema for a property that several variants declare, differently or not. */
const mergeProperty = (schemas: ReadonlyArray<unknown>): unknown => {
  if (schemas.length === 1) return schemas[0]
  const enums = schemas.map(stringEnum)
  if (enums.every((values) => values !== undefined)) {
    return { type: "string", enum: [...new Set(enums.flat())] }
  }
  return { anyOf: schemas }
}

/** The object variants of a union, each flattened itself; undefined when one is not an object. */
const objectVariants = (members: ReadonlyArray<unknown>, definitions: JsonObject): Array<JsonObject> | undefined => {
  const variants: Array<JsonObject> = []
  for (const member of members) {
    const resolved = resolve(member, definitions)
    if (!Predicate.isRecord(resolved)) return undefined
    const nested = topCombinator(resolved)
    if (nested !== undefined) {
      const inner = objectVariants(nested, definitions)
      if (inner === undefined) return undefined
      variants.push(...inner)
    } else if (resolved.type === "object") {
      variants.push(resolved)
    } else {
      return undefined
    }
  }
  return variants
}

/**
 * One object schema holding the fields of all `variants`: for `anyOf` and `oneOf` a field is
 * required where every variant requires it, for `allOf` where any does.
 */
const flattenVariants = (variants: ReadonlyArray<JsonObject>, combinator: "allOf" | "anyOf"): JsonObject => {
  const properties = new Map<string, Array<unknown>>()
  for (const variant of variants) {
    const own = Predicate.isRecord(variant.properties) ? variant.properties : {}
    for (const key in own) {
      const known = properties.get(key) ?? []
      if (!known.some((schema) => sameJson(schema, own[key]))) known.push(own[key])
      properties.set(key, known)
    }
  }
  const requiredBy = (variant: JsonObject): ReadonlyArray<unknown> =>
    Array.isArray(variant.required) ? variant.required : []
  const requires = (key: string) => (variant: JsonObject) => requiredBy(variant).includes(key)
  const required = [...properties.keys()].filter((key) =>
    combinator === "allOf" ? variants.some(requires(key)) : variants.every(requires(key))
  )
  const additional = variants.map((variant) => variant.additionalProperties)
  const first = additional[0]
  const result: Record<string, unknown> = {
    type: "object",
    properties: Object.fromEntries([...properties].map(([key, schemas]) => [key, mergeProperty(schemas)]))
  }
  if (required.length > 0) result.required = required
  if (first !== undefined && additional.every((value) => sameJson(value, first))) result.additionalProperties = first
  return result
}

/**
 * The input schema of a tool taking `schema`: a plain object schema with no `$id` and no
 * combinator at the top. `Schema.Struct({})` becomes a closed empty object; a union of objects
 * becomes one object; `$defs` of recursive schemas stay at the top.
 */
export const toolInputSchema = <A, I, R>(schema: Schema.Schema<A, I, R>): JsonSchema =>
  isEmptyStruct(schema.ast)
    ? { type: "object", properties: {}, additionalProperties: false }
    : plainObjectSchema(fromSchema(schema))

/** `toolInputSchema` for a JSON Schema already made: see there. */
export const plainObjectSchema = (schema: JsonSchema): JsonSchema => {
  const cleaned = withoutIds(schema)
  if (!Predicate.isRecord(cleaned)) return { type: "object" }
  const { anyOf: _anyOf, oneOf: _oneOf, allOf: _allOf, $defs, ...rest } = cleaned
  const members = topCombinator(cleaned)
  if (members === undefined) return { ...rest, type: "object", ...($defs === undefined ? {} : { $defs }) }
  const definitions: JsonObject = Predicate.isRecord($defs) ? $defs : {}
  const variants = members.every(isBareContainer) ? undefined : objectVariants(members, definitions)
  // `object`, `unknown` and unions with a non-object member allow any object: say no more than that.
  const body =
    variants === undefined
      ? { type: "object" }
      : flattenVariants(variants, Array.isArray(cleaned.allOf) ? "allOf" : "anyOf")
  return { ...rest, ...body, ...($defs === undefined ? {} : { $defs }) }
}
