/**
 * FallbackModel: when a model is rate limited or overloaded, the next one answers the same
 * request; when all fail, one `FallbackModelError` holds every error.
 * Run: `npx tsx examples/fallback.ts`.
 */
import { Effect, Layer } from "effect"
import { Agent, FallbackModel, Message, Model } from "effect-claude"
import { AnthropicError } from "effect-claude/anthropic"
import { FunctionModel } from "effect-claude/testing"
import { claude, online } from "./exampleModel.js"

/** Offline: a primary that is always overloaded, and a backup that answers. */
const overloaded = FunctionModel.layer(
  () => Effect.fail(new AnthropicError.OverloadedError({ message: "Overloaded", status: 529, headers: {} })),
  undefined,
  { modelName: "primary" }
)
const backup = FunctionModel.layer(
  () => Effect.succeed([new Message.TextPart({ content: "Hello from the backup model." })]),
  undefined,
  { modelName: "backup" }
)

const model = online
  ? FallbackModel.layer([claude("claude-opus-4-7"), claude("claude-sonnet-4-6")])
  : FallbackModel.layer([overloaded, backup])

const program = Effect.gen(function* () {
  console.log(online ? "Talking to Claude (ANTHROPIC_API_KEY is set)." : "Offline: scripted models answer.")
  const { modelName } = yield* Model.Model
  const result = yield* Agent.run(Agent.make({ instructions: "One short sentence." }), "Say hello.")
  console.log(`${modelName} → ${result.response.modelName}: ${result.output}`)

  // Every model failing: one typed error with each cause.
  const allDown = FallbackModel.layer([overloaded, overloaded])
  const failure = yield* Agent.run(Agent.make({}), "Say hello.").pipe(Effect.provide(allDown), Effect.flip)
  console.log(failure._tag === "FallbackModelError" ? failure.message : failure)
})

Effect.runPromise(program.pipe(Effect.provide(Layer.orDie(model)))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
