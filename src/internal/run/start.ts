/**
 * Starting a run: the model, settings, limits, tools and output mode resolved once, the first
 * request built, and the machine that drives the run. `Agent.run`, `Agent.runStream` and
 * `Agent.iter` all drive it: `next` runs one node (send a request, handle a response) as an Effect,
 * `stream` runs the rest as a Stream.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Stream from "effect/Stream"
import { UserError } from "../../AgentError.js"
import type { AgentEvent } from "../../AgentEvent.js"
import {
  type Answer,
  matchAnswers,
  type PendingKind,
  pendingCalls,
  type ResumeError,
  type Unanswered,
  unanswered
} from "../../DeferredTools.js"
import * as Instructions from "../../Instructions.js"
import {
  type ModelMessage,
  ModelRequest,
  type ModelRequestPart,
  SystemPromptPart,
  toolCalls,
  type UserContent,
  UserPromptPart
} from "../../Message.js"
import { Model } from "../../Model.js"
import type { Tool } from "../../Tool.js"
import type * as Toolset from "../../Toolset.js"
import * as Usage from "../../Usage.js"
import type { Agent, AgentNode, ModelRequestNode, RunError, RunOptions } from "../agent/types.js"
import { resumeDecisions } from "../deferred/decide.js"
import { construct } from "../trustedInput.js"
import type { Resume, Run, State } from "./context.js"
import { sendRequest } from "./requests.js"
import { handleResponseThen, type Then } from "./responses.js"
import { mergeLimits, planOf, type RunPlan } from "./runPlan.js"
import { streamFrom } from "./streaming.js"
import { resumeTools, startToolsets } from "./toolsets.js"

/** A started run. */
export interface Machine<O, E, R> {
  readonly run: Run<O, E, R>
  readonly start: ModelRequestNode
  /** Where `run` and `runStream` begin: the first request, or the response a resumed run answers. */
  readonly first: AgentNode<O>
  readonly state: State
  /** Runs one node and gives the next. */
  readonly next: (node: AgentNode<O>) => Effect.Effect<AgentNode<O>, RunError<E>, R>
  /**
   * Runs one node and goes on with `then` of the next, in the step that has it: built when the node
   * is to run (inside a running Effect), so not suspended, and no steps mapping the node.
   */
  readonly drive: <A>(node: AgentNode<O>, then: Then<O, A, E, R>) => Effect.Effect<A, RunError<E>, R>
  /** Runs the rest of the run from `node`, streaming its events; the last is `RunFinished`. */
  readonly stream: (node: AgentNode<O>) => Stream.Stream<AgentEvent<O>, RunError<E>, R>
}

/** What is left of `limits` once `spent` (a parent run's usage) is counted. */
const remainingLimits = (limits: Usage.UsageLimits, spent: Usage.RunUsage | undefined): Usage.UsageLimits => {
  if (spent === undefined) return limits
  const minus = (limit: number | undefined, used: number) =>
    limit === undefined ? undefined : Math.max(0, limit - used)
  return {
    requestLimit: minus(limits.requestLimit, spent.requests),
    inputTokensLimit: minus(limits.inputTokensLimit, spent.inputTokens),
    outputTokensLimit: minus(limits.outputTokensLimit, spent.outputTokens),
    totalTokensLimit: minus(limits.totalTokensLimit, spent.inputTokens + spent.outputTokens),
    toolCallsLimit: minus(limits.toolCallsLimit, spent.toolCalls),
    countTokensBeforeRequest: limits.countTokensBeforeRequest
  }
}

/** The parts of the first request: the system prompts of a new conversation, then the prompt. */
const firstRequestParts = (
  agent: Agent<unknown, unknown, unknown>,
  history: ReadonlyArray<unknown>,
  prompt: string | ReadonlyArray<UserContent>
): Array<ModelRequestPart> => {
  // Computed system prompts are added when the request is sent (`prepare.ts`).
  const fixed = Instructions.isStatic(agent.systemPrompts) ? agent.systemPrompts : []
  const parts: Array<ModelRequestPart> =
    history.length === 0 ? fixed.map((content) => construct(SystemPromptPart, { content })) : []
  // The prompt's type is checked by TypeScript; an array is copied so the caller's stays theirs.
  parts.push(construct(UserPromptPart, { content: typeof prompt === "string" ? prompt : [...prompt] }))
  return parts
}

/** Starts a run: resolves the model, settings, limits, tools and output mode, builds the first request. */
export const make = <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options: RunOptions
): Effect.Effect<Machine<O, E, R>, UserError, Model> => makeThen(agent, prompt, options, Effect.succeed)

