/**
 * The tools of a durable run: each call is an activity named by the run step and the tool call id
 * (`tool/<step>/<id>`), whose JSON result (or retry prompt, or failure) is stored, so a replayed run
 * gets the stored result and a finished call never runs again. A call that needs approval first
 * awaits a durable deferred named `approval/<id>`.
 */
import * as Activity from "@effect/workflow/Activity"
import * as DurableDeferred from "@effect/workflow/DurableDeferred"
import { WorkflowEngine, WorkflowInstance } from "@effect/workflow/WorkflowEngine"
import { Context, Effect, Predicate, Schema } from "effect"
import { ModelRetry } from "../../AgentError.js"
import { ToolCallPart } from "../../Message.js"
import { RunContext } from "../../RunContext.js"
import { InvalidToolArgs, type Tool } from "../../Tool.js"
import { Decision, deniedMessage, needsApproval, type Policy } from "../Approval.js"
import { describe, StepFailed } from "../DurableError.js"
import { DurableStep } from "../DurableStep.js"
import { publishIfListened } from "../RunEvents.js"

/** The durable deferred holding the decision on one tool call. */
export const approvalDeferred = (toolCallId: string) =>
  DurableDeferred.make(`approval/${toolCallId}`, { success: Decision })

/** What a tool call's activity may fail with: the retries the agent handles, or a stored failure. */
const ToolFailure = Schema.Union(ModelRetry, InvalidToolArgs, StepFailed)

/** What the wrapper needs from the workflow execution it serves. */
export interface DurableToolsOptions {
  readonly runId: string
  readonly engine: WorkflowEngine["Type"]
  readonly instance: WorkflowInstance["Type"]
  readonly approval: Policy | undefined
  /**
   * Steps executed in this process whose result is not announced yet. Shared by every execution of
   * the workflow body in the process: the engine may run the step of an earlier, interrupted one.
   */
  readonly executed: Set<string>
}

/** Wraps one tool for one execution of a durable run. */
export const wrap = <E, R>(
  tool: Tool<string, E, R>,
  options: DurableToolsOptions
): Tool<string, E | StepFailed, Exclude<R, DurableStep>> => {
  const execute = (args: unknown) =>
    Effect.flatMap(RunContext, (context) => {
      const toolCallId = context.toolCallId ?? ""
      const name = `tool/${context.runStep}/${toolCallId}`
      const call = new ToolCallPart({ toolName: tool.name, args: argsOf(args), toolCallId }, true)
      const runId = options.runId
      const key = `${runId}/${name}`
      // Whether the call executed in this process rather than being read back from the store.
      const executed = () => options.executed.delete(key)
      const activity = Activity.make({
        name,
        success: Schema.Unknown,
        error: ToolFailure,
        execute: Effect.gen(function* () {
          options.executed.add(key)
          const idempotencyKey = yield* Activity.idempotencyKey(name)
          yield* publishIfListened({ _tag: "ToolCallStarted", runId, call })
          return yield* tool.execute(args).pipe(
            Effect.provideService(DurableStep, { runId, step: name, idempotencyKey }),
            Effect.catchAll(
              (error): Effect.Effect<never, typeof ToolFailure.Type> =>
                error instanceof ModelRetry || error instanceof InvalidToolArgs
                  ? Effect.fail(error)
                  : Effect.fail(new StepFailed({ step: name, ...describe(error) }))
            )
          )
        })
      })
      // Published once the engine has stored the result, so a listener never sees a result that a
      // crash could still make the call run again for.
      const stored = activity.pipe(
        Effect.tapBoth({
          onSuccess: (result) =>
            executed()
              ? publishIfListened({ _tag: "ToolCallFinished", runId, call, result, failed: false })
              : Effect.void,
          onFailure: () =>
            executed()
              ? publishIfListened({ _tag: "ToolCallFinished", runId, call, result: undefined, failed: true })
              : Effect.void
        })
      )
      const guarded = needsApproval(options.approval, call)
        ? Effect.zipRight(
            publishIfListened({ _tag: "ApprovalRequested", runId, call }),
            Effect.flatMap(DurableDeferred.await(approvalDeferred(toolCallId)), (decision) =>
              decision._tag === "Approved" ? stored : Effect.succeed(deniedMessage(decision))
            )
          )
        : stored
      return Effect.mapInputContext(guarded, (services: Context.Context<Exclude<R, DurableStep> | RunContext>) =>
        Context.add(Context.add(services, WorkflowEngine, options.engine), WorkflowInstance, options.instance)
      )
    })
  return Object.assign(Object.create(Object.getPrototypeOf(tool)), tool, { execute })
}

const argsOf = (args: unknown): ToolCallPart["args"] => (Predicate.isRecord(args) ? args : JSON.stringify(args))
