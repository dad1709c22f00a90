/**
 * effect-agent: `AnthropicModel` (over `AnthropicClient` and `NodeHttpClient.layerUndici`) for the
 * single requests, `Agent.run` with a `Tool` for the agent scenarios, and `FunctionModel` for
 * `loop-overhead`. Layers are built once into a `ManagedRuntime`, as an application does.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime, Redacted, Schema, Stream } from "effect"
import { Agent, Message, Model, Tool } from "effect-agent"
import { AnthropicClient, AnthropicModel } from "effect-agent/anthropic"
import { FunctionModel } from "effect-agent/testing"
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
  toolValue
} from "../scenarios.js"

const lookup = Tool.make(toolName, {
  description: toolDescription,
  parameters: Schema.Struct({ run: Schema.Int, step: Schema.Int }),
  handler: ({ run, step }) => Effect.succeed(toolValue(run, step))
})

const agent = Agent.make({ tools: [lookup], settings: { maxTokens } })

/** The tool results a run recorded, in order. */
const toolReturns = (messages: ReadonlyArray<Message.ModelMessage>): Array<string> => {
  const results: Array<string> = []
  for (const message of messages) {
    if (message._tag !== "ModelRequest") continue
    for (const part of message.parts) if (part._tag === "ToolReturnPart") results.push(toolResultText(part.content))
  }
  return results
}

const runAgent = (run: number) =>
  Effect.map(
    Agent.run(agent, agentPrompt(run)),
    (result): AgentRunOutput => ({ text: result.output, toolResults: toolReturns(result.messages) })
  )

const runAgents = (count: number, concurrency: "unbounded" | 1) =>
  Effect.map(
    Effect.forEach(
      Array.from({ length: count }, (_, run) => run),
      runAgent,
      { concurrency }
    ),
    (runs): ScenarioOutput => ({ _tag: "agent", runs })
  )

/** The fake model of `loop-overhead`: reads the run and the tool results from the conversation. */
const fakeModel = FunctionModel.layer(
  (messages) =>
    Effect.suspend(() => {
      let run: number | undefined
      const seen: Array<ToolResultSeen> = []
      for (const message of messages) {
        if (message._tag !== "ModelRequest") continue
        for (const part of message.parts) {
          if (part._tag === "UserPromptPart" && run === undefined && typeof part.content === "string") {
            const prompt = parsePrompt(part.content)
            if (prompt?._tag === "agent") run = prompt.run
          } else if (part._tag === "ToolReturnPart") {
            seen.push({ toolCallId: part.toolCallId, content: toolResultText(part.content) })
          }
        }
      }
      if (run === undefined) return Effect.dieMessage("not an agent prompt")
      return Effect.succeed(partsOf(agentNext(run, seen)))
    }),
  undefined,
  { modelName }
)

const partsOf = (action: AgentAction): Array<Message.ModelResponsePart> => [
  action._tag === "ToolCall"
    ? new Message.ToolCallPart({ toolName, args: action.input, toolCallId: action.toolCallId })
    : new Message.TextPart({ content: action.text })
]

/** Builds the effect-agent contender. */
export const make: MakeContender = async ({ baseURL }) => {
  const anthropic = AnthropicModel.layer(modelName, { maxTokens }).pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make("bench-key"), baseURL })),
    Layer.provide(NodeHttpClient.layerUndici)
  )
  const runtime = ManagedRuntime.make(anthropic)
  const fakeRuntime = ManagedRuntime.make(fakeModel)
  // Build both once, as an application does at start-up.
  await runtime.runPromise(Effect.void)
  await fakeRuntime.runPromise(Effect.void)

  const run: Contender["run"] = (scenario, sizes): Promise<ScenarioOutput> => {
    switch (scenario) {
      case "stream-10k":
        return runtime.runPromise(
          Effect.gen(function* () {
            const model = yield* Model.Model
            let text = ""
            let deltas = 0
            yield* Stream.runForEachChunk(
              model.requestStream(
                [Message.ModelRequest.user(streamPrompt(sizes.streamDeltas))],
                {},
                Model.textParameters
              ),
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
            return { _tag: "stream", output: { text, deltas } } satisfies ScenarioOutput
          })
        )
      case "request-1k":
        return runtime.runPromise(
          Effect.gen(function* () {
            const model = yield* Model.Model
            const texts: Array<string> = []
            for (let i = 0; i < sizes.requests; i++) {
              const response = yield* model.request(
                [Message.ModelRequest.user(requestPrompt(i))],
                {},
                Model.textParameters
              )
              texts.push(Message.responseText(response))
            }
            return { _tag: "requests", texts } satisfies ScenarioOutput
          })
        )
      case "agent-3-tools":
        return runtime.runPromise(runAgents(sizes.agentRuns, "unbounded"))
      case "loop-overhead":
        return fakeRuntime.runPromise(runAgents(sizes.loopRuns, 1))
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
