import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { AgentError, Message, Model, type ModelSettings, Usage } from "effect-claude"
import "effect-claude/anthropic"
import { limitCachePoints } from "../../../src/anthropic/internal/cachePoints.js"
import { mapRequest } from "../../../src/anthropic/internal/requestMapping.js"

const model = "claude-sonnet-4-5"
const fiveMinutes = { type: "ephemeral", ttl: "5m" }
const oneHour = { type: "ephemeral", ttl: "1h" }

const tool = (name: string): Model.ToolDefinition => ({
  name,
  parametersJsonSchema: { type: "object", properties: {} },
  kind: "function"
})

const parameters: Model.ModelRequestParameters = { ...Model.textParameters, functionTools: [tool("a"), tool("b")] }

const instructed = (parts: ReadonlyArray<Message.ModelRequestPart>) =>
  new Message.ModelRequest({ parts, instructions: "Be brief." })

const body = (
  messages: ReadonlyArray<Message.ModelMessage>,
  settings: ModelSettings.ModelSettings,
  requestParameters: Model.ModelRequestParameters = parameters
) => Either.getOrThrow(mapRequest(model, messages, settings, requestParameters)).body

const text = (value: string, cache?: object) =>
  cache === undefined ? { type: "text", text: value } : { type: "text", text: value, cache_control: cache }

const tools = (cache?: object) => [
  { name: "a", input_schema: { type: "object", properties: {} } },
  cache === undefined
    ? { name: "b", input_schema: { type: "object", properties: {} } }
    : { name: "b", input_schema: { type: "object", properties: {} }, cache_control: cache }
]

/** One user prompt cut by cache points after each of its first three texts. */
const threeMarkers = () =>
  Message.ModelRequest.user([
    new Message.TextContent({ text: "one" }),
    new Message.CachePoint({}),
    new Message.TextContent({ text: "two" }),
    new Message.CachePoint({ ttl: "1h" }),
    new Message.TextContent({ text: "three" }),
    new Message.CachePoint({}),
    new Message.TextContent({ text: "four" })
  ])

