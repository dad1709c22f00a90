/**
 * Per-step preparation in a run: each tool's `prepare`, then the agent's `prepareTools`, then its
 * `prepareStep`, all with the step's `RunContext`, before each request. Together they decide the
 * function tools offered (and callable) in the step, its settings and its tool choice; each step
 * starts again from the run's own (`StepBase`), so one step's changes never leak into the next.
 * A run whose agent, tools and toolsets prepare nothing never comes here.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { ModelRequestParameters } from "../../Model.js"
import type { ModelSettings } from "../../ModelSettings.js"
import * as Prepare from "../../Prepare.js"
import { RunContext } from "../../RunContext.js"
import type { Tool } from "../../Tool.js"
import type { Agent } from "../agent/types.js"
import { type Run, runContext } from "./context.js"

/** What each step is prepared from: the run's parameters, settings and tools as they start. */
export interface StepBase<E, R> {
  readonly parameters: ModelRequestParameters
  readonly settings: ModelSettings
  /** The agent's tools; a run with toolsets lists them again at each step instead. */
  readonly tools: ReadonlyMap<string, Tool<string, E, R>>
}

/** Whether steps of a run of `agent` may need preparing; toolsets may bring tools with a `prepare`. */
export const mayPrepareSteps = <O, E, R>(agent: Agent<O, E, R>): boolean =>
  agent.prepareTools !== undefined ||
  agent.prepareStep !== undefined ||
  agent.toolsets.length > 0 ||
  agent.tools.some((tool) => tool.prepare !== undefined)

/**
 * Prepares the step that is beginning (after the toolsets are listed). `Agent.make` and
 * `Tool.make` put `InvalidPreparation` in the agent's `E` whenever a hook is set, which is when
 * this can fail with it.
 */
export const prepareStep = <O, E, R>(run: Run<O, E, R>, base: StepBase<E, R>) =>
  Effect.suspend(() => prepare(run, base)) as Effect.Effect<void, E, R>

const prepare = <O, E, R>(
  run: Run<O, E, R>,
  base: StepBase<E, R>
): Effect.Effect<void, E | Prepare.InvalidPreparation, R> => {
  const { agent } = run
  // With toolsets, `run.tools` was just listed for this step.
  const tools = run.stepTools === undefined ? base.tools : run.tools
  let toolPrepares = false
  for (const tool of tools.values()) if (tool.prepare !== undefined) toolPrepares = true
  if (!toolPrepares && agent.prepareTools === undefined && agent.prepareStep === undefined) return Effect.void
  const context = runContext(run, 0, 0, undefined, undefined)
  const preparables = Array.from(tools.values(), (tool): Prepare.Preparable<E, R> => {
    const own = tool.prepare
    return {
      definition: tool.definition,
      prepare:
        own === undefined
          ? undefined
          : (definition) => Effect.provideService(own(definition), RunContext, { ...context, toolName: tool.name })
    }
  })
  const prepared = Effect.flatMap(Prepare.prepareTools(preparables, agent.prepareTools), (definitions) => {
    const step: Prepare.Step = {
      parameters: { ...base.parameters, functionTools: definitions },
      settings: base.settings,
      toolNames: Array.from(tools.keys())
    }
    if (agent.prepareStep === undefined) return Effect.sync(() => apply(run, step, tools))
    return Effect.flatMap(agent.prepareStep(step), (changes) => {
      const changed = Prepare.applyChanges(step, changes)
      return Either.isLeft(changed) ? Effect.fail(changed.left) : Effect.sync(() => apply(run, changed.right, tools))
    })
  })
  return Effect.provideService(prepared, RunContext, context)
}

/** The step's request as prepared; the tools the model may call are the ones it is offered. */
const apply = <O, E, R>(run: Run<O, E, R>, step: Prepare.Step, tools: ReadonlyMap<string, Tool<string, E, R>>) => {
  const callable = new Map<string, Tool<string, E, R>>()
  if (step.parameters.toolChoice !== "none") {
    for (const definition of step.parameters.functionTools) {
      const tool = tools.get(definition.name)
      if (tool !== undefined) callable.set(definition.name, tool)
    }
  }
  run.parameters = step.parameters
  run.settings = step.settings
  run.tools = callable
  run.toolNames = [...callable.keys(), ...run.outputTools.keys()]
}
