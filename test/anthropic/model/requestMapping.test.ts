import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { AgentError, BuiltinTool, Message, Model, type ModelSettings, Usage } from "effect-claude"
import "effect-claude/anthropic"
import { mapRequest } from "../../../src/anthropic/internal/requestMapping.js"
import { mapMessage } from "../../../src/anthropic/internal/responseMapping.js"
import { loadTranscript, messageBody } from "./fixtures.js"

const model = "claude-sonnet-4-5"

const map = (
  messages: ReadonlyArray<Message.ModelMessage>,
  settings: ModelSettings.ModelSettings = {},
  parameters: Model.ModelRequestParameters = Model.textParameters
) => Either.getOrThrow(mapRequest(model, messages, settings, parameters))

const mapError = (
  messages: ReadonlyArray<Message.ModelMessage>,
  settings: ModelSettings.ModelSettings = {},
  parameters: Model.ModelRequestParameters = Model.textParameters
) =>
  Either.getLeft(mapRequest(model, messages, settings, parameters)).pipe(
    (option) => option._tag === "Some" && option.value
  )

const user = (text: string) => ({ role: "user", content: [{ type: "text", text }] })

const weatherTool: Model.ToolDefinition = {
  name: "get_weather",
  description: "Current weather for a city",
  parametersJsonSchema: {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
    additionalProperties: false
  },
  kind: "function"
}

const outputTool: Model.ToolDefinition = {
  name: "final_result",
  description: "The final response",
  parametersJsonSchema: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] },
  kind: "output"
}

const toolParameters = (overrides: Partial<Model.ModelRequestParameters> = {}): Model.ModelRequestParameters => ({
  ...Model.textParameters,
  functionTools: [weatherTool],
  ...overrides
})

const response = (parts: ReadonlyArray<Message.ModelResponsePart>) =>
  new Message.ModelResponse({ parts, usage: Usage.RequestUsage.empty, timestamp: new Date(0) })

