/**
 * What a run produces and how the model is asked for it.
 *
 * - `text` (the default): the model's text answer.
 * - `tool(schema)`: the model calls an output tool (`final_result`) whose arguments are the output.
 * - `native(schema)`: the provider constrains the answer to the JSON Schema.
 * - `prompted(schema)`: the JSON Schema goes into the instructions and the text answer is parsed.
 * - a bare `Schema` (`auto`): `tool`, unless thinking is on and the model cannot be forced to call a
 *   tool while thinking (Anthropic): then `native` where the model supports it, else `prompted`.
 * - `fn(schema, f)`: the output is what the Effect `f` gives for the output tool's arguments.
 * - `union(a, b, ...)`: one output tool per member (text, when `text` is one), typed as their union.
 *
 * Validators (`Output.validate`) and output functions check or transform the output; failing with
 * `ModelRetry` sends the message back to the model, which tries again (bounded by the agent's output retries).
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { AgentError, Output } from "effect-claude"
 *
 * const City = Schema.Struct({ city: Schema.String, country: Schema.String })
 * const output = Output.tool(City).pipe(
 *   Output.validate((answer) =>
 *     answer.city === "" ? Effect.fail(new AgentError.ModelRetry({ message: "Name a city" })) : Effect.succeed(answer)
 *   )
 * )
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as ParseResult from "effect/ParseResult"
import * as Pipeable from "effect/Pipeable"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type { ModelRetry } from "./AgentError.js"
import { fromSchema, isObjectSchema, plainObjectSchema, wrapInObject, wrapperKey } from "./internal/jsonSchema.js"
import type { JsonSchema } from "./Model.js"
import type { RunContext } from "./RunContext.js"

/**
 * Identifies an `Output`.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-claude/Output")
/**
 * @see TypeId
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * How the output is obtained; `auto` lets the agent choose from the model's profile and settings;
 * `union` offers each of its `members` (an output tool each, or text).
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "text" | "tool" | "native" | "prompted" | "auto" | "union"

/**
 * The model's output does not match what the run expects (bad JSON, a Schema error). The agent
 * catches it and sends `message` back to the model as a retry prompt.
 *
 * @since 0.1.0
 * @category errors
 */
export class OutputValidationError extends Schema.TaggedError<OutputValidationError>(
  "effect-claude/Output/OutputValidationError"
)("OutputValidationError", {
  message: Schema.String
}) {}

/**
 * How a run gets its output of type `A`. `E` and `R` are what its validators may fail with and need.
 *
 * @since 0.1.0
 * @category models
 */
export interface Output<out A, out E = never, out R = never> extends Pipeable.Pipeable {
  readonly [TypeId]: TypeId
  readonly mode: Mode
  /** The output tool's name (`final_result`), or the name of the JSON Schema for native output. */
  readonly name: string
  readonly description: string | undefined
  /** The object schema the model must answer with; undefined for text. */
  readonly jsonSchema: JsonSchema | undefined
  /** True when a non-object output is wrapped as `{ response: ... }` for the model. */
  readonly wrapped: boolean
  readonly strict: boolean | undefined
  /** For prompted output: the instructions, `{schema}` replaced with the JSON Schema. */
  readonly template: string | undefined
  /**
   * Whether the JSON the model writes is the output as it fills in, so a streamed run shows partials
   * of it; false once a function (`fn`, `mapEffect`) turns it into another value.
   */
  readonly partials: boolean
  /** The outputs of a union, each offered on its own; empty for any other output. */
  readonly members: ReadonlyArray<Output<A, E, R>>
  /**
   * Turns the raw output (the text, or the JSON value for structured output) into `A`, running
   * validators and output functions. A union's handles a text answer; an output tool call goes to
   * the member of its name.
   */
  readonly process: (raw: unknown) => Effect.Effect<A, OutputValidationError | ModelRetry | E, R | RunContext>
}

/**
 * Any output spec.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Output<unknown, unknown, unknown>

/**
 * The value an output gives.
 *
 * @since 0.1.0
 * @category models
 */
export type Success<T> = T extends Output<infer A, infer _E, infer _R> ? A : never

