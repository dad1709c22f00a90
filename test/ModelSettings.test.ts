import { describe, expect, it } from "@effect/vitest"
import { Duration } from "effect"
import { ModelSettings } from "effect-claude"

// A provider namespace, added the way provider modules add theirs.
declare module "../src/ModelSettings.js" {
  interface ProviderSettings {
    readonly acme?:
      | {
          readonly region?: string | undefined
          readonly cache?: boolean | undefined
          readonly retries?: number | undefined
        }
      | undefined
  }
}

describe("ModelSettings.merge", () => {
  it("gives nothing for nothing", () => {
    expect(ModelSettings.merge()).toStrictEqual({})
    expect(ModelSettings.merge(undefined, {}, undefined)).toStrictEqual({})
  })

  it("lets run settings override the agent's and call settings override both", () => {
    const agent: ModelSettings.ModelSettings = { maxTokens: 1000, temperature: 0.5, topP: 0.9 }
    const run: ModelSettings.ModelSettings = { temperature: 0.2, topK: 40 }
    const call: ModelSettings.ModelSettings = { temperature: 0, maxTokens: 10 }
    expect(ModelSettings.merge(agent, run, call)).toStrictEqual({ maxTokens: 10, temperature: 0, topP: 0.9, topK: 40 })
    // The order is what decides, not the source.
    expect(ModelSettings.merge(call, run, agent)).toStrictEqual({
      maxTokens: 1000,
      temperature: 0.5,
      topP: 0.9,
      topK: 40
    })
  })

  it("does not let undefined fields or layers override", () => {
    expect(
      ModelSettings.merge(
        { maxTokens: 100, temperature: 1, parallelToolCalls: false, thinking: { budgetTokens: 2048 } },
        undefined,
        { maxTokens: undefined, temperature: undefined, parallelToolCalls: undefined, thinking: undefined }
      )
    ).toStrictEqual({ maxTokens: 100, temperature: 1, parallelToolCalls: false, thinking: { budgetTokens: 2048 } })
  })

  it("keeps falsy values that are set", () => {
    expect(
      ModelSettings.merge(
        { temperature: 1, parallelToolCalls: true, thinking: true },
        {
          temperature: 0,
          parallelToolCalls: false,
          thinking: false
        }
      )
    ).toStrictEqual({ temperature: 0, parallelToolCalls: false, thinking: false })
  })

  it("replaces lists and thinking settings whole", () => {
    expect(
      ModelSettings.merge(
        { stopSequences: ["a", "b"], thinking: { budgetTokens: 4096 } },
        { stopSequences: ["c"], thinking: "adaptive" }
      )
    ).toStrictEqual({ stopSequences: ["c"], thinking: "adaptive" })
    expect(ModelSettings.merge({ thinking: "adaptive" }, { thinking: { budgetTokens: 1024 } })).toStrictEqual({
      thinking: { budgetTokens: 1024 }
    })
  })

  it("keeps the timeout as given", () => {
    const timeout = Duration.seconds(30)
    expect(ModelSettings.merge({ timeout: "10 seconds" }, { timeout }).timeout).toBe(timeout)
  })

  it("merges extra headers and extra body field by field", () => {
    expect(
      ModelSettings.merge(
        { extraHeaders: { "x-agent": "a", "x-shared": "agent" }, extraBody: { metadata: { user: "u1" }, a: 1 } },
        { extraHeaders: { "x-run": "r" }, extraBody: { b: 2 } },
        { extraHeaders: { "x-shared": "call" }, extraBody: { a: 3 } }
      )
    ).toStrictEqual({
      extraHeaders: { "x-agent": "a", "x-shared": "call", "x-run": "r" },
      extraBody: { metadata: { user: "u1" }, a: 3, b: 2 }
    })
  })

  it("merges provider namespaces field by field, skipping undefined fields", () => {
    const agent: ModelSettings.ModelSettings = { maxTokens: 5, acme: { region: "eu", cache: true } }
    const run: ModelSettings.ModelSettings = { acme: { retries: 2, region: undefined } }
    const call: ModelSettings.ModelSettings = { acme: { cache: false } }
    expect(ModelSettings.merge(agent, run, call)).toStrictEqual({
      maxTokens: 5,
      acme: { region: "eu", cache: false, retries: 2 }
    })
    expect(ModelSettings.merge(agent, { acme: undefined })).toStrictEqual(agent)
  })

  it("leaves its inputs unchanged", () => {
    const agent: ModelSettings.ModelSettings = { extraHeaders: { a: "1" }, acme: { region: "eu" } }
    const call: ModelSettings.ModelSettings = { extraHeaders: { b: "2" }, acme: { region: "us" } }
    const merged = ModelSettings.merge(agent, call)
    expect(agent).toStrictEqual({ extraHeaders: { a: "1" }, acme: { region: "eu" } })
    expect(call).toStrictEqual({ extraHeaders: { b: "2" }, acme: { region: "us" } })
    expect(merged.extraHeaders).not.toBe(agent.extraHeaders)
    expect(merged).toStrictEqual({ extraHeaders: { a: "1", b: "2" }, acme: { region: "us" } })
  })
})
