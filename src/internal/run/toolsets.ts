/**
 * Toolsets in a run: an agent with toolsets starts them (its plain tools included) when the run
 * starts, and lists the tools again before every request, with the step's `RunContext`, so a
 * filtered, dynamic or MCP toolset can offer different tools at each step. An agent without
 * toolsets keeps the tools fixed at the start and never comes here.
 */
import * as Effect from "effect/Effect"
import { RunContext } from "../../RunContext.js"
import type { Tool } from "../../Tool.js"
import * as Toolset from "../../Toolset.js"
import type { Agent } from "../agent/types.js"
import { type Run, runContext } from "./context.js"

/** Starts the agent's tools and toolsets for a run, when it has toolsets. */
export const startToolsets = <O, E, R>(agent: Agent<O, E, R>): Effect.Effect<Toolset.StepTools<E, R> | undefined> =>
  agent.toolsets.length === 0
    ? Effect.succeed(undefined)
    : Toolset.combine(Toolset.make(agent.tools, { label: "the agent's tools" }), ...agent.toolsets).start

/**
 * Lists this step's tools and offers them in the next request. `Agent.make` puts
 * `DuplicateToolName` in the agent's `E` whenever it has toolsets, which is when this runs.
 */
export const resolveStepTools = <O, E, R>(run: Run<O, E, R>, stepTools: Toolset.StepTools<E, R>) =>
  // Suspended: the step's `RunContext` is read when the step has begun, not when this is built.
  Effect.suspend(() => resolve(run, stepTools)) as Effect.Effect<void, E, R>

const resolve = <O, E, R>(
  run: Run<O, E, R>,
  stepTools: Toolset.StepTools<E, R>
): Effect.Effect<void, E | Toolset.DuplicateToolName, R> =>
  Effect.flatMap(
    Effect.provideService(stepTools, RunContext, runContext(run, 0, 0, undefined, undefined)),
    (sourced) => {
      const tools = new Map<string, Tool<string, E, R>>()
      for (const { tool } of sourced) tools.set(tool.name, tool)
      const clash = sourced.find(({ tool }) => run.outputTools.has(tool.name))
      if (clash !== undefined) {
        return Effect.fail(
          new Toolset.DuplicateToolName({
            message: `Two tools are named '${clash.tool.name}': one from ${clash.source}, one is the output tool`,
            name: clash.tool.name,
            sources: [clash.source, "the output"]
          })
        )
      }
      run.tools = tools
      run.toolNames = [...tools.keys(), ...run.outputTools.keys()]
      run.parameters = { ...run.parameters, functionTools: sourced.map(({ tool }) => tool.definition) }
      return Effect.void
    }
  )

/**
 * The tools a resumed run answers its pending calls with: the agent's own and its toolsets' (as
 * listed for the step the calls were made in), so a toolset's calls can wait for approval too.
 */
export const resumeTools = <E, R>(
  tools: ReadonlyMap<string, Tool<string, E, R>>,
  stepTools: Toolset.StepTools<E, R> | undefined,
  context: RunContext["Type"]
): Effect.Effect<ReadonlyMap<string, Tool<string, E, R>>, E, R> =>
  stepTools === undefined
    ? Effect.succeed(tools)
    : // As in `resolveStepTools`: an agent with toolsets has `DuplicateToolName` in its `E`.
      (Effect.map(Effect.provideService(stepTools, RunContext, context), (sourced) => {
        const all = new Map(tools)
        for (const { tool } of sourced) all.set(tool.name, tool)
        return all
      }) as Effect.Effect<ReadonlyMap<string, Tool<string, E, R>>, E, R>)
