/**
 * The Vercel AI SDK: `ai` 7 with `@ai-sdk/anthropic` 4 (`streamText`, `generateText`, tools with
 * `execute` and a step limit), and its `MockLanguageModelV4` from `ai/test` for `loop-overhead`.
 */
import { createAnthropic } from "@ai-sdk/anthropic"
import type { LanguageModelV4Content, LanguageModelV4GenerateResult, LanguageModelV4Prompt } from "@ai-sdk/provider"
import { generateText, jsonSchema, type LanguageModel, stepCountIs, streamText, tool } from "ai"
import { MockLanguageModelV4 } from "ai/test"
import { fromScenarios, type MakeContender, sequentially } from "../Contender.js"
import type { AgentAction, AgentRunOutput, ToolResultSeen } from "../scenarios.js"
import * as Scenario from "../scenarios.js"

const tools = {
  [Scenario.toolName]: tool({
    description: Scenario.toolDescription,
    inputSchema: jsonSchema<{ run: number; step: number }>({
      ...Scenario.toolInputJsonSchema,
      properties: { ...Scenario.toolInputJsonSchema.properties },
      required: [...Scenario.toolInputJsonSchema.required]
    }),
    execute: async ({ run, step }) => Scenario.toolValue(run, step)
  })
}

const runAgent = async (model: LanguageModel, prompt: string): Promise<AgentRunOutput> => {
  const result = await generateText({
    model,
    prompt,
    tools,
    stopWhen: stepCountIs(Scenario.toolSteps + 2),
    maxOutputTokens: Scenario.maxTokens,
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
  const userTexts: Array<string> = []
  const seen: Array<ToolResultSeen> = []
  for (const message of options.prompt) {
    if (message.role === "user") {
      for (const part of message.content) if (part.type === "text") userTexts.push(part.text)
    } else if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type !== "tool-result") continue
        const output = part.output
        seen.push({
          toolCallId: part.toolCallId,
          content: output.type === "text" ? output.value : Scenario.toolResultText(JSON.stringify(output))
        })
      }
    }
  }
  return resultOf(Scenario.fakeModelNext(userTexts, seen))
}

const resultOf = (action: AgentAction): LanguageModelV4GenerateResult => {
  const content: Array<LanguageModelV4Content> =
    action._tag === "ToolCall"
      ? [
          {
            type: "tool-call",
            toolCallId: action.toolCallId,
            toolName: Scenario.toolName,
            input: JSON.stringify(action.input)
          }
        ]
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
  const model = anthropic(Scenario.modelName)
  const fake = new MockLanguageModelV4({ modelId: Scenario.modelName, doGenerate: fakeGenerate })

  return fromScenarios({
    stream: async (prompt) => {
      // `streamText` reports a failed request to `onError` and ends the stream; fail the run instead.
      let failure: { readonly error: unknown } | undefined
      const result = streamText({
        model,
        prompt,
        maxOutputTokens: Scenario.maxTokens,
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
      return { text, deltas }
    },
    requests: (prompts) =>
      sequentially(
        prompts,
        async (prompt) =>
          (await generateText({ model, prompt, maxOutputTokens: Scenario.maxTokens, maxRetries: 0 })).text
      ),
    agents: (prompts) => Promise.all(prompts.map((prompt) => runAgent(model, prompt))),
    fakeAgents: async (prompts) => {
      const runs = await sequentially(prompts, (prompt) => runAgent(fake, prompt))
      // The mock records every call; drop them so memory does not grow over repetitions.
      fake.doGenerateCalls.length = 0
      return runs
    }
  })
}
