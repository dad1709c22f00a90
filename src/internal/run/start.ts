/**
 * Starting a run: the model, settings, limits, tools and output mode resolved once, the first
 * request built, and the machine that drives the run. `Agent.run`, `Agent.runStream` and
 * `Agent.iter` all drive it: `next` runs one node (send a request, handle a response) as an Effect,
 * `stream` runs the rest as a Stream.
 */
import { Effect, type Stream } from "effect"
import type { Agent, AgentNode, ModelRequestNode, RunError, RunOptions } from "../../Agent.js"
import { UserError } from "../../AgentError.js"
import type { AgentEvent } from "../../AgentEvent.js"
import {
  ModelRequest,
  type ModelRequestPart,
  SystemPromptPart,
  toolCalls,
  type UserContent,
  UserPromptPart
} from "../../Message.js"
import {
  Model,
  type ModelRequestParameters,
  type Service as ModelService,
  type OutputMode,
  type ToolDefinition
} from "../../Model.js"
import * as ModelSettings from "../../ModelSettings.js"
import { type Output, promptedInstructions } from "../../Output.js"
import type { Tool } from "../../Tool.js"
import * as Usage from "../../Usage.js"
import { trustedInput } from "../trustedInput.js"
import type { Run, State } from "./context.js"
import { sendRequest } from "./requests.js"
import { handleResponse } from "./responses.js"
import { streamFrom } from "./streaming.js"
import { startToolsets } from "./toolsets.js"

/** A started run. */
export interface Machine<O, E, R> {
  readonly run: Run<O, E, R>
  readonly start: ModelRequestNode
  readonly state: State
  /** Runs one node and gives the next. */
  readonly next: (node: AgentNode<O>) => Effect.Effect<AgentNode<O>, RunError<E>, R>
  /** Runs the rest of the run from `node`, streaming its events; the last is `RunFinished`. */
  readonly stream: (node: AgentNode<O>) => Stream.Stream<AgentEvent<O>, RunError<E>, R>
}

const defaultRequestLimit = 50

const thinkingEnabled = (settings: ModelSettings.ModelSettings): boolean =>
  settings.thinking !== undefined && settings.thinking !== false

const resolveMode = (
  output: Output<unknown, unknown, unknown>,
  model: ModelService,
  settings: ModelSettings.ModelSettings
): OutputMode => {
  if (output.mode !== "auto") return output.mode
  // A model that rejects any forced tool choice cannot be made to call the output tool.
  if (model.profile.supportsForcedToolCalls === false) return model.profile.supportsNativeOutput ? "native" : "prompted"
  // Anthropic rejects a forced tool choice while thinking, so the output cannot come from a tool then.
  if (thinkingEnabled(settings) && !model.profile.supportsForcedToolCallsWithThinking) {
    return model.profile.supportsNativeOutput ? "native" : "prompted"
  }
  return "tool"
}

const mergeLimits = (agent: Usage.UsageLimits | undefined, run: Usage.UsageLimits | undefined): Usage.UsageLimits => ({
  requestLimit: run?.requestLimit ?? agent?.requestLimit ?? defaultRequestLimit,
  inputTokensLimit: run?.inputTokensLimit ?? agent?.inputTokensLimit,
  outputTokensLimit: run?.outputTokensLimit ?? agent?.outputTokensLimit,
  totalTokensLimit: run?.totalTokensLimit ?? agent?.totalTokensLimit,
  toolCallsLimit: run?.toolCallsLimit ?? agent?.toolCallsLimit
})

/** The tools by name; two tools of one name are the user's mistake. */
const toolsByName = <E, R>(
  tools: ReadonlyArray<Tool<string, E, R>>,
  outputTool: ToolDefinition | undefined
): Effect.Effect<ReadonlyMap<string, Tool<string, E, R>>, UserError> => {
  const byName = new Map<string, Tool<string, E, R>>()
  for (const tool of tools) {
    if (byName.has(tool.name)) return Effect.fail(new UserError({ message: `Two tools are named '${tool.name}'` }))
    byName.set(tool.name, tool)
  }
  if (outputTool !== undefined && byName.has(outputTool.name)) {
    return Effect.fail(new UserError({ message: `A tool is named '${outputTool.name}', like the output tool` }))
  }
  return Effect.succeed(byName)
}

/** The output tool, when the output comes from a tool call. */
const outputToolOf = (output: Output<unknown, unknown, unknown>, mode: OutputMode): ToolDefinition | undefined =>
  mode === "tool" && output.jsonSchema !== undefined
    ? {
        name: output.name,
        description: output.description ?? "The final response which ends this conversation",
        parametersJsonSchema: output.jsonSchema,
        kind: "output",
        strict: output.strict
      }
    : undefined