/** `make`, going on with `then` of the machine in the step that has it (no step giving the machine). */
export const makeThen = <O, E, R, A, E2, R2>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options: RunOptions,
  then: (machine: Machine<O, E, R>) => Effect.Effect<A, E2, R2>
): Effect.Effect<A, UserError | E2, Model | R2> =>
  // Without answers nothing is resumed, so none of the resume errors can occur.
  start(agent, { _tag: "Prompt", prompt }, options, then) as Effect.Effect<A, UserError | E2, Model | R2>

/** Resumes a run whose history ends with pending calls, with an answer per call. */
export const resume = <O, E, R>(
  agent: Agent<O, E, R>,
  answers: ReadonlyArray<Answer>,
  options: RunOptions
): Effect.Effect<Machine<O, E, R>, UserError | ResumeError | E, Model | R> =>
  start(agent, { _tag: "Resume", answers }, options, Effect.succeed)

type Entry =
  | { readonly _tag: "Prompt"; readonly prompt: string | ReadonlyArray<UserContent> }
  | { readonly _tag: "Resume"; readonly answers: ReadonlyArray<Answer> }

/** The prompt of a resumed run, as its `RunContext` tells it: the conversation's last user prompt. */
const lastPrompt = (history: ReadonlyArray<ModelMessage>): string | ReadonlyArray<UserContent> => {
  for (let index = history.length - 1; index >= 0; index--) {
    const message = history[index]!
    if (message._tag !== "ModelRequest") continue
    for (const part of message.parts) if (part._tag === "UserPromptPart") return part.content
  }
  return ""
}

/**
 * Starts a run from its plan and goes on with `then` of its machine. A new prompt to an agent
 * without toolsets has nothing to start or resume, so it starts as plain code in the step that has
 * the model. The model is read from the fiber's context in that step (`Effect.flatMap(Model, ...)`
 * would take three: the `flatMap`, the tag and its lookup); missing, it is the same defect.
 */
const start = <O, E, R, A, E2, R2>(
  agent: Agent<O, E, R>,
  entry: Entry,
  options: RunOptions,
  then: (machine: Machine<O, E, R>) => Effect.Effect<A, E2, R2>
): Effect.Effect<A, UserError | ResumeError | E | E2, Model | R | R2> =>
  Effect.withFiberRuntime((fiber) => {
    const model = Context.unsafeGet(fiber.currentContext, Model)
    const plan = planOf(agent, model, options)
    if (Either.isLeft(plan)) return Effect.fail(plan.left)
    if (entry._tag === "Resume" || agent.toolsets.length > 0) {
      return Effect.flatMap(startWithEffects(agent, plan.right, entry, options), then)
    }
    const history = options.messageHistory ?? []
    if (endsWithCalls(history, unanswered(history))) return Effect.fail(unansweredCalls())
    return then(
      machineOf(agent, plan.right, options, {
        history,
        kept: history,
        prompt: entry.prompt,
        tools: plan.right.tools,
        stepTools: undefined,
        resume: undefined,
        waiting: undefined
      })
    )
  })

/**
 * Whether the history ends with tool calls that have no results (`waiting`, its `unanswered`), so a
 * new prompt cannot follow it.
 */
const endsWithCalls = (history: ReadonlyArray<ModelMessage>, waiting: Unanswered | undefined): boolean => {
  const last = history.at(-1)
  return waiting !== undefined || (last?._tag === "ModelResponse" && toolCalls(last).length > 0)
}

const unansweredCalls = () =>
  new UserError({
    message:
      "Cannot send a new prompt: the message history ends with tool calls that have no results (answer them with Agent.resume)"
  })

