import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Predicate, Redacted, Schema } from "effect"
import { Agent, AgentError, BuiltinTool, FallbackModel, Message, Model, type ModelSettings, Tool } from "effect-claude"
import {
  AnthropicClient,
  AnthropicModel,
  AnthropicProfile,
  ClientTools,
  ContextManagement,
  MemoryStore
} from "effect-claude/anthropic"
import { Transcript } from "effect-claude/testing"
import { countTokensBody, mapRequest } from "../../../src/anthropic/internal/requestMapping.js"
import { finishReason, mapMessage } from "../../../src/anthropic/internal/responseMapping.js"

const transcripts = new URL("../../fixtures/transcripts/", import.meta.url)
const hello = [Message.ModelRequest.user("Hello")]

const outputTool: Model.ToolDefinition = {
  name: "final_result",
  parametersJsonSchema: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] },
  kind: "output"
}
const toolOutput: Model.ModelRequestParameters = {
  ...Model.textParameters,
  outputTools: [outputTool],
  outputMode: "tool",
  allowTextOutput: false
}

const mapFor = (modelId: string, settings: ModelSettings.ModelSettings, parameters = Model.textParameters) =>
  mapRequest(modelId, hello, settings, parameters, AnthropicProfile.forModel(modelId))

describe("#16 points 1, 2, 3, 5, 6: the request mapping follows the model's profile", () => {
  it("Opus 4.7: thinking true is adaptive, the output tool is forced, server tools get the model's versions", () => {
    const mapped = Either.getOrThrow(
      mapFor("claude-opus-4-7", { thinking: true }, { ...toolOutput, builtinTools: [BuiltinTool.webSearch()] })
    )
    expect(mapped.body.thinking).toEqual({ type: "adaptive" })
    expect(mapped.body.tool_choice).toEqual({ type: "any" })
    expect(mapped.body.tools?.at(-1)).toEqual({ type: "web_search_20260209", name: "web_search" })
  })

  it("Opus 4.7 rejects temperature before any request; Fable 5 never forces the output tool", () => {
    expect(Either.getLeft(mapFor("claude-opus-4-7", { temperature: 0.3 }))._tag).toBe("Some")
    const left = mapFor("claude-opus-4-7", { temperature: 0.3 })
    expect(Either.isLeft(left) && left.left).toBeInstanceOf(AgentError.UserError)
    expect(Either.getOrThrow(mapFor("claude-fable-5", {}, toolOutput)).body.tool_choice).toEqual({ type: "auto" })
    expect(Either.getOrThrow(mapFor("claude-sonnet-4-6", { thinking: true }, toolOutput)).body.tool_choice).toEqual({
      type: "auto"
    })
  })

  it("the core profile: Fable cannot be forced (Output.auto picks native output), Opus 4.7 can while thinking", () => {
    expect(AnthropicModel.coreProfile(AnthropicProfile.forModel("claude-fable-5"))).toEqual({
      supportsForcedToolCallsWithThinking: false,
      supportsNativeOutput: true,
      supportsForcedToolCalls: false
    })
    expect(AnthropicModel.coreProfile(AnthropicProfile.forModel("claude-opus-4-7"))).toEqual({
      supportsForcedToolCallsWithThinking: true,
      supportsNativeOutput: true
    })
  })

  it("context management and a client tool sit beside the agent's tools, with their betas", () => {
    const weather = Tool.make("get_weather", {
      parameters: Schema.Struct({ city: Schema.String }),
      handler: () => Effect.succeed("sunny")
    })
    const memory = ClientTools.memory()
    const mapped = Either.getOrThrow(
      mapFor(
        "claude-opus-4-6",
        { anthropic: { contextManagement: [ContextManagement.clearToolUses({ keep: { toolUses: 1 } })] } },
        { ...Model.textParameters, functionTools: [weather.definition, memory.definition] }
      )
    )
    expect(mapped.body.tools?.map((tool) => ("type" in tool ? tool.type : "custom"))).toEqual([
      "custom",
      "memory_20250818"
    ])
    expect(mapped.body.context_management).toEqual({
      edits: [{ type: "clear_tool_uses_20250919", keep: { type: "tool_uses", value: 1 } }]
    })
    expect(mapped.betas).toEqual(["context-management-2025-06-27"])
  })

  it("a tool with no parameters is a plain closed object; a strict tool gets the structured-outputs form", () => {
    const noArgs = Tool.make("now", { parameters: Schema.Struct({}), handler: () => Effect.succeed(1) })
    const strict = Tool.make("pick", {
      parameters: Schema.Struct({ n: Schema.Number.pipe(Schema.lessThan(10)) }),
      handler: () => Effect.succeed(1),
      strict: true
    })
    const mapped = Either.getOrThrow(
      mapFor(
        "claude-sonnet-4-5",
        {},
        { ...Model.textParameters, functionTools: [noArgs.definition, strict.definition] }
      )
    )
    expect(mapped.body.tools?.[0]).toEqual({
      name: "now",
      input_schema: { type: "object", properties: {}, additionalProperties: false }
    })
    expect(mapped.body.tools?.[1]).toMatchObject({
      name: "pick",
      strict: true,
      input_schema: {
        properties: { n: { type: "number", description: expect.stringContaining("exclusiveMaximum: 10") } }
      }
    })
  })

  it("token counting leaves out server tools and MCP servers", () => {
    const mapped = Either.getOrThrow(
      mapFor(
        "claude-sonnet-4-6",
        {},
        {
          ...Model.textParameters,
          builtinTools: [BuiltinTool.webSearch(), BuiltinTool.mcpServer({ name: "x", url: "https://example.com/mcp" })]
        }
      )
    )
    expect(mapped.body.mcp_servers).toBeDefined()
    const counted = countTokensBody(mapped.body)
    expect(counted).not.toHaveProperty("tools")
    expect(counted).not.toHaveProperty("tool_choice")
    expect(counted).not.toHaveProperty("mcp_servers")
  })
})

