import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Ref } from "effect"
import * as Instructions from "../../src/Instructions.js"
import { RunContext } from "../../src/RunContext.js"
import { testRunContext } from "../support/runContext.js"

class UserName extends Context.Tag("test/UserName")<UserName, string>() {}

describe("point 2: dynamic instructions", () => {
  it.effect("fixed strings are joined, blank ones left out", () =>
    Effect.gen(function* () {
      const fixed: ReadonlyArray<Instructions.Instruction> = ["Be brief.", "  ", "Use metric units."]
      expect(yield* Instructions.compile(fixed)).toBe("Be brief.\n\nUse metric units.")
      expect(yield* Instructions.compile(fixed.slice(1, 2))).toBeUndefined()
      expect(Instructions.isStatic(fixed)).toBe(true)
    }).pipe(Effect.provideService(RunContext, testRunContext({ runStep: 1 })))
  )

  it.effect("Effects read RunContext and services, and run again each time", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      const greeting = Effect.map(UserName, (name) => `The user is ${name}.`)
      const step = Effect.zipRight(
        Ref.update(calls, (count) => count + 1),
        Effect.map(RunContext, (run) => (run.runStep > 1 ? `Step ${run.runStep}: answer now.` : undefined))
      )
      const compiled = Instructions.compile(["Be brief.", greeting, step])
      const first = yield* Effect.provideService(compiled, RunContext, testRunContext({ runStep: 1 }))
      const second = yield* Effect.provideService(compiled, RunContext, testRunContext({ runStep: 2 }))
      expect(first).toBe("Be brief.\n\nThe user is Ada.")
      expect(second).toBe("Be brief.\n\nThe user is Ada.\n\nStep 2: answer now.")
      expect(yield* Ref.get(calls)).toBe(2)
    }).pipe(Effect.provideService(UserName, "Ada"))
  )

  it.effect("an instruction's failure is the run's", () =>
    Effect.gen(function* () {
      const failing: Instructions.Instruction<string> = Effect.fail("no profile")
      const error = yield* Effect.flip(Instructions.compile(["a", failing]))
      expect(error).toBe("no profile")
    }).pipe(Effect.provideService(RunContext, testRunContext({ runStep: 1 })))
  )

  it.effect("system prompts stay separate parts", () =>
    Effect.gen(function* () {
      const prompts = yield* Instructions.systemPrompts([
        "You are terse.",
        Effect.succeed(undefined),
        Effect.succeed("It is Monday.")
      ])
      expect(prompts).toEqual(["You are terse.", "It is Monday."])
    }).pipe(Effect.provideService(RunContext, testRunContext({ runStep: 1 })))
  )
})
