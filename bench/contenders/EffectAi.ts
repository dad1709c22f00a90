/**
 * Effect's own AI packages: `@effect/ai` 0.37 with `@effect/ai-anthropic` 0.27 over
 * `NodeHttpClient.layerUndici`. `@effect/ai` has no agent loop, so the agent scenarios are the hand
 * loop its docs suggest: `generateText` with a toolkit (it runs the tools), then the response parts
 * go back into the prompt until the model answers with text. `loop-overhead` swaps the Anthropic
 * model for `LanguageModel.make` fed canned parts.
 */
import { LanguageModel, Prompt, type Response, Tool, Toolkit } from "@effect/ai"
import { AnthropicClient, AnthropicLanguageModel } from "@effect/ai-anthropic"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, Redacted, Schema, Stream } from "effect"
import { fromScenarios, type MakeContender } from "../Contender.js"
import type { AgentAction, AgentRunOutput, ToolResultSeen } from "../scenarios.js"
import * as Scenario from "../scenarios.js"
import { buildRuntimes } from "./runtimes.js"

const Lookup = Tool.make(Scenario.toolName, {
  description: Scenario.toolDescription,
  parameters: { run: Schema.Int, step: Schema.Int },
  success: Schema.String
})

const BenchToolkit = Toolkit.make(Lookup)

const ToolHandlers = BenchToolkit.toLayer({
  [Scenario.toolName]: ({ run, step }) => Effect.succeed(Scenario.toolValue(run, step))
})

/** The hand loop: generate (tools run inside), feed the parts back, until an answer without tool calls. */
const runAgent = (text: string) =>
  Effect.gen(function* () {
    let prompt = Prompt.make(text)
    const toolResults: Array<string> = []
    for (let request = 0; request <= Scenario.toolSteps + 1; request++) {
      const response = yield* LanguageModel.generateText({ prompt, toolkit: BenchToolkit })
      for (const result of response.toolResults) toolResults.push(String(result.result))
      if (response.toolCalls.length === 0) return { text: response.text, toolResults } satisfies AgentRunOutput
      prompt = Prompt.merge(prompt, Prompt.fromResponseParts(response.content))
    }
    return yield* Effect.dieMessage(`${text} did not finish`)
  })

/** The fake model of `loop-overhead`: reads the run and the tool results from the prompt. */
const fakeModel = LanguageModel.make({
  generateText: (options) =>
    Effect.sync(() => {
      const userTexts: Array<string> = []
      const seen: Array<ToolResultSeen> = []
      for (const message of options.prompt.content) {
        if (message.role === "user") {
          for (const part of message.content) if (part.type === "text") userTexts.push(part.text)
        } else if (message.role === "tool") {
          for (const part of message.content)
            seen.push({ toolCallId: part.id, content: Scenario.toolResultText(part.result) })
        }
      }
      return partsOf(Scenario.fakeModelNext(userTexts, seen))
    }),
  streamText: () => Stream.dieMessage("the loop-overhead fake does not stream")
})

const partsOf = (action: AgentAction): Array<Response.PartEncoded> => [
  action._tag === "ToolCall"
    ? { type: "tool-call", id: action.toolCallId, name: Scenario.toolName, params: action.input }
    : { type: "text", text: action.text },
  {
    type: "finish",
    reason: action._tag === "ToolCall" ? "tool-calls" : "stop",
    usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 }
  }
]

/** Builds the `@effect/ai-anthropic` contender. */
export const make: MakeContender = async ({ baseURL }) => {
  const anthropic = AnthropicLanguageModel.layer({
    model: Scenario.modelName,
    config: { max_tokens: Scenario.maxTokens }
  }).pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make("bench-key"), apiUrl: baseURL })),
    Layer.provide(NodeHttpClient.layerUndici)
  )
  const runtimes = await buildRuntimes(
    Layer.merge(anthropic, ToolHandlers),
    Layer.merge(Layer.effect(LanguageModel.LanguageModel, fakeModel), ToolHandlers)
  )

  return fromScenarios({
    stream: (prompt) =>
      runtimes.live.runPromise(
        Effect.suspend(() => {
          let text = ""
          let deltas = 0
          return LanguageModel.streamText({ prompt }).pipe(
            Stream.runForEach((part) =>
              Effect.sync(() => {
                if (part.type === "text-delta") {
                  text += part.delta
                  deltas++
                }
              })
            ),
            Effect.map(() => ({ text, deltas }))
          )
        })
      ),
    requests: (prompts) =>
      runtimes.live.runPromise(
        Effect.forEach(prompts, (prompt) =>
          Effect.map(LanguageModel.generateText({ prompt }), (response) => response.text)
        )
      ),
    agents: (prompts) => runtimes.live.runPromise(Effect.forEach(prompts, runAgent, { concurrency: "unbounded" })),
    fakeAgents: (prompts) => runtimes.fake.runPromise(Effect.forEach(prompts, runAgent, { concurrency: 1 })),
    close: runtimes.close
  })
}
