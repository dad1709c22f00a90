/**
 * What a run is made of (fixed when it starts) and what changes while it goes on, and the
 * `RunContext` its tools and validators see. Every other room of the run loop reads these.
 */
import * as Effect from "effect/Effect"
import type { ChildEvent, ToolCallStarted, ToolResult } from "../../AgentEvent.js"
import type { ApprovalRequested } from "../../Approval.js"
import type { ModelMessage, ModelRequestPart, UserContent } from "../../Message.js"
import type { ModelRequestParameters, Service as ModelService, OutputMode } from "../../Model.js"
import type { ModelSettings } from "../../ModelSettings.js"
import type { Output } from "../../Output.js"
import type { RunContext, Service as RunContextService } from "../../RunContext.js"
import type { Tool } from "../../Tool.js"
import type { StepTools } from "../../Toolset.js"
import { addRunUsage, type RunUsage, type UsageLimits, type UsageTree } from "../../Usage.js"
import type { Agent } from "../agent/types.js"
import type { CallDecision } from "../deferred/decide.js"
import type { PartialOutputSource } from "../partialOutput.js"
import type { StepBase } from "./stepPreparation.js"
import { treeOf } from "./usageTree.js"

/** What tool handling emits while streaming. */
export type LoopEvent = ToolCallStarted | ToolResult | ApprovalRequested | ChildEvent

/** Where a streamed run sends the events of tool handling. */
export type Emit = (events: Iterable<LoopEvent>) => Effect.Effect<void>

/** What changes while a run goes on. */
export interface State {
  readonly messages: Array<ModelMessage>
  /** Where this run's messages start in `messages`. */
  readonly newMessageIndex: number
  usage: RunUsage
  runStep: number
  /** Output retries used: invalid output, failed validators, empty answers. */
  outputRetries: number
  /** Failed calls in a row per tool name (unknown names too). */
  readonly toolRetries: Map<string, number>
  /** The conversation as the history processors left it for the current request, when there are any. */
  sent: ReadonlyArray<ModelMessage> | undefined
}

/** What a run is made of; fixed when it starts. */
export interface Run<O, E, R> {
  readonly agent: Agent<O, E, R>
  readonly model: ModelService
  /** The settings of the current request (a step's `prepareStep` may change them). */
  settings: ModelSettings
  readonly limits: UsageLimits
  readonly output: Output<O, E, R>
  readonly mode: OutputMode
  /** The tools and their definitions are listed again before every request when the agent has toolsets. */
  parameters: ModelRequestParameters
  readonly instructions: string | undefined
  tools: ReadonlyMap<string, Tool<string, E, R>>
  /** The output tools by name, each with the output (a union's member) that processes its calls. */
  readonly outputTools: ReadonlyMap<string, Output<O, E, R>>
  /** What a streamed response shows partial output from; undefined when it shows none. */
  readonly partials: PartialOutputSource | undefined
  /** Every tool name the model may call, for the retry prompt about an unknown tool. */
  toolNames: ReadonlyArray<string>
  /** Lists the tools of each step (the agent's tools and toolsets), when the agent has toolsets. */
  readonly stepTools: StepTools<E, R> | undefined
  readonly prompt: string | ReadonlyArray<UserContent>
  readonly state: State
  /** The instructions, when some are computed before each request. */
  readonly dynamicInstructions: Effect.Effect<string | undefined, E, R | RunContext> | undefined
  /** The system prompts of a new conversation, when some are computed. */
  readonly dynamicSystemPrompts: Effect.Effect<ReadonlyArray<string>, E, R | RunContext> | undefined
  /** What each step is prepared from, when the agent, its tools or toolsets may prepare steps. */
  readonly stepBase: StepBase<E, R> | undefined
  /** The delegation tree this run is part of, when it runs inside another run's tool call. */
  readonly tree: UsageTree | undefined
  /** The handle this run's tool calls get for the tree (built when first asked for). */
  treeHandle: UsageTree | undefined
  /** A resumed run: the answers to the calls its history left pending, until they are handled. */
  resume: Resume | undefined
}

/** The calls a resumed run starts from: the callers' answers, and the results already given. */
export interface Resume {
  readonly decisions: ReadonlyMap<string, CallDecision>
  readonly answered: ReadonlyArray<ModelRequestPart>
}

/** The `RunContext` a handler or validator sees, with a snapshot of the conversation. */
export const runContext = <O, E, R>(
  run: Run<O, E, R>,
  retry: number,
  maxRetries: number,
  toolName: string | undefined,
  toolCallId: string | undefined
): RunContextService => ({
  agentName: run.agent.name,
  modelName: run.model.modelName,
  prompt: run.prompt,
  usage: run.state.usage,
  messages: run.state.messages.slice(),
  runStep: run.state.runStep,
  retry,
  maxRetries,
  toolName,
  toolCallId,
  usageLimits: run.limits,
  addUsage: (usage) =>
    Effect.sync(() => {
      run.state.usage = addRunUsage(run.state.usage, usage)
    }),
  usageTree: treeOf(run)
})
