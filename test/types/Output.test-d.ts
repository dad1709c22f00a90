/**
 * Point 7 at the type level: an output function's value, errors and requirements become the run's
 * (without `ModelRetry` and `RunContext`), and a union's output is the union of its members'.
 */
import { Context, Effect, Schema } from "effect"
import { Agent, AgentError, type Model, Output, RunContext } from "effect-claude"
import { describe, expectTypeOf, it } from "vitest"

class SoldOut extends Schema.TaggedError<SoldOut>()("SoldOut", { flight: Schema.String }) {}
class Bookings extends Context.Tag("Bookings")<
  Bookings,
  { readonly book: (flight: string) => Effect.Effect<number, SoldOut> }
>() {}
class Audit extends Context.Tag("Audit")<Audit, { readonly log: (line: string) => Effect.Effect<void> }>() {}

const Flight = Schema.Struct({ flight: Schema.String })
const Refusal = Schema.Struct({ reason: Schema.String })

const book = Output.fn(
  Flight,
  ({ flight }) =>
    Effect.gen(function* () {
      if (flight === "") return yield* new AgentError.ModelRetry({ message: "Name a flight" })
      const context = yield* RunContext.RunContext
      const reference = yield* Effect.flatMap(Bookings, (bookings) => bookings.book(flight))
      return { reference, step: context.runStep }
    }),
  { name: "book" }
)

describe("Output.fn", () => {
  it("gives the function's value; its errors and services join, ModelRetry and RunContext do not", () => {
    expectTypeOf<typeof book>().toEqualTypeOf<Output.Output<{ reference: number; step: number }, SoldOut, Bookings>>()
    const run = Agent.run(Agent.make({ output: book }), "go")
    expectTypeOf<Effect.Effect.Success<typeof run>["output"]>().toEqualTypeOf<{ reference: number; step: number }>()
    expectTypeOf<Effect.Effect.Error<typeof run>>().toEqualTypeOf<SoldOut | AgentError.AgentError | Model.ModelError>()
    expectTypeOf<Effect.Effect.Context<typeof run>>().toEqualTypeOf<Bookings | Model.Model>()
  })
})

describe("Output.union", () => {
  const audited = Output.tool(Refusal, { name: "refuse" }).pipe(
    Output.validate((refusal) =>
      Effect.as(
        Effect.flatMap(Audit, (audit) => audit.log(refusal.reason)),
        refusal
      )
    )
  )
  const union = Output.union(book, audited, Output.text)

  it("is typed as the union of its members' values, errors and requirements", () => {
    expectTypeOf<typeof union>().toEqualTypeOf<
      Output.Output<
        { reference: number; step: number } | { readonly reason: string } | string,
        SoldOut,
        Bookings | Audit
      >
    >()
    const run = Agent.run(Agent.make({ output: union }), "go")
    expectTypeOf<Effect.Effect.Success<typeof run>["output"]>().toEqualTypeOf<
      { reference: number; step: number } | { readonly reason: string } | string
    >()
    expectTypeOf<Effect.Effect.Error<typeof run>>().toEqualTypeOf<SoldOut | AgentError.AgentError | Model.ModelError>()
    expectTypeOf<Effect.Effect.Context<typeof run>>().toEqualTypeOf<Bookings | Audit | Model.Model>()
  })

  it("mapEffect turns the union's value into another type", () => {
    const described = union.pipe(Output.mapEffect((output) => Effect.succeed(typeof output === "string")))
    expectTypeOf<typeof described>().toEqualTypeOf<Output.Output<boolean, SoldOut, Bookings | Audit>>()
  })

  it("takes at least one member", () => {
    // @ts-expect-error a union needs a member
    Output.union()
  })
})