/**
 * What an output's validators and functions may fail with (besides `ModelRetry`, which the agent handles).
 *
 * @since 0.1.0
 * @category models
 */
export type Failure<T> = T extends Output<infer _A, infer E, infer _R> ? E : never

/**
 * The services an output's validators and functions need (besides `RunContext`, which the agent provides).
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements<T> = T extends Output<infer _A, infer _E, infer R> ? R : never

/**
 * The default name of the output tool.
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultName = "final_result"

/**
 * The default description of the output tool.
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultDescription = "The final response which ends this conversation"

/**
 * The default instructions of prompted output; `{schema}` is replaced with the JSON Schema.
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultTemplate =
  "Always respond with a JSON object that's compatible with this schema:\n\n{schema}\n\nDon't include any text or Markdown fencing before or after."

/**
 * Options of structured output.
 *
 * @since 0.1.0
 * @category models
 */
export interface StructuredOptions {
  /** The output tool's name, or the JSON Schema's name for native output (default `final_result`). */
  readonly name?: string | undefined
  /** Tells the model what the output is; defaults to the Schema's description annotation. */
  readonly description?: string | undefined
  /** Ask the provider to enforce the schema strictly, where it can. */
  readonly strict?: boolean | undefined
}

/**
 * Options of prompted output.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromptedOptions extends StructuredOptions {
  /** The instructions; `{schema}` is replaced with the JSON Schema (appended when absent). */
  readonly template?: string | undefined
}

const proto = {
  pipe() {
    // biome-ignore lint/complexity/noArguments: the Pipeable protocol passes its functions as arguments
    return Pipeable.pipeArguments(this, arguments)
  }
}

type Fields<A, E, R> = Omit<Output<A, E, R>, typeof TypeId | "pipe" | "partials" | "members"> &
  Partial<Pick<Output<A, E, R>, "partials" | "members">>

const makeSpec = <A, E, R>(fields: Fields<A, E, R>): Output<A, E, R> =>
  Object.assign(Object.create(proto), { [TypeId]: TypeId, partials: true, members: [], ...fields })

/**
 * The model's text answer, as is.
 *
 * @since 0.1.0
 * @category utils
 */
export const text: Output<string> = makeSpec({
  mode: "text",
  name: defaultName,
  description: undefined,
  jsonSchema: undefined,
  wrapped: false,
  strict: undefined,
  template: undefined,
  process: (raw) =>
    typeof raw === "string"
      ? Effect.succeed(raw)
      : Effect.fail(new OutputValidationError({ message: "Expected a text answer" }))
})

const isUnionOfObjects = (schema: JsonSchema): boolean =>
  Array.isArray(schema.anyOf) &&
  schema.anyOf.every((member: unknown) => Predicate.isRecord(member) && isObjectSchema(member))

const structured = <A, I, R>(
  mode: Mode,
  schema: Schema.Schema<A, I, R>,
  options: PromptedOptions | undefined
): Output<A, never, R> => {
  const generated = fromSchema(schema)
  const wrapped = !isObjectSchema(generated) && !isUnionOfObjects(generated)
  const jsonSchema = wrapped ? wrapInObject(generated) : plainObjectSchema(generated)
  const schemaDescription = typeof generated.description === "string" ? generated.description : undefined
  const decode = Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "ignore" })
  const template = options?.template ?? defaultTemplate
  return makeSpec<A, never, R>({
    mode,
    name: options?.name ?? defaultName,
    description: options?.description ?? schemaDescription,
    jsonSchema,
    wrapped,
    strict: options?.strict,
    template: mode === "prompted" || mode === "auto" ? template : undefined,
    process: (raw) => {
      if (wrapped && !(Predicate.isRecord(raw) && wrapperKey in raw)) {
        return Effect.fail(new OutputValidationError({ message: `Expected an object with a "${wrapperKey}" field` }))
      }
      const value = wrapped && Predicate.isRecord(raw) ? raw[wrapperKey] : raw
      return Effect.mapError(
        decode(value),
        (error) => new OutputValidationError({ message: ParseResult.TreeFormatter.formatErrorSync(error) })
      )
    }
  })
}

/**
 * Structured output through an output tool the model must call.
 *
 * @since 0.1.0
 * @category utils
 */
