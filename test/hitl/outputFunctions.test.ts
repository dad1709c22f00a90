/**
 * Output functions (`Output.fn`, `Output.mapEffect`) and unions (`Output.union`), driven by a
 * `FunctionModel` that answers as the script says and records what it was asked.
 */

import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Context, Effect, Layer, Redacted, Schema, Stream } from "effect"
import { Agent, AgentError, type AgentEvent, Message, Output, RunContext, Tool, Toolset } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { DurableAgent, DurableEngine, DurableStep } from "effect-claude/durable"
import { FunctionModel, MockAnthropicServer } from "effect-claude/testing"
import { call, lastRequestParts, scripted, text } from "../agent/helpers.js"

const Flight = Schema.Struct({ flight: Schema.String, seats: Schema.Number })
const Answer = Schema.Struct({ answer: Schema.String })
const Refusal = Schema.Struct({ reason: Schema.String })

class SoldOut extends Schema.TaggedError<SoldOut>()("SoldOut", { flight: Schema.String }) {}

class Bookings extends Context.Tag("Bookings")<
  Bookings,
  { readonly book: (flight: string, seats: number) => Effect.Effect<string, SoldOut> }
>() {}

const booked: Array<string> = []
const bookings = Bookings.of({
  book: (flight, seats) =>
    flight === "XX0"
      ? Effect.fail(new SoldOut({ flight }))
      : Effect.sync(() => {
          booked.push(`${flight}x${seats}`)
          return `${flight}-${seats}`
        })
})

/** Books the flight the model chose; more than 9 seats goes back to the model. */
const bookFlight = Output.fn(
  Flight,
  ({ flight, seats }) =>
    Effect.gen(function* () {
      if (seats > 9) return yield* new AgentError.ModelRetry({ message: "At most 9 seats per booking" })
      const context = yield* RunContext.RunContext
      const reference = yield* Effect.flatMap(Bookings, (service) => service.book(flight, seats))
      return { reference, bookedBy: context.toolName, call: context.toolCallId }
    }),
  { name: "book_flight", description: "Books the flight and ends the conversation" }
)

const union = Output.union(
  Output.tool(Answer, { name: "answer" }),
  Output.tool(Refusal, { name: "refuse" }),
  bookFlight
)

/** A model streaming one call of `toolName` (id `out`), its arguments in `deltas`, a stream chunk each. */
const streamedCall = (toolName: string, deltas: ReadonlyArray<string>) =>
  FunctionModel.layer(undefined, () =>
    Stream.fromIterable([
      FunctionModel.toolCallChunk({ key: 0, toolName, toolCallId: "out" }),
      ...deltas.map((argsDelta) => FunctionModel.toolCallChunk({ key: 0, argsDelta }))
    ]).pipe(Stream.rechunk(1))
  )

