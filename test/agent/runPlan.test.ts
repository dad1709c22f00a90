/**
 * The plan a run starts from is kept per agent and reused by its next run on the same model when the
 * run brings no settings or instructions of its own (`internal/run/runPlan.ts`): these hold each run
 * to what it would start from with no plan kept. And `Output.text`'s answer is taken without a
 * `RunContext` (`internal/run/output.ts`): the last test holds `Output.text` to that.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { Agent, AgentError, Output, Tool } from "effect-claude"
import { call, scripted, text } from "./helpers.js"

const lookup = Tool.make("lookup", {
  description: "Looks a city up.",
  parameters: Schema.Struct({ city: Schema.String }),
  handler: ({ city }) => Effect.succeed(`${city}: found`)
})

describe("the plan a run starts from", () => {
  it.effect("each model's runs start from that model's settings and profile", () => {
    const toolModel = scripted([[call("final_result", { city: "Paris" }, "c1")]], { settings: { maxTokens: 100 } })
    const nativeModel = scripted([[text('{"city":"Lyon"}')]], {
      settings: { maxTokens: 200 },
      profile: { supportsForcedToolCalls: false, supportsNativeOutput: true }
    })
    const agent = Agent.make({ output: Schema.Struct({ city: Schema.String }) })
    return Effect.gen(function* () {
      const first = yield* Effect.provide(Agent.run(agent, "a"), toolModel.layer)
      const second = yield* Effect.provide(Agent.run(agent, "b"), nativeModel.layer)
      const third = yield* Effect.provide(Agent.run(agent, "c"), toolModel.layer)
      expect([first.output, second.output, third.output]).toEqual([
        { city: "Paris" },
        { city: "Lyon" },
        { city: "Paris" }
      ])
      const [a, c] = toolModel.requests.map((request) => request.info)
      const b = nativeModel.requests[0]!.info
      expect([a!.settings.maxTokens, b.settings.maxTokens, c!.settings.maxTokens]).toEqual([100, 200, 100])
      expect([a!.parameters.outputMode, b.parameters.outputMode, c!.parameters.outputMode]).toEqual([
        "tool",
        "native",
        "tool"
      ])
      expect(c!.parameters).toEqual(a!.parameters)
    })
  })

  it.effect("a run's own settings, instructions and usage limits are its alone", () => {
    const model = scripted([[text("ok")]], { settings: { maxTokens: 100 } })
    const agent = Agent.make({ instructions: "Be brief.", settings: { temperature: 0.2 } })
    return Effect.gen(function* () {
      yield* Agent.run(agent, "a")
      yield* Agent.run(agent, "b", {
        settings: { temperature: 0.9, maxTokens: 50 },
        instructions: "In French.",
        usageLimits: { requestLimit: 0 }
      }).pipe(Effect.flip)
      yield* Agent.run(agent, "c", { settings: { temperature: 0.9 }, instructions: "In French." })
      yield* Agent.run(agent, "d")
      const sent = model.requests.map(({ info, messages }) => {
        const last = messages.at(-1)
        return { settings: info.settings, instructions: last?._tag === "ModelRequest" ? last.instructions : undefined }
      })
      expect(sent).toEqual([
        { settings: { maxTokens: 100, temperature: 0.2 }, instructions: "Be brief." },
        { settings: { maxTokens: 100, temperature: 0.9 }, instructions: "Be brief.\n\nIn French." },
        { settings: { maxTokens: 100, temperature: 0.2 }, instructions: "Be brief." }
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a run's usage limits do not stay for the next run", () => {
    const model = scripted([[call("lookup", { city: "Paris" }, "c1")], [text("done")]])
    const agent = Agent.make({ tools: [lookup] })
    return Effect.gen(function* () {
      const limited = yield* Agent.run(agent, "a", { usageLimits: { requestLimit: 1 } }).pipe(Effect.flip)
      expect(limited).toBeInstanceOf(AgentError.UsageLimitExceeded)
      const free = yield* Agent.run(agent, "b")
      expect(free.output).toBe("done")
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a step prepared in one run leaves the next run's tools as the agent has them", () => {
    const model = scripted([[text("ok")]])
    let runs = 0
    const agent = Agent.make({
      tools: [lookup],
      // The first run offers no tools; the others all of them.
      prepareTools: (definitions) => Effect.succeed(runs === 1 ? [] : definitions)
    })
    return Effect.gen(function* () {
      for (const prompt of ["a", "b"]) {
        runs++
        yield* Agent.run(agent, prompt)
      }
      const offered = model.requests.map(({ info }) => info.parameters.functionTools.map((tool) => tool.name))
      expect(offered).toEqual([[], ["lookup"]])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("an agent's mistake fails every run, not only the first", () => {
    const model = scripted([[text("ok")]])
    const agent = Agent.make({ tools: [lookup, lookup] })
    return Effect.gen(function* () {
      for (const prompt of ["a", "b"]) {
        const error = yield* Agent.run(agent, prompt).pipe(Effect.flip)
        expect(error).toBeInstanceOf(AgentError.UserError)
      }
      expect(model.requests).toHaveLength(0)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("Output.text gives a text answer as it is, without a RunContext (what the run's fast path assumes)", () =>
    Effect.gen(function* () {
      for (const answer of ["", "Paris.", " spaced \n", '{"json": true}']) {
        // No `RunContext` is provided: reading it would fail with a missing service.
        const process = Output.text.process(answer) as Effect.Effect<string, unknown>
        expect(yield* Effect.either(process)).toEqual(Either.right(answer))
      }
    })
  )
})
