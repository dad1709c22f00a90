/**
 * Schema class instances built from values already decoded (a response's parts and usage, a batch
 * result). Listed in `src/PERFORMANCE.md`.
 *
 * `trustedInput`: constructor options that skip validation, which would re-derive the Schema's type
 * side per value.
 *
 * `construct`: the instance `new schemaClass(props, trustedInput)` gives, built without the
 * constructor. Even unvalidated, a Schema class constructor copies the props with a spread and then
 * adds `_tag` (and any missing default) to the copy; V8 handles that copy so badly (~2 µs an object
 * in a plain loop, and the copies outlive scavenges until a mark-compact) that on a results file of
 * 100,000 lines it alone promoted ~40 MB of garbage. `construct` sets the same own properties in the
 * same order (the props, then each missing field's default, `_tag` of a tagged class among them)
 * on an object of the class's prototype, with the defaults found once per class. The core keeps its
 * own copy for its loop (`src/internal/trustedInput.ts`): a provider uses only the core's public
 * modules.
 */
import * as Schema from "effect/Schema"

/**
 * Constructor options for Schema classes built from values that are valid by construction.
 * @since 0.1.0
 * @category constants
 */
export const trustedInput = { disableValidation: true } as const

/** A Schema class (`Schema.Class`, `Schema.TaggedClass`) with no instance fields of its own. */
interface SchemaClass<A extends object, P> {
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
 * `new schemaClass(props, trustedInput)` for props that are valid by construction; see above.
 * Only for classes whose constructor does nothing more (no instance fields of their own).
 * @since 0.1.0
 * @category constructors
 */
export const construct = <A extends object, P extends object>(schemaClass: SchemaClass<A, P>, props: P): A => {
  const plan = planOf(schemaClass)
  const instance = Object.create(plan.prototype)
  for (const key in props) if (!(plan.tagged && key === "_tag")) instance[key] = props[key]
  for (const [key, value] of plan.defaults) if (instance[key] === undefined) instance[key] = value()
  return instance
}
