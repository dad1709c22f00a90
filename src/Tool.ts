/**
 * Function tools: a name, a description, a `Schema` for the arguments and a handler returning an
 * `Effect`. The handler's errors join the run's error channel and the services it needs become
 * requirements of the run, so dependencies are injected the Effect way.
 *
 * A handler failing with `ModelRetry` sends its message back to the model, which may try again;
 * arguments that do not decode against the Schema are sent back the same way.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { AgentError, Tool } from "effect-claude"
 *
 * const add = Tool.make("add", {
 *   description: "Adds two numbers",
 *   parameters: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
 *   handler: ({ a, b }) =>
 *     Number.isFinite(a + b) ? Effect.succeed(a + b) : Effect.fail(new AgentError.ModelRetry({ message: "Use finite numbers" }))
 * })
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Pipeable from "effect/Pipeable"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type { ModelRetry } from "./AgentError.js"
import type { Deferral } from "./DeferredTools.js"
import * as ExecuteNow from "./internal/executeNow.js"
import { plainObjectSchema, toolInputSchema } from "./internal/jsonSchema.js"
import { isPlain } from "./internal/plainSchema.js"
import type { JsonSchema, ToolDefinition } from "./Model.js"
import type * as Prepare from "./Prepare.js"
import type { RunContext } from "./RunContext.js"

/**
 * Identifies a `Tool`.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-claude/Tool")
/**
 * @see TypeId
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * The model called a tool with arguments that do not decode against its parameters Schema. The
 * agent catches it and sends `message` (the Schema's error) back to the model as a retry prompt.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidToolArgs extends Schema.TaggedError<InvalidToolArgs>("effect-claude/Tool/InvalidToolArgs")(
  "InvalidToolArgs",
  {
    message: Schema.String
  }
) {}

/**
 * A function tool. `E` is what its handler may fail with (besides `ModelRetry`), `R` the services
 * it needs (besides `RunContext`, which the agent provides), `A` its arguments once decoded (what a
 * pending call of it carries as `args`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Tool<out Name extends string = string, out E = never, out R = never, out A = unknown>
  extends Pipeable.Pipeable {
  readonly [TypeId]: TypeId
  readonly name: Name
  readonly description: string | undefined
  /** What the model is told about the tool, parameters as JSON Schema. */
  readonly definition: ToolDefinition
  /** How many failed calls in a row the model may retry; the agent's `retries` when undefined. */
  readonly maxRetries: number | undefined
  /** When true the call runs alone: calls before it finish first, calls after it wait. */
  readonly sequential: boolean
  /** Decodes the arguments, runs the handler and encodes its result as JSON. */
  readonly execute: (args: unknown) => Effect.Effect<unknown, InvalidToolArgs | ModelRetry | E, R | RunContext>
  /** Decodes the arguments as the model sent them (JSON) with the parameters Schema, as `execute` does. */
  readonly decodeArgs: (input: unknown) => Effect.Effect<A, InvalidToolArgs, R>
  /**
   * Encodes decoded arguments back to what the model sends (e.g. an approval's replacement
   * arguments, run as if the model had sent them); fails when they are not of the decoded type.
   */
  readonly encodeArgs: (args: unknown) => Effect.Effect<unknown, InvalidToolArgs, R>
  /**
   * Whether a call runs at once, waits for approval, or is run by the program (an external tool);
   * at once when undefined.
   */
  readonly deferral?: Deferral<InvalidToolArgs | ModelRetry | E, R> | undefined
  /** Before each request: hides the tool (`undefined`) or changes what the model is told about it. */
  readonly prepare?: Prepare.PrepareTool<E, R> | undefined
}

/**
 * Identifies a tool whose calls may be deferred (approval, external).
 *
 * @since 0.1.0
 * @category type ids
 */
export const DeferredTypeId: unique symbol = Symbol.for("effect-claude/Tool/Deferred")
/**
 * @see DeferredTypeId
 *
 * @since 0.1.0
 * @category type ids
 */
