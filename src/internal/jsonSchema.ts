/**
 * Schema → JSON Schema for tool parameters and structured output.
 *
 * `effect`'s `JSONSchema.make` puts every named sub-schema (`Int`, `Date`, classes) in `$defs` and
 * refers to it. Models follow an inline schema better, and several providers reject `$ref`, so
 * definitions that are not recursive are inlined; only recursive ones keep their `$defs` entry.
 */
import { JSONSchema, Predicate, type Schema } from "effect"
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