export const tool = <A, I, R>(schema: Schema.Schema<A, I, R>, options?: StructuredOptions): Output<A, never, R> =>
  structured("tool", schema, options)

/**
 * Structured output the provider constrains to the JSON Schema (where the model supports it).
 *
 * @since 0.1.0
 * @category utils
 */
export const native = <A, I, R>(schema: Schema.Schema<A, I, R>, options?: StructuredOptions): Output<A, never, R> =>
  structured("native", schema, options)

/**
 * Structured output asked for in the instructions and parsed from the text answer.
 *
 * @since 0.1.0
 * @category utils
 */
export const prompted = <A, I, R>(schema: Schema.Schema<A, I, R>, options?: PromptedOptions): Output<A, never, R> =>
  structured("prompted", schema, options)

/**
 * Structured output obtained the best way the model allows: an output tool, or native/prompted
 * output when thinking is on and the model cannot be forced to call a tool. What a bare Schema means.
 *
 * @since 0.1.0
 * @category utils
 */
export const auto = <A, I, R>(schema: Schema.Schema<A, I, R>, options?: PromptedOptions): Output<A, never, R> =>
  structured("auto", schema, options)

/**
 * Whether a value is an `Output`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isOutput = (value: unknown): value is Any => typeof value === "object" && value !== null && TypeId in value

/** `self` with `f` run on its value; a union's members each get it. */
const andThen = <A, E, R, B, E2, R2>(
  self: Output<A, E, R>,
  f: (output: A) => Effect.Effect<B, E2, R2>,
  keepsPartials: boolean
): Output<B, E | Exclude<E2, ModelRetry>, R | Exclude<R2, RunContext>> => {
  if (self.mode === "union") return makeUnion(self.members.map((member) => andThen(member, f, keepsPartials)))
  return makeSpec({
    ...self,
    members: [],
    partials: self.partials && keepsPartials,
    // The agent catches `ModelRetry` and provides `RunContext`, so the spec's type leaves them out;
    // TypeScript cannot see that `E2` is covered by `Exclude<E2, ModelRetry> | ModelRetry`.
    process: (raw) =>
      Effect.flatMap(self.process(raw), f) as Effect.Effect<
        B,
        OutputValidationError | ModelRetry | E | Exclude<E2, ModelRetry>,
        R | Exclude<R2, RunContext> | RunContext
      >
  })
}

/**
 * Adds a validator: it sees the decoded output and returns it (possibly changed), or fails with
 * `ModelRetry` to make the model try again. Validators run in the order they were added.
 *
 * @since 0.1.0
 * @category utils
 */
export const validate: {
  <A, E2, R2>(
    validator: (output: A) => Effect.Effect<NoInfer<A>, E2, R2>
  ): <E, R>(self: Output<A, E, R>) => Output<A, E | Exclude<E2, ModelRetry>, R | Exclude<R2, RunContext>>
  <A, E, R, E2, R2>(
    self: Output<A, E, R>,
    validator: (output: A) => Effect.Effect<NoInfer<A>, E2, R2>
  ): Output<A, E | Exclude<E2, ModelRetry>, R | Exclude<R2, RunContext>>
} = dual(
  2,
  <A, E, R, E2, R2>(
    self: Output<A, E, R>,
    validator: (output: A) => Effect.Effect<NoInfer<A>, E2, R2>
  ): Output<A, E | Exclude<E2, ModelRetry>, R | Exclude<R2, RunContext>> => andThen(self, validator, true)
)

/**
 * Makes the run's output what `f` gives for the decoded output: an output function. `f` may read
 * `RunContext`, need services and fail: `ModelRetry` sends its message back to the model (an output
 * retry), any other failure fails the run. A streamed run shows no partials of a mapped output
 * (the model's JSON is `f`'s input, not the output), only the output once `f` has given it.
 *
 * @since 0.1.0
 * @category utils
 */
