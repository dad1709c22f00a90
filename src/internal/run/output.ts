/**
 * Running the output's decoding and validators, with retryable failures (invalid output,
 * `ModelRetry`, invalid tool arguments) turned into the message that goes back to the model.
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import { ModelRetry, UnexpectedModelBehavior } from "../../AgentError.js"
import type { ToolCallPart } from "../../Message.js"
import { type Output, OutputValidationError, text } from "../../Output.js"
import { RunContext } from "../../RunContext.js"
import { InvalidToolArgs } from "../../Tool.js"
import { withService } from "../span.js"
import { type Run, runContext } from "./context.js"

/** The failures that go back to the model as retry prompts instead of failing the run. */
type Retryable = ModelRetry | InvalidToolArgs | OutputValidationError

const isRetryable = (error: unknown): error is Retryable =>
  error instanceof ModelRetry || error instanceof InvalidToolArgs || error instanceof OutputValidationError

/** Turns retryable failures into a left value holding the message for the model. */
export const recoverRetry = <A, E, R>(
  effect: Effect.Effect<A, E | Retryable, R>
): Effect.Effect<Either.Either<A, string>, E, R> =>
  Effect.matchEffect(effect, {
    onFailure: (error: E | Retryable) =>
      isRetryable(error) ? Effect.succeed(Either.left(error.message)) : Effect.fail(error),
    onSuccess: (value) => Effect.succeed(Either.right(value))
  })

/**
 * `recoverRetry` of an effect's exit, as plain code, for a region that gives it (`inSpan`'s `result`,
 * `withService`): the same value or failure, decided as `Effect.matchEffect` decides.
 */
export const recoveredExit = <A, E>(exit: Exit.Exit<A, E | Retryable>): Exit.Exit<Either.Either<A, string>, E> => {
  if (Exit.isSuccess(exit)) return Exit.succeed(Either.right(exit.value))
  const cause = exit.cause
  // A defect fails the whole, failures made defects; otherwise the first failure; otherwise
  // (interruption) the cause as it is.
  if (!Cause.isFailType(cause)) {
    if (Chunk.isNonEmpty(Cause.defects(cause))) return Exit.failCause(electFailures(cause))
    const failures = Cause.failures(cause)
    if (Chunk.isEmpty(failures)) return Exit.failCause(cause as Cause.Cause<E>) // no failure of type `E | Retryable` in it
    return recoveredFailure(Chunk.unsafeHead(failures))
  }
  return recoveredFailure(cause.error)
}

const recoveredFailure = <E>(error: E | Retryable): Exit.Exit<Either.Either<never, string>, E> =>
  isRetryable(error) ? Exit.succeed(Either.left(error.message)) : Exit.fail(error)

/** The cause with its failures made defects, as `Effect.matchEffect` fails when a defect is in it. */
const electFailures = (cause: Cause.Cause<unknown>): Cause.Cause<never> =>
  Cause.match(cause, {
    onEmpty: Cause.empty,
    onFail: Cause.die,
    onDie: Cause.die,
    onInterrupt: Cause.interrupt,
    onSequential: Cause.sequential,
    onParallel: Cause.parallel
  })

/**
 * Runs the output's decoding, validators and function on a text answer, or on an output tool
 * call's arguments (by the output of that tool: a union's member); a retry (invalid output,
 * `ModelRetry`) is the left side.
 */
export const processOutput = <O, E, R>(
  run: Run<O, E, R>,
  raw: unknown,
  call: ToolCallPart | undefined
): Effect.Effect<Either.Either<O, string>, E, R> =>
  withService(
    RunContext,
    runContext(run, run.state.outputRetries, run.agent.outputRetries, call?.toolName, call?.toolCallId),
    ((call === undefined ? undefined : run.outputTools.get(call.toolName)) ?? run.output).process(raw),
    recoveredExit
  )

/**
 * Whether `raw` is the output as it is, with nothing to run: a text answer of `Output.text` (the
 * default output), which reads no `RunContext` (a test holds it to that). No context is built and
 * provided on the last step of most runs. Listed in `src/PERFORMANCE.md`.
 */
export const isTextAsIs = <O, E, R>(output: Output<O, E, R>, raw: unknown): raw is O =>
  (output as Output<unknown, unknown, unknown>) === text && typeof raw === "string"

/**
 * A reason on one line, whitespace collapsed and cut to a readable length, so an error's message
 * (and `Cause.pretty` of a failed run) says why; the whole reason stays in the error's `body`.
 */
export const oneLine = (reason: string): string => {
  const line = reason.replace(/\s+/g, " ").trim()
  return line.length > 300 ? `${line.slice(0, 299)}…` : line
}

/** The failure of a run whose output retries are used up; `reason` is the last retry prompt. */
export const outputRetriesExceeded = (maxRetries: number, reason: string | undefined): UnexpectedModelBehavior =>
  new UnexpectedModelBehavior({
    message: `Exceeded maximum retries (${maxRetries}) for output validation${reason === undefined ? "" : `: ${oneLine(reason)}`}`,
    body: reason
  })