describe("request mapping", () => {
  it("sends the model, the default max_tokens, system prompts then the latest instructions as system blocks", () => {
    const history = [
      new Message.ModelRequest({
        parts: [new Message.SystemPromptPart({ content: "Be brief." }), new Message.UserPromptPart({ content: "Hi" })],
        instructions: "Old instructions."
      }),
      response([new Message.TextPart({ content: "Hello!" })]),
      new Message.ModelRequest({
        parts: [new Message.UserPromptPart({ content: "Bye" })],
        instructions: "Answer in French."
      })
    ]
    expect(map(history)).toEqual({
      body: {
        model,
        max_tokens: 4096,
        system: [
          { type: "text", text: "Be brief." },
          { type: "text", text: "Answer in French." }
        ],
        messages: [user("Hi"), { role: "assistant", content: [{ type: "text", text: "Hello!" }] }, user("Bye")]
      },
      betas: [],
      headers: {},
      timeoutMillis: undefined
    })
  })

  it("merges consecutive messages of one role, maps tool returns and retry prompts", () => {
    const history = [
      Message.ModelRequest.user("Weather in Paris and Rome?"),
      response([
        new Message.TextPart({ content: "Checking." }),
        new Message.ToolCallPart({ toolName: "get_weather", args: { city: "Paris" }, toolCallId: "call_1" }),
        new Message.ToolCallPart({ toolName: "get_weather", args: '{"city": "Ro', toolCallId: "call_2" })
      ]),
      new Message.ModelRequest({
        parts: [
          new Message.ToolReturnPart({ toolName: "get_weather", toolCallId: "call_1", content: { celsius: 21 } }),
          new Message.RetryPromptPart({ content: "Invalid JSON", toolName: "get_weather", toolCallId: "call_2" })
        ]
      }),
      new Message.ModelRequest({
        parts: [
          new Message.ToolReturnPart({
            toolName: "get_weather",
            toolCallId: "call_3",
            content: "boom",
            isError: true
          }),
          new Message.RetryPromptPart({ content: "Please return text." })
        ]
      })
    ]
    expect(map(history).body.messages).toEqual([
      user("Weather in Paris and Rome?"),
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "call_2", name: "get_weather", input: { INVALID_JSON: '{"city": "Ro' } }
        ]
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: '{"celsius":21}', is_error: false },
          {
            type: "tool_result",
            tool_use_id: "call_2",
            content: "Invalid JSON\n\nFix the errors and try again.",
            is_error: true
          },
          { type: "tool_result", tool_use_id: "call_3", content: "boom", is_error: true },
          { type: "text", text: "Validation feedback:\nPlease return text.\n\nFix the errors and try again." }
        ]
      }
    ])
  })

  it("replays thinking with its signature only to Anthropic, other providers' reasoning as text", () => {
    const history = [
      Message.ModelRequest.user("Think"),
      response([
        new Message.ThinkingPart({ content: "Hmm", signature: "sig", provider: "anthropic" }),
        new Message.ThinkingPart({ content: "", redactedData: "opaque", provider: "anthropic" }),
        new Message.ThinkingPart({ content: "Other reasoning", signature: "x", provider: "openai" }),
        new Message.ThinkingPart({ content: "", provider: "openai" }),
        new Message.TextPart({ content: "" }),
        new Message.TextPart({ content: "Done" })
      ])
    ]
    expect(map(history).body.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "thinking", thinking: "Hmm", signature: "sig" },
        { type: "redacted_thinking", data: "opaque" },
        { type: "text", text: "Other reasoning" },
        { type: "text", text: "Done" }
      ]
    })
  })

  it("maps images, PDFs, plain-text documents and uploaded files (with the files beta)", () => {
    const bytes = new TextEncoder().encode("hello")
    const history = [
      Message.ModelRequest.user([
        new Message.TextContent({ text: "Look" }),
        new Message.ImageUrl({ url: "https://example.com/a.png" }),
        new Message.DocumentUrl({ url: "https://example.com/a.pdf" }),
        new Message.BinaryContent({ data: bytes, mediaType: "image/png" }),
        new Message.BinaryContent({ data: bytes, mediaType: "application/pdf" }),
        new Message.BinaryContent({ data: bytes, mediaType: "text/plain" }),
        new Message.UploadedFile({ fileId: "file_1", kind: "image" }),
        new Message.UploadedFile({ fileId: "file_2", kind: "document" })
      ])
    ]
    const mapped = map(history)
    expect(mapped.body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
          { type: "document", source: { type: "url", url: "https://example.com/a.pdf" } },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "aGVsbG8=" } },
          { type: "document", source: { type: "base64", media_type: "application/pdf", data: "aGVsbG8=" } },
          { type: "document", source: { type: "text", media_type: "text/plain", data: "hello" } },
          { type: "image", source: { type: "file", file_id: "file_1" } },
          { type: "document", source: { type: "file", file_id: "file_2" } }
        ]
      }
    ])
    expect(mapped.betas).toEqual(["files-api-2025-04-14"])
  })

  it("rejects content Claude cannot read before sending", () => {
    expect(
      mapError([
        Message.ModelRequest.user([new Message.BinaryContent({ data: new Uint8Array(1), mediaType: "audio/wav" })])
      ])
    ).toEqual(
      new AgentError.UserError({
        message: "Anthropic does not accept audio/wav content: use a JPEG, PNG, GIF or WebP image, a PDF or plain text"
      })
    )
    expect(
      mapError([
        Message.ModelRequest.user([new Message.DocumentUrl({ url: "https://x/a.txt", mediaType: "text/plain" })])
      ])
    ).toBeInstanceOf(AgentError.UserError)
  })

  it("sends function and output tools with tool_choice any when the output tool must be called", () => {
    const mapped = map(
      [Message.ModelRequest.user("Go")],
      {},
      {
        ...toolParameters({ outputTools: [outputTool], outputMode: "tool", allowTextOutput: false })
      }
    )
    expect(mapped.body.tools).toEqual([
      {
        name: "get_weather",
        description: "Current weather for a city",
        input_schema: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
          additionalProperties: false
        }
      },
      {
        name: "final_result",
        description: "The final response",
        input_schema: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] }
      }
    ])
    expect(mapped.body.tool_choice).toEqual({ type: "any" })
  })

  it("falls back to tool_choice auto while thinking, since Claude cannot be forced to call a tool then", () => {
    const mapped = map(
      [Message.ModelRequest.user("Go")],
      { thinking: { budgetTokens: 2000 } },
      toolParameters({ outputTools: [outputTool], outputMode: "tool", allowTextOutput: false })
    )
    expect(mapped.body.tool_choice).toEqual({ type: "auto" })
    expect(mapped.body.thinking).toEqual({ type: "enabled", budget_tokens: 2000 })
  })

  it("maps tool_choice auto / none / a named tool and parallel tool calls", () => {
    const request = [Message.ModelRequest.user("Go")]
    expect(map(request, {}, toolParameters()).body.tool_choice).toEqual({ type: "auto" })
    expect(map(request, { parallelToolCalls: false }, toolParameters()).body.tool_choice).toEqual({
      type: "auto",
      disable_parallel_tool_use: true
    })
    expect(map(request, { anthropic: { toolChoice: "none" } }, toolParameters()).body.tool_choice).toEqual({
      type: "none"
    })
    expect(
      map(request, { parallelToolCalls: false, anthropic: { toolChoice: { name: "get_weather" } } }, toolParameters())
        .body.tool_choice
    ).toEqual({ type: "tool", name: "get_weather", disable_parallel_tool_use: true })
    expect(map(request, { anthropic: { toolChoice: "any" } }, toolParameters()).body.tool_choice).toEqual({
      type: "any"
    })
    expect(map(request).body.tool_choice).toBeUndefined()
  })

  it("asks for the JSON Schema output format in native mode, nothing special in prompted mode", () => {
    const outputObject: Model.OutputObject = {
      name: "City",
      jsonSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
    }
    const native = map(
      [Message.ModelRequest.user("Go")],
      { anthropic: { effort: "low" } },
      {
        ...Model.textParameters,
        outputMode: "native",
        allowTextOutput: false,
        outputObject
      }
    )
    expect(native.body.output_config).toEqual({
      format: { type: "json_schema", schema: outputObject.jsonSchema },
      effort: "low"
    })
    const prompted = map(
      [Message.ModelRequest.user("Go")],
      {},
      {
        ...Model.textParameters,
        outputMode: "prompted",
        outputObject
      }
    )
    expect(prompted.body).toEqual({ model, max_tokens: 4096, messages: [user("Go")] })
  })

  it("maps thinking settings and rejects budgets the API would refuse", () => {
    const request = [Message.ModelRequest.user("Go")]
    expect(map(request, { thinking: true }).body.thinking).toEqual({ type: "enabled", budget_tokens: 2048 })
    expect(map(request, { thinking: "adaptive" }).body.thinking).toEqual({ type: "adaptive" })
    expect(map(request, { thinking: false }).body.thinking).toEqual({ type: "disabled" })
    expect(mapError(request, { thinking: { budgetTokens: 1000 } })).toEqual(
      new AgentError.UserError({ message: "Anthropic needs a thinking budget of at least 1024 tokens, got 1000" })
    )
    expect(mapError(request, { maxTokens: 2000, thinking: { budgetTokens: 2000 } })).toEqual(
      new AgentError.UserError({
        message:
          "The thinking budget (2000 tokens) must be less than maxTokens (2000): raise maxTokens or lower the budget"
      })
    )
    expect(mapError(request, { maxTokens: 1024, thinking: true })).toBeInstanceOf(AgentError.UserError)
  })

  it("sends sampling settings in the body, extra body last, and headers, betas, metadata, tier, container apart", () => {
    const mapped = map([Message.ModelRequest.user("Go")], {
      maxTokens: 1000,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stopSequences: ["END"],
      timeout: "30 seconds",
      extraHeaders: { "x-trace": "1" },
      extraBody: { temperature: 0.3, context_management: { edits: [] } },
      anthropic: {
        userId: "user-1",
        serviceTier: "standard_only",
        betas: ["context-1m-2025-08-07"],
        container: { id: "container_1", skills: [{ type: "anthropic", skillId: "pptx" }] },
        inferenceGeo: "us",
        speed: "fast"
      }
    })
    expect(mapped).toEqual({
      body: {
        model,
        max_tokens: 1000,
        messages: [user("Go")],
        metadata: { user_id: "user-1" },
        service_tier: "standard_only",
        container: { id: "container_1", skills: [{ type: "anthropic", skill_id: "pptx" }] },
        inference_geo: "us",
        speed: "fast",
        stop_sequences: ["END"],
        temperature: 0.3,
        top_p: 0.9,
        top_k: 40,
        context_management: { edits: [] }
      },
      betas: ["context-1m-2025-08-07"],
      headers: { "x-trace": "1" },
      timeoutMillis: 30_000
    })
  })

  it("maps built-in tools to server tools and MCP servers (with the MCP beta)", () => {
    const mapped = map(
      [Message.ModelRequest.user("Go")],
      {},
      {
        ...Model.textParameters,
        builtinTools: [
          BuiltinTool.webSearch({
            maxUses: 3,
            allowedDomains: ["example.com"],
            userLocation: { city: "Paris", country: "FR" }
          }),
          BuiltinTool.webFetch({ blockedDomains: ["evil.example"] }),
          BuiltinTool.codeExecution(),
          BuiltinTool.mcpServer({
            name: "deepwiki",
            url: "https://mcp.deepwiki.com/mcp",
            authorizationToken: "token",
            allowedTools: ["ask_question"]
          })
        ]
      }
    )
    expect(mapped.body.tools).toEqual([
      {
        type: "web_search_20250305",
        name: "web_search",
        max_uses: 3,
        allowed_domains: ["example.com"],
        user_location: { type: "approximate", city: "Paris", country: "FR" }
      },
      { type: "web_fetch_20250910", name: "web_fetch", blocked_domains: ["evil.example"] },
      { type: "code_execution_20260120", name: "code_execution" }
    ])
    expect(mapped.body.tool_choice).toEqual({ type: "auto" })
    expect(mapped.body.mcp_servers).toEqual([
      {
        type: "url",
        name: "deepwiki",
        url: "https://mcp.deepwiki.com/mcp",
        authorization_token: "token",
        tool_configuration: { allowed_tools: ["ask_question"] }
      }
    ])
    expect(mapped.betas).toEqual(["mcp-client-2025-04-04"])
  })

  it("replays Anthropic's server tool calls, results and unknown blocks, and drops other providers'", () => {
    const history = [
      Message.ModelRequest.user("Search"),
      response([
        new Message.BuiltinToolCallPart({
          toolName: "web_search",
          args: { query: "news" },
          toolCallId: "srvtoolu_1",
          provider: "anthropic"
        }),
        new Message.BuiltinToolReturnPart({
          toolName: "web_search",
          toolCallId: "srvtoolu_1",
          content: [{ type: "web_search_result", url: "https://a", title: "A", encrypted_content: "e" }],
          provider: "anthropic"
        }),
        new Message.BuiltinToolCallPart({
          toolName: "mcp_server:deepwiki:ask_question",
          args: { question: "?" },
          toolCallId: "mcptoolu_1",
          provider: "anthropic"
        }),
        new Message.BuiltinToolReturnPart({
          toolName: "mcp_server:deepwiki:ask_question",
          toolCallId: "mcptoolu_1",
          content: { content: [{ type: "text", text: "Answer" }], is_error: false },
          provider: "anthropic"
        }),
        new Message.OpaquePart({
          type: "container_upload",
          data: { type: "container_upload", file_id: "file_9" },
          provider: "anthropic"
        }),
        new Message.BuiltinToolCallPart({ toolName: "web_search", args: {}, toolCallId: "ws_1", provider: "openai" }),
        new Message.OpaquePart({ type: "reasoning", data: { id: "r" }, provider: "openai" })
      ])
    ]
    expect(map(history).body.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "news" } },
        {
          type: "web_search_tool_result",
          tool_use_id: "srvtoolu_1",
          content: [{ type: "web_search_result", url: "https://a", title: "A", encrypted_content: "e" }]
        },
        {
          type: "mcp_tool_use",
          id: "mcptoolu_1",
          name: "ask_question",
          server_name: "deepwiki",
          input: { question: "?" }
        },
        {
          type: "mcp_tool_result",
          tool_use_id: "mcptoolu_1",
          content: [{ type: "text", text: "Answer" }],
          is_error: false
        },
        { type: "container_upload", file_id: "file_9" }
      ]
    })
  })
})

