/**
 * What a run starts from that depends on the agent, the model and the run's own settings and
 * instructions only: the merged settings, the output side, the tools by name, the request
 * parameters and the instructions. A run with no settings and no instructions of its own starts
 * from the same plan as the agent's earlier such runs on the same model, so the plan is kept per
 * model and agent and reused (listed in `src/PERFORMANCE.md`). A plan is read-only data: a run
 * that lists toolsets or prepares steps replaces its `tools`, `parameters` and `settings` with new
 * values, never changes the plan's in place.
 */
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { UserError } from "../../AgentError.js"
import * as Instructions from "../../Instructions.js"
import type { ModelRequestParameters, Service as ModelService, OutputMode, ToolDefinition } from "../../Model.js"
import * as ModelSettings from "../../ModelSettings.js"
import { promptedInstructions } from "../../Output.js"
import type { RunContext } from "../../RunContext.js"
import type { Tool } from "../../Tool.js"
import type * as Usage from "../../Usage.js"
import type { Agent, RunOptions } from "../agent/types.js"
import { type OutputSetup, setUpOutput } from "./outputSetup.js"
import { dynamicInstructionsOf, dynamicSystemPromptsOf } from "./prepare.js"
import { mayPrepareSteps } from "./stepPreparation.js"

/** A run's start, as far as the agent, the model and the run's settings and instructions decide it. */
export interface RunPlan<O, E, R> {
  /** The model the plan was made for. */
  readonly model: ModelService
  readonly settings: ModelSettings.ModelSettings
  readonly output: OutputSetup<O, E, R>
  /** The agent's tools by name. */
  readonly tools: ReadonlyMap<string, Tool<string, E, R>>
  /** Every tool name the model may call: the agent's tools, then the output tools. */
  readonly toolNames: ReadonlyArray<string>
  readonly parameters: ModelRequestParameters
  /** The instructions joined as they are sent, when all are fixed text. */
  readonly instructions: string | undefined
  /** The instructions' Effect, when some are computed before each request. */
  readonly dynamicInstructions: Effect.Effect<string | undefined, E, R | RunContext> | undefined
  /** The agent's usage limits, for a run with none of its own. */
  readonly limits: Usage.UsageLimits
  /** The system prompts' Effect, when some are computed at the start of a new conversation. */
  readonly dynamicSystemPrompts: Effect.Effect<ReadonlyArray<string>, E, R | RunContext> | undefined
  /** Whether steps may need preparing (`prepare`, `prepareTools`, `prepareStep`, toolsets). */
  readonly mayPrepareSteps: boolean
}

type AnyAgent = Agent<unknown, unknown, unknown>

/**
 * The plans of runs without settings or instructions of their own, by model, then by agent. Weak
 * both ways: a plan is kept only while its model and its agent are alive, and keeps neither alive.
 */
const kept = new WeakMap<ModelService, WeakMap<AnyAgent, RunPlan<unknown, unknown, unknown>>>()

/** The plan of a run of `agent` on `model` with `options`; a mistake in the agent is a `UserError`. */
export const planOf = <O, E, R>(
  agent: Agent<O, E, R>,
  model: ModelService,
  options: RunOptions
): Either.Either<RunPlan<O, E, R>, UserError> => {
  if (options.settings !== undefined || options.instructions !== undefined) return makePlan(agent, model, options)
  let plans = kept.get(model)
  // `O`, `E` and `R` are the agent's own: a kept plan was made from this agent.
  const known = plans?.get(agent as AnyAgent) as RunPlan<O, E, R> | undefined
  if (known !== undefined) return Either.right(known)
  const plan = makePlan(agent, model, options)
  if (Either.isLeft(plan)) return plan
  if (plans === undefined) {
    plans = new WeakMap()
    kept.set(model, plans)
  }
  plans.set(agent as AnyAgent, plan.right as RunPlan<unknown, unknown, unknown>)
  return plan
}

const makePlan = <O, E, R>(
  agent: Agent<O, E, R>,
  model: ModelService,
  options: RunOptions
): Either.Either<RunPlan<O, E, R>, UserError> => {
  const settings = ModelSettings.merge(model.settings, agent.settings, options.settings)
  const output = agent.output
  const setup = setUpOutput(output, model, settings)
  if (Either.isLeft(setup)) return Either.left(setup.left)
  const { mode, definitions } = setup.right
  const tools = toolsByName(agent.tools, definitions)
  if (Either.isLeft(tools)) return Either.left(tools.left)
  const structuredText = (mode === "native" || mode === "prompted") && output.jsonSchema !== undefined
  const instructionList = instructionsOf(agent, options, mode)
  return Either.right({
    model,
    settings,
    output: setup.right,
    tools: tools.right,
    toolNames: [...tools.right.keys(), ...setup.right.tools.keys()],
    parameters: {
      functionTools: agent.tools.map((tool) => tool.definition),
      outputTools: definitions,
      builtinTools: agent.builtinTools,
      outputMode: mode,
      allowTextOutput: setup.right.allowText,
      outputObject:
        structuredText && output.jsonSchema !== undefined
          ? { name: output.name, description: output.description, jsonSchema: output.jsonSchema, strict: output.strict }
          : undefined
    },
    instructions: fixedInstructions(instructionList),
    dynamicInstructions: dynamicInstructionsOf(instructionList),
    limits: mergeLimits(agent.usageLimits, undefined),
    dynamicSystemPrompts: dynamicSystemPromptsOf(agent.systemPrompts),
    mayPrepareSteps: mayPrepareSteps(agent)
  })
}

const defaultRequestLimit = 50

/** The agent's usage limits, the run's over them field by field. */
export const mergeLimits = (
  agent: Usage.UsageLimits | undefined,
  run: Usage.UsageLimits | undefined
): Usage.UsageLimits => ({
  requestLimit: run?.requestLimit ?? agent?.requestLimit ?? defaultRequestLimit,
  inputTokensLimit: run?.inputTokensLimit ?? agent?.inputTokensLimit,
  outputTokensLimit: run?.outputTokensLimit ?? agent?.outputTokensLimit,
  totalTokensLimit: run?.totalTokensLimit ?? agent?.totalTokensLimit,
  toolCallsLimit: run?.toolCallsLimit ?? agent?.toolCallsLimit,
  countTokensBeforeRequest: run?.countTokensBeforeRequest ?? agent?.countTokensBeforeRequest
})

/** The tools by name; two tools of one name are the user's mistake. */
const toolsByName = <E, R>(
  tools: ReadonlyArray<Tool<string, E, R>>,
  outputTools: ReadonlyArray<ToolDefinition>
): Either.Either<ReadonlyMap<string, Tool<string, E, R>>, UserError> => {
  const byName = new Map<string, Tool<string, E, R>>()
  for (const tool of tools) {
    if (byName.has(tool.name)) return Either.left(new UserError({ message: `Two tools are named '${tool.name}'` }))
    byName.set(tool.name, tool)
  }
  const clash = outputTools.find((outputTool) => byName.has(outputTool.name))
  if (clash !== undefined) {
    return Either.left(new UserError({ message: `A tool is named '${clash.name}', like the output tool` }))
  }
  return Either.right(byName)
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