describe("#16 point 2: responses, usage over iterations, a compaction pause", () => {
  it("usage sums every iteration; the stop reason compaction is continued like pause_turn", () => {
    const response = mapMessage(
      {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: "claude-opus-4-6",
        content: [{ type: "compaction", content: "Summary so far", encrypted_content: null }],
        stop_reason: "compaction",
        stop_sequence: null,
        usage: {
          input_tokens: 2_000,
          output_tokens: 300,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          iterations: [
            { type: "compaction", input_tokens: 160_000, output_tokens: 2_500 },
            { type: "message", input_tokens: 2_000, output_tokens: 300 }
          ]
        }
      },
      new Date(0)
    )
    expect([response.usage.inputTokens, response.usage.outputTokens]).toEqual([162_000, 2_800])
    expect(response.usage.details.iteration_1_compaction_input_tokens).toBe(160_000)
    expect(response.finishReason).toBe("suspended")
    expect(finishReason("compaction")).toBe("suspended")
    // #16 point 2: a compaction block is a typed part (it was an OpaquePart).
    expect(response.parts[0]).toMatchObject({
      _tag: "CompactionPart",
      content: "Summary so far",
      encryptedContent: null
    })
  })
})

describe("#16 point 6: FallbackModel falls back on every 5xx, 408, 409 and connection errors by default", () => {
  it("by status and by tag", () => {
    const withStatus = (status: number) => ({ _tag: "APIError", status, message: "x" })
    for (const status of [500, 501, 502, 504, 529, 408, 409]) {
      expect(FallbackModel.defaultFallbackOn(withStatus(status) as never)).toBe(true)
    }
    for (const status of [400, 401, 404, 413, 422]) {
      expect(FallbackModel.defaultFallbackOn(withStatus(status) as never)).toBe(false)
    }
    expect(FallbackModel.defaultFallbackOn({ _tag: "APIConnectionError", message: "down" } as never)).toBe(true)
  })
})

describe("#16 point 3: the memory tool end to end over recorded traffic", () => {
  it.effect("the memory_20250818 definition and its beta are sent, the command runs against the store", () => {
    const agent = Agent.make({ tools: [ClientTools.memory()] })
    return Effect.gen(function* () {
      const result = yield* Agent.run(agent, "Where do I live?")
      expect(result.output).toContain("Mexico City")
      const transcript = yield* Transcript.Transcript
      const [first] = yield* transcript.received
      const body = Predicate.isRecord(first?.body) ? first.body : {}
      expect(body.tools).toEqual([{ type: "memory_20250818", name: "memory" }])
      const results = result.newMessages.flatMap((message) =>
        message._tag === "ModelRequest" ? message.parts.filter((part) => part._tag === "ToolReturnPart") : []
      )
      expect(String(results[0]?.content)).toContain("/memories/user.md")
    }).pipe(
      Effect.provide(
        AnthropicModel.layer("claude-sonnet-4-5").pipe(
          Layer.provideMerge(AnthropicClient.layer({ apiKey: Redacted.make("sk-ant-test") })),
          Layer.provideMerge(Transcript.layer(new URL("anthropic_memory_tool.json", transcripts)))
        )
      ),
      Effect.provide(MemoryStore.layerMemory({ "user.md": "The user lives in Mexico City." }))
    )
  })
})
