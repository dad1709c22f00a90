/**
 * Delegation: an agent run as another agent's tool, inside the parent run's usage and limits.
 * Public through `Agent.asTool`.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Model } from "../../Model.js"
import { RunContext } from "../../RunContext.js"
import * as Tool from "../../Tool.js"
import { run, runStream } from "./entryPoints.js"
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
 * Delegation: `child` as a tool of another agent. Its run is part of the parent run's delegation
 * tree (`RunOptions.usageTree`): each of its requests counts against the tree's limits as it is
 * sent, its usage joins the parent's as it goes, so children running at the same time cannot
 * together pass a limit; interrupting the parent interrupts it. In a streamed parent run, the
 * child's events appear in the parent's stream as `ChildEvent`s. The tool's result is the child's output.
 *
 * @since 0.1.0
 * @category delegation
 */
export const asTool = <O, E, R, const Name extends string, A = { readonly prompt: string }, I = A>(
  child: Agent<O, E, R>,
  options: AsToolOptions<Name, A, I>
): Tool.Tool<Name, RunError<E>, R | Model> => {
  const agentName = child.name ?? options.name
  return Tool.make(options.name, {
    description: options.description,
    // Without parameters the arguments are `{ prompt }`, which is what `A` defaults to.
    parameters: (options.parameters ?? promptParameters) as Schema.Schema<A, Readonly<Record<string, unknown>>>,
    handler: (args: A) =>
      Effect.flatMap(RunContext, (context) => {
        const runOptions = { usageTree: context.usageTree }
        const emit = context.emit
        if (emit === undefined) return Effect.map(run(child, promptOf(args), runOptions), (result) => result.output)
        return Effect.suspend(() => {
          let output: Option.Option<O> = Option.none()
          const events = Stream.runForEach(runStream(child, promptOf(args), runOptions), (event) => {
            if (event._tag === "RunFinished") output = Option.some(event.result.output)
            return emit({ _tag: "ChildEvent", agentName, toolCallId: context.toolCallId, event })
          })
          // A run's stream that ends without failing ends with `RunFinished`.
          return Effect.flatMap(events, () =>
            Option.isSome(output) ? Effect.succeed(output.value) : Effect.dieMessage("The run ended without its result")
          )
        })
      })
  })
}
