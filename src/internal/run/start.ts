/**
 * Starting a run: the model, settings, limits, tools and output mode resolved once, the first
 * request built, and the machine that drives the run. `Agent.run`, `Agent.runStream` and
 * `Agent.iter` all drive it: `next` runs one node (send a request, handle a response) as an Effect,
 * `stream` runs the rest as a Stream.
 */
import * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import { UserError } from "../../AgentError.js"
import type { AgentEvent } from "../../AgentEvent.js"
import {
  type Answer,
  matchAnswers,
  type PendingKind,
  pendingCalls,
  type ResumeError,
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
import { Model, type ModelRequestParameters, type OutputMode, type ToolDefinition } from "../../Model.js"
import * as ModelSettings from "../../ModelSettings.js"
import { promptedInstructions } from "../../Output.js"
import type { Tool } from "../../Tool.js"
import * as Usage from "../../Usage.js"
import type { Agent, AgentNode, ModelRequestNode, RunError, RunOptions } from "../agent/types.js"
import { resumeDecisions } from "../deferred/decide.js"
import { construct } from "../trustedInput.js"
import type { Resume, Run, State } from "./context.js"
import { setUpOutput } from "./outputSetup.js"
import { dynamicInstructionsOf, dynamicSystemPromptsOf } from "./prepare.js"
import { sendRequest } from "./requests.js"
import { handleResponseThen, type Then } from "./responses.js"
import { mayPrepareSteps } from "./stepPreparation.js"
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

const defaultRequestLimit = 50

const mergeLimits = (agent: Usage.UsageLimits | undefined, run: Usage.UsageLimits | undefined): Usage.UsageLimits => ({
  requestLimit: run?.requestLimit ?? agent?.requestLimit ?? defaultRequestLimit,
  inputTokensLimit: run?.inputTokensLimit ?? agent?.inputTokensLimit,
  outputTokensLimit: run?.outputTokensLimit ?? agent?.outputTokensLimit,
  totalTokensLimit: run?.totalTokensLimit ?? agent?.totalTokensLimit,
  toolCallsLimit: run?.toolCallsLimit ?? agent?.toolCallsLimit,
  countTokensBeforeRequest: run?.countTokensBeforeRequest ?? agent?.countTokensBeforeRequest
})

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

/** The tools by name; two tools of one name are the user's mistake. */
const toolsByName = <E, R>(
  tools: ReadonlyArray<Tool<string, E, R>>,
  outputTools: ReadonlyArray<ToolDefinition>
): Effect.Effect<ReadonlyMap<string, Tool<string, E, R>>, UserError> => {
  const byName = new Map<string, Tool<string, E, R>>()
  for (const tool of tools) {
    if (byName.has(tool.name)) return Effect.fail(new UserError({ message: `Two tools are named '${tool.name}'` }))
    byName.set(tool.name, tool)
  }
  const clash = outputTools.find((outputTool) => byName.has(outputTool.name))
  if (clash !== undefined) {
    return Effect.fail(new UserError({ message: `A tool is named '${clash.name}', like the output tool` }))
  }
  return Effect.succeed(byName)
}

/** The instructions of every request of the run: the agent's, the run's, the prompted output's. */
const instructionsOf = <E, R>(
  agent: Agent<unknown, E, R>,
  options: RunOptions,
  mode: OutputMode
): ReadonlyArray<Instructions.Instruction<E, R>> => {
  const parts: Array<Instructions.Instruction<E, R>> = [...agent.instructions]
  if (options.instructions !== undefined) parts.push(options.instructions)
  if (mode === "prompted") parts.push(promptedInstructions(agent.output))
  return parts
}

/** Fixed instructions joined as they are sent; undefined when some are computed (or none has text). */
const fixedInstructions = <E, R>(instructions: ReadonlyArray<Instructions.Instruction<E, R>>): string | undefined => {
  if (!Instructions.isStatic(instructions)) return undefined
  const nonEmpty = instructions.filter((part) => part.trim() !== "")
  return nonEmpty.length === 0 ? undefined : nonEmpty.join("\n\n")
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
): Effect.Effect<Machine<O, E, R>, UserError, Model> =>
  // Without answers nothing is resumed, so none of the resume errors can occur.
  start(agent, { _tag: "Prompt", prompt }, options) as Effect.Effect<Machine<O, E, R>, UserError, Model>

/** Resumes a run whose history ends with pending calls, with an answer per call. */
export const resume = <O, E, R>(
  agent: Agent<O, E, R>,
  answers: ReadonlyArray<Answer>,
  options: RunOptions
): Effect.Effect<Machine<O, E, R>, UserError | ResumeError | E, Model | R> =>
  start(agent, { _tag: "Resume", answers }, options)

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

const start = Effect.fnUntraced(function* <O, E, R>(agent: Agent<O, E, R>, entry: Entry, options: RunOptions) {
  const model = yield* Model
  const settings = ModelSettings.merge(model.settings, agent.settings, options.settings)
  const output = agent.output
  const outputSetup = yield* setUpOutput(output, model, settings)
  const mode = outputSetup.mode
  const agentTools = yield* toolsByName(agent.tools, outputSetup.definitions)
  const stepTools = yield* startToolsets(agent)

  const history = options.messageHistory ?? []
  const waiting = unanswered(history)
  const tools =
    entry._tag === "Prompt"
      ? agentTools
      : yield* resumeTools(agentTools, stepTools, {
          agentName: agent.name,
          modelName: model.modelName,
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
    const last = history.at(-1)
    if (waiting !== undefined || (last !== undefined && last._tag === "ModelResponse" && toolCalls(last).length > 0)) {
      return yield* new UserError({
        message:
          "Cannot send a new prompt: the message history ends with tool calls that have no results (answer them with Agent.resume)"
      })
    }
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
  const kept = resumeFrom === undefined || waiting === undefined ? history : history.slice(0, waiting.responseIndex + 1)
  const prompt = entry._tag === "Prompt" ? entry.prompt : lastPrompt(history)

  const structuredText = (mode === "native" || mode === "prompted") && output.jsonSchema !== undefined
  const parameters: ModelRequestParameters = {
    functionTools: agent.tools.map((tool) => tool.definition),
    outputTools: outputSetup.definitions,
    builtinTools: agent.builtinTools,
    outputMode: mode,
    allowTextOutput: outputSetup.allowText,
    outputObject:
      structuredText && output.jsonSchema !== undefined
        ? { name: output.name, description: output.description, jsonSchema: output.jsonSchema, strict: output.strict }
        : undefined
  }
  const instructionList = instructionsOf(agent, options, mode)
  const instructions = fixedInstructions(instructionList)
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
    model,
    settings,
    limits: remainingLimits(mergeLimits(agent.usageLimits, options.usageLimits), options.usage),
    output,
    mode,
    parameters,
    instructions,
    tools,
    outputTools: outputSetup.tools,
    partials: outputSetup.partials,
    toolNames: [...tools.keys(), ...outputSetup.tools.keys()],
    stepTools,
    prompt,
    state,
    resume: resumeFrom,
    stepBase: mayPrepareSteps(agent) ? { parameters, settings, tools } : undefined,
    tree: options.usageTree,
    treeHandle: undefined,
    dynamicInstructions: dynamicInstructionsOf(instructionList),
    dynamicSystemPrompts: history.length === 0 ? dynamicSystemPromptsOf(agent.systemPrompts) : undefined
  }
  const parts = firstRequestParts(agent, history, prompt)
  const request: ModelRequestNode = {
    _tag: "ModelRequestNode",
    request: construct(ModelRequest, { parts, instructions })
  }
  const machine: Machine<O, E, R> = {
    run,
    start: request,
    first:
      waiting === undefined || resumeFrom === undefined
        ? request
        : { _tag: "CallToolsNode", response: waiting.response },
    state,
    // Lazy, so the effect of `next` can be run again (or later), as with an `Effect.gen`.
    next: (node) => Effect.suspend(() => step(run, node, Effect.succeed)),
    drive: (node, then) => step(run, node, then),
    stream: (node) => streamFrom(run, node)
  }
  return machine
})

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
