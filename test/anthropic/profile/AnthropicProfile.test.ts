import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { AgentError, Model, type ModelSettings } from "effect-claude"
import * as AnthropicProfile from "../../../src/anthropic/AnthropicProfile.js"
import { conform } from "../../../src/anthropic/internal/profileRules.js"
import { familyOf, normalizeModelId } from "../../../src/anthropic/internal/profileTable.js"

const conformed = (modelId: string, settings: ModelSettings.ModelSettings, parameters = Model.textParameters) =>
  conform(AnthropicProfile.forModel(modelId), settings, parameters)

const settingsOf = (modelId: string, settings: ModelSettings.ModelSettings) =>
  Either.getOrThrow(conformed(modelId, settings)).settings

const errorOf = (modelId: string, settings: ModelSettings.ModelSettings, parameters = Model.textParameters) => {
  const result = conformed(modelId, settings, parameters)
  if (Either.isRight(result)) throw new Error("expected a UserError")
  expect(result.left).toBeInstanceOf(AgentError.UserError)
  return result.left.message
}

describe("#16 point 1: AnthropicProfile, the table by model family", () => {
  it("finds the family of dated ids, aliases and cloud names, and never an older family for a newer model", () => {
    expect(familyOf("claude-opus-4-5-20251101")).toBe("claude-opus-4-5")
    expect(familyOf("claude-sonnet-4-20250514")).toBe("claude-sonnet-4")
    expect(familyOf("claude-sonnet-4-5-20250929")).toBe("claude-sonnet-4-5")
    expect(familyOf("claude-opus-5-5")).toBe("claude-opus-5-5")
    expect(familyOf("claude-opus-5")).toBe("claude-opus-5")
    expect(familyOf("claude-fable-5-2")).toBe("claude-fable-5-2")
    expect(familyOf("claude-3-5-haiku-20241022")).toBe("claude-3-5-haiku")
    expect(familyOf("claude-sonnet-4-0")).toBe("claude-sonnet-4-0")
    expect(familyOf("claude-opus-4-9")).toBeUndefined()
    expect(familyOf("claude-3-7-sonnet-latest")).toBe("claude-3-7-sonnet")
    expect(familyOf("us.anthropic.claude-opus-4-7-v1:0")).toBe("claude-opus-4-7")
    expect(normalizeModelId("claude-sonnet-4-5@20250929")).toBe("claude-sonnet-4-5")
    expect(familyOf("claude-opus-4-70")).toBeUndefined()
    expect(familyOf("gpt-5")).toBeUndefined()
  })

  it("per profile: thinking modes, sampling, forcing, effort levels, server-tool versions", () => {
    const row = (id: string) => {
      const p = AnthropicProfile.forModel(id)
      return [p.budgetThinking, p.adaptiveThinking, p.samplingSettings, p.forcedToolChoice, p.effortLevels.join("/")]
    }
    expect(row("claude-haiku-4-5")).toEqual([true, false, true, true, ""])
    expect(row("claude-opus-4-5")).toEqual([true, false, true, true, "low/medium/high"])
    expect(row("claude-sonnet-4-6")).toEqual([true, true, true, true, "low/medium/high/max"])
    expect(row("claude-opus-4-7")).toEqual([false, true, false, true, "low/medium/high/xhigh/max"])
    expect(row("claude-opus-5")).toEqual([false, true, false, true, "low/medium/high/xhigh/max"])
    expect(row("claude-fable-5")).toEqual([false, true, false, false, "low/medium/high/xhigh/max"])
    expect(row("claude-mythos-5-1")).toEqual([false, true, false, false, "low/medium/high/xhigh/max"])
    expect(row("claude-mythos-preview")).toEqual([false, true, false, false, "low/medium/high/max"])
    const opus46 = AnthropicProfile.forModel("claude-opus-4-6")
    expect([opus46.webSearchTool, opus46.webFetchTool, opus46.codeExecutionTool]).toEqual([
      "web_search_20260209",
      "web_fetch_20260209",
      "code_execution_20260120"
    ])
    expect(AnthropicProfile.forModel("claude-haiku-4-5").codeExecutionTool).toBe("code_execution_20250825")
    expect(AnthropicProfile.forModel("claude-opus-4-7").contextWindow).toBe(1_000_000)
  })

  it("an unknown model gets the permissive profile, which checks and changes nothing", () => {
    const profile = AnthropicProfile.forModel("claude-new")
    expect(profile.source).toBe("permissive")
    expect(AnthropicProfile.isChecked(profile)).toBe(false)
    const settings = { temperature: 0.5, thinking: { budgetTokens: 2000 }, anthropic: { effort: "xhigh" as const } }
    expect(Either.getOrThrow(conform(profile, settings, Model.textParameters))).toEqual({
      settings,
      forceOutputTool: true
    })
  })

  it("override replaces the fields given, and only those", () => {
    const opus = AnthropicProfile.forModel("claude-opus-4-7")
    expect(AnthropicProfile.override(opus, {})).toBe(opus)
    const patched = AnthropicProfile.override(opus, { samplingSettings: true, contextWindow: undefined })
    expect(patched).toEqual({ ...opus, samplingSettings: true, source: "override" })
    expect(settingsOf("claude-opus-4-7", {})).toEqual({})
    expect(Either.isRight(conform(patched, { temperature: 0.2 }, Model.textParameters))).toBe(true)
  })

  it.effect("layerTable resolves profiles from the table", () =>
    Effect.gen(function* () {
      const profiles = yield* AnthropicProfile.AnthropicProfiles
      const profile = yield* profiles.resolve("claude-fable-5")
      expect(profile.family).toBe("claude-fable-5")
    }).pipe(Effect.provide(AnthropicProfile.layerTable))
  )
})

