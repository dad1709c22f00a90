import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Ref, Schema, Stream } from "effect"
import { Agent, AgentEvent, Message, Tool } from "effect-claude"
import { FunctionModel, TestModel } from "effect-claude/testing"
import { streamed } from "./helpers.js"

const weather = Tool.make("get_weather", {
  parameters: Schema.Struct({ city: Schema.String }),
  handler: ({ city }) => Effect.succeed(`Sunny in ${city}`)
})

const collect = <O, E, R>(stream: Stream.Stream<AgentEvent.AgentEvent<O>, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/** The text streamed after the last tool event: what the final response said. */
const finalText = <O>(events: ReadonlyArray<AgentEvent.AgentEvent<O>>): string => {
  let text = ""
  for (const event of events) {
    if (event._tag === "ToolResult") text = ""
    else text += AgentEvent.textOf(event)
  }
  return text
}

const resultOf = <O>(events: ReadonlyArray<AgentEvent.AgentEvent<O>>) => {
  const last = events.at(-1)
  if (last?._tag !== "RunFinished") throw new Error("the last event is not RunFinished")
  return last.result
}

describe("Agent.runStream", () => {
  it.effect("streams the answer; the streamed text is the output and RunFinished comes last", () => {
    const model = streamed([["The ", "answer ", "is ", "42."]])
    return Effect.gen(function* () {
      const events = yield* collect(Agent.runStream(Agent.make({}), "Question?"))
      expect(events.map((event) => event._tag)).toEqual([
        "PartStart",
        "PartDelta",
        "PartDelta",
        "PartDelta",
        "ResponseMetadata",
        "FinalResult",
        "RunFinished"
      ])
      const result = resultOf(events)
      expect(events.map(AgentEvent.textOf).join("")).toBe(result.output)
      expect(result.output).toBe("The answer is 42.")
      expect(result.usage.requests).toBe(1)
      // A streamed run keeps the same history a non-streamed one would.
      expect(result.messages.map((message) => message._tag)).toEqual(["ModelRequest", "ModelResponse"])
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("emits a start and a result per tool call between the responses", () => {
    const model = streamed([
      [
        "Checking. ",
        FunctionModel.toolCallChunk({ key: "a", toolName: "get_weather", toolCallId: "c1", argsDelta: '{"city":' }),
        FunctionModel.toolCallChunk({ key: "a", argsDelta: '"Paris"}' })
      ],
      ["It is ", "sunny."]
    ])
    return Effect.gen(function* () {
      const events = yield* collect(Agent.runStream(Agent.make({ tools: [weather] }), "Weather?"))
      const toolEvents = events.filter((event) => event._tag === "ToolCallStarted" || event._tag === "ToolResult")
      expect(toolEvents).toEqual([
        AgentEvent.toolCallStarted(
          new Message.ToolCallPart({ toolName: "get_weather", args: { city: "Paris" }, toolCallId: "c1" })
        ),
        AgentEvent.toolResult(
          new Message.ToolReturnPart({ toolName: "get_weather", toolCallId: "c1", content: "Sunny in Paris" })
        )
      ])
      const result = resultOf(events)
      expect(result.output).toBe("It is sunny.")
      expect(finalText(events)).toBe(result.output)
      expect(events.at(-2)).toEqual({ _tag: "FinalResult" })
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("streams structured output through the output tool", () => {
    const model = streamed([
      [
        FunctionModel.toolCallChunk({ key: 0, toolName: "final_result", toolCallId: "out", argsDelta: '{"city":"Pa' }),
        FunctionModel.toolCallChunk({ key: 0, argsDelta: 'ris"}' })
      ]
    ])
    return Effect.gen(function* () {
      const agent = Agent.make({ output: Schema.Struct({ city: Schema.String }) })
      const events = yield* collect(Agent.runStream(agent, "City?"))
      expect(resultOf(events).output).toEqual({ city: "Paris" })
      expect(events.at(-2)).toEqual({ _tag: "FinalResult", toolName: "final_result", toolCallId: "out" })
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("passes 10,000 deltas through and folds them into the same output", () => {
    const words = Array.from({ length: 10_000 }, (_, index) => `w${index} `)
    const model = streamed([words])
    return Effect.gen(function* () {
      const events = yield* collect(Agent.runStream(Agent.make({}), "Long answer"))
      const deltas = events.filter((event) => event._tag === "PartDelta")
      expect(deltas).toHaveLength(9_999)
      expect(resultOf(events).output).toBe(words.join(""))
      expect(events.map(AgentEvent.textOf).join("")).toBe(words.join(""))
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("fails the stream with a tool's error", () => {
    class Broken extends Schema.TaggedError<Broken>()("Broken", {}) {}
    const broken = Tool.make("broken", { parameters: Schema.Struct({}), handler: () => Effect.fail(new Broken()) })
    const model = streamed([
      [FunctionModel.toolCallChunk({ key: 0, toolName: "broken", toolCallId: "c1", argsDelta: "{}" })]
    ])
    return Effect.gen(function* () {
      const error = yield* Effect.flip(collect(Agent.runStream(Agent.make({ tools: [broken] }), "go")))
      expect(error).toEqual(new Broken())
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("stopping the stream interrupts the run and its running tools", () =>
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
      const model = streamed([[FunctionModel.toolCallChunk({ key: 0, toolName: "forever", toolCallId: "c1" })]])
      const events = yield* collect(
        Agent.runStream(Agent.make({ tools: [forever] }), "go").pipe(
          Stream.takeUntil((event) => event._tag === "ToolCallStarted"),
          Stream.tap((event) => (event._tag === "ToolCallStarted" ? Deferred.await(started) : Effect.void)),
          Stream.provideLayer(model.layer)
        )
      )
      expect(events.at(-1)?._tag).toBe("ToolCallStarted")
      expect(yield* Ref.get(finalized)).toBe(true)
    })
  )

  it.effect("streams a TestModel run word by word, ending with the same result as Agent.run", () =>
    Effect.gen(function* () {
      const agent = Agent.make({ tools: [weather] })
      const events = yield* collect(Agent.runStream(agent, "Weather?"))
      const streamedResult = resultOf(events)
      const result = yield* Agent.run(agent, "Weather?")
      expect(streamedResult.output).toBe(result.output)
      expect(finalText(events)).toBe(result.output)
      expect(streamedResult.usage).toEqual(result.usage)
    }).pipe(Effect.provide(TestModel.layer({ customOutputText: "Sunny in Paris today." })))
  )
})