describe("point 7: output functions and unions", () => {
  it.effect("an output function: the model's arguments are decoded and the function's result is the output", () => {
    booked.length = 0
    const model = scripted([[call("book_flight", { flight: "LH400", seats: 2 }, "c1")]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: bookFlight }), "Two seats to Frankfurt")
      expect(result.output).toEqual({ reference: "LH400-2", bookedBy: "book_flight", call: "c1" })
      expect(booked).toEqual(["LH400x2"])
      const [tool] = model.requests[0]!.info.parameters.outputTools
      expect([tool?.name, tool?.description, tool?.kind]).toEqual([
        "book_flight",
        "Books the flight and ends the conversation",
        "output"
      ])
      expect(tool?.parametersJsonSchema).toEqual({
        type: "object",
        required: ["flight", "seats"],
        properties: { flight: { type: "string" }, seats: { type: "number" } },
        additionalProperties: false
      })
      expect(model.requests[0]!.info.parameters.allowTextOutput).toBe(false)
    }).pipe(Effect.provideService(Bookings, bookings), Effect.provide(model.layer))
  })

  it.effect("a union offers one output tool per member; the tool the model calls picks the member", () => {
    const model = scripted([[call("refuse", { reason: "No flights on Sundays" }, "c1")]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: union }), "Book me a flight on Sunday")
      expect(result.output).toEqual({ reason: "No flights on Sundays" })
      const parameters = model.requests[0]!.info.parameters
      expect(parameters.outputTools.map((tool) => tool.name)).toEqual(["answer", "refuse", "book_flight"])
      expect([parameters.outputMode, parameters.allowTextOutput]).toEqual(["tool", false])
      const returned = result.newMessages.at(-1)
      expect(returned?._tag === "ModelRequest" ? returned.parts : []).toEqual([
        new Message.ToolReturnPart({
          toolName: "refuse",
          toolCallId: "c1",
          content: "Final result processed.",
          isError: false
        })
      ])
    }).pipe(Effect.provideService(Bookings, bookings), Effect.provide(model.layer))
  })

  it.effect("a union's function member runs for its own tool only", () => {
    booked.length = 0
    const model = scripted([[call("book_flight", { flight: "AF12", seats: 1 }, "c7")]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: union }), "One seat on AF12")
      expect(result.output).toEqual({ reference: "AF12-1", bookedBy: "book_flight", call: "c7" })
      expect(booked).toEqual(["AF12x1"])
    }).pipe(Effect.provideService(Bookings, bookings), Effect.provide(model.layer))
  })

  it.effect("text as a member: the model may answer in plain text too", () => {
    const model = scripted([[text("Which day do you want to fly?")]])
    return Effect.gen(function* () {
      const agent = Agent.make({ output: Output.union(Output.text, Output.tool(Answer, { name: "answer" })) })
      const result = yield* Agent.run(agent, "Book me a flight")
      expect(result.output).toBe("Which day do you want to fly?")
      const parameters = model.requests[0]!.info.parameters
      expect(parameters.outputTools.map((tool) => tool.name)).toEqual(["answer"])
      expect(parameters.allowTextOutput).toBe(true)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a function failing with ModelRetry sends its message back and counts as an output retry", () => {
    booked.length = 0
    const model = scripted([
      [call("book_flight", { flight: "LH400", seats: 12 }, "c1")],
      [call("book_flight", { flight: "LH400", seats: 9 }, "c2")]
    ])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: bookFlight }), "Twelve seats")
      expect(result.output).toEqual({ reference: "LH400-9", bookedBy: "book_flight", call: "c2" })
      expect(lastRequestParts(model.requests[1]!)).toEqual([
        new Message.RetryPromptPart({
          content: "At most 9 seats per booking",
          toolName: "book_flight",
          toolCallId: "c1"
        })
      ])
      expect(booked).toEqual(["LH400x9"])
      const exhausted = scripted([[call("book_flight", { flight: "LH400", seats: 12 }, "c1")]])
      const error = yield* Effect.flip(
        Agent.run(Agent.make({ output: bookFlight, outputRetries: 1 }), "Twelve seats").pipe(
          Effect.provide(exhausted.layer)
        )
      )
      expect(error._tag).toBe("UnexpectedModelBehavior")
      expect(error.message).toBe("Exceeded maximum retries (1) for output validation: At most 9 seats per booking")
      expect(exhausted.requests).toHaveLength(2)
    }).pipe(Effect.provideService(Bookings, bookings), Effect.provide(model.layer))
  })

  it.effect("any other failure of the function fails the run with the function's own typed error", () => {
    const model = scripted([[call("book_flight", { flight: "XX0", seats: 1 }, "c1")]])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({ output: union }), "Book XX0"))
      expect(error).toEqual(new SoldOut({ flight: "XX0" }))
      expect(model.requests).toHaveLength(1)
    }).pipe(Effect.provideService(Bookings, bookings), Effect.provide(model.layer))
  })

  it.effect("arguments the schema rejects go back as a retry prompt; the function does not run", () => {
    booked.length = 0
    const model = scripted([
      [call("book_flight", { flight: "LH400", seats: "two" }, "c1")],
      [call("book_flight", { flight: "LH400", seats: 2 }, "c2")]
    ])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: union }), "Two seats")
      expect(result.output).toEqual({ reference: "LH400-2", bookedBy: "book_flight", call: "c2" })
      const [retry] = lastRequestParts(model.requests[1]!)
      expect(retry?._tag).toBe("RetryPromptPart")
      expect(retry?._tag === "RetryPromptPart" ? [retry.toolName, retry.toolCallId] : []).toEqual(["book_flight", "c1"])
      expect(retry?._tag === "RetryPromptPart" ? retry.content : "").toContain('["seats"]')
      expect(booked).toEqual(["LH400x2"])
    }).pipe(Effect.provideService(Bookings, bookings), Effect.provide(model.layer))
  })

  it.effect("bad configuration is a typed error before any request", () => {
    const model = scripted([[text("never asked")]])
    const search = Tool.make("answer", {
      parameters: Schema.Struct({ query: Schema.String }),
      handler: ({ query }) => Effect.succeed(query)
    })
    return Effect.gen(function* () {
      const twice = Output.union(Output.tool(Answer, { name: "answer" }), Output.tool(Refusal, { name: "answer" }))
      const sameName = yield* Effect.flip(Agent.run(Agent.make({ output: twice }), "go"))
      expect(sameName).toEqual(
        new AgentError.UserError({
          message: "Two members of Output.union are named 'answer': give each its own name (the name option)"
        })
      )
      const clash = Output.union(Output.tool(Answer, { name: "answer" }), Output.text)
      const withTool = yield* Effect.flip(Agent.run(Agent.make({ tools: [search], output: clash }), "go"))
      expect(withTool).toEqual(new AgentError.UserError({ message: "A tool is named 'answer', like the output tool" }))
      const fromToolset = yield* Effect.flip(
        Agent.run(Agent.make({ toolsets: [Toolset.make([search])], output: clash }), "go")
      )
      expect(fromToolset._tag).toBe("DuplicateToolName")
      const native = Output.union(Output.native(Answer), Output.tool(Refusal, { name: "refuse" }))
      const nativeMember = yield* Effect.flip(Agent.run(Agent.make({ output: native }), "go"))
      expect(nativeMember).toEqual(
        new AgentError.UserError({
          message:
            "Output.union offers each member as an output tool: a native output ('final_result') cannot be a member"
        })
      )
      const texts = Output.union(
        Output.text,
        Output.text.pipe(Output.mapEffect((answer) => Effect.succeed(answer.length)))
      )
      const twoTexts = yield* Effect.flip(Agent.run(Agent.make({ output: texts }), "go"))
      expect(twoTexts).toEqual(new AgentError.UserError({ message: "Output.union takes one text member at most" }))
      expect(model.requests).toHaveLength(0)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("validators and mapEffect on a union apply to whichever member answered", () => {
    const model = scripted([[call("answer", { answer: "" }, "c1")], [call("answer", { answer: "Lisbon" }, "c2")]])
    const checked = Output.union(
      Output.tool(Answer, { name: "answer" }),
      Output.tool(Refusal, { name: "refuse" })
    ).pipe(
      Output.validate((output) =>
        "answer" in output && output.answer === ""
          ? Effect.fail(new AgentError.ModelRetry({ message: "Answer with a city" }))
          : Effect.succeed(output)
      ),
      Output.mapEffect((output) => Effect.succeed("answer" in output ? `A: ${output.answer}` : `R: ${output.reason}`))
    )
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: checked }), "Capital of Portugal?")
      expect(result.output).toBe("A: Lisbon")
      expect(model.requests[0]!.info.parameters.outputTools.map((tool) => tool.name)).toEqual(["answer", "refuse"])
      expect(lastRequestParts(model.requests[1]!)).toEqual([
        new Message.RetryPromptPart({ content: "Answer with a city", toolName: "answer", toolCallId: "c1" })
      ])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("mapEffect on text output: a text output function", () => {
    const model = scripted([[text("  42 ")]])
    const number = Output.text.pipe(
      Output.mapEffect((answer) => {
        const value = Number(answer.trim())
        return Number.isFinite(value)
          ? Effect.succeed(value)
          : Effect.fail(new AgentError.ModelRetry({ message: "Answer with a number" }))
      })
    )
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ output: number }), "Six times seven?")
      expect(result.output).toBe(42)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("a streamed union shows partials of whichever output tool streams, named by the member's tool", () => {
    const layer = streamedCall("refuse", ['{"reason": "No fl', 'ights"}'])
    return Effect.gen(function* () {
      const events = yield* Stream.runCollect(Agent.runStream(Agent.make({ output: union }), "Sunday?"))
      const partials = Chunk.toReadonlyArray(events).filter(
        (event): event is AgentEvent.PartialOutput<Output.Success<typeof union>> => event._tag === "PartialOutput"
      )
      expect(partials.map((event) => [event.output, event.complete, event.toolName])).toEqual([
        [{ reason: "No fl" }, false, "refuse"],
        [{ reason: "No flights" }, false, "refuse"],
        [{ reason: "No flights" }, true, "refuse"]
      ])
      const outputs = yield* Stream.runCollect(Agent.streamOutput(Agent.make({ output: union }), "Sunday?"))
      expect(Chunk.toReadonlyArray(outputs).at(-1)).toEqual({ reason: "No flights" })
    }).pipe(Effect.provideService(Bookings, bookings), Effect.provide(layer))
  })

  it.effect("a function member streams no partials of its arguments, only its result at the end", () => {
    const layer = streamedCall("book_flight", ['{"flight": "LH4', '00", "seats": 3}'])
    return Effect.gen(function* () {
      const outputs = yield* Stream.runCollect(Agent.streamOutput(Agent.make({ output: union }), "Three seats"))
      expect(Chunk.toReadonlyArray(outputs)).toEqual([{ reference: "LH400-3", bookedBy: "book_flight", call: "out" }])
    }).pipe(Effect.provideService(Bookings, bookings), Effect.provide(layer))
  })

  it.effect("Agent.asTool: a child agent with a union output answers the parent with its member's value", () => {
    const child = Agent.make({ name: "travel", output: union })
    const parent = Agent.make({ tools: [Agent.asTool(child, { name: "travel", description: "Books travel" })] })
    const model = scripted([
      [call("travel", { prompt: "Sunday?" }, "p1")],
      [call("refuse", { reason: "No flights on Sundays" }, "k1")],
      [text("Sorry, no flights on Sundays.")]
    ])
    return Effect.gen(function* () {
      const result = yield* Agent.run(parent, "Fly me out on Sunday")
      expect(result.output).toBe("Sorry, no flights on Sundays.")
      const toolReturn = lastRequestParts(model.requests[2]!)[0]
      expect(toolReturn?._tag === "ToolReturnPart" ? toolReturn.content : undefined).toEqual({
        reason: "No flights on Sundays"
      })
    }).pipe(Effect.provideService(Bookings, bookings), Effect.provide(model.layer))
  })

  it.live("a durable run: the output function runs once in a stored step, with its DurableStep", () => {
    const steps: Array<string> = []
    const Booking = Schema.Struct({ reference: Schema.String, step: Schema.String })
    const book = Output.fn(
      Flight,
      ({ flight, seats }) =>
        Effect.map(DurableStep.DurableStep, (step) => {
          steps.push(step.step)
          return { reference: `${flight}-${seats}`, step: step.step }
        }),
      { name: "book_flight" }
    )
    const output = Output.union(book, Output.tool(Refusal, { name: "refuse" }))
    const durable = DurableAgent.make(Agent.make({ output }), {
      name: "bookings",
      output: Schema.Union(Booking, Refusal)
    })
    const model = scripted([[call("book_flight", { flight: "LH400", seats: 2 }, "book-1")]])
    return Effect.gen(function* () {
      const result = yield* DurableAgent.run(durable, "run-1", "Two seats on LH400")
      expect(result.output).toEqual({ reference: "LH400-2", step: "output/1/book-1" })
      // A finished run gives its stored result: neither the model nor the function runs again.
      const again = yield* DurableAgent.run(durable, "run-1", "Two seats on LH400")
      expect(again.output).toEqual(result.output)
      expect(steps).toEqual(["output/1/book-1"])
      expect(model.requests).toHaveLength(1)
    }).pipe(
      Effect.provide(
        DurableAgent.layer(durable).pipe(Layer.provideMerge(DurableEngine.layerMemory), Layer.provide(model.layer))
      )
    )
  })
})

