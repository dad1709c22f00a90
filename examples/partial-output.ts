/**
 * A structured answer printed as it fills in: `Agent.streamOutput` gives the output parsed so far
 * after each streamed chunk (strings grow, arrays gain elements), the last one the validated output.
 * Run: `npx tsx examples/partial-output.ts`.
 */
import { Effect, Schema, Stream } from "effect"
import { Agent } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

const Recipe = Schema.Struct({
  title: Schema.String,
  minutes: Schema.Number,
  steps: Schema.Array(Schema.String)
})

const agent = Agent.make({ instructions: "Answer with a short recipe.", output: Recipe })

const answer = JSON.stringify({
  title: "Pancakes",
  minutes: 20,
  steps: ["Whisk flour, milk and eggs", "Rest the batter", "Fry thin layers in butter"]
})

/** Offline: the output tool's arguments streamed in pieces of twelve characters. */
const offline = FunctionModel.layer(undefined, (_messages, info) =>
  Stream.fromIterable([
    FunctionModel.toolCallChunk({
      key: 0,
      toolName: info.parameters.outputTools[0]?.name ?? "final_result",
      toolCallId: "out"
    }),
    ...Array.from({ length: Math.ceil(answer.length / 12) }, (_, index) =>
      FunctionModel.toolCallChunk({ key: 0, argsDelta: answer.slice(index * 12, index * 12 + 12) })
    )
  ]).pipe(Stream.rechunk(1))
)

const program = Agent.streamOutput(agent, "How do I make pancakes?").pipe(
  Stream.runForEach((recipe) =>
    Effect.sync(() =>
      console.log(`${recipe.title ?? "…"} (${recipe.minutes ?? "?"} min): ${(recipe.steps ?? []).join(" / ")}`)
    )
  )
)

Effect.runPromise(program.pipe(Effect.provide(exampleModel(offline)))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
