import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Schema, Stream } from "effect"
import { Agent, type AgentEvent } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"

const Recipe = Schema.Struct({ title: Schema.String, steps: Schema.Array(Schema.String) })

const argsDeltas = ['{"title": "Pan', 'cakes", "st', 'eps": ["Mix', '", "Fry"]}']

/** Streams the output tool's arguments in pieces, one stream chunk each. */
const streamed = FunctionModel.layer(undefined, (_messages, info) =>
  Stream.fromIterable([
    FunctionModel.toolCallChunk({ key: 0, toolName: info.parameters.outputTools[0]?.name ?? "", toolCallId: "out" }),
    ...argsDeltas.map((argsDelta) => FunctionModel.toolCallChunk({ key: 0, argsDelta }))
  ]).pipe(Stream.rechunk(1))
)

describe("point 6: partial structured output (runStream, streamOutput)", () => {
  it.effect(
    "runStream emits partial outputs as the output tool's arguments stream in, the last the validated output",
    () =>
      Effect.gen(function* () {
        const agent = Agent.make({ output: Recipe })
        const events = yield* Stream.runCollect(Agent.runStream(agent, "A recipe"))
        const partials = Chunk.toReadonlyArray(events).filter(
          (event): event is AgentEvent.PartialOutput<typeof Recipe.Type> => event._tag === "PartialOutput"
        )
        expect(partials.map((event) => [event.output, event.complete])).toEqual([
          [{ title: "Pan" }, false],
          [{ title: "Pancakes" }, false],
          [{ title: "Pancakes", steps: ["Mix"] }, false],
          [{ title: "Pancakes", steps: ["Mix", "Fry"] }, false],
          [{ title: "Pancakes", steps: ["Mix", "Fry"] }, true]
        ])
        expect(partials.at(-1)?.toolCallId).toBe("out")
        const tags = Chunk.toReadonlyArray(events).map((event) => event._tag)
        expect(tags.slice(-3)).toEqual(["PartialOutput", "FinalResult", "RunFinished"])
      }).pipe(Effect.provide(streamed))
  )

  it.effect("Agent.streamOutput gives the partials, the last one the output", () =>
    Effect.gen(function* () {
      const agent = Agent.make({ output: Recipe })
      const outputs = yield* Stream.runCollect(Agent.streamOutput(agent, "A recipe"))
      expect(Chunk.toReadonlyArray(outputs).at(-1)).toEqual({ title: "Pancakes", steps: ["Mix", "Fry"] })
      expect(Chunk.size(outputs)).toBe(5)
    }).pipe(Effect.provide(streamed))
  )

  it.effect("text output streams no partials; streamOutput gives the text at the end", () =>
    Effect.gen(function* () {
      const agent = Agent.make({})
      const outputs = yield* Stream.runCollect(Agent.streamOutput(agent, "Hi"))
      expect(Chunk.toReadonlyArray(outputs)).toEqual(["Hello there"])
    }).pipe(Effect.provide(FunctionModel.layer(undefined, () => Stream.fromIterable(["Hello", " there"]))))
  )
})
