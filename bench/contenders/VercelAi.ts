/**
 * The Vercel AI SDK: `ai` 7 with `@ai-sdk/anthropic` 4 (`streamText`, `generateText`, tools with
 * `execute` and a step limit), and its `MockLanguageModelV4` from `ai/test` for `loop-overhead`.
 */
import { createAnthropic } from "@ai-sdk/anthropic"
import type { LanguageModelV4Content, LanguageModelV4GenerateResult, LanguageModelV4Prompt } from "@ai-sdk/provider"
import { generateText, jsonSchema, type LanguageModel, stepCountIs, streamText, tool } from "ai"
import { MockLanguageModelV4 } from "ai/test"
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
  toolInputJsonSchema,
  toolName,
  toolResultText,
  toolSteps,
  toolValue
} from "../scenarios.js"

const tools = {
  [toolName]: tool({
    description: toolDescription,
    inputSchema: jsonSchema<{ run: number; step: number }>({
      ...toolInputJsonSchema,
      properties: { ...toolInputJsonSchema.properties },
      required: [...toolInputJsonSchema.required]
    }),
    execute: async ({ run, step }) => toolValue(run, step)
  })
}

const runAgent = async (model: LanguageModel, run: number): Promise<AgentRunOutput> => {
  const result = await generateText({
    model,
    prompt: agentPrompt(run),
    tools,
    stopWhen: stepCountIs(toolSteps + 2),
    maxOutputTokens: maxTokens,
    maxRetries: 0
  })
  const toolResults: Array<string> = []
  for (const step of result.steps) {
    for (const toolResult of step.toolResults) toolResults.push(String(toolResult.output))
  }
  return { text: result.text, toolResults }
}

/** The fake model of `loop-overhead`: reads the run and the tool results from the prompt. */
const fakeGenerate = async (options: {
  readonly prompt: LanguageModelV4Prompt
}): Promise<LanguageModelV4GenerateResult> => {
  let run: number | undefined
  const seen: Array<ToolResultSeen> = []
  for (const message of options.prompt) {
    if (message.role === "user" && run === undefined) {
      for (const part of message.content) {
        if (part.type !== "text") continue
        const prompt = parsePrompt(part.text)
        if (prompt?._tag === "agent") run = prompt.run
      }
    } else if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type !== "tool-result") continue
        const output = part.output
        seen.push({
          toolCallId: part.toolCallId,
          content: output.type === "text" ? output.value : toolResultText(JSON.stringify(output))
        })
      }
    }
  }
  if (run === undefined) throw new Error("not an agent prompt")
  return resultOf(agentNext(run, seen))
}

const resultOf = (action: AgentAction): LanguageModelV4GenerateResult => {
  const content: Array<LanguageModelV4Content> =
    action._tag === "ToolCall"
      ? [{ type: "tool-call", toolCallId: action.toolCallId, toolName, input: JSON.stringify(action.input) }]
      : [{ type: "text", text: action.text }]
  return {
    content,
    finishReason:
      action._tag === "ToolCall" ? { unified: "tool-calls", raw: "tool_use" } : { unified: "stop", raw: "end_turn" },
    usage: {
      inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: 20, text: 20, reasoning: undefined }
    },
    warnings: []
  }
}

/** Builds the Vercel AI SDK contender. */
export const make: MakeContender = async ({ baseURL }) => {
  const anthropic = createAnthropic({ apiKey: "bench-key", baseURL: `${baseURL}/v1` })
  const model = anthropic(modelName)
  const fake = new MockLanguageModelV4({ modelId: modelName, doGenerate: fakeGenerate })

  const run: Contender["run"] = async (scenario, sizes): Promise<ScenarioOutput> => {
    switch (scenario) {
      case "stream-10k": {
        // `streamText` reports a failed request to `onError` and ends the stream; fail the run instead.
        let failure: { readonly error: unknown } | undefined
        const result = streamText({
          model,
          prompt: streamPrompt(sizes.streamDeltas),
          maxOutputTokens: maxTokens,
          maxRetries: 0,
          onError: (event) => {
            failure = event
          }
        })
        let text = ""
        let deltas = 0
        for await (const delta of result.textStream) {
          text += delta
          deltas++
        }
        if (failure !== undefined) throw failure.error
        return { _tag: "stream", output: { text, deltas } }
      }
      case "request-1k": {
        const texts: Array<string> = []
        for (let i = 0; i < sizes.requests; i++) {
          const result = await generateText({
            model,
            prompt: requestPrompt(i),
            maxOutputTokens: maxTokens,
            maxRetries: 0
          })
          texts.push(result.text)
        }
        return { _tag: "requests", texts }
      }
      case "agent-3-tools":
        return {
          _tag: "agent",
          runs: await Promise.all(Array.from({ length: sizes.agentRuns }, (_, run) => runAgent(model, run)))
        }
      case "loop-overhead": {
        const runs: Array<AgentRunOutput> = []
        for (let run = 0; run < sizes.loopRuns; run++) runs.push(await runAgent(fake, run))
        // The mock records every call; drop them so memory does not grow over repetitions.
        fake.doGenerateCalls.length = 0
        return { _tag: "agent", runs }
      }
    }
  }

  return { run, close: async () => {} }
}
