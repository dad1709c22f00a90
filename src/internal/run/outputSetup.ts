/**
 * How a run asks for its output, settled once when it starts: the output mode, the output tools
 * (one per member of a union, each with the output that processes its calls), whether a text answer
 * can be the output, and where a streamed response shows partial output. A union that cannot be
 * offered is the program's mistake: a `UserError` before any request.
 */
import * as Either from "effect/Either"
import { UserError } from "../../AgentError.js"
import type { JsonSchema, Service as ModelService, OutputMode, ToolDefinition } from "../../Model.js"
import type { ModelSettings } from "../../ModelSettings.js"
import { defaultDescription, type Output } from "../../Output.js"
import type { PartialOutputSource } from "../partialOutput.js"

/** The output side of a run. */
export interface OutputSetup<O, E, R> {
  readonly mode: OutputMode
  /** The output tools offered, in the order of the output's members. */
  readonly definitions: ReadonlyArray<ToolDefinition>
  /** The output each output tool's calls are processed by, by tool name. */
  readonly tools: ReadonlyMap<string, Output<O, E, R>>
  /** Whether a text answer can be the output. */
  readonly allowText: boolean
  /** What a streamed response shows partial output from; undefined when it shows none. */
  readonly partials: PartialOutputSource | undefined
}

const thinkingEnabled = (settings: ModelSettings): boolean =>
  settings.thinking !== undefined && settings.thinking !== false

const resolveMode = (
  mode: Exclude<Output<unknown, unknown, unknown>["mode"], "union">,
  model: ModelService,
  settings: ModelSettings
): OutputMode => {
  if (mode !== "auto") return mode
  // A model that rejects any forced tool choice cannot be made to call the output tool.
  if (model.profile.supportsForcedToolCalls === false) return model.profile.supportsNativeOutput ? "native" : "prompted"
  // Anthropic rejects a forced tool choice while thinking, so the output cannot come from a tool then.
  if (thinkingEnabled(settings) && !model.profile.supportsForcedToolCallsWithThinking) {
    return model.profile.supportsNativeOutput ? "native" : "prompted"
  }
  return "tool"
}

const definitionOf = (output: Output<unknown, unknown, unknown>, jsonSchema: JsonSchema): ToolDefinition => ({
  name: output.name,
  description: output.description ?? defaultDescription,
  parametersJsonSchema: jsonSchema,
  kind: "output",
  strict: output.strict
})

/** The output side of a run of `output` on `model` with `settings`. */
export const setUpOutput = <O, E, R>(
  output: Output<O, E, R>,
  model: ModelService,
  settings: ModelSettings
): Either.Either<OutputSetup<O, E, R>, UserError> => {
  if (output.mode === "union") return setUpUnion(output.members)
  const mode = resolveMode(output.mode, model, settings)
  const jsonSchema = output.jsonSchema
  const viaTool = mode === "tool" && jsonSchema !== undefined
  return Either.right({
    mode,
    definitions: viaTool ? [definitionOf(output, jsonSchema)] : [],
    tools: new Map(viaTool ? [[output.name, output]] : []),
    allowText: mode !== "tool",
    partials:
      mode === "text" || jsonSchema === undefined || !output.partials
        ? undefined
        : {
            outputToolNames: viaTool ? [output.name] : [],
            jsonText: mode === "native" || mode === "prompted",
            wrapped: output.wrapped
          }
  })
}

/** A union: an output tool per member (whatever the model's profile: a union is always offered as tools). */
const setUpUnion = <O, E, R>(
  members: ReadonlyArray<Output<O, E, R>>
): Either.Either<OutputSetup<O, E, R>, UserError> => {
  const tools = new Map<string, Output<O, E, R>>()
  const definitions: Array<ToolDefinition> = []
  let texts = 0
  for (const member of members) {
    if (member.mode === "text") {
      texts++
      continue
    }
    if ((member.mode !== "tool" && member.mode !== "auto") || member.jsonSchema === undefined) {
      return Either.left(
        new UserError({
          message: `Output.union offers each member as an output tool: a ${member.mode} output ('${member.name}') cannot be a member`
        })
      )
    }
    if (tools.has(member.name)) {
      return Either.left(
        new UserError({
          message: `Two members of Output.union are named '${member.name}': give each its own name (the name option)`
        })
      )
    }
    tools.set(member.name, member)
    definitions.push(definitionOf(member, member.jsonSchema))
  }
  if (texts > 1) return Either.left(new UserError({ message: "Output.union takes one text member at most" }))
  const streamed = [...tools.values()].filter((member) => member.partials)
  return Either.right({
    mode: "tool",
    definitions,
    tools,
    allowText: texts > 0,
    partials:
      streamed.length === 0
        ? undefined
        : {
            outputToolNames: streamed.map((member) => member.name),
            jsonText: false,
            wrapped: false,
            union: { wrappedToolNames: streamed.filter((member) => member.wrapped).map((member) => member.name) }
          }
  })
}