export const mapEffect: {
  <A, B, E2, R2>(
    f: (output: A) => Effect.Effect<B, E2, R2>
  ): <E, R>(self: Output<A, E, R>) => Output<B, E | Exclude<E2, ModelRetry>, R | Exclude<R2, RunContext>>
  <A, E, R, B, E2, R2>(
    self: Output<A, E, R>,
    f: (output: A) => Effect.Effect<B, E2, R2>
  ): Output<B, E | Exclude<E2, ModelRetry>, R | Exclude<R2, RunContext>>
} = dual(
  2,
  <A, E, R, B, E2, R2>(
    self: Output<A, E, R>,
    f: (output: A) => Effect.Effect<B, E2, R2>
  ): Output<B, E | Exclude<E2, ModelRetry>, R | Exclude<R2, RunContext>> => andThen(self, f, false)
)

/**
 * An output function: the model calls an output tool (`final_result` unless named) with arguments
 * decoded by `schema`, and the run's output is what `f` gives for them. `f` may read `RunContext`;
 * failing with `ModelRetry` asks the model to call the tool again, any other failure fails the run.
 *
 * @since 0.1.0
 * @category constructors
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { Output } from "effect-claude"
 *
 * const Flight = Schema.Struct({ flight: Schema.String, seats: Schema.Number })
 * // typed `Output<string>`: the output is the function's booking reference
 * const book = Output.fn(Flight, ({ flight, seats }) => Effect.succeed(`${flight}-${seats}`), { name: "book" })
 */
export const fn = <A, I, RS, B, E, R>(
  schema: Schema.Schema<A, I, RS>,
  f: (args: A) => Effect.Effect<B, E, R>,
  options?: StructuredOptions
): Output<B, Exclude<E, ModelRetry>, RS | Exclude<R, RunContext>> => andThen(tool(schema, options), f, false)

const makeUnion = <A, E, R>(members: ReadonlyArray<Output<A, E, R>>): Output<A, E, R> => {
  const flat = members.flatMap((member) => (member.mode === "union" ? member.members : [member]))
  if (flat.length === 1) return flat[0]!
  const textMember = flat.find((member) => member.mode === "text")
  const tools = flat.filter((member) => member.mode !== "text")
  const names = tools.map((member) => `'${member.name}'`).join(", ")
  return makeSpec<A, E, R>({
    mode: "union",
    name: tools[0]?.name ?? defaultName,
    description: undefined,
    jsonSchema: undefined,
    wrapped: false,
    strict: undefined,
    template: undefined,
    partials: tools.some((member) => member.partials),
    members: flat,
    process:
      textMember?.process ??
      (() => Effect.fail(new OutputValidationError({ message: `Call one of the output tools: ${names}` })))
  })
}

/**
 * Several outputs, one output tool each: the model calls the one that fits, and the output is typed
 * as the union of the members'. `text` as a member lets the model answer in plain text as well.
 * Members are tool outputs (`tool`, `fn`, a bare Schema's `auto`) with distinct names, and `text`
 * at most once; anything else, or a name another tool has, fails the run before any request
 * (`UserError`). Unions nest flat.
 *
 * @since 0.1.0
 * @category constructors
 *
 * @example
 * import { Schema } from "effect"
 * import { Output } from "effect-claude"
 *
 * const Answer = Schema.Struct({ answer: Schema.String })
 * const Refusal = Schema.Struct({ reason: Schema.String })
 * // typed `Output<{ readonly answer: string } | { readonly reason: string } | string>`
 * const output = Output.union(
 *   Output.tool(Answer, { name: "answer" }),
 *   Output.tool(Refusal, { name: "refuse" }),
 *   Output.text
 * )
 */
export const union = <const Members extends readonly [Any, ...Array<Any>]>(
  ...members: Members
): Union<Members[number]> =>
  // Each member's value, errors and needs are part of the unions the result type names.
  makeUnion(members as ReadonlyArray<Any>) as Union<Members[number]>

type Union<Member> = Output<Success<Member>, Failure<Member>, Requirements<Member>>

/**
 * The prompted-output instructions for `spec`: its template with the JSON Schema in place of `{schema}`.
 *
 * @since 0.1.0
 * @category utils
 */
export const promptedInstructions = (spec: Any): string => {
  const template = spec.template ?? defaultTemplate
  const schema = JSON.stringify(spec.jsonSchema ?? {})
  return template.includes("{schema}") ? template.replace("{schema}", schema) : `${template}\n\n${schema}`
}
