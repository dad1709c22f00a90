/**
 * Durable runs: an agent run as a workflow of `@effect/workflow`, in which every model request,
 * every tool call and the output's processing (validators, output functions) is an activity whose
 * result is stored. A run stopped anywhere (the process killed, a deploy) resumes on the next start
 * of a worker without sending a finished request again or running a finished tool call again. A tool call that needs approval (`Tool.make`'s
 * `needsApproval`, or `requireApproval` here) waits for a decision, and a call of an external tool
 * (`Tool.external`) for its result, each as a durable deferred which any process may complete, days
 * later if need be (`approve`, `complete`, `answer`).
 *
 * The run loop is the ordinary `Agent.run`: a durable run gives it a `Model` whose requests are
 * activities and tools whose calls are activities, so durable and plain runs behave the same.
 * Which engine stores the steps is a Layer (`DurableEngine`): in memory for tests, SQLite in a file,
 * PostgreSQL for several machines.
 *
 * @example
 * import { Effect, Layer } from "effect"
 * import { Agent, Message } from "effect-claude"
 * import { DurableAgent, DurableEngine } from "effect-claude/durable"
 * import { FunctionModel } from "effect-claude/testing"
 *
 * const assistant = DurableAgent.make(Agent.make({ instructions: "Be brief." }), { name: "assistant" })
 *
 * const program = DurableAgent.run(assistant, "run-1", "Hello").pipe(
 *   Effect.map((result) => result.output),
 *   Effect.provide(
 *     DurableAgent.layer(assistant).pipe(
 *       Layer.provideMerge(DurableEngine.layerMemory),
 *       Layer.provide(FunctionModel.layer(() => Effect.succeed([new Message.TextPart({ content: "Hi" })])))
 *     )
 *   )
 * )
 */
import * as Workflow from "@effect/workflow/Workflow"
import { WorkflowEngine, WorkflowInstance } from "@effect/workflow/WorkflowEngine"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as Pipeable from "effect/Pipeable"
import * as Schema from "effect/Schema"
import * as Agent from "../Agent.js"
import { Approver } from "../Approval.js"
import * as DeferredTools from "../DeferredTools.js"
import { History, type ModelMessage, type UserContent, UserContent as UserContentSchema } from "../Message.js"
import { Model } from "../Model.js"
import { type Decision, type Policy, toAnswer } from "./Approval.js"
import { DurableRunError, describe, IncompatibleHistory, RunFailed, RunInProgress, StepFailed } from "./DurableError.js"
import type { DurableStep } from "./DurableStep.js"
import * as DurableModel from "./internal/durableModel.js"
import * as DurableOutput from "./internal/durableOutput.js"
import * as DurableTools from "./internal/durableTools.js"
import * as DurableWaits from "./internal/durableWaits.js"
import * as StoredResult from "./internal/storedResult.js"
import { publishIfListened } from "./RunEvents.js"

/**
 * Identifies a `DurableAgent`.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-claude/durable/DurableAgent")
/**
 * @see TypeId
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * What a run's workflow is given: the run id (its idempotency key) and its encoded input.
 *
 * @since 0.1.0
 * @category utils
 */
export const Payload = Schema.Struct({
  runId: Schema.String,
  /** The prompt, history and instructions, encoded with the `Message` Schemas (decoded by the run). */
  input: Schema.optional(Schema.Unknown)
})

/**
 * The workflow of a durable agent's runs.
 *
 * @since 0.1.0
 * @category models
 */
export type RunWorkflow = Workflow.Workflow<string, typeof Payload, typeof Schema.Unknown, typeof DurableRunError>

const RunInput = Schema.Struct({
  prompt: Schema.Union(Schema.String, Schema.Array(UserContentSchema)),
  history: Schema.optional(History),
  instructions: Schema.optional(Schema.String)
})

