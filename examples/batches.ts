/**
 * Many prompts at half the price: Message Batches as Effects and Streams.
 *
 * 1. `AnthropicBatches.runPrompts`: a list of prompts in, their outputs out in the same order, with
 *    a progress line per poll.
 * 2. Step by step: `create` a batch of requests with your own ids, `watch` its status as a
 *    Stream, then stream its `results` (decoded line by line, never loaded whole) and match them
 *    back by `customId`.
 *
 * With `ANTHROPIC_API_KEY` set it submits real batches (`ANTHROPIC_MODEL` picks the model; a
 * batch usually ends within minutes, at most 24 hours). Without it, it runs offline against
 * `MockAnthropicServer`, a loopback server of the API from `effect-claude/testing`, through the
 * same SDK and HTTP client.
 *
 * Run: `npx tsx examples/batches.ts`
 */
import { NodeHttpClient } from "@effect/platform-node"
import { type ConfigError, Effect, Layer, Redacted, Schedule, Stream } from "effect"
import { Message } from "effect-claude"
import { AnthropicBatches, AnthropicClient } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"

const model = process.env.ANTHROPIC_MODEL ?? "claude-haiku-4-5"
const online = (process.env.ANTHROPIC_API_KEY ?? "") !== ""

/** The real API: key and base URL from the environment. */
const live = AnthropicClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))

/**
 * A loopback server of the API for as long as the program runs: each batch is in progress for two
 * polls, each prompt is answered with an echo of it, and one prompt is refused.
 */
const offline = Layer.unwrapScoped(
  Effect.map(
    MockAnthropicServer.make({
      batches: {
        processingPolls: 2,
        outcome: (item) =>
          item.custom_id === "prompt-3"
            ? MockAnthropicServer.batchErrored(400, { message: "prompt too long (offline)" })
            : MockAnthropicServer.batchEcho(item)
      }
    }),
    (server) =>
      AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL }).pipe(
        Layer.provide(NodeHttpClient.layerUndici)
      )
  )
)

const client: Layer.Layer<
  AnthropicClient.AnthropicClient,
  ConfigError.ConfigError | MockAnthropicServer.MockServerError
> = online ? live : offline

// Offline there is nothing to wait for: poll quickly. Online the default polls with backoff.
const schedule = online ? AnthropicBatches.defaultPollSchedule : Schedule.spaced("100 millis")

const progress = (batch: AnthropicBatches.MessageBatch) => {
  const counts = batch.requestCounts
  return Effect.sync(() =>
    console.log(
      `  ${batch.id} ${batch.processingStatus}: ${counts.succeeded} succeeded, ${counts.errored} errored, ` +
        `${counts.processing} processing`
    )
  )
}

const describe = (result: AnthropicBatches.BatchResult): string => {
  switch (result._tag) {
    case "Succeeded":
      return Message.responseText(result.response)
    case "Errored":
      return `failed: ${result.error._tag} ${result.error.message}`
    case "Canceled":
      return "canceled"
    case "Expired":
      return "expired"
  }
}

/** 1. Many prompts in, outputs out, in order. */
const manyPrompts = Effect.gen(function* () {
  const prompts = ["Name a colour.", "Name a fruit.", "Name a planet.", "Name a river.", "Name a bird."]
  const outputs = yield* AnthropicBatches.runPrompts(prompts, {
    model,
    settings: { maxTokens: 32 },
    instructions: "Answer with one word.",
    schedule,
    onStatus: progress
  })
  for (const [index, output] of outputs.entries()) console.log(`${prompts[index]} → ${describe(output)}`)
})

/** 2. Step by step, with your own ids. */
const stepByStep = Effect.gen(function* () {
  const questions = { capital: "What is the capital of France?", sum: "What is 2 + 2?" }
  const batch = yield* AnthropicBatches.create(
    Object.entries(questions).map(([customId, question]) => ({
      customId,
      messages: [Message.ModelRequest.user(question)]
    })),
    { model, settings: { maxTokens: 64 } }
  )
  console.log(`Created ${batch.id}`)
  yield* AnthropicBatches.watch(batch.id, { schedule }).pipe(Stream.runForEach(progress))
  yield* AnthropicBatches.results(batch.id).pipe(
    Stream.runForEach((result) => Effect.sync(() => console.log(`[${result.customId}] ${describe(result)}`)))
  )
})

const program = Effect.gen(function* () {
  console.log(
    online
      ? `Submitting batches to ${model}.`
      : "No ANTHROPIC_API_KEY: running against MockAnthropicServer on loopback."
  )
  yield* manyPrompts
  yield* stepByStep
})

program.pipe(Effect.provide(client), Effect.runPromise).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
