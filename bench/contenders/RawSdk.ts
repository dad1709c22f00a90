/**
 * The floor: hand-written code over the official `@anthropic-ai/sdk`, the way a careful user would
 * write it without any framework (raw stream events, a plain tool loop, `Promise.all` for
 * concurrency). For `loop-overhead` the SDK call is replaced by an in-process function returning
 * the same `Message` objects, so the row measures a hand loop with nothing under it.
 */
import Anthropic from "@anthropic-ai/sdk"
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

type CreateMessage = (params: Anthropic.MessageCreateParamsNonStreaming) => Promise<Anthropic.Message>

const tools: Array<Anthropic.Tool> = [
  {
    name: toolName,
    description: toolDescription,
    input_schema: { ...toolInputJsonSchema, required: [...toolInputJsonSchema.required] }
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
const runAgent = async (create: CreateMessage, run: number): Promise<AgentRunOutput> => {
  const messages: Array<Anthropic.MessageParam> = [{ role: "user", content: agentPrompt(run) }]
  const toolResults: Array<string> = []
  for (let request = 0; request <= toolSteps + 1; request++) {
    const response = await create({ model: modelName, max_tokens: maxTokens, messages, tools })
    const results: Array<Anthropic.ToolResultBlockParam> = []
    for (const block of response.content) {
      if (block.type !== "tool_use") continue
      if (block.name !== toolName || !isStepInput(block.input)) {
        results.push({ type: "tool_result", tool_use_id: block.id, content: "invalid call", is_error: true })
        continue
      }
      const value = toolValue(block.input.run, block.input.step)
      toolResults.push(value)
      results.push({ type: "tool_result", tool_use_id: block.id, content: value })
    }
    if (results.length === 0) return { text: textOf(response), toolResults }
    messages.push({ role: "assistant", content: response.content }, { role: "user", content: results })
  }
  throw new Error(`run ${run} did not finish`)
}

/** The in-process fake of `messages.create` for `loop-overhead`. */
const fakeCreate: CreateMessage = async (params) => {
  const first = params.messages[0]
  const prompt = first === undefined ? undefined : parsePrompt(contentText(first.content))
  if (prompt?._tag !== "agent") throw new Error("not an agent prompt")
  const seen: Array<ToolResultSeen> = []
  for (const message of params.messages) {
    if (message.role !== "user" || typeof message.content === "string") continue
    for (const block of message.content) {
      if (block.type === "tool_result")
        seen.push({ toolCallId: block.tool_use_id, content: toolResultText(block.content) })
    }
  }
  return messageOf(agentNext(prompt.run, seen))
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
  model: modelName,
  content:
    action._tag === "ToolCall"
      ? [{ type: "tool_use", id: action.toolCallId, name: toolName, input: action.input, caller: { type: "direct" } }]
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

  const run: Contender["run"] = async (scenario, sizes): Promise<ScenarioOutput> => {
    switch (scenario) {
      case "stream-10k": {
        const stream = await client.messages.create({
          model: modelName,
          max_tokens: maxTokens,
          messages: [{ role: "user", content: streamPrompt(sizes.streamDeltas) }],
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
        return { _tag: "stream", output: { text, deltas } }
      }
      case "request-1k": {
        const texts: Array<string> = []
        for (let i = 0; i < sizes.requests; i++) {
          const response = await create({
            model: modelName,
            max_tokens: maxTokens,
            messages: [{ role: "user", content: requestPrompt(i) }]
          })
          texts.push(textOf(response))
        }
        return { _tag: "requests", texts }
      }
      case "agent-3-tools":
        return {
          _tag: "agent",
          runs: await Promise.all(Array.from({ length: sizes.agentRuns }, (_, run) => runAgent(create, run)))
        }
      case "loop-overhead": {
        const runs: Array<AgentRunOutput> = []
        for (let run = 0; run < sizes.loopRuns; run++) runs.push(await runAgent(fakeCreate, run))
        return { _tag: "agent", runs }
      }
    }
  }

  return { run, close: async () => {} }
}
