/**
 * Usage limits: a run stops with a typed `UsageLimitExceeded` before it makes one request too
 * many, or once its tokens pass a limit; the error names the limit and the numbers. With
 * `countTokensBeforeRequest` the model counts each request first, so a request that would pass
 * the input-token limit is never sent.
 * Run: `npx tsx examples/usage-limits.ts`.
 */
import { Effect, Schema } from "effect"
import { Agent, Message, Tool } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

let rolls = 0
const rollDice = Tool.make("roll_dice", {
  description: "Rolls a six-sided die",
  parameters: Schema.Struct({}),
  handler: () =>
    Effect.sync(() => {
      rolls += 1
      return 1 + Math.floor(Math.random() * 6)
    })
})

const agent = Agent.make({
  instructions: "Roll the die with the tool, one roll per message, until you roll three sixes in a row.",
  tools: [rollDice],
  usageLimits: { requestLimit: 4 }
})

/** Offline: a model that never stops rolling, and counts 60 tokens per message when asked. */
const offline = FunctionModel.layer(
  (messages) =>
    Effect.succeed([
      new Message.ToolCallPart({ toolName: "roll_dice", args: {}, toolCallId: `roll_${messages.length}` })
    ]),
  undefined,
  { countTokens: (messages) => Effect.succeed(60 * messages.length) }
)

const program = Effect.gen(function* () {
  const outcome = yield* Agent.run(agent, "Go!").pipe(
    Effect.map((result) => `finished: ${result.output}`),
    Effect.catchTag("UsageLimitExceeded", (error) =>
      Effect.succeed(`stopped (${error.limit} limit ${error.maximum}): ${error.message}`)
    )
  )
  console.log(outcome)
  console.log(`the die was rolled ${rolls} times`)

  const tokens = yield* Agent.run(agent, "Go!", { usageLimits: { requestLimit: 50, totalTokensLimit: 200 } }).pipe(
    Effect.map((result) => `finished: ${result.output}`),
    Effect.catchTag("UsageLimitExceeded", (error) => Effect.succeed(`stopped: ${error.message}`))
  )
  console.log(tokens)

  const counted = yield* Agent.run(agent, "Go!", {
    usageLimits: { requestLimit: 50, inputTokensLimit: 1_000, countTokensBeforeRequest: true }
  }).pipe(
    Effect.map((result) => `finished: ${result.output}`),
    Effect.catchTag("UsageLimitExceeded", (error) => Effect.succeed(`not sent: ${error.message}`))
  )
  console.log(counted)
})

Effect.runPromise(program.pipe(Effect.provide(exampleModel(offline)))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