export type DeferredTypeId = typeof DeferredTypeId

/**
 * Marks a tool whose calls may end a run with `DeferredTools.PendingCalls`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Deferred {
  readonly [DeferredTypeId]: DeferredTypeId
}

/**
 * Any tool, whatever it fails with or needs.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Tool<string, unknown, unknown, unknown>

// A deferred tool (`Tool & Deferred`) is matched member by member, which also infers the errors and
// services the agent itself handles (`InvalidToolArgs`, `ModelRetry`, `RunContext`): leave them out.

/**
 * The errors a tool's handler adds to a run.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure<T> = T extends Tool<string, infer E, infer _R> ? Exclude<E, InvalidToolArgs | ModelRetry> : never

/**
 * A tool's arguments once decoded by its parameters Schema.
 *
 * @since 0.1.0
 * @category models
 */
export type Args<T> = T extends Tool<string, infer _E, infer _R, infer A> ? A : never

/**
 * The services a tool's handler adds to a run's requirements.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements<T> = T extends Tool<string, infer _E, infer R> ? Exclude<R, RunContext> : never

/**
 * Options of `make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A, I, RP, S, SI, E, R, P = never> {
  /** Tells the model what the tool does and when to call it. */
  readonly description?: string | undefined
  /** The arguments the model must send; decoded before the handler runs. */
  readonly parameters: Schema.Schema<A, I, RP>
  /** Encodes the handler's result to JSON (e.g. dates, classes); the result is sent as is when absent. */
  readonly success?: Schema.Schema<S, SI, never> | undefined
  /** Runs the tool with decoded arguments. Fail with `ModelRetry` to ask the model to try again. */
  readonly handler: (args: A) => Effect.Effect<S, E, R>
  /** Failed calls in a row the model may retry before the run fails (default: the agent's `retries`, 1). */
  readonly maxRetries?: number | undefined
  /** Run this tool alone, never concurrently with other calls of the same response. */
  readonly sequential?: boolean | undefined
  /** Ask the provider to enforce the parameters schema strictly, where it can. */
  readonly strict?: boolean | undefined
  /**
   * Ask before running a call: `true` for every call, or a check of the call's arguments. Without
   * an `Approver` the run ends with the call pending (`DeferredTools.PendingCalls`).
   */
  readonly needsApproval?: boolean | ((args: A) => Effect.Effect<boolean, E, R>) | undefined
  /** A provider's own definition of the tool, sent instead of the JSON Schema (e.g. Anthropic's memory tool). */
  readonly providerDefinitions?: ToolDefinition["providerDefinitions"]
  /**
   * Runs before each request with the step's `RunContext`: gives the tool's definition for this step
   * (e.g. another description or parameters schema; the name stays), or `undefined` to hide it.
   */
  readonly prepare?: ((definition: ToolDefinition) => P) | undefined
}

/**
 * Options of `make` for a tool needing approval.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApprovalOptions<A, I, RP, S, SI, E, R, P = never> extends Options<A, I, RP, S, SI, E, R, P> {
  readonly needsApproval: true | ((args: A) => Effect.Effect<boolean, E, R>)
}

const decodeOptions = { errors: "all", onExcessProperty: "ignore" } as const

/** Whether an Effect is an `Either`, keeping its success and error types. */
const isEither = <A, E, R>(effect: Effect.Effect<A, E, R>): effect is Either.Either<A, E> => Either.isEither(effect)

const proto = {
  pipe() {
    // biome-ignore lint/complexity/noArguments: the Pipeable protocol passes its functions as arguments
    return Pipeable.pipeArguments(this, arguments)
  }
}