describe("#16 point 1: AnthropicProfile, settings a model cannot take", () => {
  it("thinking: true becomes adaptive where budgets are rejected, and stays a budget elsewhere", () => {
    expect(settingsOf("claude-opus-4-7", { thinking: true }).thinking).toBe("adaptive")
    expect(settingsOf("claude-sonnet-4-6", { thinking: true }).thinking).toBe(true)
    expect(settingsOf("claude-haiku-4-5", { thinking: "adaptive" }).thinking).toBe(true)
  })

  it("thinking: false is left out where disabled thinking is rejected", () => {
    expect(settingsOf("claude-fable-5", { thinking: false })).toEqual({ thinking: undefined })
    expect(settingsOf("claude-opus-4-8", { thinking: false }).thinking).toBe(false)
  })

  it("a thinking budget is a UserError naming model and setting where budgets are rejected", () => {
    expect(errorOf("claude-opus-4-7", { thinking: { budgetTokens: 4000 } })).toBe(
      'Model claude-opus-4-7 does not accept a thinking budget (thinking: { budgetTokens }): use thinking: "adaptive" (or true) and anthropic.effort'
    )
  })

  it("sampling settings are a UserError on Opus 4.7, Opus 5 and Fable 5", () => {
    for (const id of ["claude-opus-4-7", "claude-opus-5", "claude-fable-5"]) {
      expect(errorOf(id, { temperature: 0.2, topK: 5 })).toBe(
        `Model ${id} does not accept sampling settings (temperature, topK): remove them; steer the model with instructions`
      )
    }
    expect(settingsOf("claude-sonnet-4-6", { temperature: 0.2 })).toEqual({ temperature: 0.2 })
  })

  it("an effort level the model lacks is a UserError listing the levels it takes", () => {
    expect(errorOf("claude-opus-4-6", { anthropic: { effort: "xhigh" } })).toBe(
      'Model claude-opus-4-6 does not accept anthropic.effort "xhigh": accepted: low, medium, high, max'
    )
    expect(errorOf("claude-haiku-4-5", { anthropic: { effort: "low" } })).toContain("it takes no effort setting")
    expect(settingsOf("claude-opus-4-8", { anthropic: { effort: "xhigh" } })).toEqual({
      anthropic: { effort: "xhigh" }
    })
  })

  it("a forced tool choice is a UserError on Fable and Mythos; the output tool is then not forced", () => {
    expect(errorOf("claude-fable-5", { anthropic: { toolChoice: "any" } })).toContain("a forced tool choice")
    expect(errorOf("claude-mythos-5", { anthropic: { toolChoice: { name: "x" } } })).toContain("a forced tool choice")
    expect(Either.getOrThrow(conformed("claude-fable-5", { anthropic: { toolChoice: "auto" } })).forceOutputTool).toBe(
      false
    )
    expect(Either.getOrThrow(conformed("claude-opus-4-7", {})).forceOutputTool).toBe(true)
  })

  it("native output, fast mode and maxTokens above the output limit are UserErrors where unsupported", () => {
    const native: Model.ModelRequestParameters = {
      ...Model.textParameters,
      outputMode: "native",
      outputObject: { name: "out", jsonSchema: { type: "object" } }
    }
    expect(errorOf("claude-sonnet-4-0", {}, native)).toContain("native structured output")
    expect(errorOf("claude-sonnet-4-6", { anthropic: { speed: "fast" } })).toContain('anthropic.speed "fast"')
    expect(errorOf("claude-haiku-4-5", { maxTokens: 100_000 })).toBe(
      "Model claude-haiku-4-5 does not accept maxTokens 100000: its output limit is 64000 tokens"
    )
  })
})

describe("#16 point 1: AnthropicProfile from the Models API", () => {
  it("reported thinking types, effort levels, structured outputs, compaction and limits replace the table's", () => {
    const profile = AnthropicProfile.fromReported("claude-sonnet-4-6", {
      maxInputTokens: 500_000,
      maxTokens: 32_000,
      capabilities: {
        thinking: {
          supported: true,
          types: { enabled: { supported: false }, adaptive: { supported: true }, disabled: { supported: true } }
        },
        effort: { supported: true, low: { supported: true }, high: { supported: true }, xhigh: { supported: true } },
        structuredOutputs: { supported: true },
        contextManagement: { supported: true, compact_20260112: { supported: false } }
      }
    })
    expect(profile).toMatchObject({
      source: "models-api",
      budgetThinking: false,
      adaptiveThinking: true,
      disableThinking: true,
      effortLevels: ["low", "high", "xhigh"],
      nativeOutput: true,
      compaction: false,
      contextWindow: 500_000,
      maxOutputTokens: 32_000,
      // Not reported by the API: the table's.
      samplingSettings: true,
      webSearchTool: "web_search_20260209"
    })
    expect(settingsOf("claude-sonnet-4-6", { thinking: true }).thinking).toBe(true)
    expect(Either.getOrThrow(conform(profile, { thinking: true }, Model.textParameters)).settings.thinking).toBe(
      "adaptive"
    )
  })

  it("an unknown model with reported capabilities is checked; without them it stays permissive", () => {
    const reported = AnthropicProfile.fromReported("claude-new", {
      capabilities: { effort: { supported: false } }
    })
    expect(AnthropicProfile.isChecked(reported)).toBe(true)
    expect(reported.effortLevels).toEqual([])
    expect(AnthropicProfile.fromReported("claude-new", {}).source).toBe("permissive")
  })
})