/**
 * An agent whose runs are durable. `O` is the agent's own output: a durable run waits for the
 * answers to deferred calls instead of ending with `DeferredTools.PendingCalls`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DurableAgent<in out O, out E = never, out R = never> extends Pipeable.Pipeable {
  readonly [TypeId]: TypeId
  /** Names the workflow: runs stored under one name are resumed by the agent registered under it. */
  readonly name: string
  readonly agent: Agent.Agent<O | DeferredTools.PendingCalls, E, R>
  readonly workflow: RunWorkflow
  /** Which tool calls wait for a decision before they run, besides those of tools with `needsApproval`. */
  readonly approval: Policy | undefined
  /** Whether model requests are streamed while someone listens to the run's events. */
  readonly stream: boolean
  /** Stores the output of each output step (validators, output functions), as the result's output. */
  readonly outputSchema: Schema.Schema<O, unknown>
  /** Encodes a run's result for the store. */
  readonly encodeResult: (result: Agent.RunResult<O>, historyLength: number) => Effect.Effect<unknown>
  /** Decodes a stored result. */
  readonly decodeResult: (runId: string, stored: unknown) => Effect.Effect<Agent.RunResult<O>, IncompatibleHistory>
  /** Run ids being executed through this value in this process. */
  readonly active: Set<string>
  /** Steps executed in this process and not announced to listeners yet. */
  readonly executed: Set<string>
}

/**
 * Options of `make`. `output` is needed unless the agent answers with text.
 *
 * @since 0.1.0
 * @category models
 */
export type Options<O, OI> = {
  /** The workflow's name; stored runs are found by it, so keep it stable across deploys. */
  readonly name: string
  /**
   * Which tool calls need approval besides those of tools made with `needsApproval`: tool names, or
   * a predicate on the call. For tools you do not make yourself (a toolset's, an MCP server's).
   */
  readonly requireApproval?: Policy | undefined
  /** Stream model requests (publishing their part events to `RunEvents`) while someone listens. */
  readonly stream?: boolean | undefined
} & ([O] extends [string]
  ? { readonly output?: Schema.Schema<O, OI> | undefined }
  : {
      /** Stores the run's output: the Schema of the agent's structured output. */
      readonly output: Schema.Schema<O, OI>
    })

const proto = {
  pipe() {
    // biome-ignore lint/complexity/noArguments: the Pipeable protocol passes its functions as arguments
    return Pipeable.pipeArguments(this, arguments)
  }
}

/** An agent's output without the pending calls its deferred tools may add. */
type Own<O> = Exclude<O, DeferredTools.PendingCalls>

/**
 * Makes an agent's runs durable.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <O, E, R, OI = Own<O>>(
  agent: Agent.Agent<O, E, R>,
  options: Options<Own<O>, OI>
): DurableAgent<Own<O>, E, R> => {
  // Without an `output` Schema the options' type says `O` is a string.
  const output = (options.output ?? Schema.String) as Schema.Schema<Own<O>, OI>
  const codec = StoredResult.codec(output)
  const durable: Omit<DurableAgent<Own<O>, E, R>, "pipe"> = {
    [TypeId]: TypeId,
    name: options.name,
    // `O` is at most `Own<O> | PendingCalls`; TypeScript cannot split a type parameter so.
    agent: agent as Agent.Agent<Own<O> | DeferredTools.PendingCalls, E, R>,
    workflow: Workflow.make({
      name: `effect-claude/${options.name}`,
      payload: Payload,
      idempotencyKey: (payload) => payload.runId,
      success: Schema.Unknown,
      error: DurableRunError
    }),
    approval: options.requireApproval,
    stream: options.stream ?? false,
    outputSchema: output as Schema.Schema<Own<O>, unknown>,
    encodeResult: codec.encode,
    decodeResult: codec.decode,
    active: new Set(),
    executed: new Set()
  }
  return Object.assign(Object.create(proto), durable)
}

/**
 * Options of one durable run.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  /** The conversation so far; stored with the run, encoded with the `Message` Schemas. */
  readonly messageHistory?: ReadonlyArray<ModelMessage> | undefined
  /** Added after the agent's instructions for this run. */
  readonly instructions?: string | undefined
}

const encodeInput = Schema.encode(RunInput)
const decodeInput = Schema.decodeUnknown(RunInput)

const payloadOf = (runId: string, prompt: string | ReadonlyArray<UserContent>, options: RunOptions | undefined) =>
  Effect.map(
    Effect.orDie(encodeInput({ prompt, history: options?.messageHistory, instructions: options?.instructions })),
    (input) => ({ runId, input })
  )

/** The run's error as stored: incompatible data as it is, anything else as `RunFailed`. */
const stored = (runId: string, error: unknown): DurableRunError => {
  if (error instanceof IncompatibleHistory || error instanceof RunFailed) return error
  const { errorTag, message } = describe(error)
  // A failed step names the error it failed with.
  return new RunFailed({ runId, errorTag: error instanceof StepFailed ? error.errorTag : errorTag, message })
}

