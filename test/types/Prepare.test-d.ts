/**
 * Point 4 at the type level: per-step preparation's errors and requirements join the agent's.
 */
import { Context, Effect, Schema } from "effect"
import { Agent, type AgentError, type Model, type Prepare, RunContext, Tool } from "effect-claude"
import { describe, expectTypeOf, it } from "vitest"

class Offline extends Schema.TaggedError<Offline>()("Offline", {}) {}
class Flags extends Context.Tag("Flags")<Flags, { readonly beta: boolean }>() {}

const plain = Tool.make("plain", {
  parameters: Schema.Struct({}),
  handler: () => Effect.succeed("ok")
})
const flagged = Tool.make("flagged", {
  parameters: Schema.Struct({}),
  handler: () => Effect.succeed("ok"),
  prepare: (definition) =>
    Effect.flatMap(Flags, (flags) => (flags.beta ? Effect.succeed(definition) : Effect.fail(new Offline())))
})

describe("point 4: per-step preparation (types)", () => {
  it("a tool without prepare adds nothing", () => {
    const run = Agent.run(Agent.make({ tools: [plain] }), "hi")
    expectTypeOf<Effect.Effect.Error<typeof run>>().toEqualTypeOf<AgentError.AgentError | Model.ModelError>()
    expectTypeOf<Effect.Effect.Context<typeof run>>().toEqualTypeOf<Model.Model>()
  })

  it("a tool's prepare adds its errors, InvalidPreparation and its services", () => {
    const run = Agent.run(Agent.make({ tools: [flagged] }), "hi")
    expectTypeOf<Effect.Effect.Error<typeof run>>().toEqualTypeOf<
      Offline | Prepare.InvalidPreparation | AgentError.AgentError | Model.ModelError
    >()
    expectTypeOf<Effect.Effect.Context<typeof run>>().toEqualTypeOf<Flags | Model.Model>()
  })

  it("prepareStep and prepareTools add theirs; RunContext is the agent's", () => {
    const agent = Agent.make({
      tools: [plain],
      prepareStep: () =>
        Effect.map(RunContext.RunContext, (run) => (run.runStep > 2 ? { toolChoice: "none" } : undefined)),
      prepareTools: (definitions) => Effect.as(Flags, definitions)
    })
    const run = Agent.run(agent, "hi")
    expectTypeOf<Effect.Effect.Error<typeof run>>().toEqualTypeOf<
      Prepare.InvalidPreparation | AgentError.AgentError | Model.ModelError
    >()
    expectTypeOf<Effect.Effect.Context<typeof run>>().toEqualTypeOf<Flags | Model.Model>()
  })
})
