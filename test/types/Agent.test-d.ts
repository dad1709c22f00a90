/**
 * What users rely on at the type level: a run's error and requirement types follow its tools, and
 * its output type follows the agent's output.
 */
import { Context, Effect, Schema } from "effect"
import { Agent, AgentError, type DeferredTools, type Model, Output, Tool, Toolset } from "effect-claude"
import { describe, expectTypeOf, it } from "vitest"

class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { key: Schema.String }) {}
class Store extends Context.Tag("Store")<Store, { readonly get: (key: string) => Effect.Effect<string, NotFound> }>() {}

const lookup = Tool.make("lookup", {
  description: "Reads a key",
  parameters: Schema.Struct({ key: Schema.String }),
  handler: ({ key }) =>
    Effect.gen(function* () {
      if (key === "") return yield* Effect.fail(new AgentError.ModelRetry({ message: "Give a key" }))
      const store = yield* Store
      return yield* store.get(key)
    })
})

describe("Agent.run", () => {
  it("collects the tools' errors and drops ModelRetry (the loop handles it)", () => {
    const run = Agent.run(Agent.make({ instructions: "x", tools: [lookup] }), "hi")
    type E = Effect.Effect.Error<typeof run>
    expectTypeOf<NotFound>().toMatchTypeOf<E>()
    expectTypeOf<Extract<E, AgentError.ModelRetry>>().toEqualTypeOf<never>()
    expectTypeOf<E>().toEqualTypeOf<NotFound | AgentError.AgentError | Model.ModelError>()
  })

  it("collects the tools' requirements, plus the Model", () => {
    const run = Agent.run(Agent.make({ instructions: "x", tools: [lookup] }), "hi")
    expectTypeOf<Effect.Effect.Context<typeof run>>().toEqualTypeOf<Store | Model.Model>()
  })

  it("answers a string without an output", () => {
    const run = Agent.run(Agent.make({ instructions: "x" }), "hi")
    expectTypeOf<Effect.Effect.Success<typeof run>["output"]>().toEqualTypeOf<string>()
  })

  it("answers the schema's type with Output.tool(schema)", () => {
    const City = Schema.Struct({ city: Schema.String, celsius: Schema.Number })
    const run = Agent.run(Agent.make({ instructions: "x", output: Output.tool(City) }), "hi")
    expectTypeOf<Effect.Effect.Success<typeof run>["output"]>().toEqualTypeOf<{
      readonly city: string
      readonly celsius: number
    }>()
  })

  it("a toolset needing approval adds PendingCalls to the output; a plain one does not", () => {
    const plain = Toolset.make([lookup])
    expectTypeOf(Agent.make({ toolsets: [plain] })).toEqualTypeOf<
      Agent.Agent<string, NotFound | Toolset.DuplicateToolName, Store>
    >()
    expectTypeOf(Agent.make({ toolsets: [Toolset.needsApproval(plain, true)] })).toEqualTypeOf<
      Agent.Agent<string | DeferredTools.PendingCalls, NotFound | Toolset.DuplicateToolName, Store>
    >()
  })

  it("point 1: pending calls are typed per deferred tool: toolName narrows the decoded args", () => {
    const remove = Tool.make("remove", {
      parameters: Schema.Struct({ key: Schema.String, before: Schema.DateFromString }),
      handler: () => Effect.succeed("removed"),
      needsApproval: true
    })
    const ship = Tool.external("ship", { parameters: Schema.Struct({ id: Schema.Number }) })
    const run = Agent.run(Agent.make({ tools: [lookup, remove, ship] }), "hi")
    type O = Effect.Effect.Success<typeof run>["output"]
    type Pending = Extract<O, DeferredTools.PendingCalls>
    type Call = Pending["calls"][number]
    expectTypeOf<Call["toolName"]>().toEqualTypeOf<"remove" | "ship">()
    expectTypeOf<Extract<Call, { readonly toolName: "remove" }>["args"]>().toEqualTypeOf<{
      readonly key: string
      readonly before: Date
    }>()
    expectTypeOf<Extract<Call, { readonly toolName: "ship" }>["args"]>().toEqualTypeOf<{ readonly id: number }>()
    expectTypeOf<Exclude<O, DeferredTools.PendingCalls>>().toEqualTypeOf<string>()
  })
})