/** The instructions of every request of the run: the agent's, the run's, the prompted output's. */
const instructionsOf = (
  agent: Agent<unknown, unknown, unknown>,
  options: RunOptions,
  mode: OutputMode
): string | undefined => {
  const parts = [...agent.instructions]
  if (options.instructions !== undefined) parts.push(options.instructions)
  if (mode === "prompted") parts.push(promptedInstructions(agent.output))
  const nonEmpty = parts.filter((part) => part.trim() !== "")
  return nonEmpty.length === 0 ? undefined : nonEmpty.join("\n\n")
}

/** The parts of the first request: the system prompts of a new conversation, then the prompt. */
const firstRequestParts = (
  agent: Agent<unknown, unknown, unknown>,
  history: ReadonlyArray<unknown>,
  prompt: string | ReadonlyArray<UserContent>
): Array<ModelRequestPart> => {
  const parts: Array<ModelRequestPart> =
    history.length === 0 ? agent.systemPrompts.map((content) => new SystemPromptPart({ content }, trustedInput)) : []
  // The prompt's type is checked by TypeScript; an array is copied so the caller's stays theirs.
  parts.push(new UserPromptPart({ content: typeof prompt === "string" ? prompt : [...prompt] }, trustedInput))
  return parts
}

/** Starts a run: resolves the model, settings, limits, tools and output mode, builds the first request. */
export const make = Effect.fnUntraced(function* <O, E, R>(
  agent: Agent<O, E, R>,
  prompt: string | ReadonlyArray<UserContent>,
  options: RunOptions
) {
  const model = yield* Model
  const settings = ModelSettings.merge(model.settings, agent.settings, options.settings)
  const output = agent.output
  const mode = resolveMode(output, model, settings)
  const outputTool = outputToolOf(output, mode)
  const tools = yield* toolsByName(agent.tools, outputTool)
  const stepTools = yield* startToolsets(agent)

  const history = options.messageHistory ?? []
  const last = history.at(-1)
  if (last !== undefined && last._tag === "ModelResponse" && toolCalls(last).length > 0) {
    return yield* new UserError({
      message: "Cannot send a new prompt: the message history ends with tool calls that have no results"
    })
  }

  const structuredText = (mode === "native" || mode === "prompted") && output.jsonSchema !== undefined
  const parameters: ModelRequestParameters = {
    functionTools: agent.tools.map((tool) => tool.definition),
    outputTools: outputTool === undefined ? [] : [outputTool],
    builtinTools: agent.builtinTools,
    outputMode: mode,
    allowTextOutput: mode !== "tool",
    outputObject:
      structuredText && output.jsonSchema !== undefined
        ? { name: output.name, description: output.description, jsonSchema: output.jsonSchema, strict: output.strict }
        : undefined
  }
  const instructions = instructionsOf(agent, options, mode)
  const state: State = {
    messages: [...history],
    newMessageIndex: history.length,
    usage: Usage.RunUsage.empty,
    runStep: 0,
    outputRetries: 0,
    toolRetries: new Map()
  }
  const run: Run<O, E, R> = {
    agent,
    model,
    settings,
    limits: mergeLimits(agent.usageLimits, options.usageLimits),
    output,
    mode,
    parameters,
    instructions,
    tools,
    outputToolName: outputTool?.name,
    toolNames: [...tools.keys(), ...(outputTool === undefined ? [] : [outputTool.name])],
    stepTools,
    prompt,
    state
  }
  const parts = firstRequestParts(agent, history, prompt)
  const machine: Machine<O, E, R> = {
    run,
    start: { _tag: "ModelRequestNode", request: new ModelRequest({ parts, instructions }, trustedInput) },
    state,
    // Lazy, so the effect of `next` can be run again (or later), as with an `Effect.gen`.
    next: (node) => Effect.suspend(() => step(run, node)),
    stream: (node) => streamFrom(run, node)
  }
  return machine
})

/** Runs one node: sends its request, or handles its response. */
const step = <O, E, R>(run: Run<O, E, R>, node: AgentNode<O>): Effect.Effect<AgentNode<O>, RunError<E>, R> => {
  switch (node._tag) {
    case "ModelRequestNode":
      return sendRequest(run, node.request)
    case "CallToolsNode":
      return handleResponse(run, node.response, undefined)
    case "End":
      return Effect.succeed(node)
  }
}