/**
 * The tool `make` builds: the handler's errors without `ModelRetry` and its requirements without
 * `RunContext` (the agent catches the one and provides the other), plus the argument Schema's
 * requirements and what a `prepare` function adds; `A`, the arguments once decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type Made<Name extends string, E, R, RP, P extends Prepare.Prepared, A = unknown> = Tool<
  Name,
  Exclude<E, ModelRetry> | Prepare.Failure<P>,
  Exclude<R, RunContext> | RP | Prepare.Requirements<P>,
  A
>

/**
 * Builds a function tool from a Schema for its arguments and an Effect handler.
 *
 * @since 0.1.0
 * @category constructors
 */
export function make<
  const Name extends string,
  A,
  I extends Readonly<Record<string, unknown>>,
  RP,
  S,
  E,
  R,
  SI = S,
  P extends Prepare.Prepared = never
>(name: Name, options: ApprovalOptions<A, I, RP, S, SI, E, R, P>): Made<Name, E, R, RP, P, A> & Deferred
/**
 * Builds a function tool from a Schema for its arguments and an Effect handler.
 *
 * @since 0.1.0
 * @category constructors
 */
export function make<
  const Name extends string,
  A,
  I extends Readonly<Record<string, unknown>>,
  RP,
  S,
  E,
  R,
  SI = S,
  P extends Prepare.Prepared = never
>(name: Name, options: Options<A, I, RP, S, SI, E, R, P>): Made<Name, E, R, RP, P, A>
/**
 * @since 0.1.0
 * @category constructors
 */
export function make<
  const Name extends string,
  A,
  I extends Readonly<Record<string, unknown>>,
  RP,
  S,
  E,
  R,
  SI = S,
  P extends Prepare.Prepared = never
>(name: Name, options: Options<A, I, RP, S, SI, E, R, P>): Made<Name, E, R, RP, P, A> {
  const { decoded, decodedThen, decodedThenNow } = decoderOf(options.parameters)
  const encode = options.success === undefined ? undefined : Schema.encode(options.success)
  const encoded = (
    handled: Effect.Effect<S, InvalidToolArgs | E, R | RP>
  ): Effect.Effect<unknown, InvalidToolArgs | E, R | RP> =>
    // A result the success Schema cannot encode is a bug in the program, not the model's fault.
    encode === undefined ? handled : Effect.flatMap(handled, (result) => Effect.orDie(encode(result)))
  const run = ExecuteNow.register(
    (args: unknown) => encoded(decodedThen(args, options.handler)),
    (args: unknown) => encoded(decodedThenNow(args, options.handler))
  )
  // The agent catches `ModelRetry` and provides `RunContext`, so the Tool type leaves them out;
  // TypeScript cannot see that `E` is covered by `Exclude<E, ModelRetry> | ModelRetry`.
  // The prepare function's errors and requirements are part of the unions the Tool type names.
  return assemble(
    name,
    options,
    toolInputSchema(options.parameters),
    {
      execute: run as (
        args: unknown
      ) => Effect.Effect<unknown, InvalidToolArgs | ModelRetry | Exclude<E, ModelRetry>, Exclude<R, RunContext> | RP>,
      decodeArgs: decoded,
      encodeArgs: encoderOf(options.parameters)
    },
    deferralOf(options.needsApproval) as Deferral<
      InvalidToolArgs | ModelRetry | Exclude<E, ModelRetry>,
      Exclude<R, RunContext> | RP
    >
  ) as Made<Name, E, R, RP, P, A>
}

const invalidArgs = (issue: ParseResult.ParseIssue) =>
  new InvalidToolArgs({ message: ParseResult.TreeFormatter.formatIssueSync(issue) })

/**
 * Decodes the model's arguments with the parameters Schema: `decoded` gives them, `decodedThen`
 * goes on from them when run, `decodedThenNow` at once (`internal/executeNow.ts`).
 */
