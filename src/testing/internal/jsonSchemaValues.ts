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
import { Predicate } from "effect"

/** A JSON Schema: an object, or `true`/`false`. */
export type Schema = boolean | Readonly<Record<string, unknown>>

type SchemaObject = Readonly<Record<string, unknown>>

/** Options of `generate`. */
export interface Options {
  /** Nesting depth after which optional properties are left out and arrays keep their minimum length. */
  readonly maxDepth?: number | undefined
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------------------------

/** A small deterministic pseudo-random source (mulberry32). */
export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [low, high] (both inclusive); `low` when the range is empty. */
  int(low: number, high: number): number {
    if (high <= low) return low
    return low + Math.floor(this.next() * (high - low + 1))
  }

  /** One element of a non-empty array. */
  pick<A>(items: ReadonlyArray<A>): A {
    return items[this.int(0, items.length - 1)]!
  }

  /** True with probability one half. */
  coin(): boolean {
    return this.next() < 0.5
  }
}

/** Mixes a seed with a string (a tool name, say) so each tool gets its own stable sequence. */
export const mixSeed = (seed: number, salt: string): number => {
  // FNV-1a over the salt, starting from the seed.
  let hash = (0x811c9dc5 ^ seed) >>> 0
  for (let index = 0; index < salt.length; index++) {
    hash ^= salt.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

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

const isObjectSchema = (value: unknown): value is SchemaObject => Predicate.isRecord(value)

const numberOf = (schema: SchemaObject, key: string): number | undefined => {
  const value = schema[key]
  return typeof value === "number" && Number.isFinite(value) ? value : undefined
}

const arrayOf = (schema: SchemaObject, key: string): ReadonlyArray<unknown> | undefined => {
  const value = schema[key]
  return Array.isArray(value) ? value : undefined
}

const recordOf = (schema: SchemaObject, key: string): SchemaObject | undefined => {
  const value = schema[key]
  return isObjectSchema(value) ? value : undefined
}

const schemaOf = (value: unknown): Schema => (typeof value === "boolean" || isObjectSchema(value) ? value : true)

// Keywords whose combination keeps the stricter of two values when schemas are merged.
const lowerBounds = new Set(["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"])
const upperBounds = new Set(["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"])

/** Both schemas at once (as `allOf` means), merged keyword by keyword; good enough for generation. */
const mergeSchemas = (left: SchemaObject, right: SchemaObject): SchemaObject => {
  const merged: Record<string, unknown> = { ...left }
  for (const [key, value] of Object.entries(right)) {
    const previous = merged[key]
    if (previous === undefined) merged[key] = value
    else if (key === "properties" && isObjectSchema(previous) && isObjectSchema(value)) {
      const properties: Record<string, unknown> = { ...previous }
      for (const [name, property] of Object.entries(value)) {
        const existing = properties[name]
        properties[name] =
          isObjectSchema(existing) && isObjectSchema(property) ? mergeSchemas(existing, property) : property
      }
      merged[key] = properties
    } else if (key === "required" && Array.isArray(previous) && Array.isArray(value)) {
      merged[key] = [...new Set([...previous, ...value])]
    } else if (lowerBounds.has(key) && typeof previous === "number" && typeof value === "number") {
      merged[key] = Math.max(previous, value)
    } else if (upperBounds.has(key) && typeof previous === "number" && typeof value === "number") {
      merged[key] = Math.min(previous, value)
    } else merged[key] = value
  }
  return merged
}

const withoutKeys = (schema: SchemaObject, keys: ReadonlyArray<string>): SchemaObject => {
  const rest: Record<string, unknown> = { ...schema }
  for (const key of keys) delete rest[key]
  return rest
}

const isTerminal = (schema: unknown): boolean => {
  if (!isObjectSchema(schema)) return schema === true
  if ("$ref" in schema || "properties" in schema || "items" in schema || "prefixItems" in schema) return false
  const type = schema.type
  return type === undefined || (typeof type === "string" && type !== "object" && type !== "array")
}

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

const nearlyEqual = (left: number, right: number) => Math.abs(left - right) <= 1e-9 * Math.max(1, Math.abs(right))

/** The smallest positive integer that is a multiple of `multipleOf` (1 without one). */
const integerStep = (multipleOf: number | undefined): number => {
  if (multipleOf === undefined || multipleOf <= 0) return 1
  if (Number.isInteger(multipleOf)) return multipleOf
  const decimals = decimalPlaces(multipleOf)
  const scale = 10 ** decimals
  const numerator = Math.round(multipleOf * scale)
  return numerator / gcd(numerator, scale)
}

const gcd = (left: number, right: number): number => (right === 0 ? left : gcd(right, left % right))

const decimalPlaces = (value: number): number => {
  const text = String(value)
  const exponent = text.indexOf("e-")
  if (exponent >= 0) return Number(text.slice(exponent + 2)) + decimalPlaces(Number(text.slice(0, exponent)))
  const dot = text.indexOf(".")
  return dot < 0 ? 0 : text.length - dot - 1
}

/** `value` rounded to as many decimals as `step` has, so `0.1 * 3` is `0.3`. */
const roundLike = (value: number, step: number): number => {
  const decimals = decimalPlaces(step)
  return decimals === 0 ? Math.round(value) : Number(value.toFixed(Math.min(decimals, 20)))
}

// -0 would turn into 0 through JSON; keep values equal to their JSON round trip.
const normalize = (value: number): number => (value === 0 ? 0 : value)

// ---------------------------------------------------------------------------------------------
// Regular expressions (`pattern`): a subset good enough for identifiers, ids and simple formats
// ---------------------------------------------------------------------------------------------

type RegexNode =
  | { readonly kind: "sequence"; readonly items: ReadonlyArray<RegexNode> }
  | { readonly kind: "alternation"; readonly branches: ReadonlyArray<RegexNode> }
  | { readonly kind: "repeat"; readonly node: RegexNode; readonly min: number; readonly max: number }
  | {
      readonly kind: "chars"
      readonly test: (code: number) => boolean
      readonly fallback: number
      /** Characters to pick from: letters and digits when the class has some, else any printable one. */
      readonly candidates: ReadonlyArray<number>
    }
  | { readonly kind: "literal"; readonly code: number }
  | { readonly kind: "empty" }

const compiled = new Map<string, RegExp | undefined>()

const compile = (pattern: string): RegExp | undefined => {
  if (compiled.has(pattern)) return compiled.get(pattern)
  let regex: RegExp | undefined
  try {
    regex = new RegExp(pattern, "u")
  } catch {
    try {
      regex = new RegExp(pattern)
    } catch {
      regex = undefined
    }
  }
  compiled.set(pattern, regex)
  return regex
}

const matches = (pattern: string, text: string): boolean => compile(pattern)?.test(text) ?? false

const isDigit = (code: number) => code >= 48 && code <= 57
const isWord = (code: number) =>
  isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
const isSpace = (code: number) =>
  code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0xfeff || code === 0x2028 || code === 0x2029
const isLetter = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122)

const readable: ReadonlyArray<number> = Array.from({ length: 95 }, (_, index) => index + 32)
const alphanumeric = readable.filter((code) => isDigit(code) || isLetter(code))

const charClass = (test: (code: number) => boolean, fallback: number): RegexNode => {
  const preferred = alphanumeric.filter(test)
  return { kind: "chars", test, fallback, candidates: preferred.length > 0 ? preferred : readable.filter(test) }
}
const classEscapes: Record<string, (code: number) => boolean> = {
  d: isDigit,
  D: (code) => !isDigit(code),
  w: isWord,
  W: (code) => !isWord(code),
  s: isSpace,
  S: (code) => !isSpace(code),
  // Unicode properties are approximated by letters; the final `RegExp` check catches misses.
  p: isLetter,
  P: (code) => !isLetter(code)
}

class PatternParser {
  private index = 0

  constructor(private readonly source: string) {}

  parse(): RegexNode {
    const node = this.alternation()
    if (this.index < this.source.length) throw new Error("unbalanced parenthesis")
    return node
  }

  private peek(): string | undefined {
    return this.source[this.index]
  }

  private alternation(): RegexNode {
    const branches = [this.sequence()]
    while (this.peek() === "|") {
      this.index++
      branches.push(this.sequence())
    }
    return branches.length === 1 ? branches[0]! : { kind: "alternation", branches }
  }

  private sequence(): RegexNode {
    const items: Array<RegexNode> = []
    while (this.index < this.source.length && this.peek() !== "|" && this.peek() !== ")") {
      items.push(this.quantified(this.atom()))
    }
    return { kind: "sequence", items }
  }

  private quantified(node: RegexNode): RegexNode {
    const next = this.peek()
    let min: number
    let max: number
    if (next === "*") [min, max] = [0, Number.POSITIVE_INFINITY]
    else if (next === "+") [min, max] = [1, Number.POSITIVE_INFINITY]
    else if (next === "?") [min, max] = [0, 1]
    else if (next === "{") {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.index))
      if (match === null) return node
      min = Number(match[1])
      max = match[2] === undefined ? min : match[3] === "" ? Number.POSITIVE_INFINITY : Number(match[3])
      this.index += match[0].length - 1
    } else return node
    this.index++
    if (this.peek() === "?") this.index++ // lazy: same language
    return { kind: "repeat", node, min, max }
  }

  private atom(): RegexNode {
    const char = this.source[this.index++]!
    switch (char) {
      case "^":
      case "$":
        return { kind: "empty" }
      case ".":
        return charClass((code) => code !== 10 && code !== 13, 97)
      case "[":
        return this.charClassBody()
      case "(":
        return this.group()
      case "\\":
        return this.escape(false)
      default: {
        const code = this.source.codePointAt(this.index - 1)!
        if (code > 0xffff) this.index++
        return { kind: "literal", code }
      }
    }
  }

  private group(): RegexNode {
    let lookaround = false
    if (this.peek() === "?") {
      const rest = this.source.slice(this.index)
      if (rest.startsWith("?:")) this.index += 2
      else if (/^\?<?[=!]/.test(rest)) {
        lookaround = true
        this.index += rest[1] === "<" ? 3 : 2
      } else {
        const named = /^\?<[^>]+>/.exec(rest)
        if (named === null) throw new Error("unsupported group")
        this.index += named[0].length
      }
    }
    const inner = this.alternation()
    if (this.source[this.index++] !== ")") throw new Error("unbalanced parenthesis")
    // Lookarounds consume nothing; the final `RegExp` check rejects strings they forbid.
    return lookaround ? { kind: "empty" } : inner
  }

  /** One escape; inside a class `\b` is a backspace, outside it is a word boundary. */
  private escape(inClass: boolean): RegexNode {
    const char = this.source[this.index++]
    if (char === undefined) return { kind: "literal", code: 92 }
    const classTest = classEscapes[char]
    if (classTest !== undefined) {
      if ((char === "p" || char === "P") && this.peek() === "{") this.index = this.source.indexOf("}", this.index) + 1
      return charClass(classTest, char === "d" ? 48 : char === "s" ? 32 : 97)
    }
    const literal = (code: number): RegexNode => ({ kind: "literal", code })
    switch (char) {
      case "b":
        return inClass ? literal(8) : { kind: "empty" }
      case "B":
        return { kind: "empty" }
      case "n":
        return literal(10)
      case "r":
        return literal(13)
      case "t":
        return literal(9)
      case "f":
        return literal(12)
      case "v":
        return literal(11)
      case "0":
        return literal(0)
      case "c": {
        const control = this.source.charCodeAt(this.index++)
        return literal(control % 32)
      }
      case "x":
        return this.hexEscape(2)
      case "u":
        if (this.peek() === "{") {
          const end = this.source.indexOf("}", this.index)
          const code = Number.parseInt(this.source.slice(this.index + 1, end), 16)
          this.index = end + 1
          return literal(code)
        }
        return this.hexEscape(4)
      case "k": {
        // A named back reference: unsupported, the `RegExp` check decides.
        const end = this.source.indexOf(">", this.index)
        this.index = end < 0 ? this.index : end + 1
        return { kind: "empty" }
      }
      default:
        // Back references are unsupported: the `RegExp` check decides.
        if (!inClass && char >= "1" && char <= "9") return { kind: "empty" }
        return literal(this.source.codePointAt(this.index - 1)!)
    }
  }

  private hexEscape(length: number): RegexNode {
    const code = Number.parseInt(this.source.slice(this.index, this.index + length), 16)
    this.index += length
    return { kind: "literal", code }
  }

  private charClassBody(): RegexNode {
    const negated = this.peek() === "^"
    if (negated) this.index++
    const members: Array<(code: number) => boolean> = []
    let fallback: number | undefined
    while (this.index < this.source.length && this.peek() !== "]") {
      const start = this.classAtom()
      if (start.kind === "chars") {
        members.push(start.test)
        fallback ??= start.fallback
        continue
      }
      if (start.kind !== "literal") continue
      if (this.peek() === "-" && this.source[this.index + 1] !== "]" && this.index + 1 < this.source.length) {
        this.index++
        const end = this.classAtom()
        if (end.kind === "literal") {
          const [low, high] = [start.code, end.code]
          members.push((code) => code >= low && code <= high)
          fallback ??= low
          continue
        }
        members.push((code) => code === 45)
        if (end.kind === "chars") members.push(end.test)
      }
      const code = start.code
      members.push((candidate) => candidate === code)
      fallback ??= code
    }
    this.index++ // the closing bracket
    const inSet = (code: number) => members.some((member) => member(code))
    return charClass(negated ? (code) => !inSet(code) : inSet, negated ? 97 : (fallback ?? 97))
  }

  private classAtom(): RegexNode {
    const char = this.source[this.index++]!
    if (char === "\\") return this.escape(true)
    const code = this.source.codePointAt(this.index - 1)!
    if (code > 0xffff) this.index++
    return { kind: "literal", code }
  }
}

const parsedPatterns = new Map<string, RegexNode | undefined>()

const parsePattern = (pattern: string): RegexNode | undefined => {
  if (parsedPatterns.has(pattern)) return parsedPatterns.get(pattern)
  let node: RegexNode | undefined
  try {
    node = new PatternParser(pattern).parse()
  } catch {
    node = undefined
  }
  parsedPatterns.set(pattern, node)
  return node
}

const regexString = (node: RegexNode, random: Random, spread: number): string => {
  switch (node.kind) {
    case "empty":
      return ""
    case "literal":
      return String.fromCodePoint(node.code)
    case "sequence": {
      let text = ""
      for (const item of node.items) text += regexString(item, random, spread)
      return text
    }
    case "alternation":
      return regexString(random.pick(node.branches), random, spread)
    case "repeat": {
      const high = Math.min(node.max, node.min + Math.max(spread, Number.isFinite(node.max) ? 6 : 0))
      const count = random.int(node.min, high)
      let text = ""
      for (let index = 0; index < count; index++) text += regexString(node.node, random, spread)
      return text
    }
    case "chars": {
      const { candidates } = node
      return String.fromCodePoint(candidates.length > 0 ? random.pick(candidates) : node.fallback)
    }
  }
}
