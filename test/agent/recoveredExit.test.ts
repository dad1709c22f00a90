import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, FiberId } from "effect"
import { AgentError, Output, Tool } from "effect-claude"
import { recoveredExit, recoverRetry } from "../../src/internal/run/output.js"

class Other {
  readonly _tag = "Other"
}

const retry = new AgentError.ModelRetry({ message: "try again" })
const invalid = new Tool.InvalidToolArgs({ message: "bad args" })
const invalidOutput = new Output.OutputValidationError({ message: "bad output" })
const other = new Other()
const defect = new Error("boom")

const causes: ReadonlyArray<readonly [string, Cause.Cause<unknown>]> = [
  ["a ModelRetry", Cause.fail(retry)],
  ["invalid arguments", Cause.fail(invalid)],
  ["invalid output", Cause.fail(invalidOutput)],
  ["another failure", Cause.fail(other)],
  ["a defect", Cause.die(defect)],
  ["an interruption", Cause.interrupt(FiberId.make(1, 0))],
  ["nothing", Cause.empty],
  ["a retry, then a defect", Cause.sequential(Cause.fail(retry), Cause.die(defect))],
  ["two failures side by side", Cause.parallel(Cause.fail(retry), Cause.fail(other))],
  ["another failure, then a retry", Cause.sequential(Cause.fail(other), Cause.fail(retry))],
  ["an interruption beside a retry", Cause.parallel(Cause.interrupt(FiberId.make(2, 0)), Cause.fail(retry))]
]

describe("recoveredExit: recoverRetry as plain code on an exit", () => {
  it.effect("gives what recoverRetry gives, for a success and for every kind of cause", () =>
    Effect.gen(function* () {
      const exits: ReadonlyArray<readonly [string, Exit.Exit<unknown, unknown>]> = [
        ["a success", Exit.succeed("value")],
        ...causes.map(([name, cause]) => [name, Exit.failCause(cause)] as const)
      ]
      for (const [name, exit] of exits) {
        const expected = yield* Effect.exit(recoverRetry(exit))
        expect(recoveredExit(exit), name).toStrictEqual(expected)
      }
    })
  )
})