const decoderOf = <A, I, RP>(parameters: Schema.Schema<A, I, RP>) => {
  // A plain Schema (no transformation, class or recursion) has the cheaper synchronous decoder, and
  // no requirements: they come from transformations and declarations.
  const decode = isPlain(parameters.ast)
    ? ParseResult.decodeUnknownEither(parameters as Schema.Schema<A, I>, decodeOptions)
    : ParseResult.decodeUnknown(parameters, decodeOptions)
  // A Schema without asynchronous or effectful parts decodes to an `Either` at once: go on from it
  // directly, without running the decoding as an Effect (a few µs of every tool call).
  const decodedThenNow = <B, E2, R2>(
    args: unknown,
    then: (decoded: A) => Effect.Effect<B, E2, R2>
  ): Effect.Effect<B, InvalidToolArgs | E2, RP | R2> => {
    const result = decode(args)
    if (!isEither(result)) return Effect.flatMap(Effect.mapError(result, invalidArgs), then)
    return Either.isRight(result) ? ExecuteNow.callNow(then, result.right) : Effect.fail(invalidArgs(result.left))
  }
  const decodedThen = <B, E2, R2>(
    args: unknown,
    then: (decoded: A) => Effect.Effect<B, E2, R2>
  ): Effect.Effect<B, InvalidToolArgs | E2, RP | R2> => Effect.suspend(() => decodedThenNow(args, then))
  const decoded = (args: unknown): Effect.Effect<A, InvalidToolArgs, RP> => decodedThen(args, Effect.succeed)
  return { decoded, decodedThen, decodedThenNow }
}

/** Encodes arguments of the Schema's decoded type back to what the model sends. */
const encoderOf = <A, I, RP>(parameters: Schema.Schema<A, I, RP>) => {
  const encode = ParseResult.encodeUnknown(parameters, decodeOptions)
  return (args: unknown): Effect.Effect<I, InvalidToolArgs, RP> => Effect.mapError(encode(args), invalidArgs)
}

/** The deferral of a tool made with `needsApproval`. */
const deferralOf = <A, E, R>(
  needsApproval: boolean | ((args: A) => Effect.Effect<boolean, E, R>) | undefined
): Deferral<E, R> | undefined => {
  if (needsApproval === undefined || needsApproval === false) return undefined
  if (needsApproval === true) return { _tag: "Approval", needed: () => Effect.succeed(true) }
  // The run loop calls `needed` with the arguments this tool's `decodeArgs` gave: they are an `A`.
  return { _tag: "Approval", needed: (args) => needsApproval(args as A) }
}

/**
 * Options of `external`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExternalOptions<A, I, RP> {
  /** Tells the model what the tool does and when to call it. */
  readonly description?: string | undefined
  /** The arguments the model must send. */
  readonly parameters: Schema.Schema<A, I, RP>
  /** Ask the provider to enforce the parameters schema strictly, where it can. */
  readonly strict?: boolean | undefined
}

/**
 * A tool declared to the model but run by the program, outside the agent: a call of it ends the run
 * with the call pending (`DeferredTools.PendingCalls`); resume with its result.
 *
 * @since 0.1.0
 * @category utils
 */
export const external = <const Name extends string, A, I extends Readonly<Record<string, unknown>>, RP>(
  name: Name,
  options: ExternalOptions<A, I, RP>
): Tool<Name, never, RP, A> & Deferred => {
  return assemble<Name, never, RP, A>(
    name,
    options,
    toolInputSchema(options.parameters),
    {
      execute: () => Effect.dieMessage(`The external tool '${name}' is run by the program, not by the agent`),
      decodeArgs: decoderOf(options.parameters).decoded,
      encodeArgs: encoderOf(options.parameters)
    },
    { _tag: "External" }
  ) as Tool<Name, never, RP, A> & Deferred
}

/** What `make` and `fromJsonSchema` share besides how they describe and decode the arguments. */
interface CommonOptions {
  readonly description?: string | undefined
  readonly maxRetries?: number | undefined
  readonly sequential?: boolean | undefined
  readonly strict?: boolean | undefined
  readonly providerDefinitions?: ToolDefinition["providerDefinitions"]
  readonly prepare?: ((definition: ToolDefinition) => Prepare.Prepared) | undefined
}

