/**
 * A deterministic, seeded generator of JSON values that are valid for a JSON Schema. `TestModel`
 * uses it to invent tool arguments and structured output, so a test gets the same values for the
 * same seed and different (still valid) values across seeds.
 *
 * It covers what `effect`'s `JSONSchema.make` and hand-written tool schemas use: objects with
 * required and optional properties, records (`additionalProperties`, `patternProperties`,
 * `propertyNames`), arrays and tuples (draft-07 `items`/`additionalItems` and 2020-12
 * `prefixItems`), `enum`, `const`, `anyOf`/`oneOf`/`allOf`, `$ref` into `$defs`/`definitions`
 * (recursion included), strings with `minLength`/`maxLength`, common `format`s and a regular
 * expression subset for `pattern`, integers and numbers with inclusive/exclusive bounds and
 * `multipleOf`, booleans and `null`. Unsatisfiable schemas get a best-effort value, never an error.
 */
import * as Predicate from "effect/Predicate"
import { integerStep, nearlyEqual, normalize, roundLike } from "./numberSteps.js"
import type { Schema, SchemaObject } from "./schemaKeywords.js"
import {
  arrayOf,
  isObjectSchema,
  isTerminal,
  mergeSchemas,
  numberOf,
  recordOf,
  schemaOf,
  withoutKeys
} from "./schemaKeywords.js"
import { compile, matches, parsePattern, regexString } from "./schemaPatterns.js"
import { Random } from "./seededRandom.js"

export { mixSeed, Random } from "./seededRandom.js"
export type { Schema }

/** Options of `generate`. */
export interface Options {
  /** Nesting depth after which optional properties are left out and arrays keep their minimum length. */
  readonly maxDepth?: number | undefined
}

/**
 * A value valid for `schema`, the same for the same `seed`. Any object is accepted as a schema, so
 * `JSONSchema.make`'s result can be passed as it is.
 */
export const generate = (schema: boolean | object, seed: number, options: Options = {}): unknown => {
  const root = schemaOf(schema)
  return new Generator(root, new Random(seed), options.maxDepth ?? 4).value(root, 0)
}

// Past this depth the schema requires infinite nesting (or a `$ref` cycle): give up with null.
const hardDepthLimit = 64

const letters = "abcdefghijklmnopqrstuvwxyz"

class Generator {
  constructor(
    private readonly root: Schema,
    private readonly random: Random,
    private readonly maxDepth: number
  ) {}

  value(schema: Schema, depth: number): unknown {
    if (depth > hardDepthLimit || schema === false) return null
    if (schema === true) return this.anyValue()
    const resolved = this.resolve(schema, depth)
    if (resolved === undefined) return null

    if ("const" in resolved) return structuredClone(resolved.const)
    const choices = arrayOf(resolved, "enum")
    if (choices !== undefined && choices.length > 0) return structuredClone(this.random.pick(choices))

    const branches = arrayOf(resolved, "anyOf") ?? arrayOf(resolved, "oneOf")
    if (branches !== undefined && branches.length > 0) {
      const branch = this.pickBranch(branches, depth)
      const rest = withoutKeys(resolved, ["anyOf", "oneOf"])
      return this.value(isObjectSchema(branch) ? mergeSchemas(rest, branch) : schemaOf(branch), depth)
    }

    switch (this.typeOf(resolved, depth)) {
      case "object":
        return this.object(resolved, depth)
      case "array":
        return this.array(resolved, depth)
      case "string":
        return this.string(resolved)
      case "integer":
        return this.number(resolved, true)
      case "number":
        return this.number(resolved, false)
      case "boolean":
        return this.random.coin()
      case "null":
        return null
      default:
        return this.anyValue()
    }
  }

  /** Follows `$ref`s and folds `allOf` in, so the result holds every constraint on one level. */
  private resolve(schema: SchemaObject, depth: number): SchemaObject | undefined {
    let current = schema
    for (let hops = 0; hops < hardDepthLimit; hops++) {
      const ref = current.$ref
      const allOf = arrayOf(current, "allOf")
      if (typeof ref === "string") {
        const target = this.lookup(ref)
        if (target === false) return undefined
        // Keywords next to a `$ref` (e.g. `exclusiveMinimum` on an `Int`) apply as well.
        current = mergeSchemas(target === true ? {} : target, withoutKeys(current, ["$ref"]))
      } else if (allOf !== undefined) {
        let merged = withoutKeys(current, ["allOf"])
        for (const part of allOf) {
          if (part === false) return undefined
          if (isObjectSchema(part)) merged = mergeSchemas(merged, this.resolve(part, depth) ?? {})
        }
        current = merged
      } else return current
    }
    return undefined
  }

