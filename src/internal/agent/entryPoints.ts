/**
 * Running an agent: `run`, `runStream`, `streamOutput`, `iter`, and `resume` / `resumeStream` for
 * runs that ended with pending calls. Each starts the run machine (internal/run/start) and drives
 * it inside the run's `invoke_agent` span. Public through `Agent`.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { AgentError } from "../../AgentError.js"
import type { AgentEvent } from "../../AgentEvent.js"
import type * as DeferredTools from "../../DeferredTools.js"
import * as GenAiTelemetry from "../../GenAiTelemetry.js"
import type { UserContent } from "../../Message.js"
import type { Model } from "../../Model.js"
import type { DeepPartial } from "../../PartialOutput.js"
import * as RunStart from "../run/start.js"
import { annotateUsage } from "../run/telemetry.js"
import { inSpan } from "../span.js"
import type { Agent, AgentNode, AgentRun, RunError, RunOptions, RunResult } from "./types.js"

const runSpanName = (agent: Agent<unknown, unknown, unknown>) =>
  agent.name === undefined ? "invoke_agent" : `invoke_agent ${agent.name}`

// Spans capture no stack trace: it would point into this library, and costs more than the span.
const runSpanOptions = (agent: Agent<unknown, unknown, unknown>) => ({
  captureStackTrace: false,
  attributes: {
    "gen_ai.operation.name": "invoke_agent",
    ...(agent.name === undefined ? {} : { "gen_ai.agent.name": agent.name })
  }
})

/** The run in its `invoke_agent` span (with content capture when its options opt in). */
const inRunSpan = <O, E, R>(
  agent: Agent<O, unknown, unknown>,
  options: RunOptions | undefined,
  effect: Effect.Effect<RunResult<O>, E, R>
): Effect.Effect<RunResult<O>, E, R> => {
  // `withSpan`, with the usage set on the span directly.
  const spanned = inSpan(runSpanName(agent), runSpanOptions(agent), (span) => ({
    effect,
    onEnd: (exit: Exit.Exit<RunResult<O>, E>) => {
      if (Exit.isSuccess(exit)) annotateUsage(span, exit.value)
    }
  }))
  return options?.captureContent === true ? GenAiTelemetry.withContentCapture(spanned) : spanned
}

const contentCapture = Layer.locallyScoped(GenAiTelemetry.captureContent, true)

/** The run's stream with message content in its chat spans, when its options opt in. */
const capturingStream =
  (options: RunOptions | undefined) =>
  <A, E, R>(stream: Stream.Stream<A, E, R>): Stream.Stream<A, E, R> =>
    options?.captureContent === true ? Stream.provideSomeLayer(stream, contentCapture) : stream

/** Runs a started machine from its first node to the end; call it when the run is to start. */
const runMachine = <O, E, R>(machine: RunStart.Machine<O, E, R>): Effect.Effect<RunResult<O>, RunError<E>, R> => {
  // Each node runs on from the step that gave it (in a `flatMap`), so it need not be suspended.
  const loop = (node: AgentNode<O>): Effect.Effect<RunResult<O>, RunError<E>, R> =>
    node._tag === "End" ? Effect.succeed(node.result) : machine.drive(node, loop)
  return loop(machine.first)
}

/**
 * Runs the agent on a prompt until it has an output.
 *
 * @since 0.1.0
 * @category running
 */
export const run = <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options?: RunOptions
): Effect.Effect<RunResult<O>, RunError<E>, R | Model> =>
  // Called directly, not through `pipe`: this runs once per run.
  inRunSpan(agent, options, RunStart.makeThen(agent, prompt, options ?? {}, runMachine))

/**
 * Resumes a run that ended with `DeferredTools.PendingCalls`: `options.messageHistory` is its saved
 * conversation, `answers` one answer per pending call (approve, deny, or an external result). The
 * answers are checked before any request; approved calls run, then the conversation goes on.
 *
 * @since 0.1.0
 * @category running
 */
export const resume = <O, E, R>(
  agent: Agent<O, E, R>,
  answers: ReadonlyArray<DeferredTools.Answer>,
  options: RunOptions
): Effect.Effect<RunResult<O>, RunError<E> | DeferredTools.ResumeError, R | Model> =>
  inRunSpan(agent, options, Effect.flatMap(RunStart.resume(agent, answers, options), runMachine))

/**
 * `resume`, streamed as `runStream` streams a run.
 *
 * @since 0.1.0
 * @category running
 */
export const resumeStream = <O, E, R>(
  agent: Agent<O, E, R>,
  answers: ReadonlyArray<DeferredTools.Answer>,
  options: RunOptions
): Stream.Stream<AgentEvent<O>, RunError<E> | DeferredTools.ResumeError, R | Model> =>
  Stream.unwrap(Effect.map(RunStart.resume(agent, answers, options), (machine) => machine.stream(machine.first))).pipe(
    Stream.withSpan(runSpanName(agent), runSpanOptions(agent)),
    capturingStream(options)
  )

/**
 * Runs the agent, streaming the model's part events and the tool events as they happen. The last
 * event is `RunFinished` with the `RunResult`; the text streamed by the final response is the text
 * output. Stopping the stream interrupts the run and its tools.
 *
 * @since 0.1.0
 * @category running
 */
export const runStream = <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options?: RunOptions
): Stream.Stream<AgentEvent<O>, RunError<E>, R | Model> =>
  Stream.unwrap(
    Effect.map(RunStart.make(agent, prompt, options ?? {}), (machine) => machine.stream(machine.start))
  ).pipe(Stream.withSpan(runSpanName(agent), runSpanOptions(agent)), capturingStream(options))

/**
 * Runs the agent and streams its output as it fills in: for structured output, the value parsed so
 * far after each chunk that shows something new, the last element the validated output; for text
 * output, the output once the run is over.
 *
 * @since 0.1.0
 * @category running
 */
export const streamOutput = <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options?: RunOptions
): Stream.Stream<DeepPartial<O>, RunError<E>, R | Model> =>
  Stream.suspend(() => {
    let completed = false
    return Stream.filterMap(runStream(agent, prompt, options), (event) => {
      if (event._tag === "PartialOutput") {
        completed = event.complete
        return Option.some(event.output)
      }
      // A complete value is one of its own partials; TypeScript cannot see that for a generic `O`.
      if (event._tag === "RunFinished" && !completed) return Option.some(event.result.output as DeepPartial<O>)
      return Option.none()
    })
  })

/**
 * Starts a run to drive node by node with `next`, for programs that inspect or change each step.
 *
 * @since 0.1.0
 * @category running
 */
export const iter = <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options?: RunOptions
): Effect.Effect<AgentRun<O, E, R>, AgentError, Model> =>
  Effect.map(RunStart.make(agent, prompt, options ?? {}), (machine) => ({
    start: machine.start,
    next:
      options?.captureContent === true ? (node) => GenAiTelemetry.withContentCapture(machine.next(node)) : machine.next,
    stream:
      options?.captureContent === true ? (node) => capturingStream(options)(machine.stream(node)) : machine.stream,
    usage: Effect.sync(() => machine.state.usage),
    messages: Effect.sync(() => machine.state.messages.slice())
  }))
