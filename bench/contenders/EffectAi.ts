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
import { Effect, Layer, ManagedRuntime, Redacted, Schema, Stream } from "effect"
import type { Contender, MakeContender } from "../Contender.js"
import {
  type AgentAction,
  type AgentRunOutput,
  agentNext,
  agentPrompt,
  maxTokens,
  modelName,
  parsePrompt,
  requestPrompt,
  type ScenarioOutput,
  streamPrompt,
  type ToolResultSeen,
  toolDescription,
  toolName,
  toolResultText,
  toolSteps,
  toolValue
} from "../scenarios.js"

const Lookup = Tool.make(toolName, {
  description: toolDescription,
  parameters: { run: Schema.Int, step: Schema.Int },
  success: Schema.String
})

const BenchToolkit = Toolkit.make(Lookup)

const ToolHandlers = BenchToolkit.toLayer({ [toolName]: ({ run, step }) => Effect.succeed(toolValue(run, step)) })

/** The hand loop: generate (tools run inside), feed the parts back, until an answer without tool calls. */
const runAgent = (run: number) =>
  Effect.gen(function* () {
    let prompt = Prompt.make(agentPrompt(run))
    const toolResults: Array<string> = []
    for (let request = 0; request <= toolSteps + 1; request++) {
      const response = yield* LanguageModel.generateText({ prompt, toolkit: BenchToolkit })
      for (const result of response.toolResults) toolResults.push(String(result.result))
      if (response.toolCalls.length === 0) return { text: response.text, toolResults } satisfies AgentRunOutput
      prompt = Prompt.merge(prompt, Prompt.fromResponseParts(response.content))
    }
    return yield* Effect.dieMessage(`run ${run} did not finish`)
  })

const runAgents = (count: number, concurrency: "unbounded" | 1) =>
  Effect.forEach(
    Array.from({ length: count }, (_, run) => run),
    runAgent,
    { concurrency }
  )

/** The fake model of `loop-overhead`: reads the run and the tool results from the prompt. */
const fakeModel = LanguageModel.make({
  generateText: (options) =>
    Effect.suspend(() => {
      let run: number | undefined
      const seen: Array<ToolResultSeen> = []
      for (const message of options.prompt.content) {
        if (message.role === "user" && run === undefined) {
          for (const part of message.content) {
            if (part.type !== "text") continue
            const prompt = parsePrompt(part.text)
            if (prompt?._tag === "agent") run = prompt.run
          }
        } else if (message.role === "tool") {
          for (const part of message.content) seen.push({ toolCallId: part.id, content: toolResultText(part.result) })
        }
      }
      if (run === undefined) return Effect.dieMessage("not an agent prompt")
      return Effect.succeed(partsOf(agentNext(run, seen)))
    }),
  streamText: () => Stream.dieMessage("the loop-overhead fake does not stream")
})

const partsOf = (action: AgentAction): Array<Response.PartEncoded> => [
  action._tag === "ToolCall"
    ? { type: "tool-call", id: action.toolCallId, name: toolName, params: action.input }
    : { type: "text", text: action.text },
  {
    type: "finish",
    reason: action._tag === "ToolCall" ? "tool-calls" : "stop",
    usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 }
  }
]

/** Builds the `@effect/ai-anthropic` contender. */
export const make: MakeContender = async ({ baseURL }) => {
  const anthropic = AnthropicLanguageModel.layer({ model: modelName, config: { max_tokens: maxTokens } }).pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make("bench-key"), apiUrl: baseURL })),
    Layer.provide(NodeHttpClient.layerUndici)
  )
  const runtime = ManagedRuntime.make(Layer.merge(anthropic, ToolHandlers))
  const fakeRuntime = ManagedRuntime.make(
    Layer.merge(Layer.effect(LanguageModel.LanguageModel, fakeModel), ToolHandlers)
  )
  // Build both once, as an application does at start-up.
  await runtime.runPromise(Effect.void)
  await fakeRuntime.runPromise(Effect.void)

  const run: Contender["run"] = (scenario, sizes): Promise<ScenarioOutput> => {
    switch (scenario) {
      case "stream-10k":
        return runtime.runPromise(
          Effect.suspend(() => {
            let text = ""
            let deltas = 0
            return LanguageModel.streamText({ prompt: streamPrompt(sizes.streamDeltas) }).pipe(
              Stream.runForEach((part) =>
                Effect.sync(() => {
                  if (part.type === "text-delta") {
                    text += part.delta
                    deltas++
                  }
                })
              ),
              Effect.map((): ScenarioOutput => ({ _tag: "stream", output: { text, deltas } }))
            )
          })
        )
      case "request-1k":
        return runtime.runPromise(
          Effect.map(
            Effect.forEach(
              Array.from({ length: sizes.requests }, (_, i) => i),
              (i) => Effect.map(LanguageModel.generateText({ prompt: requestPrompt(i) }), (response) => response.text)
            ),
            (texts): ScenarioOutput => ({ _tag: "requests", texts })
          )
        )
      case "agent-3-tools":
        return runtime.runPromise(
          Effect.map(runAgents(sizes.agentRuns, "unbounded"), (runs): ScenarioOutput => ({ _tag: "agent", runs }))
        )
      case "loop-overhead":
        return fakeRuntime.runPromise(
          Effect.map(runAgents(sizes.loopRuns, 1), (runs): ScenarioOutput => ({ _tag: "agent", runs }))
        )
    }
  }

  return {
    run,
    close: async () => {
      await runtime.dispose()
      await fakeRuntime.dispose()
    }
  }
}