/** How a tool handles its arguments: runs with them, decodes them, encodes decoded ones back. */
type Handling<Name extends string, E, R, A> = Pick<Tool<Name, E, R, A>, "execute" | "decodeArgs" | "encodeArgs">

/** A tool from its name, options, parameters' JSON Schema and how it handles its arguments. */
const assemble = <Name extends string, E, R, A = unknown>(
  name: Name,
  options: CommonOptions,
  parametersJsonSchema: JsonSchema,
  handling: Handling<Name, E, R, A>,
  deferral?: Tool<Name, E, R, A>["deferral"]
): Tool<Name, E, R, A> => {
  const tool: Omit<Tool<Name, E, R, A>, "pipe"> = {
    [TypeId]: TypeId,
    name,
    description: options.description,
    definition: {
      name,
      description: options.description,
      parametersJsonSchema: plainObjectSchema(parametersJsonSchema),
      kind: "function",
      strict: options.strict,
      ...(options.providerDefinitions === undefined ? {} : { providerDefinitions: options.providerDefinitions })
    },
    maxRetries: options.maxRetries,
    sequential: options.sequential ?? false,
    ...handling,
    deferral,
    // Its errors and requirements are in `E` and `R` (see `make`).
    prepare: options.prepare as Prepare.PrepareTool<E, R> | undefined
  }
  // A deferred tool carries its mark at run time too.
  return Object.assign(Object.create(proto), tool, deferral === undefined ? {} : { [DeferredTypeId]: DeferredTypeId })
}

/**
 * Whether a value is a `Tool`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isTool = (value: unknown): value is Any => typeof value === "object" && value !== null && TypeId in value

/**
 * Options of `fromJsonSchema`.
 *
 * @since 0.1.0
 * @category models
 */
export interface JsonSchemaOptions<E, R> {
  /** Tells the model what the tool does and when to call it. */
  readonly description?: string | undefined
  /** The arguments as JSON Schema (e.g. an MCP server's `inputSchema`); sent to the model as is. */
  readonly parametersJsonSchema: JsonSchema
  /** Runs the tool with the arguments as the model sent them (a JSON object, not validated here). */
  readonly handler: (args: Readonly<Record<string, unknown>>) => Effect.Effect<unknown, E, R>
  /** Failed calls in a row the model may retry before the run fails (default: the agent's `retries`). */
  readonly maxRetries?: number | undefined
  /** Run this tool alone, never concurrently with other calls of the same response. */
  readonly sequential?: boolean | undefined
  /** Ask the provider to enforce the parameters schema strictly, where it can. */
  readonly strict?: boolean | undefined
}

/**
 * Builds a tool from a JSON Schema rather than an Effect Schema, for tools defined elsewhere (an
 * MCP server, a plugin): the handler gets the arguments as an undecoded JSON object.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromJsonSchema = <const Name extends string, E, R>(
  name: Name,
  options: JsonSchemaOptions<E, R>
): Tool<Name, Exclude<E, ModelRetry>, Exclude<R, RunContext>, Readonly<Record<string, unknown>>> => {
  const notAnObject = new InvalidToolArgs({ message: "The arguments must be a JSON object" })
  const run = (args: unknown): Effect.Effect<unknown, InvalidToolArgs | E, R> =>
    Predicate.isRecord(args) ? Effect.suspend(() => options.handler(args)) : Effect.fail(notAnObject)
  // The arguments are the JSON object itself, decoded or not.
  const object = (args: unknown): Effect.Effect<Readonly<Record<string, unknown>>, InvalidToolArgs> =>
    Predicate.isRecord(args) ? Effect.succeed(args) : Effect.fail(notAnObject)
  // As in `make`: the agent catches `ModelRetry` and provides `RunContext`.
  return assemble(name, options, options.parametersJsonSchema, {
    execute: run as (
      args: unknown
    ) => Effect.Effect<unknown, InvalidToolArgs | ModelRetry | Exclude<E, ModelRetry>, Exclude<R, RunContext>>,
    decodeArgs: object,
    encodeArgs: object
  })
}
