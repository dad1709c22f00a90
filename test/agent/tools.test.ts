import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber, Layer, ParseResult, Ref, Schema } from "effect"
import { Agent, AgentError, Message, type Model, RunContext, Tool, Usage } from "effect-claude"
import { TestModel } from "effect-claude/testing"
import { call, lastRequestParts, response, scripted, text } from "./helpers.js"

const weather = Tool.make("get_weather", {
  description: "Current weather for a city",
  parameters: Schema.Struct({ city: Schema.String }),
  handler: ({ city }) => Effect.succeed(`Sunny in ${city}`)
})

class WeatherApi extends Context.Tag("test/WeatherApi")<WeatherApi, { readonly current: (city: string) => string }>() {}

class WeatherUnavailable extends Schema.TaggedError<WeatherUnavailable>()("WeatherUnavailable", {
  city: Schema.String
}) {}

describe("function tools", () => {
  it.effect("runs a tool and sends its result back; the history is whole", () => {
    const model = scripted([[text("Let me check."), call("get_weather", { city: "Paris" }, "c1")], [text("Sunny.")]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ tools: [weather] }), "Weather in Paris?")
      expect(result.output).toBe("Sunny.")
      expect(result.messages).toEqual([
        Message.ModelRequest.user("Weather in Paris?"),
        response([text("Let me check."), call("get_weather", { city: "Paris" }, "c1")]),
        new Message.ModelRequest({
          parts: [new Message.ToolReturnPart({ toolName: "get_weather", toolCallId: "c1", content: "Sunny in Paris" })]
        }),
        response([text("Sunny.")])
      ])
      expect(result.usage).toEqual(new Usage.RunUsage({ requests: 2, toolCalls: 1, inputTokens: 20, outputTokens: 10 }))
      expect(model.requests[0]!.info.parameters.functionTools).toEqual([
        {
          name: "get_weather",
          description: "Current weather for a city",
          parametersJsonSchema: {
            type: "object",
            required: ["city"],
            properties: { city: { type: "string" } },
            additionalProperties: false
          },
          kind: "function",
          strict: undefined
        }
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("gives handlers the run context: call id, retry count, usage and messages", () => {
    const seen: Array<RunContext.Service> = []
    const inspect = Tool.make("inspect", {
      parameters: Schema.Struct({}),
      handler: () =>
        Effect.flatMap(RunContext.RunContext, (context) => {
          seen.push(context)
          return context.retry === 0
            ? Effect.fail(new AgentError.ModelRetry({ message: "once more" }))
            : Effect.succeed("ok")
        })
    })
    const model = scripted([[call("inspect", {}, "c1")], [call("inspect", {}, "c2")], [text("done")]])
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({ name: "inspector", tools: [inspect] }), "go")
      expect(seen.map((context) => [context.toolCallId, context.retry, context.maxRetries, context.runStep])).toEqual([
        ["c1", 0, 1, 1],
        ["c2", 1, 1, 2]
      ])
      expect(seen[1]!.usage.requests).toBe(2)
      expect(seen[1]!.messages).toHaveLength(4)
      expect(seen[1]!.agentName).toBe("inspector")
      expect(seen[1]!.prompt).toBe("go")
      expect(seen[1]!.toolName).toBe("inspect")
      expect(seen[1]!.modelName).toBe("scripted")
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("sends a ModelRetry back as a retry prompt for that call", () => {
    let calls = 0
    const flaky = Tool.make("flaky", {
      parameters: Schema.Struct({}),
      handler: () => {
        calls += 1
        return calls === 1
          ? Effect.fail(new AgentError.ModelRetry({ message: "Try a bigger city" }))
          : Effect.succeed("ok")
      }
    })
    const model = scripted([[call("flaky", {}, "c1")], [call("flaky", {}, "c2")], [text("done")]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ tools: [flaky] }), "go")
      expect(result.output).toBe("done")
      expect(lastRequestParts(model.requests[1]!)).toEqual([
        new Message.RetryPromptPart({ content: "Try a bigger city", toolName: "flaky", toolCallId: "c1" })
      ])
      expect(lastRequestParts(model.requests[2]!)).toEqual([
        new Message.ToolReturnPart({ toolName: "flaky", toolCallId: "c2", content: "ok" })
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("fails with UnexpectedModelBehavior once a tool's retries are used up (default 1)", () => {
    const failing = Tool.make("failing", {
      parameters: Schema.Struct({}),
      handler: () => Effect.fail(new AgentError.ModelRetry({ message: "nope" }))
    })
    const model = scripted([[call("failing", {}, "c1")], [call("failing", {}, "c2")], [text("never")]])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({ tools: [failing] }), "go"))
      expect(error).toEqual(
        new AgentError.UnexpectedModelBehavior({
          message: "Tool 'failing' exceeded max retries count of 1: nope",
          body: "nope"
        })
      )
      expect(model.requests).toHaveLength(2)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("honours a tool's own maxRetries, and a success resets the count", () => {
    const results = [false, false, true, false, false, true]
    let index = 0
    const flaky = Tool.make("flaky", {
      parameters: Schema.Struct({}),
      maxRetries: 2,
      handler: () =>
        results[index++] ? Effect.succeed("ok") : Effect.fail(new AgentError.ModelRetry({ message: "again" }))
    })
    const answers = results.map((_, i) => [call("flaky", {}, `c${i}`)])
    const model = scripted([...answers, [text("done")]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ tools: [flaky] }), "go")
      expect(result.output).toBe("done")
      expect(result.usage.toolCalls).toBe(6)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("sends arguments that do not decode back with the Schema's error", () => {
    const model = scripted([
      [call("get_weather", { town: "Paris" }, "c1")],
      [call("get_weather", { city: "Paris" }, "c2")],
      [text("ok")]
    ])
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({ tools: [weather] }), "go")
      expect(lastRequestParts(model.requests[1]!)).toEqual([
        new Message.RetryPromptPart({
          content: '{ readonly city: string }\n└─ ["city"]\n   └─ is missing',
          toolName: "get_weather",
          toolCallId: "c1"
        })
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("decodes arguments whose Schema decodes in an Effect, and sends its errors back", () => {
    // Decoding that runs as an Effect rather than at once (as an asynchronous or effectful Schema does).
    const City = Schema.transformOrFail(Schema.String, Schema.String, {
      strict: true,
      decode: (city, _, ast) =>
        Effect.suspend(() =>
          city === ""
            ? Effect.fail(new ParseResult.Type(ast, city, "a city cannot be empty"))
            : Effect.succeed(city.toUpperCase())
        ),
      encode: ParseResult.succeed
    })
    const shout = Tool.make("shout", {
      parameters: Schema.Struct({ city: City }),
      handler: ({ city }) => Effect.succeed(`Hello ${city}`)
    })
    const model = scripted([
      [call("shout", { city: "" }, "c1")],
      [call("shout", { city: "Paris" }, "c2")],
      [text("ok")]
    ])
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({ tools: [shout] }), "go")
      expect(lastRequestParts(model.requests[1]!)).toEqual([
        new Message.RetryPromptPart({
          content:
            '{ readonly city: (string <-> string) }\n└─ ["city"]\n   └─ (string <-> string)\n      └─ Transformation process failure\n         └─ a city cannot be empty',
          toolName: "shout",
          toolCallId: "c1"
        })
      ])
      expect(lastRequestParts(model.requests[2]!)).toEqual([
        new Message.ToolReturnPart({ toolName: "shout", toolCallId: "c2", content: "Hello PARIS" })
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("sends unparsable JSON arguments back as a retry prompt", () => {
    const model = scripted([[call("get_weather", '{"city": Paris}', "c1")], [text("ok")]])
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({ tools: [weather] }), "go")
      const [part] = lastRequestParts(model.requests[1]!)
      expect(part).toBeInstanceOf(Message.RetryPromptPart)
      expect(part?._tag === "RetryPromptPart" && part.content).toMatch(/^The arguments are not valid JSON: /)
      expect(part?._tag === "RetryPromptPart" && part.toolCallId).toBe("c1")
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("answers a call of an unknown tool with the list of available tools", () => {
    const model = scripted([[call("get_wether", { city: "Paris" }, "c1")], [text("ok")]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ tools: [weather] }), "go")
      expect(lastRequestParts(model.requests[1]!)).toEqual([
        new Message.RetryPromptPart({
          content: "Unknown tool name: 'get_wether'. Available tools: 'get_weather'",
          toolName: "get_wether",
          toolCallId: "c1"
        })
      ])
      expect(result.usage.toolCalls).toBe(0)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("fails the run after repeated calls of unknown tools", () => {
    const model = scripted([[call("nope", {}, "c1")]])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({}), "go"))
      expect(error).toEqual(
        new AgentError.UnexpectedModelBehavior({
          message: "Tool 'nope' exceeded max retries count of 1: Unknown tool name: 'nope'. No tools available.",
          body: "Unknown tool name: 'nope'. No tools available."
        })
      )
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("puts handler errors in the run's error channel and handler services in its requirements", () => {
    const forecast = Tool.make("forecast", {
      parameters: Schema.Struct({ city: Schema.String }),
      handler: ({ city }) =>
        Effect.flatMap(WeatherApi, (api) =>
          city === "Atlantis" ? Effect.fail(new WeatherUnavailable({ city })) : Effect.succeed(api.current(city))
        )
    })
    const agent = Agent.make({ tools: [forecast, weather] })
    const program = Agent.run(agent, "go")
    expectTypeOf(agent).toEqualTypeOf<Agent.Agent<string, WeatherUnavailable, WeatherApi>>()
    expectTypeOf(program).toEqualTypeOf<
      Effect.Effect<
        Agent.RunResult<string>,
        WeatherUnavailable | AgentError.AgentError | Model.ModelError,
        WeatherApi | Model.Model
      >
    >()
    const api = Layer.succeed(WeatherApi, { current: (city) => `Rain in ${city}` })
    const ok = scripted([[call("forecast", { city: "Paris" }, "c1")], [text("Rain.")]])
    const bad = scripted([[call("forecast", { city: "Atlantis" }, "c1")], [text("never")]])
    return Effect.gen(function* () {
      const result = yield* program.pipe(Effect.provide(ok.layer))
      expect(lastRequestParts(ok.requests[1]!)).toEqual([
        new Message.ToolReturnPart({ toolName: "forecast", toolCallId: "c1", content: "Rain in Paris" })
      ])
      expect(result.output).toBe("Rain.")
      const error = yield* Effect.flip(program.pipe(Effect.provide(bad.layer)))
      expect(error).toEqual(new WeatherUnavailable({ city: "Atlantis" }))
    }).pipe(Effect.provide(api))
  })

  it.effect("encodes results with the tool's success Schema", () => {
    const today = Tool.make("today", {
      parameters: Schema.Struct({}),
      success: Schema.Struct({ date: Schema.Date }),
      handler: () => Effect.succeed({ date: new Date("2025-01-02T03:04:05.000Z") })
    })
    const model = scripted([[call("today", {}, "c1")], [text("ok")]])
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({ tools: [today] }), "go")
      expect(lastRequestParts(model.requests[1]!)).toEqual([
        new Message.ToolReturnPart({
          toolName: "today",
          toolCallId: "c1",
          content: { date: "2025-01-02T03:04:05.000Z" }
        })
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("fails with UsageLimitExceeded before running more tool calls than allowed", () => {
    let ran = 0
    const counted = Tool.make("counted", {
      parameters: Schema.Struct({}),
      handler: () => Effect.sync(() => ran++)
    })
    const model = scripted([[call("counted", {}, "c1"), call("counted", {}, "c2")], [text("ok")]])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(
        Agent.run(Agent.make({ tools: [counted] }), "go", { usageLimits: { toolCallsLimit: 1 } })
      )
      expect(error).toEqual(
        new AgentError.UsageLimitExceeded({
          limit: "toolCalls",
          maximum: 1,
          value: 2,
          message: "The next tool calls would exceed the toolCalls limit of 1 (toolCalls: 2)"
        })
      )
      expect(ran).toBe(0)
    }).pipe(Effect.provide(model.layer))
  })
})

describe("tool concurrency", () => {
  it.effect("runs the calls of one response concurrently and returns results in the model's order", () =>
    Effect.gen(function* () {
      const firstStarted = yield* Deferred.make<void>()
      const secondDone = yield* Deferred.make<void>()
      // The first call cannot finish before the second: run one after the other, they would deadlock.
      const first = Tool.make("first", {
        parameters: Schema.Struct({}),
        handler: () =>
          Effect.zipRight(Deferred.succeed(firstStarted, undefined), Effect.as(Deferred.await(secondDone), "first"))
      })
      const second = Tool.make("second", {
        parameters: Schema.Struct({}),
        handler: () =>
          Deferred.await(firstStarted).pipe(
            Effect.zipRight(Deferred.succeed(secondDone, undefined)),
            Effect.as("second")
          )
      })
      const model = scripted([[call("first", {}, "c1"), call("second", {}, "c2")], [text("ok")]])
      yield* Agent.run(Agent.make({ tools: [first, second] }), "go").pipe(Effect.provide(model.layer))
      expect(lastRequestParts(model.requests[1]!)).toEqual([
        new Message.ToolReturnPart({ toolName: "first", toolCallId: "c1", content: "first" }),
        new Message.ToolReturnPart({ toolName: "second", toolCallId: "c2", content: "second" })
      ])
    })
  )

  it.effect("bounds how many calls run at once", () => {
    // Every call waits until `opening` calls run at once: more than the bound would never start.
    const measure = (toolConcurrency: number, opening: number) =>
      Effect.gen(function* () {
        let running = 0
        let most = 0
        const gate = yield* Deferred.make<void>()
        const slow = Tool.make("slow", {
          parameters: Schema.Struct({}),
          handler: () =>
            Effect.gen(function* () {
              running += 1
              most = Math.max(most, running)
              if (running === opening) yield* Deferred.succeed(gate, undefined)
              yield* Deferred.await(gate)
              yield* Effect.yieldNow()
              running -= 1
              return "done"
            })
        })
        const calls = [1, 2, 3, 4].map((n) => call("slow", {}, `c${n}`))
        const model = scripted([calls, [text("ok")]])
        yield* Agent.run(Agent.make({ tools: [slow], toolConcurrency }), "go").pipe(Effect.provide(model.layer))
        return most
      })
    return Effect.gen(function* () {
      expect(yield* measure(2, 2)).toBe(2)
      expect(yield* measure(10, 4)).toBe(4)
    })
  })

  it.effect("runs a sequential tool alone: calls before it finish first, calls after it wait", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const latches = {
        a1: yield* Deferred.make<void>(),
        a2: yield* Deferred.make<void>(),
        b1: yield* Deferred.make<void>(),
        b2: yield* Deferred.make<void>()
      }
      // Each pair proves its two calls overlap: each waits until the other has started.
      const paired = (name: keyof typeof latches, partner: keyof typeof latches) =>
        Tool.make(name, {
          parameters: Schema.Struct({}),
          handler: () =>
            Effect.gen(function* () {
              log.push(`${name}:start`)
              yield* Deferred.succeed(latches[name], undefined)
              yield* Deferred.await(latches[partner])
              yield* Effect.yieldNow()
              log.push(`${name}:end`)
              return name
            })
        })
      const barrier = Tool.make("barrier", {
        parameters: Schema.Struct({}),
        sequential: true,
        handler: () =>
          Effect.sync(() => log.push("barrier:start")).pipe(
            Effect.zipRight(Effect.yieldNow()),
            Effect.zipRight(Effect.sync(() => log.push("barrier:end"))),
            Effect.as("barrier")
          )
      })
      const tools = [paired("a1", "a2"), paired("a2", "a1"), barrier, paired("b1", "b2"), paired("b2", "b1")]
      const model = scripted([
        ["a1", "a2", "barrier", "b1", "b2"].map((name, index) => call(name, {}, `c${index}`)),
        [text("ok")]
      ])
      yield* Agent.run(Agent.make({ tools }), "go").pipe(Effect.provide(model.layer))
      const position = (entry: string) => log.indexOf(entry)
      expect(position("barrier:start")).toBeGreaterThan(Math.max(position("a1:end"), position("a2:end")))
      expect(position("barrier:end")).toBeLessThan(Math.min(position("b1:start"), position("b2:start")))
      expect(log).toHaveLength(10)
      expect(
        lastRequestParts(model.requests[1]!).map((part) => part._tag === "ToolReturnPart" && part.content)
      ).toEqual(["a1", "a2", "barrier", "b1", "b2"])
    })
  )

  it.effect("interrupting a run interrupts its running tools, whose finalizers run", () =>
    Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const finalized = yield* Ref.make(false)
      const forever = Tool.make("forever", {
        parameters: Schema.Struct({}),
        handler: () =>
          Deferred.succeed(started, undefined).pipe(
            Effect.zipRight(Effect.never),
            Effect.ensuring(Ref.set(finalized, true))
          )
      })
      const model = scripted([[call("forever", {}, "c1")], [text("never")]])
      const fiber = yield* Agent.run(Agent.make({ tools: [forever] }), "go").pipe(
        Effect.provide(model.layer),
        Effect.fork
      )
      yield* Deferred.await(started)
      yield* Fiber.interrupt(fiber)
      expect(yield* Ref.get(finalized)).toBe(true)
      expect(model.requests).toHaveLength(1)
    })
  )

  it.effect("a failing tool interrupts the other calls of the same response", () =>
    Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const finalized = yield* Ref.make(false)
      const forever = Tool.make("forever", {
        parameters: Schema.Struct({}),
        handler: () =>
          Deferred.succeed(started, undefined).pipe(
            Effect.zipRight(Effect.never),
            Effect.ensuring(Ref.set(finalized, true))
          )
      })
      const broken = Tool.make("broken", {
        parameters: Schema.Struct({}),
        handler: () => Effect.zipRight(Deferred.await(started), Effect.fail(new WeatherUnavailable({ city: "x" })))
      })
      const model = scripted([[call("forever", {}, "c1"), call("broken", {}, "c2")], [text("never")]])
      const error = yield* Effect.flip(
        Agent.run(Agent.make({ tools: [forever, broken] }), "go").pipe(Effect.provide(model.layer))
      )
      expect(error).toEqual(new WeatherUnavailable({ city: "x" }))
      expect(yield* Ref.get(finalized)).toBe(true)
    })
  )
})

describe("with TestModel", () => {
  it.effect("calls every tool with arguments generated from its schema, then answers", () => {
    const add = Tool.make("add", {
      parameters: Schema.Struct({ a: Schema.Int, b: Schema.Int }),
      handler: ({ a, b }) => Effect.succeed(a + b)
    })
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ tools: [weather, add] }), "go")
      const returns = result.messages.flatMap((message) =>
        message._tag === "ModelRequest" ? message.parts.filter((part) => part._tag === "ToolReturnPart") : []
      )
      expect(returns.map((part) => part.toolName)).toEqual(["get_weather", "add"])
      expect(JSON.parse(result.output)).toEqual({ get_weather: returns[0]!.content, add: returns[1]!.content })
      expect(result.usage.requests).toBe(2)
      expect(result.usage.toolCalls).toBe(2)
    }).pipe(Effect.provide(TestModel.layer({ seed: 7 })))
  })

  it.effect("produces structured output through the output tool", () => {
    const City = Schema.Struct({ city: Schema.String, population: Schema.Int })
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: City }), "go")
      expect(result.output).toEqual({ city: "Paris", population: 2_100_000 })
      const recorded = yield* TestModel.TestModel
      const requests = yield* recorded.requests
      expect(requests[0]!.parameters.outputMode).toBe("tool")
      expect(requests[0]!.parameters.allowTextOutput).toBe(false)
    }).pipe(Effect.provide(TestModel.layer({ customOutputArgs: { city: "Paris", population: 2_100_000 } })))
  })
})
