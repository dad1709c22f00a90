import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Schema } from "effect"
import { Agent, AgentError, Message, Output, RunContext, Tool } from "effect-claude"
import { call, lastRequestParts, scripted, text } from "./helpers.js"

const City = Schema.Struct({ city: Schema.String, country: Schema.String })
const cityJsonSchema = {
  type: "object",
  required: ["city", "country"],
  properties: { city: { type: "string" }, country: { type: "string" } },
  additionalProperties: false
}

describe("structured output", () => {
  it.effect("asks for the output tool and decodes its arguments", () => {
    const model = scripted([[call("final_result", { city: "Mexico City", country: "Mexico" }, "c1")]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: City }), "Largest city?")
      expect(result.output).toEqual({ city: "Mexico City", country: "Mexico" })
      expect(model.requests[0]!.info.parameters).toEqual({
        functionTools: [],
        outputTools: [
          {
            name: "final_result",
            description: "The final response which ends this conversation",
            parametersJsonSchema: cityJsonSchema,
            kind: "output",
            strict: undefined
          }
        ],
        builtinTools: [],
        outputMode: "tool",
        allowTextOutput: false,
        outputObject: undefined
      })
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("sends invalid output back as a retry prompt for the output call", () => {
    const model = scripted([
      [call("final_result", { city: "Mexico City" }, "c1")],
      [call("final_result", { city: "Mexico City", country: "Mexico" }, "c2")]
    ])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: City }), "go")
      expect(result.output).toEqual({ city: "Mexico City", country: "Mexico" })
      expect(lastRequestParts(model.requests[1]!)).toEqual([
        new Message.RetryPromptPart({
          content: '{ readonly city: string; readonly country: string }\n└─ ["country"]\n   └─ is missing',
          toolName: "final_result",
          toolCallId: "c1"
        })
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("fails with UnexpectedModelBehavior when output retries are used up", () => {
    const model = scripted([[call("final_result", { city: 1 }, "c1")]])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({ output: City, outputRetries: 2 }), "go"))
      expect(error._tag).toBe("UnexpectedModelBehavior")
      expect(error.message).toMatch(
        /^Exceeded maximum retries \(2\) for output validation: .*city.*Expected string, actual 1/
      )
      expect(error.message).not.toContain("\n")
      expect(model.requests).toHaveLength(3)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("asks again when the model answers with text instead of calling the output tool", () => {
    const model = scripted([
      [text("Mexico City")],
      [call("final_result", { city: "Mexico City", country: "Mexico" }, "c1")]
    ])
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({ output: City }), "go")
      expect(lastRequestParts(model.requests[1]!)).toEqual([
        new Message.RetryPromptPart({ content: "Please include your response in a tool call." })
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("wraps a non-object output as { response } for the model", () => {
    const model = scripted([[call("final_result", { response: [1, 2, 3] }, "c1")]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: Schema.Array(Schema.Number) }), "go")
      expect(result.output).toEqual([1, 2, 3])
      expect(model.requests[0]!.info.parameters.outputTools[0]!.parametersJsonSchema).toEqual({
        type: "object",
        properties: { response: { type: "array", items: { type: "number" } } },
        required: ["response"],
        additionalProperties: false
      })
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("names and describes the output tool as asked", () => {
    const model = scripted([[call("answer", { city: "Paris", country: "France" }, "c1")]])
    const output = Output.tool(City, { name: "answer", description: "The city and its country" })
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({ output }), "go")
      const [tool] = model.requests[0]!.info.parameters.outputTools
      expect([tool?.name, tool?.description]).toEqual(["answer", "The city and its country"])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("native output: the provider constrains the text answer, which is parsed", () => {
    const model = scripted([[text('{"city": "Paris", "country": "France"}')]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: Output.native(City) }), "go")
      expect(result.output).toEqual({ city: "Paris", country: "France" })
      const parameters = model.requests[0]!.info.parameters
      expect(parameters.outputMode).toBe("native")
      expect(parameters.allowTextOutput).toBe(true)
      expect(parameters.outputTools).toEqual([])
      expect(parameters.outputObject).toEqual({
        name: "final_result",
        description: undefined,
        jsonSchema: cityJsonSchema,
        strict: undefined
      })
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("prompted output: the schema goes into the instructions; fenced JSON is accepted", () => {
    const model = scripted([[text('```json\n{"city": "Paris", "country": "France"}\n```')]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ instructions: "Be brief.", output: Output.prompted(City) }), "go")
      expect(result.output).toEqual({ city: "Paris", country: "France" })
      const request = model.requests[0]!.messages[0]
      expect(request?._tag === "ModelRequest" && request.instructions).toBe(
        `Be brief.\n\nAlways respond with a JSON object that's compatible with this schema:\n\n${JSON.stringify(cityJsonSchema)}\n\nDon't include any text or Markdown fencing before or after.`
      )
      expect(model.requests[0]!.info.parameters.outputMode).toBe("prompted")
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("prompted output: text that is not JSON is sent back", () => {
    const model = scripted([[text("Paris, France")], [text('{"city": "Paris", "country": "France"}')]])
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({ output: Output.prompted(City) }), "go")
      const [part] = lastRequestParts(model.requests[1]!)
      expect(part?._tag === "RetryPromptPart" && part.content).toMatch(/^The answer is not valid JSON: /)
      expect(part?._tag === "RetryPromptPart" && part.toolCallId).toBe(undefined)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a bare Schema uses the output tool, or native/prompted output when thinking forbids forced tools", () => {
    const answer = (_: ReadonlyArray<Message.ModelMessage>, info: { parameters: { outputMode: string } }) =>
      Effect.succeed(
        info.parameters.outputMode === "tool"
          ? [call("final_result", { city: "Paris", country: "France" }, "c1")]
          : [text('{"city": "Paris", "country": "France"}')]
      )
    const agent = Agent.make({ output: City })
    const modeWith = (profile: { supportsForcedToolCallsWithThinking: boolean; supportsNativeOutput: boolean }) =>
      Effect.gen(function* () {
        const model = scripted([answer], { profile })
        const noThinking = yield* Agent.run(agent, "go").pipe(Effect.provide(model.layer))
        const thinking = yield* Agent.run(agent, "go", { settings: { thinking: { budgetTokens: 2048 } } }).pipe(
          Effect.provide(model.layer)
        )
        expect(noThinking.output).toEqual(thinking.output)
        return model.requests.map((request) => request.info.parameters.outputMode)
      })
    return Effect.gen(function* () {
      expect(yield* modeWith({ supportsForcedToolCallsWithThinking: false, supportsNativeOutput: true })).toEqual([
        "tool",
        "native"
      ])
      expect(yield* modeWith({ supportsForcedToolCallsWithThinking: false, supportsNativeOutput: false })).toEqual([
        "tool",
        "prompted"
      ])
      expect(yield* modeWith({ supportsForcedToolCallsWithThinking: true, supportsNativeOutput: true })).toEqual([
        "tool",
        "tool"
      ])
    })
  })
})

describe("output validators", () => {
  it.effect("a validator failing with ModelRetry sends its message back; it sees the retry count", () => {
    const retries: Array<number> = []
    const output = Output.tool(City).pipe(
      Output.validate((answer) =>
        Effect.flatMap(RunContext.RunContext, (context) => {
          retries.push(context.retry)
          return answer.country === "France"
            ? Effect.succeed({ ...answer, city: answer.city.toUpperCase() })
            : Effect.fail(new AgentError.ModelRetry({ message: "Only French cities" }))
        })
      )
    )
    const model = scripted([
      [call("final_result", { city: "Berlin", country: "Germany" }, "c1")],
      [call("final_result", { city: "Paris", country: "France" }, "c2")]
    ])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output }), "go")
      expect(result.output).toEqual({ city: "PARIS", country: "France" })
      expect(retries).toEqual([0, 1])
      expect(lastRequestParts(model.requests[1]!)).toEqual([
        new Message.RetryPromptPart({ content: "Only French cities", toolName: "final_result", toolCallId: "c1" })
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("validates text output too, and fails once retries are used up", () => {
    const output = Output.text.pipe(
      Output.validate((answer) =>
        answer.length < 10 ? Effect.succeed(answer) : Effect.fail(new AgentError.ModelRetry({ message: "Shorter" }))
      )
    )
    const model = scripted([[text("A very long answer")], [text("Still far too long")]])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({ output }), "go"))
      expect(error).toEqual(
        new AgentError.UnexpectedModelBehavior({
          message: "Exceeded maximum retries (1) for output validation: Shorter",
          body: "Shorter"
        })
      )
      expect(lastRequestParts(model.requests[1]!)).toEqual([new Message.RetryPromptPart({ content: "Shorter" })])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a validator's own errors fail the run", () => {
    class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {}) {}
    const output = Output.text.pipe(Output.validate(() => Effect.fail(new Forbidden())))
    const model = scripted([[text("hi")]])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({ output }), "go"))
      expect(error).toEqual(new Forbidden())
    }).pipe(Effect.provide(model.layer))
  })
})

describe("why a run failed", () => {
  it.effect("Cause.pretty of a run whose output retries are used up says why, in the message's line", () => {
    const model = scripted([[call("final_result", { city: 1 }, "c1")]])
    return Effect.gen(function* () {
      const exit = yield* Effect.exit(Agent.run(Agent.make({ output: City, outputRetries: 1 }), "go"))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isSuccess(exit)) return
      const firstLine = Cause.pretty(exit.cause).split("\n")[0]!
      expect(firstLine).toMatch(/UnexpectedModelBehavior: Exceeded maximum retries \(1\) for output validation: .*city/)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("Cause.pretty of a run that keeps calling an unknown tool names the tool", () => {
    const model = scripted([[call("nope", {}, "c1")]])
    return Effect.gen(function* () {
      const exit = yield* Effect.exit(Agent.run(Agent.make({}), "go"))
      if (Exit.isSuccess(exit)) return expect.unreachable()
      expect(Cause.pretty(exit.cause).split("\n")[0]).toContain("Unknown tool name: 'nope'")
    }).pipe(Effect.provide(model.layer))
  })
})

describe("end strategies", () => {
  // The model calls: a function tool, the output tool, another function tool, the output tool again.
  const setup = () => {
    const ran: Array<string> = []
    const tool = (name: string) =>
      Tool.make(name, {
        parameters: Schema.Struct({}),
        handler: () => Effect.sync(() => ran.push(name)).pipe(Effect.as(`${name} done`))
      })
    const model = scripted([
      [
        call("before", {}, "c1"),
        call("final_result", { city: "Paris", country: "France" }, "c2"),
        call("after", {}, "c3"),
        call("final_result", { city: "Lyon", country: "France" }, "c4")
      ]
    ])
    return { ran, model, tools: [tool("before"), tool("after")] }
  }
  const returned = (toolName: string, toolCallId: string, content: string) =>
    new Message.ToolReturnPart({ toolName, toolCallId, content })

  it.effect("early: the first valid output ends the run, function tools are not run", () => {
    const { ran, model, tools } = setup()
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ tools, output: City, endStrategy: "early" }), "go")
      expect(result.output).toEqual({ city: "Paris", country: "France" })
      expect(ran).toEqual([])
      expect(result.messages.at(-1)).toEqual(
        new Message.ModelRequest({
          parts: [
            returned("before", "c1", "Tool not executed - a final result was already processed."),
            returned("final_result", "c2", "Final result processed."),
            returned("after", "c3", "Tool not executed - a final result was already processed."),
            returned("final_result", "c4", "Output tool not used - a final result was already processed.")
          ]
        })
      )
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("early: when no output is valid, the function tools run", () => {
    const ran: Array<string> = []
    const tool = Tool.make("side", {
      parameters: Schema.Struct({}),
      handler: () => Effect.sync(() => ran.push("side"))
    })
    const model = scripted([
      [call("side", {}, "c1"), call("final_result", { city: "Paris" }, "c2")],
      [call("final_result", { city: "Paris", country: "France" }, "c3")]
    ])
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({ tools: [tool], output: City, endStrategy: "early" }), "go")
      expect(ran).toEqual(["side"])
      expect(lastRequestParts(model.requests[1]!).map((part) => part._tag)).toEqual([
        "ToolReturnPart",
        "RetryPromptPart"
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("graceful (default): calls run in order, later output calls are not used", () => {
    const { ran, model, tools } = setup()
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ tools, output: City }), "go")
      expect(result.output).toEqual({ city: "Paris", country: "France" })
      expect(ran).toEqual(["before", "after"])
      expect(result.messages.at(-1)).toEqual(
        new Message.ModelRequest({
          parts: [
            returned("before", "c1", "before done"),
            returned("final_result", "c2", "Final result processed."),
            returned("after", "c3", "after done"),
            returned("final_result", "c4", "Output tool not used - a final result was already processed.")
          ]
        })
      )
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("graceful: function tools emitted before the output call finish before it is validated", () => {
    const log: Array<string> = []
    const tool = Tool.make("slow", {
      parameters: Schema.Struct({}),
      handler: () => Effect.sync(() => log.push("tool"))
    })
    const output = Output.tool(City).pipe(
      Output.validate((value) =>
        Effect.as(
          Effect.sync(() => log.push("output")),
          value
        )
      )
    )
    const model = scripted([[call("slow", {}, "c1"), call("final_result", { city: "Paris", country: "France" }, "c2")]])
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({ tools: [tool], output }), "go")
      expect(log).toEqual(["tool", "output"])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("exhaustive: every call runs; the first valid output wins", () => {
    const { ran, model, tools } = setup()
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ tools, output: City, endStrategy: "exhaustive" }), "go")
      expect(result.output).toEqual({ city: "Paris", country: "France" })
      expect(ran).toEqual(["before", "after"])
      expect(result.messages.at(-1)).toEqual(
        new Message.ModelRequest({
          parts: [
            returned("before", "c1", "before done"),
            returned("final_result", "c2", "Final result processed."),
            returned("after", "c3", "after done"),
            returned(
              "final_result",
              "c4",
              "Output tool processed, but its value will not be the final result of the agent run."
            )
          ]
        })
      )
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("graceful and exhaustive: a function tool asking for a retry wins over the output", () => {
    const check = (endStrategy: Agent.EndStrategy) => {
      let attempts = 0
      const picky = Tool.make("picky", {
        parameters: Schema.Struct({}),
        handler: () =>
          attempts++ === 0 ? Effect.fail(new AgentError.ModelRetry({ message: "again" })) : Effect.succeed("ok")
      })
      const model = scripted([
        [call("picky", {}, "c1"), call("final_result", { city: "Paris", country: "France" }, "c2")],
        [call("picky", {}, "c3"), call("final_result", { city: "Lyon", country: "France" }, "c4")]
      ])
      return Effect.gen(function* () {
        const result = yield* Agent.run(Agent.make({ tools: [picky], output: City, endStrategy }), "go")
        expect(result.output).toEqual({ city: "Lyon", country: "France" })
        expect(lastRequestParts(model.requests[1]!)).toEqual([
          new Message.RetryPromptPart({ content: "again", toolName: "picky", toolCallId: "c1" }),
          returned(
            "final_result",
            "c2",
            "Output not used as the final result - addressing tool retries from this round first."
          )
        ])
      }).pipe(Effect.provide(model.layer))
    }
    return Effect.zipRight(check("graceful"), check("exhaustive"))
  })
})

describe("types", () => {
  class Geocoder extends Context.Tag("test/Geocoder")<Geocoder, { readonly known: (city: string) => boolean }>() {}
  class Unknown extends Schema.TaggedError<Unknown>()("Unknown", {}) {}

  it("infers the output type, and the validators' errors and requirements, leaving ModelRetry and RunContext out", () => {
    type City = typeof City.Type
    expectTypeOf(Agent.make({ output: City })).toEqualTypeOf<Agent.Agent<City, never, never>>()
    expectTypeOf(Agent.make({})).toEqualTypeOf<Agent.Agent<string, never, never>>()
    expectTypeOf(Agent.make({ output: Output.native(Schema.Number) })).toEqualTypeOf<
      Agent.Agent<number, never, never>
    >()
    const validated = Output.tool(City).pipe(
      Output.validate((answer) =>
        Effect.gen(function* () {
          const geocoder = yield* Geocoder
          const context = yield* RunContext.RunContext
          if (context.retry > 3) return yield* new Unknown()
          if (!geocoder.known(answer.city)) return yield* new AgentError.ModelRetry({ message: "Unknown city" })
          return answer
        })
      )
    )
    expectTypeOf(Agent.make({ output: validated })).toEqualTypeOf<Agent.Agent<City, Unknown, Geocoder>>()
    const inspect = Tool.make("inspect", {
      parameters: Schema.Struct({}),
      handler: () => Effect.map(RunContext.RunContext, (context) => context.toolCallId)
    })
    expectTypeOf(Agent.make({ tools: [inspect], output: validated })).toEqualTypeOf<
      Agent.Agent<City, Unknown, Geocoder>
    >()
  })
})
