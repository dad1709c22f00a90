import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { Model } from "effect-claude"
import * as Prepare from "../../src/Prepare.js"
import { RunContext } from "../../src/RunContext.js"
import { testRunContext } from "../support/runContext.js"

const definition = (name: string, description = `${name} tool`): Model.ToolDefinition => ({
  name,
  description,
  parametersJsonSchema: { type: "object", properties: {} },
  kind: "function"
})
const search = definition("search")
const fetchPage = definition("fetch_page")
const outputTool: Model.ToolDefinition = { ...definition("final_result"), kind: "output" }
const step: Prepare.Step = {
  parameters: {
    ...Model.textParameters,
    functionTools: [search, fetchPage],
    outputTools: [outputTool],
    outputMode: "tool",
    allowTextOutput: false
  },
  settings: { maxTokens: 100 }
}
const textStep: Prepare.Step = {
  ...step,
  parameters: { ...step.parameters, outputTools: [], outputMode: "text", allowTextOutput: true }
}

describe("point 4: per-step preparation (building blocks)", () => {
  it.effect("a tool's prepare hides it or changes its description, reading RunContext", () =>
    Effect.gen(function* () {
      const hideAfterFirstStep: Prepare.PrepareTool = (tool) =>
        Effect.map(RunContext, (run) =>
          run.runStep > 1 ? undefined : { ...tool, description: "Search (first step only)" }
        )
      const tools = [{ definition: search, prepare: hideAfterFirstStep }, { definition: fetchPage }]
      const first = yield* Effect.provideService(
        Prepare.prepareTools(tools, undefined),
        RunContext,
        testRunContext({ runStep: 1 })
      )
      const second = yield* Effect.provideService(
        Prepare.prepareTools(tools, undefined),
        RunContext,
        testRunContext({ runStep: 2 })
      )
      expect(first).toEqual([{ ...search, description: "Search (first step only)" }, fetchPage])
      expect(second).toEqual([fetchPage])
    })
  )

  it.effect(
    "the agent's prepareTools sees every definition; renaming or inventing a tool is an InvalidPreparation",
    () =>
      Effect.gen(function* () {
        const reverse: Prepare.PrepareTools = (definitions) => Effect.succeed(definitions.slice().reverse())
        const run = <E>(effect: Effect.Effect<ReadonlyArray<Model.ToolDefinition>, E, RunContext>) =>
          Effect.provideService(effect, RunContext, testRunContext({ runStep: 1 }))
        expect(yield* run(Prepare.prepareTools([{ definition: search }, { definition: fetchPage }], reverse))).toEqual([
          fetchPage,
          search
        ])
        const invent: Prepare.PrepareTools = (definitions) => Effect.succeed([...definitions, definition("shell")])
        const invented = yield* Effect.flip(run(Prepare.prepareTools([{ definition: search }], invent)))
        expect(invented).toMatchObject({ _tag: "InvalidPreparation", toolName: "shell" })
        const rename: Prepare.PrepareTool = (tool) => Effect.succeed({ ...tool, name: "find" })
        const renamed = yield* Effect.flip(
          run(Prepare.prepareTools([{ definition: search, prepare: rename }], undefined))
        )
        expect(renamed).toMatchObject({ _tag: "InvalidPreparation", toolName: "search" })
      })
  )

  type Choice = Model.ModelRequestParameters["toolChoice"]
  const cases: ReadonlyArray<
    readonly [string, Prepare.Step, Prepare.StepChanges, ReadonlyArray<string>, boolean, Choice]
  > = [
    ["no changes", textStep, {}, ["search", "fetch_page"], true, undefined],
    ["active tools", textStep, { activeTools: ["fetch_page"] }, ["fetch_page"], true, undefined],
    // Without output tools the function tools stay declared (the history may hold calls of them).
    ["tool choice none", textStep, { toolChoice: "none" }, ["search", "fetch_page"], true, "none"],
    ["tool choice required", textStep, { toolChoice: "required" }, ["search", "fetch_page"], false, "required"],
    ["one named tool", textStep, { toolChoice: { tool: "search" } }, ["search"], false, { tool: "search" }],
    ["none with output tools", step, { toolChoice: "none" }, [], false, undefined]
  ]
  for (const [name, base, changes, tools, allowText, choice] of cases) {
    it(`step changes: ${name}`, () => {
      const changed = Either.getOrThrow(Prepare.applyChanges(base, changes))
      expect(changed.parameters.functionTools.map((tool) => tool.name)).toEqual(tools)
      expect(changed.parameters.allowTextOutput).toBe(allowText)
      expect(changed.parameters.outputTools).toEqual(base.parameters.outputTools)
      expect(changed.parameters.toolChoice).toEqual(choice)
    })
  }

  it("a forced tool must be offered; activeTools may name a tool hidden this step", () => {
    const hidden: Prepare.Step = { ...textStep, toolNames: ["search", "fetch_page", "shell"] }
    const inactive = Either.getOrThrow(
      Either.flip(Prepare.applyChanges(step, { activeTools: ["search"], toolChoice: { tool: "fetch_page" } }))
    )
    expect(inactive).toMatchObject({ _tag: "InvalidPreparation", toolName: "fetch_page" })
    expect(inactive.message).toContain("not offered this step")
    const active = Either.getOrThrow(Prepare.applyChanges(hidden, { activeTools: ["search", "shell"] }))
    expect(active.parameters.functionTools.map((tool) => tool.name)).toEqual(["search"])
  })

  it("step changes merge settings and reject unknown tool names", () => {
    const changed = Either.getOrThrow(Prepare.applyChanges(step, { settings: { temperature: 0 } }))
    expect(changed.settings).toEqual({ maxTokens: 100, temperature: 0 })
    expect(Prepare.applyChanges(step, undefined)).toEqual(Either.right(step))
    const active = Either.getOrThrow(Either.flip(Prepare.applyChanges(step, { activeTools: ["search", "nope"] })))
    expect(active).toMatchObject({ _tag: "InvalidPreparation", toolName: "nope" })
    const chosen = Either.getOrThrow(Either.flip(Prepare.applyChanges(step, { toolChoice: { tool: "final_result" } })))
    expect(chosen).toMatchObject({ _tag: "InvalidPreparation", toolName: "final_result" })
  })
})