/**
 * Registers the agent's workflow with the engine, so this process executes its runs (and resumes
 * the stored ones it is given). It needs the `Model`, the engine and the tools' services. Calls
 * that need approval and calls of external tools wait durably for `approve` / `complete` /
 * `answer`; an `Approval.Approver` the program provides is not asked.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <O, E, R>(
  durable: DurableAgent<O, E, R>
): Layer.Layer<never, never, WorkflowEngine | Model | Exclude<R, DurableStep>> =>
  durable.workflow.toLayer((payload) =>
    Effect.gen(function* () {
      const runId = payload.runId
      const input = yield* Effect.mapError(
        decodeInput(payload.input),
        (error) => new IncompatibleHistory({ runId, what: "input", message: error.message })
      )
      const engine = yield* WorkflowEngine
      const instance = yield* WorkflowInstance
      const model = yield* Model
      const waits = { runId, engine, instance, externalTools: new Set<string>() }
      const options = { ...waits, approval: durable.approval, executed: durable.executed }
      // The output's own value is stored; pending calls come from tools, never from the output.
      const outputSchema = durable.outputSchema as Schema.Schema<O | DeferredTools.PendingCalls, unknown>
      const agent = DurableOutput.wrapOutput(DurableTools.wrapAgent(durable.agent, options), outputSchema, options)
      const durableModel = DurableModel.wrap(model, {
        runId,
        engine,
        instance,
        stream: durable.stream,
        executed: durable.executed
      })
      const result = yield* Agent.run(agent, input.prompt, {
        messageHistory: input.history,
        instructions: input.instructions
      }).pipe(
        // Deferred calls wait durably here; the program's own approver is not asked.
        Effect.provide(Context.add(Context.make(Model, durableModel), Approver, DurableWaits.approver(waits)))
      )
      const output = result.output
      if (DeferredTools.isPendingCalls(output)) {
        return yield* new RunFailed({ runId, errorTag: "PendingCalls", message: "The run ended with pending calls" })
      }
      yield* publishIfListened({ _tag: "RunCompleted", runId, failed: false })
      return yield* durable.encodeResult({ ...result, output }, input.history?.length ?? 0)
    }).pipe(
      Effect.catchAll((error) =>
        Effect.zipRight(
          publishIfListened({ _tag: "RunCompleted", runId: payload.runId, failed: true }),
          Effect.fail(stored(payload.runId, error))
        )
      )
    )
  )

/**
 * The workflow execution id of a run.
 *
 * @since 0.1.0
 * @category utils
 */
export const executionId = <O, E, R>(durable: DurableAgent<O, E, R>, runId: string): Effect.Effect<string> =>
  durable.workflow.executionId({ runId })

/**
 * Runs the agent durably under `runId` and waits for its result. Calling it again with the same id
 * (after a crash, from another process) continues the stored run rather than starting a new one: the
 * prompt and history given the first time are the ones used. Fails with `RunInProgress` when this
 * process is already executing the run through `run`.
 *
 * @since 0.1.0
 * @category utils
 */
export const run = <O, E, R>(
  durable: DurableAgent<O, E, R>,
  runId: string,
  prompt: string | ReadonlyArray<UserContent>,
  options?: RunOptions
): Effect.Effect<Agent.RunResult<O>, DurableRunError | RunInProgress, WorkflowEngine> =>
  Effect.acquireUseRelease(
    Effect.suspend(() => {
      if (durable.active.has(runId)) {
        return Effect.fail(
          new RunInProgress({ runId, message: `Run '${runId}' is already being executed by this process` })
        )
      }
      durable.active.add(runId)
      return Effect.void
    }),
    () =>
      payloadOf(runId, prompt, options).pipe(
        Effect.flatMap((payload) => durable.workflow.execute(payload)),
        Effect.flatMap((result) => durable.decodeResult(runId, result))
      ),
    () => Effect.sync(() => durable.active.delete(runId))
  )

/**
 * Starts (or continues) a durable run without waiting for it; gives its execution id.
 *
 * @since 0.1.0
 * @category utils
 */
export const start = <O, E, R>(
  durable: DurableAgent<O, E, R>,
  runId: string,
  prompt: string | ReadonlyArray<UserContent>,
  options?: RunOptions
): Effect.Effect<string, never, WorkflowEngine> =>
  Effect.flatMap(payloadOf(runId, prompt, options), (payload) => durable.workflow.execute(payload, { discard: true }))

