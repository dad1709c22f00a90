/** Reading and combining JSON Schema keywords, for the value generator. */
import * as Predicate from "effect/Predicate"

/** A JSON Schema: an object, or `true`/`false`. */
export type Schema = boolean | Readonly<Record<string, unknown>>

/** A JSON Schema that is an object. */
export type SchemaObject = Readonly<Record<string, unknown>>

export const isObjectSchema = (value: unknown): value is SchemaObject => Predicate.isRecord(value)

export const numberOf = (schema: SchemaObject, key: string): number | undefined => {
  const value = schema[key]
  return typeof value === "number" && Number.isFinite(value) ? value : undefined
}

export const arrayOf = (schema: SchemaObject, key: string): ReadonlyArray<unknown> | undefined => {
  const value = schema[key]
  return Array.isArray(value) ? value : undefined
}

export const recordOf = (schema: SchemaObject, key: string): SchemaObject | undefined => {
  const value = schema[key]
  return isObjectSchema(value) ? value : undefined
}

export const schemaOf = (value: unknown): Schema => (typeof value === "boolean" || isObjectSchema(value) ? value : true)

// Keywords whose combination keeps the stricter of two values when schemas are merged.
const lowerBounds = new Set(["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"])
const upperBounds = new Set(["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"])

/** Both schemas at once (as `allOf` means), merged keyword by keyword; good enough for generation. */
export const mergeSchemas = (left: SchemaObject, right: SchemaObject): SchemaObject => {
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

export const withoutKeys = (schema: SchemaObject, keys: ReadonlyArray<string>): SchemaObject => {
  const rest: Record<string, unknown> = { ...schema }
  for (const key of keys) delete rest[key]
  return rest
}

export const isTerminal = (schema: unknown): boolean => {
  if (!isObjectSchema(schema)) return schema === true
  if ("$ref" in schema || "properties" in schema || "items" in schema || "prefixItems" in schema) return false
  const type = schema.type
  return type === undefined || (typeof type === "string" && type !== "object" && type !== "array")
}
