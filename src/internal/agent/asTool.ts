/**
 * Delegation: an agent run as another agent's tool, inside the parent run's usage and limits.
 * Public through `Agent.asTool`.
 */
import { Effect, Predicate, Schema } from "effect"
import type { Model } from "../../Model.js"
import { RunContext } from "../../RunContext.js"
import * as Tool from "../../Tool.js"
import { run } from "./entryPoints.js"
import type { Agent, RunError } from "./types.js"

/**
 * Options of `asTool`.
 *
 * @since 0.1.0
 * @category models
 */
export interface AsToolOptions<Name extends string, A, I> {
  readonly name: Name
  /** Tells the parent's model what the child agent does. */
  readonly description: string
  /** The arguments the parent's model sends (default `{ prompt: string }`); other arguments reach the child as JSON. */
  readonly parameters?: Schema.Schema<A, I> | undefined
}

const promptParameters = Schema.Struct({ prompt: Schema.String })

/** The child's prompt: the `prompt` argument alone, or all the arguments as JSON. */
const promptOf = (args: unknown): string =>
  Predicate.isRecord(args) && typeof args.prompt === "string" && Object.keys(args).length === 1
    ? args.prompt
    : JSON.stringify(args)

/**
 * Delegation: `child` as a tool of another agent. Its run counts against the parent run's limits
 * (what the parent has spent is subtracted from them), its usage is added to the parent's, and
 * interrupting the parent interrupts it. The tool's result is the child's output.
 *
 * @since 0.1.0
 * @category delegation
 */
export const asTool = <O, E, R, const Name extends string, A = { readonly prompt: string }, I = A>(
  child: Agent<O, E, R>,
  options: AsToolOptions<Name, A, I>
): Tool.Tool<Name, RunError<E>, R | Model> =>
  Tool.make(options.name, {
    description: options.description,
    // Without parameters the arguments are `{ prompt }`, which is what `A` defaults to.
    parameters: (options.parameters ?? promptParameters) as Schema.Schema<A, Readonly<Record<string, unknown>>>,
    handler: (args: A) =>
      Effect.flatMap(RunContext, (context) =>
        Effect.map(
          Effect.tap(
            run(child, promptOf(args), { usage: context.usage, usageLimits: context.usageLimits }),
            (result) => (context.addUsage === undefined ? Effect.void : context.addUsage(result.usage))
          ),
          (result) => result.output
        )
      )
  })