/** A run that starts toolsets, or resumes pending calls (which may run the toolsets' listing). */
const startWithEffects = Effect.fnUntraced(function* <O, E, R>(
  agent: Agent<O, E, R>,
  plan: RunPlan<O, E, R>,
  entry: Entry,
  options: RunOptions
) {
  const stepTools = yield* startToolsets(agent)
  const history = options.messageHistory ?? []
  const waiting = unanswered(history)
  const tools =
    entry._tag === "Prompt"
      ? plan.tools
      : yield* resumeTools(plan.tools, stepTools, {
          agentName: agent.name,
          modelName: plan.model.modelName,
          prompt: lastPrompt(history),
          usage: options.usage ?? Usage.RunUsage.empty,
          messages: history,
          runStep: 0,
          retry: 0,
          maxRetries: 0,
          toolName: undefined,
          toolCallId: undefined
        })
  let resumeFrom: Resume | undefined
  if (entry._tag === "Prompt") {
    if (endsWithCalls(history, waiting)) return yield* unansweredCalls()
  } else {
    const kindOf = (name: string): PendingKind | undefined => {
      const tool = tools.get(name)
      return tool === undefined ? undefined : tool.deferral?._tag === "External" ? "external" : "approval"
    }
    const pending = yield* pendingCalls(waiting?.calls ?? [], kindOf)
    const matched = yield* matchAnswers(pending, entry.answers)
    if (waiting === undefined) {
      return yield* new UserError({ message: "Nothing to resume: the message history ends with no pending tool call" })
    }
    resumeFrom = {
      decisions: yield* resumeDecisions(matched, tools),
      answered: waiting.answered
    }
  }
  return machineOf(agent, plan, options, {
    history,
    kept: resumeFrom === undefined || waiting === undefined ? history : history.slice(0, waiting.responseIndex + 1),
    prompt: entry._tag === "Prompt" ? entry.prompt : lastPrompt(history),
    tools,
    stepTools,
    resume: resumeFrom,
    waiting
  })
})

/** What a run begins with beyond its plan: the conversation, the prompt, the tools, what it resumes. */
interface Beginning<E, R> {
  readonly history: ReadonlyArray<ModelMessage>
  /** The history the run keeps: a resumed run's ends with the response whose calls it answers. */
  readonly kept: ReadonlyArray<ModelMessage>
  readonly prompt: string | ReadonlyArray<UserContent>
  readonly tools: ReadonlyMap<string, Tool<string, E, R>>
  readonly stepTools: Toolset.StepTools<E, R> | undefined
  readonly resume: Resume | undefined
  readonly waiting: Unanswered | undefined
}

/** The started run: its state, the first request, and the machine that drives it. */
const machineOf = <O, E, R>(
  agent: Agent<O, E, R>,
  plan: RunPlan<O, E, R>,
  options: RunOptions,
  beginning: Beginning<E, R>
): Machine<O, E, R> => {
  const { history, kept, prompt, tools, waiting } = beginning
  const { settings, parameters, instructions } = plan
  const state: State = {
    messages: [...kept],
    newMessageIndex: kept.length,
    usage: Usage.RunUsage.empty,
    runStep: 0,
    outputRetries: 0,
    toolRetries: new Map(),
    sent: undefined
  }
  const run: Run<O, E, R> = {
    agent,
    model: plan.model,
    settings,
    limits: remainingLimits(
      options.usageLimits === undefined ? plan.limits : mergeLimits(agent.usageLimits, options.usageLimits),
      options.usage
    ),
    output: agent.output,
    mode: plan.output.mode,
    parameters,
    instructions,
    tools,
    outputTools: plan.output.tools,
    partials: plan.output.partials,
    toolNames: tools === plan.tools ? plan.toolNames : [...tools.keys(), ...plan.output.tools.keys()],
    stepTools: beginning.stepTools,
    prompt,
    state,
    resume: beginning.resume,
    stepBase: plan.mayPrepareSteps ? { parameters, settings, tools } : undefined,
    tree: options.usageTree,
    treeHandle: undefined,
    dynamicInstructions: plan.dynamicInstructions,
    dynamicSystemPrompts: history.length === 0 ? plan.dynamicSystemPrompts : undefined
  }
  const request: ModelRequestNode = {
    _tag: "ModelRequestNode",
    request: construct(ModelRequest, { parts: firstRequestParts(agent, history, prompt), instructions })
  }
  return {
    run,
    start: request,
    first:
      waiting === undefined || beginning.resume === undefined
        ? request
        : { _tag: "CallToolsNode", response: waiting.response },
    state,
    // Lazy, so the effect of `next` can be run again (or later), as with an `Effect.gen`.
    next: (node) => Effect.suspend(() => step(run, node, Effect.succeed)),
    drive: (node, then) => step(run, node, then),
    stream: (node) => streamFrom(run, node)
  }
}

/** Runs one node (sends its request, or handles its response) and goes on with `then` of the next. */
const step = <O, E, R, A>(
  run: Run<O, E, R>,
  node: AgentNode<O>,
  then: Then<O, A, E, R>
): Effect.Effect<A, RunError<E>, R> => {
  switch (node._tag) {
    case "ModelRequestNode":
      return sendRequest(run, node.request, then)
    case "CallToolsNode":
      return handleResponseThen(run, node.response, undefined, then)
    case "End":
      return then(node)
  }
}
