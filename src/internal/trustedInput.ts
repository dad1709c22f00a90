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
  /** The fields with a default, in the class's order, and their defaults (two arrays: a plain loop). */
  readonly defaultKeys: ReadonlyArray<string>
  readonly defaultValues: ReadonlyArray<() => unknown>
}

const plans = new WeakMap<object, Plan>()

const planOf = (schemaClass: SchemaClass<object, never>): Plan => {
  const known = plans.get(schemaClass)
  if (known !== undefined) return known
  const defaultKeys: Array<string> = []
  const defaultValues: Array<() => unknown> = []
  for (const [key, field] of Object.entries(schemaClass.fields)) {
    if (!Schema.isPropertySignature(field)) continue
    const ast = field.ast
    const value = ast._tag === "PropertySignatureDeclaration" ? ast.defaultValue : ast.to.defaultValue
    if (value === undefined) continue
    defaultKeys.push(key)
    defaultValues.push(value)
  }
  const plan: Plan = { prototype: schemaClass.prototype, tagged: "_tag" in schemaClass, defaultKeys, defaultValues }
  plans.set(schemaClass, plan)
  return plan
}

/**
 * `new schemaClass(props, trustedInput)`, for props that are valid by construction; see above.
 * Only for classes whose constructor does nothing more (no instance fields of their own).
 */
export const construct = <A extends object, P extends object>(schemaClass: SchemaClass<A, P>, props: P): A => {
  const plan = planOf(schemaClass)
  // The props' own properties in their order, as the constructor's copy has them; a tagged class's
  // given `_tag` is dropped (rare: its type has none).
  const instance = Object.assign(Object.create(plan.prototype), props)
  if (plan.tagged && "_tag" in props) delete instance._tag
  const { defaultKeys, defaultValues } = plan
  for (let index = 0; index < defaultKeys.length; index++) {
    const key = defaultKeys[index]!
    if (instance[key] === undefined) instance[key] = defaultValues[index]!()
  }
  return instance
}
