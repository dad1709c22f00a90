/**
 * Settings against a model's profile, before the request is mapped. For each setting the model
 * cannot take, one decision:
 *
 * | setting | where the model rejects it | decision |
 * | --- | --- | --- |
 * | `thinking: true` | budgets | adaptive thinking (the intent, "think", holds) |
 * | `thinking: "adaptive"` | adaptive | a budget, as `thinking: true` |
 * | `thinking: { budgetTokens }` | budgets | `UserError` (a budget is a precise request) |
 * | `thinking: false` | `disabled` | left out (the model's default) |
 * | `temperature`, `topP`, `topK` | sampling | `UserError` |
 * | `anthropic.effort` | that level | `UserError` listing the levels it takes |
 * | `anthropic.toolChoice` `any` / a name | forcing | `UserError` |
 * | the output tool, forced by default | forcing | not forced (`auto`); `Output.auto` picks native output |
 * | native output | structured outputs | `UserError` |
 * | `anthropic.speed: "fast"` | fast mode | `UserError` |
 * | `maxTokens` | above the model's output limit | `UserError` |
 *
 * The permissive profile (an unknown model) changes and checks nothing.
 */
import * as Either from "effect/Either"
import { UserError } from "../../AgentError.js"
import type { ModelRequestParameters } from "../../Model.js"
import type { ModelSettings } from "../../ModelSettings.js"
import { type AnthropicProfile, isChecked } from "../AnthropicProfile.js"
import type { AnthropicSettings } from "../AnthropicSettings.js"

/** Settings the profile accepts, and what the mapping may do with them. */
export interface Conformed {
  readonly settings: ModelSettings
  /** Whether the output tool may be forced with `tool_choice: any`. */
  readonly forceOutputTool: boolean
}

const rejected = (profile: AnthropicProfile, setting: string, advice: string): UserError =>
  new UserError({ message: `Model ${profile.modelId} does not accept ${setting}: ${advice}` })

const conformThinking = (
  profile: AnthropicProfile,
  thinking: ModelSettings["thinking"]
): Either.Either<ModelSettings["thinking"], UserError> => {
  if (thinking === undefined) return Either.right(undefined)
  if (thinking === false) return Either.right(profile.disableThinking ? false : undefined)
  if (thinking === true) return Either.right(profile.budgetThinking || !profile.adaptiveThinking ? true : "adaptive")
  if (thinking === "adaptive")
    return Either.right(profile.adaptiveThinking || !profile.budgetThinking ? thinking : true)
  return profile.budgetThinking
    ? Either.right(thinking)
    : Either.left(
        rejected(
          profile,
          "a thinking budget (thinking: { budgetTokens })",
          'use thinking: "adaptive" (or true) and anthropic.effort'
        )
      )
}

const samplingKeys = ["temperature", "topP", "topK"] as const

/** Checks and translates `settings` for the model of `profile`. */
export const conform = (
  profile: AnthropicProfile,
  settings: ModelSettings,
  parameters: ModelRequestParameters
): Either.Either<Conformed, UserError> => {
  if (!isChecked(profile)) return Either.right({ settings, forceOutputTool: true })
  const anthropic: AnthropicSettings = settings.anthropic ?? {}
  const thinking = conformThinking(profile, settings.thinking)
  if (Either.isLeft(thinking)) return Either.left(thinking.left)

  if (!profile.samplingSettings) {
    const given = samplingKeys.filter((key) => settings[key] !== undefined)
    if (given.length > 0) {
      return Either.left(
        rejected(profile, `sampling settings (${given.join(", ")})`, "remove them; steer the model with instructions")
      )
    }
  }
  if (anthropic.effort !== undefined && !profile.effortLevels.includes(anthropic.effort)) {
    const accepted = profile.effortLevels.length === 0 ? "it takes no effort setting" : profile.effortLevels.join(", ")
    return Either.left(rejected(profile, `anthropic.effort "${anthropic.effort}"`, `accepted: ${accepted}`))
  }
  const choice = anthropic.toolChoice
  if (!profile.forcedToolChoice && (choice === "any" || (typeof choice === "object" && choice !== null))) {
    return Either.left(
      rejected(
        profile,
        "a forced tool choice (anthropic.toolChoice)",
        'use "auto" and say in the instructions which tool to call'
      )
    )
  }
  if (parameters.outputMode === "native" && !profile.nativeOutput) {
    return Either.left(rejected(profile, "native structured output", "use Output.tool or Output.prompted"))
  }
  if (anthropic.speed === "fast" && !profile.fastMode) {
    return Either.left(rejected(profile, 'anthropic.speed "fast"', "leave speed unset"))
  }
  if (
    settings.maxTokens !== undefined &&
    profile.maxOutputTokens !== undefined &&
    settings.maxTokens > profile.maxOutputTokens
  ) {
    return Either.left(
      rejected(profile, `maxTokens ${settings.maxTokens}`, `its output limit is ${profile.maxOutputTokens} tokens`)
    )
  }
  const translated: ModelSettings =
    thinking.right === settings.thinking ? settings : { ...settings, thinking: thinking.right }
  return Either.right({ settings: translated, forceOutputTool: profile.forcedToolChoice })
}
