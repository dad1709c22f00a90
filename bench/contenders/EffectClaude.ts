/**
 * effect-claude: `AnthropicModel` (over `AnthropicClient` and `NodeHttpClient.layerUndici`) for the
 * single requests, `Agent.run` with a `Tool` for the agent scenarios, and `FunctionModel` for
 * `loop-overhead`. Layers are built once into a `ManagedRuntime`, as an application does.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { Agent, Message, Model, Tool } from "effect-claude"
import { AnthropicBatches, AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { FunctionModel } from "effect-claude/testing"
import { fromScenarios, type MakeContender } from "../Contender.js"
import type { AgentAction, AgentRunOutput, ToolResultSeen } from "../scenarios.js"
import * as Scenario from "../scenarios.js"
import { buildRuntimes } from "./runtimes.js"

const lookup = Tool.make(Scenario.toolName, {
  description: Scenario.toolDescription,
  parameters: Schema.Struct({ run: Schema.Int, step: Schema.Int }),
  handler: ({ run, step }) => Effect.succeed(Scenario.toolValue(run, step))
})

const agent = Agent.make({ tools: [lookup], settings: { maxTokens: Scenario.maxTokens } })

/** The tool results a run recorded, in order. */
const toolReturns = (messages: ReadonlyArray<Message.ModelMessage>): Array<string> => {
  const results: Array<string> = []
  for (const message of messages) {
    if (message._tag !== "ModelRequest") continue
    for (const part of message.parts)
      if (part._tag === "ToolReturnPart") results.push(Scenario.toolResultText(part.content))
  }
  return results
}

const runAgent = (prompt: string) =>
  Effect.map(
    Agent.run(agent, prompt),
    (result): AgentRunOutput => ({ text: result.output, toolResults: toolReturns(result.messages) })
  )

/** The fake model of `loop-overhead`: reads the run and the tool results from the conversation. */
const fakeModel = FunctionModel.layer(
  (messages) =>
    Effect.sync(() => {
      const userTexts: Array<string> = []
      const seen: Array<ToolResultSeen> = []
      for (const message of messages) {
        if (message._tag !== "ModelRequest") continue
        for (const part of message.parts) {
          if (part._tag === "UserPromptPart" && typeof part.content === "string") userTexts.push(part.content)
          else if (part._tag === "ToolReturnPart")
            seen.push({ toolCallId: part.toolCallId, content: Scenario.toolResultText(part.content) })
        }
      }
      return partsOf(Scenario.fakeModelNext(userTexts, seen))
    }),
  undefined,
  { modelName: Scenario.modelName }
)

// The parts are built from typed values, so they skip the Schema check (`Message.unvalidated`), as
// `FunctionModel`'s docs suggest for a fake on a hot path (the other contenders' fakes return plain
// objects).
const partsOf = (action: AgentAction): Array<Message.ModelResponsePart> => [
  action._tag === "ToolCall"
    ? Message.unvalidated(Message.ToolCallPart, {
        toolName: Scenario.toolName,
        args: action.input,
        toolCallId: action.toolCallId
      })
    : Message.unvalidated(Message.TextPart, { content: action.text })
]

/** One streamed answer, consumed to the end: its text and how many text deltas it came in. */
const streamOne = (prompt: string) =>
  Effect.gen(function* () {
    const model = yield* Model.Model
    let text = ""
    let deltas = 0
    yield* Stream.runForEachChunk(
      model.requestStream([Message.ModelRequest.user(prompt)], {}, Model.textParameters),
      (chunk) =>
        Effect.sync(() => {
          // Per-event work in a plain loop over the chunk, as the library itself does.
          for (const event of chunk) {
            if (event._tag === "PartStart" && event.part._tag === "TextPart") {
              // A part may start empty (Anthropic's `content_block_start`) or with its first delta.
              if (event.part.content !== "") {
                text += event.part.content
                deltas++
              }
            } else if (event._tag === "PartDelta" && event.delta._tag === "TextDelta") {
              text += event.delta.content
              deltas++
            }
          }
        })
    )
    return { text, deltas }
  })

/** Submits a one-item batch and streams its results file, counting the results and the right ones. */
const batchResults = (prompt: string) =>
  Effect.gen(function* () {
    const batch = yield* AnthropicBatches.create(
      [{ customId: "bench-batch", messages: [Message.ModelRequest.user(prompt)] }],
      {
        model: Scenario.modelName,
        settings: { maxTokens: Scenario.maxTokens }
      }
    )
    // The server ends a batch at its first retrieval.
    yield* AnthropicBatches.retrieve(batch.id)
    let results = 0
    let right = 0
    yield* Stream.runForEachChunk(AnthropicBatches.results(batch.id), (chunk) =>
      Effect.sync(() => {
        for (const result of chunk) {
          results++
          if (
            result._tag === "Succeeded" &&
            Scenario.isBatchResultRight(result.customId, Message.responseText(result.response))
          )
            right++
        }
      })
    )
    return { results, right }
  })

/** Builds the effect-claude contender. */
export const make: MakeContender = async ({ baseURL }) => {
  // The client stays in the runtime's context for the batch scenarios.
  const anthropic = AnthropicModel.layer(Scenario.modelName, { maxTokens: Scenario.maxTokens }).pipe(
    Layer.provideMerge(AnthropicClient.layer({ apiKey: Redacted.make("bench-key"), baseURL })),
    Layer.provide(NodeHttpClient.layerUndici)
  )
  const runtimes = await buildRuntimes(anthropic, fakeModel)

  return fromScenarios({
    stream: (prompt) => runtimes.live.runPromise(streamOne(prompt)),
    streams: (prompts) => runtimes.live.runPromise(Effect.forEach(prompts, streamOne, { concurrency: "unbounded" })),
    batchResults: (prompt) => runtimes.live.runPromise(batchResults(prompt)),
    requests: (prompts) =>
      runtimes.live.runPromise(
        Effect.gen(function* () {
          const model = yield* Model.Model
          const texts: Array<string> = []
          for (const prompt of prompts) {
            const response = yield* model.request([Message.ModelRequest.user(prompt)], {}, Model.textParameters)
            texts.push(Message.responseText(response))
          }
          return texts
        })
      ),
    agents: (prompts) => runtimes.live.runPromise(Effect.forEach(prompts, runAgent, { concurrency: "unbounded" })),
    fakeAgents: (prompts) => runtimes.fake.runPromise(Effect.forEach(prompts, runAgent, { concurrency: 1 })),
    close: runtimes.close
  })
}
