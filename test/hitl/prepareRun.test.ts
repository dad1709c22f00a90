import { describe, expect, it } from "@effect/vitest"
import { Chunk, Context, Effect, Option, Schema, Stream } from "effect"
import { Agent, Message, type Model, type Prepare, RunContext, Tool, Toolset } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"

/** What one request offered the model. */
interface Seen {
  readonly tools: ReadonlyArray<string>
  readonly descriptions: ReadonlyArray<string | undefined>
  readonly toolChoice: Model.ModelRequestParameters["toolChoice"]
  readonly allowTextOutput: boolean
  readonly temperature: number | undefined
}

/** A model that records each request, calls the tools `calls` names at each step, then answers. */
const recording = (calls: ReadonlyArray<ReadonlyArray<string>>) => {
  const seen: Array<Seen> = []
  const layer = FunctionModel.layer((_messages, info) => {
    seen.push({
      tools: info.parameters.functionTools.map((tool) => tool.name),
      descriptions: info.parameters.functionTools.map((tool) => tool.description),
      toolChoice: info.parameters.toolChoice,
      allowTextOutput: info.parameters.allowTextOutput,
      temperature: info.settings.temperature
    })
    const names = calls[seen.length - 1] ?? []
    return Effect.succeed(
      names.length === 0
        ? [new Message.TextPart({ content: `done after ${seen.length}` })]
        : names.map(
            (name, index) =>
              new Message.ToolCallPart({ toolName: name, toolCallId: `c${seen.length}_${index}`, args: { q: "x" } })
          )
    )
  })
  return { seen, layer }
}

const search = Tool.make("search", {
  description: "Searches the web",
  parameters: Schema.Struct({ q: Schema.String }),
  handler: ({ q }) => Effect.succeed(`results for ${q}`),
  // Offered at the first step only, with a description saying so.
  prepare: (definition) =>
    Effect.map(RunContext.RunContext, (run) =>
      run.runStep > 1 ? undefined : { ...definition, description: `${definition.description} (step ${run.runStep})` }
    )
})
const fetchPage = Tool.make("fetch_page", {
  description: "Fetches a page",
  parameters: Schema.Struct({ q: Schema.String }),
  handler: ({ q }) => Effect.succeed(`page ${q}`)
})

class Plan extends Context.Tag("test/Plan")<Plan, { readonly forceFirst: string }>() {}

