/**
 * Schema class instances built from values that are already valid (decoded parts, usage, numbers).
 * Listed in `src/PERFORMANCE.md`.
 *
 * `trustedInput`: constructor options that skip validation, which would re-derive the Schema's type
 * side on every call, more than the rest of a loop step.
 *
 * `construct`: the instance the constructor gives with `trustedInput`, built without it. Even
 * unvalidated, a Schema class constructor copies its props twice, deletes `_tag` (which slows the
 * copy down) and looks up every field's default by walking the class's fields; on the loop's path
 * (several instances a step) that costs more than the step's own work. `construct` sets the same
 * own properties in the same order (the props, then each missing field's default, `_tag` of a
 * tagged class among them), on an object of the class's prototype, with the defaults found once
 * per class.
 */
import * as Schema from "effect/Schema"

export const trustedInput = { disableValidation: true } as const

/** A Schema class (`Schema.Class`, `Schema.TaggedClass`) with no instance fields of its own. */
export interface SchemaClass<A extends object, P> {
  new (props: P, options?: typeof trustedInput): A
  readonly prototype: A
  readonly fields: Schema.Struct.Fields
}

/** What `construct` needs of a class, found once. */
interface Plan {
  readonly prototype: object
  /** A tagged class's constructor drops a given `_tag` and sets its own (a default). */
  readonly tagged: boolean
  readonly defaults: ReadonlyArray<readonly [key: string, value: () => unknown]>
}

const plans = new WeakMap<object, Plan>()

const planOf = (schemaClass: SchemaClass<object, never>): Plan => {
  const known = plans.get(schemaClass)
  if (known !== undefined) return known
  const defaults: Array<readonly [string, () => unknown]> = []
  for (const [key, field] of Object.entries(schemaClass.fields)) {
    if (!Schema.isPropertySignature(field)) continue
    const ast = field.ast
    const value = ast._tag === "PropertySignatureDeclaration" ? ast.defaultValue : ast.to.defaultValue
    if (value !== undefined) defaults.push([key, value])
  }
  const plan: Plan = { prototype: schemaClass.prototype, tagged: "_tag" in schemaClass, defaults }
  plans.set(schemaClass, plan)
  return plan
}

/**
 * `new schemaClass(props, trustedInput)`, for props that are valid by construction; see above.
 * Only for classes whose constructor does nothing more (no instance fields of their own).
 */
export const construct = <A extends object, P extends object>(schemaClass: SchemaClass<A, P>, props: P): A => {
  const plan = planOf(schemaClass)
  const instance = Object.create(plan.prototype)
  for (const key in props) if (!(plan.tagged && key === "_tag")) instance[key] = props[key]
  for (const [key, value] of plan.defaults) if (instance[key] === undefined) instance[key] = value()
  return instance
}