/**
 * Where a durable run stands.
 *
 * @since 0.1.0
 * @category models
 */
export type Status<O> =
  /** Not known to the engine, or executing now. */
  | { readonly _tag: "Running" }
  /** Waiting: for a decision on a tool call, or to be resumed. */
  | { readonly _tag: "Suspended" }
  | { readonly _tag: "Succeeded"; readonly result: Agent.RunResult<O> }
  | { readonly _tag: "Failed"; readonly error: DurableRunError }
  /** Cancelled with `interrupt`. */
  | { readonly _tag: "Interrupted" }

/**
 * Where the run stands, from the engine's store.
 *
 * @since 0.1.0
 * @category utils
 */
export const poll = <O, E, R>(
  durable: DurableAgent<O, E, R>,
  runId: string
): Effect.Effect<Status<O>, IncompatibleHistory, WorkflowEngine> =>
  Effect.flatMap(executionId(durable, runId), (id) =>
    Effect.flatMap(durable.workflow.poll(id), (result): Effect.Effect<Status<O>, IncompatibleHistory> => {
      if (result === undefined) return Effect.succeed({ _tag: "Running" })
      if (result._tag === "Suspended") return Effect.succeed({ _tag: "Suspended" })
      const exit = result.exit
      if (Exit.isSuccess(exit)) {
        return Effect.map(durable.decodeResult(runId, exit.value), (result) => ({ _tag: "Succeeded", result }))
      }
      const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      return Effect.succeed(failure === undefined ? { _tag: "Interrupted" } : { _tag: "Failed", error: failure })
    })
  )

/**
 * Cancels the run durably: it stops where it is and is never resumed.
 *
 * @since 0.1.0
 * @category utils
 */
export const interrupt = <O, E, R>(
  durable: DurableAgent<O, E, R>,
  runId: string
): Effect.Effect<void, never, WorkflowEngine> =>
  Effect.flatMap(executionId(durable, runId), (id) => durable.workflow.interrupt(id))

/**
 * Asks the engine to continue a suspended run now.
 *
 * @since 0.1.0
 * @category utils
 */
export const resume = <O, E, R>(
  durable: DurableAgent<O, E, R>,
  runId: string
): Effect.Effect<void, never, WorkflowEngine> =>
  Effect.flatMap(executionId(durable, runId), (id) => durable.workflow.resume(id))

/**
 * Decides on a tool call waiting for approval (`RunEvents.ApprovalRequested` names it). The
 * decision is stored; the run continues wherever its engine executes it. Deciding twice keeps the
 * first decision. A denied call is answered to the model with `Approval.deniedMessage`.
 *
 * @since 0.1.0
 * @category utils
 */
export const approve = <O, E, R>(
  durable: DurableAgent<O, E, R>,
  runId: string,
  toolCallId: string,
  decision: Decision
): Effect.Effect<void, never, WorkflowEngine> => answer(durable, runId, toAnswer(toolCallId, decision))

/**
 * Gives the result of an external tool's call (`RunEvents.ExternalCallRequested` names it), from any
 * process reaching the store; `isError` when it failed (the model sees the value as an error
 * result, as text). The first result given is kept.
 *
 * @since 0.1.0
 * @category utils
 */
export const complete = <O, E, R>(
  durable: DurableAgent<O, E, R>,
  runId: string,
  toolCallId: string,
  value: unknown,
  options?: { readonly isError?: boolean | undefined }
): Effect.Effect<void, never, WorkflowEngine> =>
  answer(durable, runId, DeferredTools.result(toolCallId, value, { isError: options?.isError ?? false }))

/**
 * Answers a waiting call with the core's answers (`DeferredTools.approve`, `deny`, `result`), as
 * `Agent.resume` takes them: an approval (with replacement arguments, if any), a denial (its message
 * is what the model sees), or an external result. The first answer stored wins.
 *
 * @since 0.1.0
 * @category utils
 */
export const answer = <O, E, R>(
  durable: DurableAgent<O, E, R>,
  runId: string,
  answer: DeferredTools.Answer
): Effect.Effect<void, never, WorkflowEngine> =>
  Effect.flatMap(executionId(durable, runId), (id) => DurableWaits.settle(durable.workflow, id, answer))

/**
 * Whether a value is a `DurableAgent`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isDurableAgent = (value: unknown): value is DurableAgent<unknown, unknown, unknown> =>
  typeof value === "object" && value !== null && TypeId in value