describe("point 4: per-step preparation", () => {
  it.effect("a tool's prepare hides it or changes its description per step, with RunContext", () =>
    Effect.gen(function* () {
      const { layer, seen } = recording([["search"], ["fetch_page"]])
      const agent = Agent.make({ tools: [search, fetchPage] })
      const result = yield* Agent.run(agent, "Find it").pipe(Effect.provide(layer))
      expect(result.output).toBe("done after 3")
      expect(seen.map((request) => request.tools)).toEqual([["search", "fetch_page"], ["fetch_page"], ["fetch_page"]])
      expect(seen[0]?.descriptions).toEqual(["Searches the web (step 1)", "Fetches a page"])
    })
  )

  it.effect("a hidden tool cannot be called: the model is told which tools exist", () =>
    Effect.gen(function* () {
      const { layer } = recording([["search"], ["search"]])
      const agent = Agent.make({ tools: [search, fetchPage], retries: 2 })
      const result = yield* Agent.run(agent, "Find it").pipe(Effect.provide(layer))
      const retry = result.messages
        .flatMap((message) => (message._tag === "ModelRequest" ? message.parts : []))
        .find((part) => part._tag === "RetryPromptPart")
      expect(retry?.content).toContain("Unknown tool name: 'search'")
      expect(retry?.content).toContain("fetch_page")
    })
  )

  it.effect("prepareStep changes settings, tool choice and active tools; each step starts afresh", () =>
    Effect.gen(function* () {
      const { layer, seen } = recording([["fetch_page"], [], []])
      const agent = Agent.make({
        tools: [fetchPage, Tool.make("shell", { parameters: Schema.Struct({}), handler: () => Effect.succeed("") })],
        settings: { temperature: 1 },
        prepareStep: (step) =>
          Effect.gen(function* () {
            const plan = yield* Plan
            const run = yield* RunContext.RunContext
            expect(step.toolNames).toEqual(["fetch_page", "shell"])
            const changes: Prepare.StepChanges =
              run.runStep === 1
                ? { toolChoice: { tool: plan.forceFirst }, settings: { temperature: 0 } }
                : { activeTools: ["fetch_page"], toolChoice: "none" }
            return changes
          })
      })
      const result = yield* Agent.run(agent, "Fetch it").pipe(
        Effect.provide(layer),
        Effect.provideService(Plan, { forceFirst: "fetch_page" })
      )
      expect(result.output).toBe("done after 2")
      expect(seen).toEqual([
        {
          tools: ["fetch_page"],
          descriptions: ["Fetches a page"],
          toolChoice: { tool: "fetch_page" },
          allowTextOutput: false,
          temperature: 0
        },
        {
          tools: ["fetch_page"],
          descriptions: ["Fetches a page"],
          toolChoice: "none",
          allowTextOutput: true,
          temperature: 1
        }
      ])
    })
  )

  it.effect("invalid changes fail with InvalidPreparation before the request", () =>
    Effect.gen(function* () {
      const { layer, seen } = recording([])
      const unknown = Agent.make({ tools: [fetchPage], prepareStep: () => Effect.succeed({ activeTools: ["nope"] }) })
      const error = yield* Effect.flip(Agent.run(unknown, "Go").pipe(Effect.provide(layer)))
      expect(error).toMatchObject({ _tag: "InvalidPreparation", toolName: "nope" })
      const inactive = Agent.make({
        tools: [search, fetchPage],
        prepareStep: () => Effect.succeed({ activeTools: ["search"], toolChoice: { tool: "fetch_page" } })
      })
      const forced = yield* Effect.flip(Agent.run(inactive, "Go").pipe(Effect.provide(layer)))
      expect(forced).toMatchObject({ _tag: "InvalidPreparation", toolName: "fetch_page" })
      const renaming = Agent.make({
        tools: [fetchPage],
        prepareTools: (definitions) => Effect.succeed(definitions.map((tool) => ({ ...tool, name: "get" })))
      })
      const renamed = yield* Effect.flip(Agent.run(renaming, "Go").pipe(Effect.provide(layer)))
      expect(renamed).toMatchObject({ _tag: "InvalidPreparation", toolName: "get" })
      expect(seen).toEqual([])
    })
  )

  it.effect("prepareTools sees every definition, may need services, and its errors are the run's", () =>
    Effect.gen(function* () {
      const { layer, seen } = recording([])
      const agent = Agent.make({
        tools: [search, fetchPage],
        prepareTools: (definitions) =>
          Effect.map(Plan, (plan) => definitions.filter((tool) => tool.name === plan.forceFirst))
      })
      yield* Agent.run(agent, "Go").pipe(Effect.provide(layer), Effect.provideService(Plan, { forceFirst: "search" }))
      expect(seen.map((request) => request.tools)).toEqual([["search"]])
      class Offline extends Schema.TaggedError<Offline>()("Offline", {}) {}
      const failing = Agent.make({ tools: [fetchPage], prepareTools: () => Effect.fail(new Offline()) })
      const error = yield* Effect.flip(Agent.run(failing, "Go").pipe(Effect.provide(layer)))
      expect(error).toBeInstanceOf(Offline)
      expect(seen).toHaveLength(1)
    })
  )

  it.effect("a toolset's tool prepares itself too, and a streamed run prepares each step the same", () =>
    Effect.gen(function* () {
      const { layer, seen } = recording([["search"]])
      const agent = Agent.make({ toolsets: [Toolset.make([search, fetchPage], { label: "web" })] })
      const events = yield* Stream.runCollect(Agent.runStream(agent, "Find it").pipe(Stream.provideLayer(layer)))
      expect(Chunk.last(events).pipe(Option.map((event) => event._tag))).toEqual(Option.some("RunFinished"))
      expect(seen.map((request) => request.tools)).toEqual([["search", "fetch_page"], ["fetch_page"]])
    })
  )
})
