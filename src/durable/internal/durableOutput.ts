/**
 * The output of a durable run: turning a text answer or an output tool call into the output
 * (decoding, validators, output functions) is a stored step named by the run step and the call
 * (`output/<step>/<id>`, `output/<step>/text`), run with its `DurableStep`. A replayed run reads the
 * output back, so an output function's side effect happens once, as a tool call's does.
 */
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type { Agent } from "../../Agent.js"
import { ModelRetry } from "../../AgentError.js"
import { type Output, OutputValidationError } from "../../Output.js"
import { RunContext } from "../../RunContext.js"
import type { DurableStep } from "../DurableStep.js"
import { type DurableToolsOptions, step } from "./durableTools.js"

const stored = <O, E, R>(
  output: Output<O, E, R>,
  schema: Schema.Schema<O, unknown>,
  options: DurableToolsOptions
): Output<O, E, R> =>
  Object.assign(Object.create(Object.getPrototypeOf(output)), output, {
    // A union's members process the calls of their tools; the union itself a text answer.
    members: output.members.map((member) => stored(member, schema, options)),
    process: (raw: unknown) =>
      Effect.flatMap(RunContext, (context) =>
        step(
          `output/${context.runStep}/${context.toolCallId ?? "text"}`,
          schema,
          // Invalid output goes back to the model as a retry, as `ModelRetry` does: the step stores that one.
          Effect.catchIf(
            output.process(raw),
            (error) => error instanceof OutputValidationError,
            (error) => Effect.fail(new ModelRetry({ message: error.message }))
          ),
          options
        )
      )
  })

/**
 * A copy of the agent whose output is processed in stored steps; `schema` stores the output (the
 * durable agent's output Schema). The output no longer needs `DurableStep`, which each step provides.
 */
export const wrapOutput = <O, E, R>(
  agent: Agent<O, E, R>,
  schema: Schema.Schema<O, unknown>,
  options: DurableToolsOptions
) =>
  // A step fails with the retries the run handles or `StepFailed`, which the durable agent's `E` has.
  Object.assign(Object.create(Object.getPrototypeOf(agent)), agent, {
    output: stored(agent.output, schema, options)
  }) as Agent<O, E, Exclude<R, DurableStep>>