describe("prompt caching on the wire", () => {
  it("no caching: no cache_control anywhere", () => {
    expect(body([instructed([new Message.UserPromptPart({ content: "Hi" })])], {})).toEqual({
      model,
      max_tokens: 4096,
      system: [text("Be brief.")],
      messages: [{ role: "user", content: [text("Hi")] }],
      tools: tools(),
      tool_choice: { type: "auto" }
    })
  })

  it("a CachePoint marks the block just before it, with its TTL (default 5 minutes)", () => {
    expect(body([threeMarkers()], {}, Model.textParameters)).toEqual({
      model,
      max_tokens: 4096,
      messages: [
        {
          role: "user",
          content: [text("one", fiveMinutes), text("two", oneHour), text("three", fiveMinutes), text("four")]
        }
      ]
    })
  })

  it("a CachePoint opening a part marks the last block of the same (merged) user message", () => {
    const history = [
      Message.ModelRequest.user("Question"),
      new Message.ModelResponse({
        parts: [new Message.ToolCallPart({ toolName: "a", args: {}, toolCallId: "call_1" })],
        usage: Usage.RequestUsage.empty,
        timestamp: new Date(0)
      }),
      new Message.ModelRequest({
        parts: [
          new Message.ToolReturnPart({ toolName: "a", toolCallId: "call_1", content: "result" }),
          new Message.UserPromptPart({ content: [new Message.CachePoint({})] })
        ]
      })
    ]
    expect(body(history, {}, Model.textParameters).messages[2]).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "call_1", content: "result", is_error: false, cache_control: fiveMinutes }
      ]
    })
  })

  it("a CachePoint with nothing before it is a UserError", () => {
    const error = Either.getLeft(
      mapRequest(model, [Message.ModelRequest.user([new Message.CachePoint({})])], {}, Model.textParameters)
    )
    expect(error._tag === "Some" && error.value).toEqual(
      new AgentError.UserError({
        message: "A CachePoint must follow some user content: it caches what comes before it"
      })
    )
  })

  it("cacheInstructions marks the last system block", () => {
    const history = [
      new Message.ModelRequest({
        parts: [new Message.SystemPromptPart({ content: "System." }), new Message.UserPromptPart({ content: "Hi" })],
        instructions: "Be brief."
      })
    ]
    expect(body(history, { anthropic: { cacheInstructions: true } }).system).toEqual([
      text("System."),
      text("Be brief.", fiveMinutes)
    ])
    expect(body(history, { anthropic: { cacheInstructions: "1h" } }).system).toEqual([
      text("System."),
      text("Be brief.", oneHour)
    ])
  })

  it("cacheToolDefinitions marks the last tool", () => {
    expect(body([Message.ModelRequest.user("Hi")], { anthropic: { cacheToolDefinitions: "5m" } }).tools).toEqual(
      tools(fiveMinutes)
    )
  })

  it("cacheMessages marks the last block of the last message, skipping blocks that cannot carry it", () => {
    expect(body([Message.ModelRequest.user("Hi")], { anthropic: { cacheMessages: "1h" } }).messages).toEqual([
      { role: "user", content: [text("Hi", oneHour)] }
    ])
    const prefill = [
      Message.ModelRequest.user("Hi"),
      new Message.ModelResponse({
        parts: [
          new Message.TextPart({ content: "Hello" }),
          new Message.ThinkingPart({ content: "Hmm", signature: "sig", provider: "anthropic" })
        ],
        usage: Usage.RequestUsage.empty,
        timestamp: new Date(0)
      })
    ]
    expect(body(prefill, { anthropic: { cacheMessages: true } }, Model.textParameters).messages[1]).toEqual({
      role: "assistant",
      content: [text("Hello", fiveMinutes), { type: "thinking", thinking: "Hmm", signature: "sig" }]
    })
  })

  it("automaticCaching sets the request-level cache_control", () => {
    expect(
      body([Message.ModelRequest.user("Hi")], { anthropic: { automaticCaching: true } }, Model.textParameters)
    ).toEqual({
      model,
      max_tokens: 4096,
      messages: [{ role: "user", content: [text("Hi")] }],
      cache_control: fiveMinutes
    })
  })

  it("all four settings together use exactly the four breakpoints", () => {
    const settings: ModelSettings.ModelSettings = {
      anthropic: { cacheInstructions: true, cacheToolDefinitions: true, cacheMessages: true, automaticCaching: "1h" }
    }
    expect(body([instructed([new Message.UserPromptPart({ content: "Hi" })])], settings)).toEqual({
      model,
      max_tokens: 4096,
      system: [text("Be brief.", fiveMinutes)],
      messages: [{ role: "user", content: [text("Hi", fiveMinutes)] }],
      tools: tools(fiveMinutes),
      tool_choice: { type: "auto" },
      cache_control: oneHour
    })
  })

  it("keeps system and tool breakpoints and drops the oldest message breakpoints beyond four", () => {
    const settings: ModelSettings.ModelSettings = {
      anthropic: { cacheInstructions: true, cacheToolDefinitions: true, cacheMessages: true }
    }
    // 2 kept + 3 markers + the last message = 6: the two oldest markers go.
    expect(body([instructed(threeMarkers().parts)], settings)).toEqual({
      model,
      max_tokens: 4096,
      system: [text("Be brief.", fiveMinutes)],
      messages: [
        {
          role: "user",
          content: [text("one"), text("two"), text("three", fiveMinutes), text("four", fiveMinutes)]
        }
      ],
      tools: tools(fiveMinutes),
      tool_choice: { type: "auto" }
    })
  })

  it("automatic caching takes a slot too: only the newest message breakpoint is left", () => {
    const settings: ModelSettings.ModelSettings = {
      anthropic: { cacheInstructions: true, cacheToolDefinitions: true, automaticCaching: true }
    }
    expect(body([instructed(threeMarkers().parts)], settings).messages).toEqual([
      { role: "user", content: [text("one"), text("two"), text("three", fiveMinutes), text("four")] }
    ])
  })

  it("more than four breakpoints on system and tools alone is a UserError, before sending", () => {
    const marked = (name: string) => ({
      name,
      input_schema: { type: "object" as const },
      cache_control: { type: "ephemeral" as const }
    })
    const result = mapRequest(
      model,
      [Message.ModelRequest.user("Hi")],
      {
        extraBody: { tools: [marked("a"), marked("b"), marked("c"), marked("d")] },
        anthropic: { automaticCaching: true }
      },
      Model.textParameters
    )
    const expected = new AgentError.UserError({
      message:
        "Anthropic allows at most 4 cache points per request, but the system prompt, tool definitions and automatic caching alone use 5"
    })
    expect(Either.getLeft(result)).toEqual(Either.getLeft(Either.left(expected)))
    expect(
      limitCachePoints({
        system: [
          { type: "text", text: "a", cache_control: { type: "ephemeral" } },
          { type: "text", text: "b", cache_control: { type: "ephemeral" } }
        ],
        tools: [marked("a"), marked("b"), marked("c")],
        messages: []
      })
    ).toEqual(expected)
  })

  it("never mutates the caller's extra body", () => {
    const extraTool = { name: "memory", type: "memory_20250818" }
    const settings: ModelSettings.ModelSettings = {
      extraBody: { tools: [extraTool] },
      anthropic: { cacheToolDefinitions: true }
    }
    expect(body([Message.ModelRequest.user("Hi")], settings).tools).toEqual([
      { ...extraTool, cache_control: fiveMinutes }
    ])
    expect(extraTool).toEqual({ name: "memory", type: "memory_20250818" })
  })
})