const overLoopback = (server: MockAnthropicServer.Service) =>
  AnthropicModel.layer("claude-sonnet-4-5").pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL })),
    Layer.provide(NodeHttpClient.layerUndici)
  )

describe("point 7 over the loopback Anthropic server (the real SDK)", () => {
  it.scopedLive("a union's tools are sent, the model's call picks the member, the function's retry and result", () =>
    Effect.gen(function* () {
      booked.length = 0
      const server = yield* MockAnthropicServer.make([
        MockAnthropicServer.message([
          MockAnthropicServer.toolUseBlock("book_flight", { flight: "LH400", seats: 12 }, "toolu_1")
        ]),
        MockAnthropicServer.message([
          MockAnthropicServer.toolUseBlock("book_flight", { flight: "LH400", seats: 2 }, "toolu_2")
        ]),
        MockAnthropicServer.message([MockAnthropicServer.toolUseBlock("refuse", { reason: "Sold out" }, "toolu_3")])
      ])
      const agent = Agent.make({ output: union })
      const booking = yield* Agent.run(agent, "Twelve seats on LH400").pipe(Effect.provide(overLoopback(server)))
      expect(booking.output).toEqual({ reference: "LH400-2", bookedBy: "book_flight", call: "toolu_2" })
      expect(booked).toEqual(["LH400x2"])
      const outputs = Chunk.toReadonlyArray(
        yield* Stream.runCollect(
          Agent.streamOutput(agent, "Sunday?").pipe(
            Stream.provideSomeLayer(overLoopback(server)),
            Stream.provideService(Bookings, bookings)
          )
        )
      )
      expect(outputs.at(-1)).toEqual({ reason: "Sold out" })
      // Partials of the member's streamed arguments come before the output.
      expect(outputs.length).toBeGreaterThan(1)
      const requests = yield* server.requests
      const first = JSON.stringify(requests[0]?.body ?? null)
      expect(first).toContain('"name":"answer"')
      expect(first).toContain('"name":"refuse"')
      expect(first).toContain('"name":"book_flight"')
      expect(first).toContain('"tool_choice":{"type":"any"}')
      const retried = JSON.stringify(requests[1]?.body ?? null)
      expect(retried).toContain('"tool_use_id":"toolu_1"')
      expect(retried).toContain("At most 9 seats per booking")
    }).pipe(Effect.provideService(Bookings, bookings))
  )
})
