import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Ref, Schema } from "effect"
import { RunContext, Tool, Toolset } from "effect-claude"
import { testRunContext } from "./support/runContext.js"

const tool = (name: string, answer: string = name) =>
  Tool.make(name, {
    description: `The ${name} tool`,
    parameters: Schema.Struct({}),
    handler: () => Effect.succeed(answer)
  })

const context = (runStep: number) => testRunContext({ runStep })

const names = <E, R>(toolset: Toolset.Toolset<E, R>, runStep = 1) =>
  Effect.map(Toolset.resolve(toolset), (tools) => tools.map((tool) => tool.name)).pipe(
    Effect.provideService(RunContext.RunContext, context(runStep))
  )

describe("Toolset", () => {
  it.effect("combines toolsets in order", () =>
    Effect.gen(function* () {
      const combined = Toolset.combine(Toolset.make([tool("a"), tool("b")]), Toolset.make([tool("c")]))
      expect(yield* names(combined)).toEqual(["a", "b", "c"])
    })
  )

  it.effect("a name offered twice is a DuplicateToolName naming both sources", () =>
    Effect.gen(function* () {
      const combined = Toolset.combine(
        Toolset.make([tool("search")], { label: "web" }),
        Toolset.make([tool("search")], { label: "mcp:docs" })
      )
      const error = yield* Effect.flip(names(combined))
      expect(error._tag).toBe("DuplicateToolName")
      expect(error.name).toBe("search")
      expect(error.sources).toEqual(["web", "mcp:docs"])
      expect(error.message).toBe("Two tools are named 'search': one from web, one from mcp:docs")
    })
  )

  it.effect("filters statically and per step from the RunContext", () =>
    Effect.gen(function* () {
      const toolset = Toolset.make([tool("read"), tool("write"), tool("delete")]).pipe(
        Toolset.filter((tool) => tool.name !== "delete"),
        Toolset.filter((tool, context) => tool.name !== "write" || context.runStep > 1)
      )
      expect(yield* names(toolset, 1)).toEqual(["read"])
      expect(yield* names(toolset, 2)).toEqual(["read", "write"])
    })
  )

  it.effect("prefixes and renames: the definitions follow, the handlers stay", () =>
    Effect.gen(function* () {
      const toolset = Toolset.make([tool("read", "r"), tool("write", "w")]).pipe(
        Toolset.rename({ write: "save" }),
        Toolset.prefix("fs")
      )
      const tools = yield* Toolset.resolve(toolset).pipe(Effect.provideService(RunContext.RunContext, context(1)))
      expect(tools.map((tool) => [tool.name, tool.definition.name])).toEqual([
        ["fs_read", "fs_read"],
        ["fs_save", "fs_save"]
      ])
      expect(tools[1]!.definition.description).toBe("The write tool")
      expect(yield* tools[1]!.execute({}).pipe(Effect.provideService(RunContext.RunContext, context(1)))).toBe("w")
      // A prefix resolves a clash between two toolsets.
      const both = Toolset.combine(Toolset.make([tool("read")]), Toolset.make([tool("read")]).pipe(Toolset.prefix("b")))
      expect(yield* names(both)).toEqual(["read", "b_read"])
    })
  )

  it.effect("dynamic toolsets are built at every step, or once per run", () =>
    Effect.gen(function* () {
      const builds = yield* Ref.make(0)
      const build = Effect.gen(function* () {
        const count = yield* Ref.updateAndGet(builds, (n) => n + 1)
        const { runStep } = yield* RunContext.RunContext
        return [tool(`step_${runStep}_build_${count}`)]
      })
      const perStep = Toolset.dynamic(build)
      const perRun = Toolset.dynamic(build, { per: "run" })

      const stepTools = yield* perStep.start
      const at = (step: number) =>
        Effect.map(stepTools, (tools) => tools.map(({ tool }) => tool.name)).pipe(
          Effect.provideService(RunContext.RunContext, context(step))
        )
      expect(yield* at(1)).toEqual(["step_1_build_1"])
      expect(yield* at(2)).toEqual(["step_2_build_2"])

      const runTools = yield* perRun.start
      const atRun = (step: number) =>
        Effect.map(runTools, (tools) => tools.map(({ tool }) => tool.name)).pipe(
          Effect.provideService(RunContext.RunContext, context(step))
        )
      expect(yield* atRun(1)).toEqual(["step_1_build_3"])
      expect(yield* atRun(2)).toEqual(["step_1_build_3"])
      // Another run starts afresh.
      const nextRun = yield* perRun.start
      expect(
        yield* Effect.map(nextRun, (tools) => tools[0]!.tool.name).pipe(
          Effect.provideService(RunContext.RunContext, context(1))
        )
      ).toBe("step_1_build_4")
    })
  )

  it.effect("a dynamic toolset's failure is the run's failure", () =>
    Effect.gen(function* () {
      const failing = Toolset.dynamic(Effect.as(Effect.fail("no tools today" as const), [tool("never")]))
      const exit = yield* Effect.exit(names(failing))
      expect(exit).toEqual(Exit.fail("no tools today"))
    })
  )
})

describe("Tool.fromJsonSchema", () => {
  it.effect("offers the JSON Schema as is and hands the raw arguments to the handler", () =>
    Effect.gen(function* () {
      const schema = { type: "object", properties: { q: { type: "string" } }, required: ["q"] }
      const search = Tool.fromJsonSchema("search", {
        description: "Searches",
        parametersJsonSchema: schema,
        handler: (args) => Effect.succeed(`searched ${String(args.q)}`)
      })
      expect(search.definition).toEqual({
        name: "search",
        description: "Searches",
        parametersJsonSchema: schema,
        kind: "function",
        strict: undefined
      })
      const run = (args: unknown) => search.execute(args).pipe(Effect.provideService(RunContext.RunContext, context(1)))
      expect(yield* run({ q: "effect" })).toBe("searched effect")
      const error = yield* Effect.flip(run([1, 2]))
      expect(error._tag).toBe("InvalidToolArgs")
    })
  )
})
