/**
 * Per-step preparation: before each request, a tool's `prepare` may hide it or change what the
 * model is told about it (description, parameters schema), an agent's `prepareTools` sees all the
 * definitions at once, and `prepareStep` may change the settings, the tool choice or the active
 * tools for this one step. All of them are Effects reading `RunContext` (the step, the usage, the
 * conversation) and may need services. A tool keeps its name: the agent dispatches by it.
 *
 * @example
 * import { Effect } from "effect"
 * import { Prepare, RunContext } from "effect-claude"
 *
 * // After three steps, only the answer may be given.
 * const prepareStep: Prepare.PrepareStep = () =>
 *   Effect.map(RunContext.RunContext, (run) => (run.runStep > 3 ? { toolChoice: "none" } : undefined))
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { ModelRequestParameters, ToolDefinition } from "./Model.js"
import * as ModelSettings from "./ModelSettings.js"
import type { RunContext } from "./RunContext.js"

/**
 * Changes one tool's definition for this step; `undefined` hides the tool.
 *
 * @since 0.1.0
 * @category models
 */
export type PrepareTool<E = never, R = never> = (
  definition: ToolDefinition
) => Effect.Effect<ToolDefinition | undefined, E, R | RunContext>

/**
 * Changes the function tools' definitions for this step (drop one to hide it).
 *
 * @since 0.1.0
 * @category models
 */
export type PrepareTools<E = never, R = never> = (
  definitions: ReadonlyArray<ToolDefinition>
) => Effect.Effect<ReadonlyArray<ToolDefinition>, E, R | RunContext>

/**
 * Which tools the model may or must use this step: `auto` (as usual), `required` (some tool, no
 * text answer), `none` (no function tool; the output tools stay), or one named function tool.
 *
 * @since 0.1.0
 * @category models
 */
export type ToolChoice = "auto" | "required" | "none" | { readonly tool: string }

/**
 * What a step hook changes for one request; fields left out stay as they are.
 *
 * @since 0.1.0
 * @category models
 */
export interface StepChanges {
  /** Merged over the run's settings for this request. */
  readonly settings?: ModelSettings.ModelSettings | undefined
  readonly toolChoice?: ToolChoice | undefined
  /** The function tools offered this step, by name; the others are hidden. */
  readonly activeTools?: ReadonlyArray<string> | undefined
}

/**
 * What a step hook sees besides `RunContext`: the request as it stands.
 *
 * @since 0.1.0
 * @category models
 */
export interface Step {
  readonly parameters: ModelRequestParameters
  readonly settings: ModelSettings.ModelSettings
  /** Every function tool of the agent this step, hidden ones too (default: the offered ones). */
  readonly toolNames?: ReadonlyArray<string> | undefined
}

/**
 * Runs before each request and may change it (Vercel's `prepareStep`).
 *
 * @since 0.1.0
 * @category models
 */
export type PrepareStep<E = never, R = never> = (
  step: Step
) => Effect.Effect<StepChanges | undefined, E, R | RunContext>

/**
 * What a tool's `prepare` returns, whatever it fails with or needs.
 *
 * @since 0.1.0
 * @category models
 */
export type Prepared = Effect.Effect<ToolDefinition | undefined, unknown, unknown>

/**
 * The errors and requirements of an agent's hooks when it has none (`Agent.make`'s defaults).
 *
 * @since 0.1.0
 * @category models
 */
export interface NoHook {
  readonly _: unique symbol
}

/**
 * The errors an agent's `prepareTools` and `prepareStep` add to a run: theirs, and `InvalidPreparation`.
 *
 * @since 0.1.0
 * @category models
 */
export type HookFailure<E> = [E] extends [never]
  ? InvalidPreparation
  : [E] extends [NoHook]
    ? never
    : Exclude<E, NoHook> | InvalidPreparation

/**
 * The services an agent's `prepareTools` and `prepareStep` add to a run's requirements.
 *
 * @since 0.1.0
 * @category models
 */
export type HookRequirements<R> = [R] extends [NoHook] ? never : Exclude<R, NoHook | RunContext>

/**
 * A preparation names a tool the agent does not have, or renames one; raised before the request.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidPreparation extends Schema.TaggedError<InvalidPreparation>(
  "effect-claude/Prepare/InvalidPreparation"
)("InvalidPreparation", { message: Schema.String, toolName: Schema.String }) {}

/**
 * A tool with its own preparation, if any.
 *
 * @since 0.1.0
 * @category models
 */
export interface Preparable<E, R> {
  readonly definition: ToolDefinition
  readonly prepare?: PrepareTool<E, R> | undefined
}