/** Drops `null` fields, which the recording client sent and this mapping leaves out. */
const withoutNulls = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withoutNulls)
    : typeof value === "object" && value !== null
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([, field]) => field !== null)
            .map(([key, field]) => [key, withoutNulls(field)])
        )
      : value

describe("request mapping against the recorded requests", () => {
  it("replays a thinking turn with tool use exactly as the recorded second request", () => {
    const [first, second] = loadTranscript("anthropic_tool_with_thinking").interactions
    const answer = mapMessage(messageBody(first!), new Date(0))
    const call = Message.toolCalls(answer)[0]!
    const history = [
      Message.ModelRequest.user("What is the largest city in the user country?"),
      answer,
      new Message.ModelRequest({
        parts: [new Message.ToolReturnPart({ toolName: call.toolName, toolCallId: call.toolCallId, content: "Mexico" })]
      })
    ]
    const tool: Model.ToolDefinition = {
      name: "get_user_country",
      description: "",
      parametersJsonSchema: { additionalProperties: false, properties: {}, type: "object" },
      kind: "function"
    }
    const mapped = map(history, { thinking: { budgetTokens: 3000 } }, toolParameters({ functionTools: [tool] }))
    const { stream: _stream, ...recorded } = second!.request.body
    expect(mapped.body).toEqual({ ...recorded, model })
  })

  it("replays MCP calls and results exactly as the recorded second request", () => {
    const [first, second] = loadTranscript("anthropic_mcp_servers").interactions
    const answer = mapMessage(messageBody(first!), new Date(0))
    const recordedMessages = second!.request.body.messages as ReadonlyArray<{ content: Array<{ text: string }> }>
    const history = [
      Message.ModelRequest.user("Can you tell me more about the pydantic/pydantic-ai repo? Keep your answer short"),
      answer,
      Message.ModelRequest.user(recordedMessages.at(-1)!.content[0]!.text)
    ]
    const mapped = map(
      history,
      { thinking: { budgetTokens: 3000 } },
      {
        ...Model.textParameters,
        builtinTools: [BuiltinTool.mcpServer({ name: "deepwiki", url: "https://mcp.deepwiki.com/mcp" })]
      }
    )
    const { stream: _stream, ...recorded } = second!.request.body
    expect(mapped.body).toEqual(withoutNulls({ ...recorded, model }))
    expect(mapped.betas).toEqual(["mcp-client-2025-04-04"])
  })

  it("sends parallel tool results in one user message, as recorded", () => {
    const [first, second] = loadTranscript("multiple_parallel_tool_calls").interactions
    const answer = mapMessage(messageBody(first!), new Date(0))
    const results = ["alice is bob's wife", "bob is alice's husband", "charlie is alice's son"]
    results.push("daisy is bob's daughter and charlie's younger sister")
    const history = [
      Message.ModelRequest.user("Alice, Bob, Charlie and Daisy are a family. Who is the youngest?"),
      answer,
      new Message.ModelRequest({
        parts: Message.toolCalls(answer).map(
          (call, index) =>
            new Message.ToolReturnPart({
              toolName: call.toolName,
              toolCallId: call.toolCallId,
              content: results[index]
            })
        )
      })
    ]
    expect(map(history).body.messages).toEqual(second!.request.body.messages)
  })

  it("maps the recorded multimodal and retry requests", () => {
    const image = loadTranscript("image_url_input").interactions[0]!.request.body
    expect(
      map([
        Message.ModelRequest.user([
          new Message.TextContent({ text: "What is this vegetable?" }),
          new Message.ImageUrl({
            url: "https://t3.ftcdn.net/jpg/00/85/79/92/360_F_85799278_0BBGV9OAdQDTLnKwAPBCcg1J7QtiieJY.jpg"
          })
        ])
      ]).body.messages
    ).toEqual(image.messages)
    const document = loadTranscript("document_url_input").interactions[0]!.request.body
    expect(
      map([
        Message.ModelRequest.user([
          new Message.TextContent({ text: "What is the main content on this document?" }),
          new Message.DocumentUrl({ url: "https://pdfobject.com/pdf/sample.pdf" })
        ])
      ]).body.messages
    ).toEqual(document.messages)
    // The recording client sent two user turns in a row; the API joins them, this mapping does it first.
    const retry = loadTranscript("anthropic_model_retrying_after_empty_response").interactions[0]!.request.body
    const retryMessages = retry.messages as ReadonlyArray<{ content: ReadonlyArray<unknown> }>
    expect(
      map([
        Message.ModelRequest.user("Hi"),
        response([]),
        new Message.ModelRequest({ parts: [new Message.RetryPromptPart({ content: "Please return text." })] })
      ]).body.messages
    ).toEqual([{ role: "user", content: retryMessages.flatMap((message) => message.content) }])
    const headers = loadTranscript("extra_headers").interactions[0]!.request.body
    expect(map([Message.ModelRequest.user("hello")], { anthropic: { userId: "123" } }).body.metadata).toEqual(
      headers.metadata
    )
  })
})
