/**
 * The floor: hand-written code over the official `@anthropic-ai/sdk`, the way a careful user would
 * write it without any framework (raw stream events, a plain tool loop, `Promise.all` for
 * concurrency). For `loop-overhead` the SDK call is replaced by an in-process function returning
 * the same `Message` objects, so the row measures a hand loop with nothing under it.
 */
import Anthropic from "@anthropic-ai/sdk"
import { fromScenarios, type MakeContender, sequentially } from "../Contender.js"
import type { AgentAction, AgentRunOutput, ToolResultSeen } from "../scenarios.js"
import * as Scenario from "../scenarios.js"

type CreateMessage = (params: Anthropic.MessageCreateParamsNonStreaming) => Promise<Anthropic.Message>

const tools: Array<Anthropic.Tool> = [
  {
    name: Scenario.toolName,
    description: Scenario.toolDescription,
    input_schema: { ...Scenario.toolInputJsonSchema, required: [...Scenario.toolInputJsonSchema.required] }
  }
]

const textOf = (message: Anthropic.Message): string => {
  let text = ""
  for (const block of message.content) if (block.type === "text") text += block.text
  return text
}

const isStepInput = (input: unknown): input is { readonly run: number; readonly step: number } =>
  typeof input === "object" &&
  input !== null &&
  "run" in input &&
  "step" in input &&
  Number.isInteger(input.run) &&
  Number.isInteger(input.step)

/** The tool loop a user writes by hand: call, run the tools, send the results back, until text. */
const runAgent = async (create: CreateMessage, prompt: string): Promise<AgentRunOutput> => {
  const messages: Array<Anthropic.MessageParam> = [{ role: "user", content: prompt }]
  const toolResults: Array<string> = []
  for (let request = 0; request <= Scenario.toolSteps + 1; request++) {
    const response = await create({ model: Scenario.modelName, max_tokens: Scenario.maxTokens, messages, tools })
    const results: Array<Anthropic.ToolResultBlockParam> = []
    for (const block of response.content) {
      if (block.type !== "tool_use") continue
      if (block.name !== Scenario.toolName || !isStepInput(block.input)) {
        results.push({ type: "tool_result", tool_use_id: block.id, content: "invalid call", is_error: true })
        continue
      }
      const value = Scenario.toolValue(block.input.run, block.input.step)
      toolResults.push(value)
      results.push({ type: "tool_result", tool_use_id: block.id, content: value })
    }
    if (results.length === 0) return { text: textOf(response), toolResults }
    messages.push({ role: "assistant", content: response.content }, { role: "user", content: results })
  }
  throw new Error(`${prompt} did not finish`)
}

/** The in-process fake of `messages.create` for `loop-overhead`. */
const fakeCreate: CreateMessage = async (params) => {
  const first = params.messages[0]
  const seen: Array<ToolResultSeen> = []
  for (const message of params.messages) {
    if (message.role !== "user" || typeof message.content === "string") continue
    for (const block of message.content) {
      if (block.type === "tool_result")
        seen.push({ toolCallId: block.tool_use_id, content: Scenario.toolResultText(block.content) })
    }
  }
  return messageOf(Scenario.fakeModelNext(first === undefined ? [] : [contentText(first.content)], seen))
}

const contentText = (content: Anthropic.MessageParam["content"]): string => {
  if (typeof content === "string") return content
  for (const block of content) if (block.type === "text") return block.text
  return ""
}

let fakeId = 0

const messageOf = (action: AgentAction): Anthropic.Message => ({
  id: `msg_fake_${fakeId++}`,
  type: "message",
  role: "assistant",
  model: Scenario.modelName,
  content:
    action._tag === "ToolCall"
      ? [
          {
            type: "tool_use",
            id: action.toolCallId,
            name: Scenario.toolName,
            input: action.input,
            caller: { type: "direct" }
          }
        ]
      : [{ type: "text", text: action.text, citations: null }],
  stop_reason: action._tag === "ToolCall" ? "tool_use" : "end_turn",
  stop_sequence: null,
  stop_details: null,
  container: null,
  diagnostics: null,
  usage: {
    input_tokens: 10,
    output_tokens: 20,
    cache_creation: null,
    cache_creation_input_tokens: null,
    cache_read_input_tokens: null,
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: null,
    speed: null
  }
})

/** Builds the raw-SDK contender. */
export const make: MakeContender = async ({ baseURL }) => {
  const client = new Anthropic({ apiKey: "bench-key", baseURL, maxRetries: 0 })
  const create: CreateMessage = (params) => client.messages.create(params)

  return fromScenarios({
    stream: async (prompt) => {
      const stream = await client.messages.create({
        model: Scenario.modelName,
        max_tokens: Scenario.maxTokens,
        messages: [{ role: "user", content: prompt }],
        stream: true
      })
      let text = ""
      let deltas = 0
      for await (const event of stream) {
        if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
          text += event.delta.text
          deltas++
        }
      }
      return { text, deltas }
    },
    requests: (prompts) =>
      sequentially(prompts, async (prompt) =>
        textOf(
          await create({
            model: Scenario.modelName,
            max_tokens: Scenario.maxTokens,
            messages: [{ role: "user", content: prompt }]
          })
        )
      ),
    agents: (prompts) => Promise.all(prompts.map((prompt) => runAgent(create, prompt))),
    fakeAgents: (prompts) => sequentially(prompts, (prompt) => runAgent(fakeCreate, prompt)),
    batchResults: async (prompt) => {
      const batch = await client.messages.batches.create({
        requests: [
          {
            custom_id: "bench-batch",
            params: {
              model: Scenario.modelName,
              max_tokens: Scenario.maxTokens,
              messages: [{ role: "user", content: prompt }]
            }
          }
        ]
      })
      // `results` retrieves the batch (the server ends it then) and decodes the JSONL file line by line.
      let results = 0
      let right = 0
      for await (const line of await client.messages.batches.results(batch.id)) {
        results++
        if (
          line.result.type === "succeeded" &&
          Scenario.isBatchResultRight(line.custom_id, textOf(line.result.message))
        )
          right++
      }
      return { results, right }
    }
  })
}