/**
 * The function tools' definitions for this step: each tool's `prepare`, then the agent's `prepareTools`.
 *
 * @since 0.1.0
 * @category utils
 */
export const prepareTools = <E, R>(
  tools: ReadonlyArray<Preparable<E, R>>,
  prepareAll: PrepareTools<E, R> | undefined
): Effect.Effect<ReadonlyArray<ToolDefinition>, E | InvalidPreparation, R | RunContext> => {
  const names = new Set(tools.map((tool) => tool.definition.name))
  const each = tools.some((tool) => tool.prepare !== undefined)
    ? Effect.map(
        Effect.forEach(tools, (tool) =>
          tool.prepare === undefined
            ? Effect.succeed<ToolDefinition | undefined>(tool.definition)
            : Effect.flatMap(tool.prepare(tool.definition), (prepared) =>
                prepared === undefined || prepared.name === tool.definition.name
                  ? Effect.succeed(prepared)
                  : Effect.fail(renamed(tool.definition.name, prepared.name))
              )
        ),
        (prepared) => prepared.filter((definition): definition is ToolDefinition => definition !== undefined)
      )
    : Effect.succeed(tools.map((tool) => tool.definition))
  if (prepareAll === undefined) return each
  return Effect.flatMap(each, (definitions) =>
    Effect.flatMap(prepareAll(definitions), (prepared) => {
      const unknown = prepared.find((definition) => !names.has(definition.name))
      return unknown === undefined ? Effect.succeed(prepared) : Effect.fail(notATool(unknown.name, "prepareTools"))
    })
  )
}

const renamed = (from: string, to: string) =>
  new InvalidPreparation({
    toolName: from,
    message: `The prepare function of '${from}' renamed it to '${to}'; a tool keeps its name`
  })

const notATool = (name: string, where: string) =>
  new InvalidPreparation({
    toolName: name,
    message: `${where} names '${name}', which is not a function tool of the agent`
  })

/**
 * Applies a step hook's changes to the request's parameters and settings. `none` keeps the output
 * tools (with output tools the function tools are left out; without, they stay declared and the
 * model is told to call none); a named tool choice offers that tool alone and requires its call.
 * `activeTools` may name any tool of the step (`Step.toolNames`); a forced tool must be offered.
 *
 * @since 0.1.0
 * @category utils
 */
export const applyChanges = (step: Step, changes: StepChanges | undefined): Either.Either<Step, InvalidPreparation> => {
  if (changes === undefined) return Either.right(step)
  const { parameters } = step
  const known = new Set(step.toolNames ?? parameters.functionTools.map((tool) => tool.name))
  let functionTools = parameters.functionTools
  let allowTextOutput = parameters.allowTextOutput
  let toolChoice = parameters.toolChoice
  if (changes.activeTools !== undefined) {
    const unknown = changes.activeTools.find((name) => !known.has(name))
    if (unknown !== undefined) return Either.left(notATool(unknown, "activeTools"))
    const active = new Set(changes.activeTools)
    functionTools = functionTools.filter((tool) => active.has(tool.name))
  }
  const choice = changes.toolChoice
  if (choice === "auto") {
    toolChoice = undefined
  } else if (choice === "none") {
    if (parameters.outputTools.length > 0) functionTools = []
    else toolChoice = "none"
  } else if (choice === "required") {
    allowTextOutput = false
    toolChoice = "required"
  } else if (typeof choice === "object") {
    if (!functionTools.some((tool) => tool.name === choice.tool)) {
      return Either.left(
        known.has(choice.tool)
          ? new InvalidPreparation({
              toolName: choice.tool,
              message: `toolChoice forces '${choice.tool}', which is not offered this step (hidden or not active)`
            })
          : notATool(choice.tool, "toolChoice")
      )
    }
    functionTools = functionTools.filter((tool) => tool.name === choice.tool)
    allowTextOutput = false
    toolChoice = { tool: choice.tool }
  }
  return Either.right({
    ...step,
    parameters: { ...parameters, functionTools, allowTextOutput, toolChoice },
    settings: changes.settings === undefined ? step.settings : ModelSettings.merge(step.settings, changes.settings)
  })
}

/**
 * The errors a preparation hook (the Effect it returns) adds to a run: its own, and `InvalidPreparation`.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure<P> = [P] extends [never]
  ? never
  : P extends Effect.Effect<infer _A, infer E, infer _R>
    ? E | InvalidPreparation
    : never

/**
 * The services a preparation hook (the Effect it returns) adds to a run's requirements.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements<P> = P extends Effect.Effect<infer _A, infer _E, infer R> ? Exclude<R, RunContext> : never
