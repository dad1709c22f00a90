/**
 * The tools of a durable run: each call is an activity named by the run step and the tool call id
 * (`tool/<step>/<id>`), whose JSON result (or retry prompt, or failure) is stored, so a replayed run
 * gets the stored result and a finished call never runs again.
 *
 * Calls that wait (`durableWaits.ts`) keep going through the core's deferral: a tool whose calls may
 * need approval (its own `needsApproval`, or the durable agent's `requireApproval`) checks each call
 * in a stored step (`approval-check/<step>/<id>`), so a replay takes the same path even when the
 * check would now answer otherwise; an external tool's calls always wait, and its "execution" gives
 * the result stored for the call.
 */
import * as Activity from "@effect/workflow/Activity"
import { WorkflowEngine, WorkflowInstance } from "@effect/workflow/WorkflowEngine"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Agent } from "../../Agent.js"
import { ModelRetry } from "../../AgentError.js"
import type { Deferral } from "../../DeferredTools.js"
import { RunContext } from "../../RunContext.js"
import { InvalidToolArgs, type Tool } from "../../Tool.js"
import * as Toolset from "../../Toolset.js"
import { needsApproval, type Policy } from "../Approval.js"
import { describe, StepFailed } from "../DurableError.js"
import { DurableStep } from "../DurableStep.js"
import { publishIfListened } from "../RunEvents.js"
import { callPart, externalValue, type WaitOptions } from "./durableWaits.js"

/** What a tool call's activity may fail with: the retries the agent handles, or a stored failure. */
const ToolFailure = Schema.Union(ModelRetry, InvalidToolArgs, StepFailed)

/** What the wrapper needs from the workflow execution it serves. */
export interface DurableToolsOptions extends WaitOptions {
  /** The durable agent's own approval policy, on top of the tools' `needsApproval`. */
  readonly approval: Policy | undefined
  /** Where the wrapper records the names of external tools, for the run's approver. */
  readonly externalTools: Set<string>
  /**
   * Steps executed in this process whose result is not announced yet. Shared by every execution of
   * the workflow body in the process: the engine may run the step of an earlier, interrupted one.
   */
  readonly executed: Set<string>
}

/**
 * Runs `effect` as a stored step of the run (a tool call's, or the output's: `durableOutput.ts`), with the step's `DurableStep`; its failures other than
 * retries become `StepFailed`.
 */
export const step = <A, I, E, R>(
  name: string,
  success: Schema.Schema<A, I>,
  effect: Effect.Effect<A, E, R>,
  options: DurableToolsOptions
): Effect.Effect<A, typeof ToolFailure.Type, Exclude<R, DurableStep>> => {
  const activity = Activity.make({
    name,
    success,
    error: ToolFailure,
    execute: Effect.flatMap(Activity.idempotencyKey(name), (idempotencyKey) =>
      Effect.provideService(effect, DurableStep, { runId: options.runId, step: name, idempotencyKey })
    ).pipe(
      Effect.catchAll(
        (error): Effect.Effect<never, typeof ToolFailure.Type> =>
          error instanceof ModelRetry || error instanceof InvalidToolArgs
            ? Effect.fail(error)
            : Effect.fail(new StepFailed({ step: name, ...describe(error) }))
      )
    )
  })
  return Effect.mapInputContext(activity, (services: Context.Context<Exclude<R, DurableStep>>) =>
    Context.add(Context.add(services, WorkflowEngine, options.engine), WorkflowInstance, options.instance)
  )
}

/** The call being handled, from its `RunContext`. */
const currentCall = Effect.map(RunContext, (context) => ({
  runStep: context.runStep,
  toolCallId: context.toolCallId ?? "",
  toolName: context.toolName ?? ""
}))

/**
 * How a durable tool's calls are deferred: as the tool's own, with its approval check stored and
 * the agent's policy added; an external tool's calls always ask (the approver awaits their result).
 */
const deferralOf = <E, R>(
  tool: Tool<string, E, R>,
  options: DurableToolsOptions
): Deferral<E | StepFailed | InvalidToolArgs | ModelRetry, Exclude<R, DurableStep>> | undefined => {
  const own = tool.deferral
  if (own?._tag === "External") return { _tag: "Approval", needed: () => Effect.succeed(true) }
  const check = own?._tag === "Approval" ? own.needed : undefined
  const policy = options.approval
  if (check === undefined && (policy === undefined || (Array.isArray(policy) && !policy.includes(tool.name)))) {
    return undefined
  }
  return {
    _tag: "Approval",
    needed: (args, part) =>
      Effect.flatMap(currentCall, (call) => {
        const byPolicy = needsApproval(policy, part)
        if (byPolicy || check === undefined) return Effect.succeed(byPolicy)
        return step(`approval-check/${call.runStep}/${call.toolCallId}`, Schema.Boolean, check(args, part), options)
      })
  }
}

/** Wraps one tool for one execution of a durable run. */
export const wrap = <E, R>(
  tool: Tool<string, E, R>,
  options: DurableToolsOptions
): Tool<string, E | StepFailed, Exclude<R, DurableStep>> => {
  const runId = options.runId
  const deferral = deferralOf(tool, options)
  if (tool.deferral?._tag === "External") {
    options.externalTools.add(tool.name)
    const execute = () => Effect.flatMap(currentCall, (call) => externalValue(options, call.toolCallId))
    return Object.assign(Object.create(Object.getPrototypeOf(tool)), tool, { execute, deferral })
  }
  const execute = (args: unknown) =>
    Effect.flatMap(currentCall, ({ runStep, toolCallId }) => {
      const name = `tool/${runStep}/${toolCallId}`
      const call = callPart({ toolName: tool.name, input: args, toolCallId })
      const key = `${runId}/${name}`
      // Whether the call executed in this process rather than being read back from the store.
      const executed = () => options.executed.delete(key)
      const activity = step(
        name,
        Schema.Unknown,
        Effect.zipRight(
          Effect.sync(() => options.executed.add(key)),
          Effect.zipRight(publishIfListened({ _tag: "ToolCallStarted", runId, call }), tool.execute(args))
        ),
        options
      )
      // Published once the engine has stored the result, so a listener never sees a result that a
      // crash could still make the call run again for.
      return activity.pipe(
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
    })
  return Object.assign(Object.create(Object.getPrototypeOf(tool)), tool, { execute, deferral })
}

/**
 * A copy of the agent (keeping its prototype, its `pipe`) whose tools, and the tools its toolsets
 * resolve to at each step, are durable; they no longer need `DurableStep`, which each call provides.
 */
export const wrapAgent = <O, E, R>(agent: Agent<O, E, R>, options: DurableToolsOptions) =>
  Object.assign(Object.create(Object.getPrototypeOf(agent)), agent, {
    tools: agent.tools.map((tool) => wrap(tool, options)),
    toolsets: agent.toolsets.map((toolset) =>
      Toolset.fromStart(
        toolset.label,
        Effect.map(toolset.start, (stepTools) =>
          Effect.map(stepTools, (sourced) => sourced.map((entry) => ({ ...entry, tool: wrap(entry.tool, options) })))
        )
      )
    )
  }) as Agent<O, E, Exclude<R, DurableStep>>