  private lookup(ref: string): Schema {
    if (ref === "#") return this.root
    if (!ref.startsWith("#/")) return true // external documents are not fetched: anything goes
    let node: unknown = this.root
    for (const raw of ref.slice(2).split("/")) {
      const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~")
      node = isObjectSchema(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined
    }
    return schemaOf(node)
  }

  private pickBranch(branches: ReadonlyArray<unknown>, depth: number): unknown {
    if (depth >= this.maxDepth) {
      // Deep inside a recursive schema, prefer a branch that ends the recursion (usually `null`).
      const terminal = branches.find(isTerminal)
      if (terminal !== undefined) return terminal
    }
    return this.random.pick(branches)
  }

  private typeOf(schema: SchemaObject, depth: number): string | undefined {
    const type = schema.type
    if (typeof type === "string") return type
    if (Array.isArray(type) && type.length > 0) {
      if (depth >= this.maxDepth && type.includes("null")) return "null"
      const chosen = this.random.pick(type)
      return typeof chosen === "string" ? chosen : undefined
    }
    if ("properties" in schema || "required" in schema || "additionalProperties" in schema) return "object"
    if ("patternProperties" in schema || "propertyNames" in schema) return "object"
    if ("items" in schema || "prefixItems" in schema || "minItems" in schema || "maxItems" in schema) return "array"
    if ("minLength" in schema || "maxLength" in schema || "pattern" in schema || "format" in schema) return "string"
    if ("minimum" in schema || "maximum" in schema || "exclusiveMinimum" in schema || "exclusiveMaximum" in schema) {
      return "number"
    }
    if ("multipleOf" in schema) return "number"
    return undefined
  }

  private anyValue(): unknown {
    return this.word(3, 8)
  }

  // -------------------------------------------------------------------------------------------
  // Objects
  // -------------------------------------------------------------------------------------------

  private object(schema: SchemaObject, depth: number): Record<string, unknown> {
    const properties = recordOf(schema, "properties") ?? {}
    const required = new Set((arrayOf(schema, "required") ?? []).filter(Predicate.isString))
    const minProperties = numberOf(schema, "minProperties") ?? 0
    const maxProperties = numberOf(schema, "maxProperties") ?? Number.POSITIVE_INFINITY
    const shallow = depth < this.maxDepth
    const result: Record<string, unknown> = {}
    let count = 0

    const optional: Array<string> = []
    for (const name of Object.keys(properties)) {
      if (required.has(name)) {
        result[name] = this.value(schemaOf(properties[name]), depth + 1)
        count++
      } else optional.push(name)
    }
    for (const name of required) {
      if (name in result) continue
      result[name] = this.value(this.extraValueSchema(schema, name), depth + 1)
      count++
    }
    for (const name of optional) {
      const wanted = count < minProperties || (shallow && count < maxProperties && this.random.coin())
      if (!wanted) continue
      result[name] = this.value(schemaOf(properties[name]), depth + 1)
      count++
    }
    // Keep the schema's property order, whatever order the values were generated in.
    const ordered: Record<string, unknown> = {}
    for (const name of Object.keys(properties)) if (name in result) ordered[name] = result[name]
    for (const name of Object.keys(result)) if (!(name in ordered)) ordered[name] = result[name]

    if (!this.allowsExtraKeys(schema)) return ordered
    const hasValueSchema =
      isObjectSchema(schema.additionalProperties) || "patternProperties" in schema || "propertyNames" in schema
    const wantedExtra = Math.max(minProperties - count, hasValueSchema && shallow ? this.random.int(0, 2) : 0)
    for (let extra = 0, attempts = 0; extra < wantedExtra && count < maxProperties && attempts < 20; attempts++) {
      const key = this.extraKey(schema)
      if (key in ordered) continue
      ordered[key] = this.value(this.extraValueSchema(schema, key), depth + 1)
      extra++
      count++
    }
    return ordered
  }

  private allowsExtraKeys(schema: SchemaObject): boolean {
    return schema.additionalProperties !== false || "patternProperties" in schema
  }

  private extraKey(schema: SchemaObject): string {
    const propertyNames = schema.propertyNames
    if (isObjectSchema(propertyNames)) {
      const key = this.value(propertyNames, hardDepthLimit - 1)
      if (typeof key === "string") return key
    }
    const patterns = Object.keys(recordOf(schema, "patternProperties") ?? {}).filter((pattern) => pattern !== "")
    if (patterns.length > 0 && schema.additionalProperties === false) {
      return this.string({ pattern: this.random.pick(patterns) })
    }
    return this.word(3, 8)
  }

  /** The schema of a property not listed in `properties`: every matching pattern, else `additionalProperties`. */
  private extraValueSchema(schema: SchemaObject, key: string): Schema {
    let matched: SchemaObject | undefined
    for (const [pattern, valueSchema] of Object.entries(recordOf(schema, "patternProperties") ?? {})) {
      if (!matches(pattern, key)) continue
      if (valueSchema === false) return false
      matched = mergeSchemas(matched ?? {}, isObjectSchema(valueSchema) ? valueSchema : {})
    }
    if (matched !== undefined) return matched
    return schemaOf(schema.additionalProperties ?? true)
  }

  // -------------------------------------------------------------------------------------------
  // Arrays
  // -------------------------------------------------------------------------------------------

  private array(schema: SchemaObject, depth: number): Array<unknown> {
    const items = schema.items
    const prefix = arrayOf(schema, "prefixItems") ?? (Array.isArray(items) ? items : [])
    // draft-07 tuples put the rest in `additionalItems`; 2020-12 puts it in `items` next to `prefixItems`.
    const rest: unknown = Array.isArray(items) ? (schema.additionalItems ?? true) : (items ?? true)
    const minItems = numberOf(schema, "minItems") ?? 0
    let maxItems = numberOf(schema, "maxItems") ?? Number.POSITIVE_INFINITY
    if (rest === false) maxItems = Math.min(maxItems, prefix.length)
    const contains = schema.contains
    const needsContains = isObjectSchema(contains) || contains === true ? 1 : 0

    const low = Math.max(minItems, needsContains)
    const length =
      depth >= this.maxDepth
        ? Math.min(low, maxItems)
        : this.random.int(low, Math.min(maxItems, Math.max(low, prefix.length) + 2))

    const unique = schema.uniqueItems === true
    const seen = new Set<string>()
    const values: Array<unknown> = []
    for (let index = 0; index < length; index++) {
      const itemSchema = schemaOf(index < prefix.length ? prefix[index] : rest)
      const elementSchema =
        index === prefix.length && isObjectSchema(contains)
          ? mergeSchemas(itemSchema === true ? {} : itemSchema === false ? {} : itemSchema, contains)
          : itemSchema
      let value = this.value(elementSchema, depth + 1)
      for (let attempt = 0; unique && seen.has(JSON.stringify(value)) && attempt < 40; attempt++) {
        value = this.value(elementSchema, depth + 1)
      }
      if (unique) {
        const key = JSON.stringify(value)
        // No new value found: the schema likely has no more distinct values; stop rather than repeat one.
        if (seen.has(key)) break
        seen.add(key)
      }
      values.push(value)
    }
    return values
  }

  // -------------------------------------------------------------------------------------------
  // Strings
  // -------------------------------------------------------------------------------------------

  private string(schema: SchemaObject): string {
    const minLength = numberOf(schema, "minLength") ?? 0
    const maxLength = numberOf(schema, "maxLength") ?? Number.POSITIVE_INFINITY
    const fitsLength = (text: string) => {
      const length = [...text].length
      return length >= minLength && length <= maxLength
    }
    const pattern = schema.pattern
    if (typeof pattern === "string") {
      const regex = compile(pattern)
      const node = parsePattern(pattern)
      let fallback: string | undefined
      // Open repeats (`+`, `*`) may repeat up to this many extra times: enough to reach `minLength`.
      const spread = Math.max(3, Math.min(minLength, 64))
      for (let attempt = 0; attempt < 40; attempt++) {
        const candidate = node === undefined ? this.word(minLength, maxLength) : regexString(node, this.random, spread)
        const valid = regex === undefined || regex.test(candidate)
        if (valid && fitsLength(candidate)) return candidate
        if (valid && fallback === undefined) fallback = candidate
      }
      if (fallback !== undefined) return fallback
    }
    const format = schema.format
    if (typeof format === "string") {
      const formatted = this.format(format)
      if (formatted !== undefined) return formatted
    }
    const low = Math.max(minLength, maxLength === 0 ? 0 : 1)
    return this.word(low, Math.min(maxLength, Math.max(low, 3) + 5))
  }

  private word(minLength: number, maxLength: number): string {
    const length = this.random.int(minLength, Math.max(minLength, Math.min(maxLength, minLength + 8)))
    let text = ""
    for (let index = 0; index < length; index++) text += letters[this.random.int(0, letters.length - 1)]
    return text
  }

  private hex(count: number): string {
    let text = ""
    for (let index = 0; index < count; index++) text += "0123456789abcdef"[this.random.int(0, 15)]
    return text
  }

  private format(format: string): string | undefined {
    const pad = (value: number) => String(value).padStart(2, "0")
    const date = () => `${this.random.int(2000, 2030)}-${pad(this.random.int(1, 12))}-${pad(this.random.int(1, 28))}`
    const time = () => `${pad(this.random.int(0, 23))}:${pad(this.random.int(0, 59))}:${pad(this.random.int(0, 59))}Z`
    switch (format) {
      case "date-time":
        return `${date()}T${time()}`
      case "date":
        return date()
      case "time":
        return time()
      case "duration":
        return `P${this.random.int(1, 30)}D`
      case "email":
      case "idn-email":
        return `${this.word(3, 8)}@example.com`
      case "hostname":
      case "idn-hostname":
        return `${this.word(3, 8)}.example.com`
      case "ipv4":
        return [
          this.random.int(1, 254),
          this.random.int(0, 255),
          this.random.int(0, 255),
          this.random.int(1, 254)
        ].join(".")
      case "ipv6":
        return `2001:db8::${this.hex(4)}`
      case "uri":
      case "url":
      case "iri":
        return `https://example.com/${this.word(3, 8)}`
      case "uri-reference":
      case "iri-reference":
        return `/${this.word(3, 8)}`
      case "uri-template":
        return `https://example.com/{${this.word(3, 8)}}`
      case "uuid":
        return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${"89ab"[this.random.int(0, 3)]}${this.hex(3)}-${this.hex(12)}`
      case "json-pointer":
        return `/${this.word(3, 8)}`
      case "relative-json-pointer":
        return `0/${this.word(3, 8)}`
      case "regex":
        return `^${this.word(3, 8)}$`
      default:
        return undefined
    }
  }

  // -------------------------------------------------------------------------------------------
  // Numbers
  // -------------------------------------------------------------------------------------------

  private number(schema: SchemaObject, integer: boolean): number {
    // draft-04 spells exclusive bounds as booleans next to minimum/maximum.
    const minimum = numberOf(schema, "minimum")
    const maximum = numberOf(schema, "maximum")
    const exclusiveMinimum =
      numberOf(schema, "exclusiveMinimum") ?? (schema.exclusiveMinimum === true ? minimum : undefined)
    const exclusiveMaximum =
      numberOf(schema, "exclusiveMaximum") ?? (schema.exclusiveMaximum === true ? maximum : undefined)
    const multipleOf = numberOf(schema, "multipleOf")

    let low = Number.NEGATIVE_INFINITY
    let lowExclusive = false
    if (minimum !== undefined && schema.exclusiveMinimum !== true) low = minimum
    if (exclusiveMinimum !== undefined && exclusiveMinimum >= low) {
      low = exclusiveMinimum
      lowExclusive = true
    }
    let high = Number.POSITIVE_INFINITY
    let highExclusive = false
    if (maximum !== undefined && schema.exclusiveMaximum !== true) high = maximum
    if (exclusiveMaximum !== undefined && exclusiveMaximum <= high) {
      high = exclusiveMaximum
      highExclusive = true
    }

    // Stay near zero when the bounds allow it: readable values, and no overflow on huge ranges.
    const anchor = Math.min(Math.max(0, low), high)
    const windowLow = Math.max(low, anchor - 100)
    const windowHigh = Math.min(high, anchor + 100)

    if (integer || multipleOf !== undefined) {
      const step = integer ? integerStep(multipleOf) : (multipleOf ?? 1)
      const firstMultiple = (bound: number, exclusive: boolean) => {
        const k = Math.ceil(bound / step - 1e-9)
        return exclusive && nearlyEqual(k * step, bound) ? k + 1 : k
      }
      const lastMultiple = (bound: number, exclusive: boolean) => {
        const k = Math.floor(bound / step + 1e-9)
        return exclusive && nearlyEqual(k * step, bound) ? k - 1 : k
      }
      const kLow = firstMultiple(Math.max(windowLow, low), lowExclusive && windowLow === low)
      const kHigh = lastMultiple(Math.min(windowHigh, high), highExclusive && windowHigh === high)
      const k = kHigh >= kLow ? this.random.int(kLow, kHigh) : kLow
      return normalize(roundLike(k * step, step))
    }

    if (windowLow === windowHigh) return normalize(windowLow)
    const raw = windowLow + this.random.next() * (windowHigh - windowLow)
    const rounded = Math.round(raw * 100) / 100
    const inside = (value: number) =>
      (lowExclusive ? value > low : value >= low) && (highExclusive ? value < high : value <= high)
    if (inside(rounded)) return normalize(rounded)
    if (inside(raw)) return normalize(raw)
    return normalize((windowLow + windowHigh) / 2)
  }
}
