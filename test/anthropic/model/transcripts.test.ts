/**
 * Every recorded transcript, replayed through the real SDK and `AnthropicModel` over real HTTP on
 * loopback (`MockAnthropicServer` serves the recording): the parts, usage and finish reasons of
 * each answer; streamed answers fold to what the SDK's own accumulator gives; whole answers turn
 * into events that fold back to themselves; and what the SDK sent matches what was recorded.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Redacted, type Scope, Stream } from "effect"
import { BuiltinTool, Message, Model, type ModelSettings, Usage } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { MockAnthropicServer, Transcript } from "effect-claude/testing"
import { mapMessage } from "../../../src/anthropic/internal/responseMapping.js"
import { fold as foldResponseStream, toEvents as responseToEvents } from "../../../src/ModelResponseBuilder.js"
import {
  accumulate,
  type Interaction,
  loadTranscript,
  sseEvents,
  transcriptNames,
  transcriptsDirectory
} from "./fixtures.js"

/** How the recording reaches the SDK: a real server on loopback, or the replaying `HttpClient`. */
type Transport = "loopback server" | "Transcript HttpClient"

/** A request as the replay saw the client send it. */
interface Received {
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

type Outcome = { readonly response: Message.ModelResponse; readonly streamed: boolean }

/**
 * Replays transcript `name` over `transport` and hands the test a Claude model talking to it.
 * Every recorded answer must have been used by the end.
 */
const replayOver =
  (transport: Transport, covered: Set<string>) =>
  <A, E>(
    name: string,
    modelName: string,
    settings: ModelSettings.ModelSettings,
    body: (model: AnthropicModel.Service) => Effect.Effect<A, E>
  ) =>
    Effect.gen(function* () {
      covered.add(name)
      const file = new URL(`${name}.json`, transcriptsDirectory)
      const recorded = loadTranscript(name).interactions.length
      if (transport === "loopback server") {
        const server = yield* MockAnthropicServer.make(yield* MockAnthropicServer.transcript(file))
        const result = yield* Effect.flatMap(AnthropicModel.make(modelName, settings), body).pipe(
          Effect.provide(AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL })),
          Effect.provide(NodeHttpClient.layerUndici)
        )
        const received: ReadonlyArray<Received> = yield* server.requests
        expect(received.length).toBe(recorded)
        return { result, received }
      }
      return yield* Effect.gen(function* () {
        const result = yield* Effect.flatMap(AnthropicModel.make(modelName, settings), body)
        const transcript = yield* Transcript.Transcript
        expect(yield* transcript.remaining).toBe(0)
        const received: ReadonlyArray<Received> = yield* transcript.received
        return { result, received }
      }).pipe(
        Effect.provide(
          AnthropicClient.layer({ apiKey: Redacted.make("sk-ant-test") }).pipe(
            Layer.provideMerge(Transcript.layer(file))
          )
        )
      )
    })

/** A non-streamed request: whole answers turn into events that fold back to the same response. */
const ask = (
  model: AnthropicModel.Service,
  messages: ReadonlyArray<Message.ModelMessage>,
  parameters: Model.ModelRequestParameters = Model.textParameters,
  settings: ModelSettings.ModelSettings = {}
) =>
  Effect.gen(function* () {
    const response = yield* model.request(messages, settings, parameters)
    const refolded = yield* foldResponseStream(Stream.fromChunk(responseToEvents(response)))
    expect(refolded).toEqual(new Message.ModelResponse({ ...response, timestamp: refolded.timestamp }))
    return { response, streamed: false } satisfies Outcome
  })

/** A streamed request, folded; the events really are deltas. */
const askStream = (
  model: AnthropicModel.Service,
  messages: ReadonlyArray<Message.ModelMessage>,
  parameters: Model.ModelRequestParameters = Model.textParameters,
  settings: ModelSettings.ModelSettings = {}
) =>
  Effect.gen(function* () {
    const events = Chunk.toReadonlyArray(yield* Stream.runCollect(model.requestStream(messages, settings, parameters)))
    expect(events.some((event) => event._tag === "PartDelta")).toBe(true)
    const response = yield* foldResponseStream(Stream.fromIterable(events))
    return { response, streamed: true } satisfies Outcome
  })

/** Drops `null` fields (the recording client sent them; this library leaves them out). */
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

/** Consecutive messages of one role as one, which is how the API reads them. */
const mergedTurns = (messages: unknown): unknown => {
  if (!Array.isArray(messages)) return messages
  const merged: Array<{ role: unknown; content: Array<unknown> }> = []
  for (const message of messages) {
    const last = merged.at(-1)
    if (last !== undefined && last.role === message.role) last.content.push(...message.content)
    else merged.push({ role: message.role, content: [...message.content] })
  }
  return merged
}

const systemText = (system: unknown): string | undefined =>
  typeof system === "string"
    ? system.trim()
    : Array.isArray(system)
      ? system.map((block: { text: string }) => block.text).join("\n\n")
      : undefined

/**
 * What was sent against what was recorded: the same messages (turns merged, nulls dropped), the
 * same tools, tool choice, thinking, MCP servers, metadata, caching and stream flag, the same
 * system text. (Recordings came from another client library; these are the fields that matter.)
 */
const expectSameRequests = (received: ReadonlyArray<Received>, interactions: ReadonlyArray<Interaction>) => {
  expect(received.map((request) => request.path)).toEqual(interactions.map((interaction) => interaction.request.path))
  received.forEach((request, index) => {
    const sent = request.body as Record<string, unknown>
    const recorded = withoutNulls(interactions[index]!.request.body) as Record<string, unknown>
    expect(mergedTurns(sent.messages)).toEqual(mergedTurns(recorded.messages))
    expect(systemText(sent.system)).toEqual(systemText(recorded.system))
    for (const key of [
      "model",
      "max_tokens",
      "stream",
      "tools",
      "tool_choice",
      "thinking",
      "mcp_servers",
      "metadata",
      "cache_control"
    ]) {
      expect({ [key]: sent[key] }).toEqual({ [key]: recorded[key] })
    }
  })
}

/** The answers match the recorded ones: streamed ones fold to what the SDK accumulates. */
const expectRecordedAnswers = async (outcomes: ReadonlyArray<Outcome>, interactions: ReadonlyArray<Interaction>) => {
  const answers = interactions.filter((interaction) => interaction.request.path === "/v1/messages")
  expect(outcomes.length).toBe(answers.length)
  for (const [index, outcome] of outcomes.entries()) {
    const recorded = answers[index]!.response
    const message =
      typeof recorded.body === "string"
        ? await accumulate(await sseEvents(recorded.body))
        : JSON.parse(JSON.stringify(recorded.body))
    expect(outcome.streamed).toBe(typeof recorded.body === "string")
    expect(outcome.response).toEqual(mapMessage(message, outcome.response.timestamp))
  }
}

const check = <E>(
  name: string,
  run: Effect.Effect<
    { readonly result: ReadonlyArray<Outcome>; readonly received: ReadonlyArray<Received> },
    E,
    Scope.Scope
  >
) =>
  Effect.gen(function* () {
    const { result, received } = yield* run
    const { interactions } = loadTranscript(name)
    expectSameRequests(received, interactions)
    yield* Effect.promise(() => expectRecordedAnswers(result, interactions))
    return result.map((outcome) => outcome.response)
  })

const usage = (fields: Partial<Usage.RequestUsage>) => new Usage.RequestUsage(fields)

const plainDetails = (input: number, output: number) => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  ephemeral_5m_input_tokens: 0,
  ephemeral_1h_input_tokens: 0
})

const functionTool = (
  name: string,
  description: string,
  properties: Record<string, unknown> = {},
  required?: ReadonlyArray<string>
): Model.ToolDefinition => ({
  name,
  description,
  parametersJsonSchema: {
    additionalProperties: false,
    properties,
    ...(required === undefined ? {} : { required }),
    type: "object"
  },
  kind: "function"
})

const userCountry = functionTool("get_user_country", "")

const returnFor = (response: Message.ModelResponse, content: ReadonlyArray<unknown>, instructions?: string) =>
  new Message.ModelRequest({
    parts: Message.toolCalls(response).map(
      (call, index) =>
        new Message.ToolReturnPart({ toolName: call.toolName, toolCallId: call.toolCallId, content: content[index] })
    ),
    instructions
  })

describe.each<Transport>(["loopback server", "Transcript HttpClient"])(
  "transcripts replayed through AnthropicModel over the %s",
  (transport) => {
    const covered = new Set<string>()
    const replay = replayOver(transport, covered)

    it.scopedLive("anthropic_model_instructions: a text answer to a prompt with instructions", () =>
      Effect.gen(function* () {
        const [answer] = yield* check(
          "anthropic_model_instructions",
          replay("anthropic_model_instructions", "claude-3-opus-latest", {}, (model) =>
            Effect.all([
              ask(model, [
                new Message.ModelRequest({
                  parts: [new Message.UserPromptPart({ content: "What is the capital of France?" })],
                  instructions: "You are a helpful assistant."
                })
              ])
            ])
          )
        )
        expect(answer).toEqual(
          new Message.ModelResponse({
            parts: [new Message.TextPart({ content: "The capital of France is Paris." })],
            usage: usage({ inputTokens: 20, outputTokens: 10, details: plainDetails(20, 10) }),
            modelName: "claude-3-opus-20240229",
            finishReason: "stop",
            providerResponseId: "msg_01Fg1JVgvCYUHWsxrj9GkpEv",
            providerDetails: { stop_reason: "end_turn" },
            providerName: "anthropic",
            timestamp: answer!.timestamp
          })
        )
      })
    )

    it.scopedLive("multiple_parallel_tool_calls: four tool calls in one answer, their results in one turn", () =>
      Effect.gen(function* () {
        const tool = functionTool(
          "retrieve_entity_info",
          "Get the knowledge about the given entity.",
          {
            name: { type: "string" }
          },
          ["name"]
        )
        const system = new Message.SystemPromptPart({
          content:
            "Use the `retrieve_entity_info` tool to get information about a specific person.\n    If you need to use `retrieve_entity_info` to get information about multiple people, try\n    to call them in parallel as much as possible.\n    Think step by step and then provide a single most probable concise answer."
        })
        const parameters = { ...Model.textParameters, functionTools: [tool] }
        const [calls, final] = yield* check(
          "multiple_parallel_tool_calls",
          replay("multiple_parallel_tool_calls", "claude-haiku-4-5", {}, (model) =>
            Effect.gen(function* () {
              const history: Array<Message.ModelMessage> = [
                new Message.ModelRequest({
                  parts: [
                    system,
                    new Message.UserPromptPart({
                      content: "Alice, Bob, Charlie and Daisy are a family. Who is the youngest?"
                    })
                  ]
                })
              ]
              const first = yield* ask(model, history, parameters)
              history.push(
                first.response,
                returnFor(first.response, [
                  "alice is bob's wife",
                  "bob is alice's husband",
                  "charlie is alice's son",
                  "daisy is bob's daughter and charlie's younger sister"
                ])
              )
              return [first, yield* ask(model, history, parameters)]
            })
          )
        )
        expect(Message.toolCalls(calls!)).toEqual(
          ["Alice", "Bob", "Charlie", "Daisy"].map(
            (name, index) =>
              new Message.ToolCallPart({
                toolName: "retrieve_entity_info",
                args: { name },
                toolCallId: Message.toolCalls(calls!)[index]!.toolCallId
              })
          )
        )
        expect(calls!.finishReason).toBe("tool_call")
        expect(calls!.usage).toEqual(usage({ inputTokens: 423, outputTokens: 202, details: plainDetails(423, 202) }))
        expect(final!.finishReason).toBe("stop")
        expect(Message.responseText(final!)).toContain("Daisy is the youngest")
      })
    )

    it.scopedLive("anthropic_tool_output: structured output through an output tool, forced with tool_choice any", () =>
      Effect.gen(function* () {
        const output: Model.ToolDefinition = {
          name: "final_result",
          description: "The final response which ends this conversation",
          parametersJsonSchema: {
            properties: { city: { type: "string" }, country: { type: "string" } },
            required: ["city", "country"],
            title: "CityLocation",
            type: "object"
          },
          kind: "output"
        }
        const parameters: Model.ModelRequestParameters = {
          ...Model.textParameters,
          functionTools: [userCountry],
          outputTools: [output],
          outputMode: "tool",
          allowTextOutput: false
        }
        const [, final] = yield* check(
          "anthropic_tool_output",
          replay("anthropic_tool_output", "claude-sonnet-4-5", {}, (model) =>
            Effect.gen(function* () {
              const history: Array<Message.ModelMessage> = [
                Message.ModelRequest.user("What is the largest city in the user country?")
              ]
              const first = yield* ask(model, history, parameters)
              history.push(first.response, returnFor(first.response, ["Mexico"]))
              return [first, yield* ask(model, history, parameters)]
            })
          )
        )
        expect(final!.parts).toEqual([
          new Message.ToolCallPart({
            toolName: "final_result",
            args: { city: "Mexico City", country: "Mexico" },
            toolCallId: "toolu_01LZABsgreMefH2Go8D5PQbW"
          })
        ])
        expect(final!.finishReason).toBe("tool_call")
      })
    )

    it.scopedLive("anthropic_prompted_output: the schema in the instructions, a JSON text answer", () =>
      Effect.gen(function* () {
        const instructions =
          'Always respond with a JSON object that\'s compatible with this schema:\n\n{"properties": {"city": {"type": "string"}, "country": {"type": "string"}}, "required": ["city", "country"], "title": "CityLocation", "type": "object"}\n\nDon\'t include any text or Markdown fencing before or after.'
        const parameters: Model.ModelRequestParameters = {
          ...Model.textParameters,
          functionTools: [userCountry],
          outputMode: "prompted"
        }
        const [, final] = yield* check(
          "anthropic_prompted_output",
          replay("anthropic_prompted_output", "claude-sonnet-4-5", {}, (model) =>
            Effect.gen(function* () {
              const history: Array<Message.ModelMessage> = [
                new Message.ModelRequest({
                  parts: [
                    new Message.UserPromptPart({
                      content:
                        "What is the largest city in the user country? Use the get_user_country tool and then your own world knowledge."
                    })
                  ],
                  instructions
                })
              ]
              const first = yield* ask(model, history, parameters)
              history.push(first.response, returnFor(first.response, ["Mexico"], instructions))
              return [first, yield* ask(model, history, parameters)]
            })
          )
        )
        expect(JSON.parse(Message.responseText(final!))).toEqual({ city: "Mexico City", country: "Mexico" })
        expect(final!.usage).toEqual(usage({ inputTokens: 510, outputTokens: 17, details: plainDetails(510, 17) }))
      })
    )

    it.scopedLive("anthropic_model_thinking_part_stream: streamed thinking, signature and text", () =>
      Effect.gen(function* () {
        const [answer] = yield* check(
          "anthropic_model_thinking_part_stream",
          replay(
            "anthropic_model_thinking_part_stream",
            "claude-sonnet-4-0",
            { thinking: { budgetTokens: 1024 } },
            (model) => Effect.all([askStream(model, [Message.ModelRequest.user("How do I cross the street?")])])
          )
        )
        const [thinking, text] = answer!.parts
        expect(thinking).toMatchObject({ _tag: "ThinkingPart", provider: "anthropic" })
        expect(thinking?._tag === "ThinkingPart" && thinking.content).toContain("pedestrian safety")
        expect(thinking?._tag === "ThinkingPart" && thinking.signature?.startsWith("EvMCCkYICxgCKkCHP2cSuEdc")).toBe(
          true
        )
        expect(text?._tag === "TextPart" && text.content.startsWith("Here are the basic steps")).toBe(true)
        expect(answer!.finishReason).toBe("stop")
        expect(answer!.usage.inputTokens).toBe(43)
      })
    )

    it.scopedLive("anthropic_model_thinking_part_redacted_stream: redacted thinking, cumulative usage replaced", () =>
      Effect.gen(function* () {
        const [answer] = yield* check(
          "anthropic_model_thinking_part_redacted_stream",
          replay(
            "anthropic_model_thinking_part_redacted_stream",
            "claude-sonnet-4-5-20250929",
            { thinking: { budgetTokens: 1024 } },
            (model) =>
              Effect.all([
                askStream(model, [
                  Message.ModelRequest.user(
                    "ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_46C9A13E193C177646C7398A98432ECCCE4C1253D5E2D82641AC0E52CC2876CB"
                  )
                ])
              ])
          )
        )
        expect(answer!.parts.map((part) => part._tag)).toEqual(["ThinkingPart", "ThinkingPart", "TextPart"])
        expect(answer!.parts[0]).toMatchObject({ content: "", provider: "anthropic" })
        expect(answer!.parts[0]?._tag === "ThinkingPart" && answer!.parts[0].redactedData?.length).toBeGreaterThan(100)
        // message_start said 88 output tokens, message_delta 189: replaced, not added.
        expect(answer!.usage).toEqual(usage({ inputTokens: 92, outputTokens: 189, details: plainDetails(92, 189) }))
      })
    )

    it.scopedLive("anthropic_tool_with_thinking: thinking replayed with its signature next to a tool call", () =>
      Effect.gen(function* () {
        const parameters = { ...Model.textParameters, functionTools: [userCountry] }
        const [first, final] = yield* check(
          "anthropic_tool_with_thinking",
          replay("anthropic_tool_with_thinking", "claude-sonnet-4-0", { thinking: { budgetTokens: 3000 } }, (model) =>
            Effect.gen(function* () {
              const history: Array<Message.ModelMessage> = [
                Message.ModelRequest.user("What is the largest city in the user country?")
              ]
              const first = yield* ask(model, history, parameters)
              history.push(first.response, returnFor(first.response, ["Mexico"]))
              return [first, yield* ask(model, history, parameters)]
            })
          )
        )
        expect(first!.parts.map((part) => part._tag)).toEqual(["ThinkingPart", "TextPart", "ToolCallPart"])
        expect(first!.finishReason).toBe("tool_call")
        expect(Message.responseText(final!)).toContain("Mexico City")
      })
    )

    it.scopedLive("anthropic_web_search_tool_stream: a streamed server tool with citations", () =>
      Effect.gen(function* () {
        const [answer] = yield* check(
          "anthropic_web_search_tool_stream",
          replay("anthropic_web_search_tool_stream", "claude-sonnet-4-0", {}, (model) =>
            Effect.all([
              askStream(
                model,
                [
                  new Message.ModelRequest({
                    parts: [new Message.UserPromptPart({ content: "Give me the top 3 news in the world today." })],
                    instructions: "You are a helpful assistant."
                  })
                ],
                { ...Model.textParameters, builtinTools: [BuiltinTool.webSearch()] }
              )
            ])
          )
        )
        expect(answer!.parts.slice(0, 2)).toMatchObject([
          {
            _tag: "BuiltinToolCallPart",
            toolName: "web_search",
            args: { query: "top world news today" },
            toolCallId: "srvtoolu_01NcU4XNwyxWK6a9tcJZ8wGY",
            provider: "anthropic"
          },
          { _tag: "BuiltinToolReturnPart", toolName: "web_search", toolCallId: "srvtoolu_01NcU4XNwyxWK6a9tcJZ8wGY" }
        ])
        const cited = answer!.parts.filter((part) => part._tag === "TextPart" && part.citations !== undefined)
        expect(cited.length).toBe(8)
        expect(cited[0]).toMatchObject({
          citations: [
            { _tag: "WebSearchResultLocation", url: "https://www.npr.org/sections/news/" },
            { _tag: "WebSearchResultLocation", url: "https://abcnews.go.com/", citedText: "" }
          ]
        })
        expect(answer!.usage).toEqual(
          usage({
            inputTokens: 31772,
            outputTokens: 644,
            details: { ...plainDetails(31772, 644), web_search_requests: 2 }
          })
        )
      })
    )

    it.scopedLive("anthropic_code_execution_tool: bash code execution results and the container", () =>
      Effect.gen(function* () {
        const parameters = { ...Model.textParameters, builtinTools: [BuiltinTool.codeExecution()] }
        const request = (question: string) =>
          new Message.ModelRequest({
            parts: [
              new Message.SystemPromptPart({ content: "Always use the code execution tool for math." }),
              new Message.UserPromptPart({ content: question })
            ]
          })
        const [first, second] = yield* check(
          "anthropic_code_execution_tool",
          replay("anthropic_code_execution_tool", "claude-sonnet-4-6", { thinking: { budgetTokens: 3000 } }, (model) =>
            Effect.all([
              ask(model, [request("How much is 3 * 12390?")], parameters),
              ask(model, [request("How about 4 * 12390?")], parameters)
            ])
          )
        )
        expect(first!.parts.slice(1, 3)).toEqual([
          new Message.BuiltinToolCallPart({
            toolName: "bash_code_execution",
            args: { command: "echo $((3 * 12390))" },
            toolCallId: "srvtoolu_01Y5A969cu9rsnDkHF6brfKF",
            provider: "anthropic"
          }),
          new Message.BuiltinToolReturnPart({
            toolName: "bash_code_execution",
            toolCallId: "srvtoolu_01Y5A969cu9rsnDkHF6brfKF",
            content: { content: [], return_code: 0, stderr: "", stdout: "37170\n", type: "bash_code_execution_result" },
            provider: "anthropic"
          })
        ])
        expect(first!.providerDetails).toEqual({
          stop_reason: "end_turn",
          container_id: "container_011CaNRhtVsGiXZx1CgSETLH",
          container_expires_at: "2026-04-24T11:19:38.758845Z"
        })
        expect(Message.responseText(second!)).toBe("**4 × 12,390 = 49,560**")
      })
    )

    it.scopedLive("anthropic_mcp_servers: MCP connector calls and results, replayed to the next request", () =>
      Effect.gen(function* () {
        const parameters = {
          ...Model.textParameters,
          builtinTools: [BuiltinTool.mcpServer({ name: "deepwiki", url: "https://mcp.deepwiki.com/mcp" })]
        }
        const [first, second] = yield* check(
          "anthropic_mcp_servers",
          replay("anthropic_mcp_servers", "claude-sonnet-4-0", { thinking: { budgetTokens: 3000 } }, (model) =>
            Effect.gen(function* () {
              const history: Array<Message.ModelMessage> = [
                Message.ModelRequest.user(
                  "Can you tell me more about the pydantic/pydantic-ai repo? Keep your answer short"
                )
              ]
              const first = yield* ask(model, history, parameters)
              history.push(first.response, Message.ModelRequest.user("How about the pydantic repo in the same org?"))
              return [first, yield* ask(model, history, parameters)]
            })
          )
        )
        expect(first!.parts.map((part) => part._tag)).toEqual([
          "ThinkingPart",
          "BuiltinToolCallPart",
          "BuiltinToolReturnPart",
          "TextPart"
        ])
        expect(first!.parts[1]).toEqual(
          new Message.BuiltinToolCallPart({
            toolName: "mcp_server:deepwiki:ask_question",
            args: {
              question: "What is pydantic-ai and what does this repository do?",
              repoName: "pydantic/pydantic-ai"
            },
            toolCallId: "mcptoolu_01SAss3KEwASziHZoMR6HcZU",
            provider: "anthropic"
          })
        )
        expect(first!.parts[2]).toMatchObject({
          toolName: "mcp_server:deepwiki:ask_question",
          content: { is_error: false, content: [{ type: "text" }] }
        })
        expect(second!.usage.details).toMatchObject({ web_search_requests: 0 })
      })
    )

    it.scopedLive("anthropic_memory_tool: a client-executed Anthropic tool defined through the extra body", () =>
      Effect.gen(function* () {
        const settings: ModelSettings.ModelSettings = {
          extraBody: { tools: [{ name: "memory", type: "memory_20250818" }], tool_choice: { type: "auto" } }
        }
        const [first, final] = yield* check(
          "anthropic_memory_tool",
          replay("anthropic_memory_tool", "claude-sonnet-4-5", settings, (model) =>
            Effect.gen(function* () {
              const history: Array<Message.ModelMessage> = [Message.ModelRequest.user("Where do I live?")]
              const first = yield* ask(model, history)
              history.push(first.response, returnFor(first.response, ["The user lives in Mexico City."]))
              return [first, yield* ask(model, history)]
            })
          )
        )
        expect(Message.toolCalls(first!)).toEqual([
          new Message.ToolCallPart({
            toolName: "memory",
            args: { command: "view", path: "/memories" },
            toolCallId: "toolu_01YC8RhZeDTZRbb8n1gUFTmb"
          })
        ])
        expect(Message.responseText(final!)).toContain("Mexico City")
      })
    )

    it.scopedLive("anthropic_cache_real_api: automatic caching, then a cache write and a cache read", () =>
      Effect.gen(function* () {
        const question = loadTranscript("anthropic_cache_real_api").interactions[0]!.request.body
          .messages as ReadonlyArray<{
          content: ReadonlyArray<{ text: string }>
        }>
        const prompt = new Message.ModelRequest({
          parts: [
            new Message.SystemPromptPart({ content: "You are a helpful assistant." }),
            new Message.UserPromptPart({ content: question[0]!.content[0]!.text })
          ]
        })
        const [first, second] = yield* check(
          "anthropic_cache_real_api",
          replay("anthropic_cache_real_api", "claude-sonnet-4-5", { anthropic: { automaticCaching: true } }, (model) =>
            Effect.gen(function* () {
              const first = yield* ask(model, [prompt])
              const second = yield* ask(model, [
                prompt,
                first.response,
                Message.ModelRequest.user("Can you summarize that in one sentence?")
              ])
              return [first, second]
            })
          )
        )
        expect(first!.usage).toMatchObject({ inputTokens: 1114, cacheReadTokens: 1111, cacheWriteTokens: 0 })
        expect(second!.usage).toEqual(
          usage({
            inputTokens: 3 + 418 + 1111,
            outputTokens: 33,
            cacheWriteTokens: 418,
            cacheReadTokens: 1111,
            details: {
              input_tokens: 3,
              output_tokens: 33,
              cache_creation_input_tokens: 418,
              cache_read_input_tokens: 1111,
              ephemeral_5m_input_tokens: 418,
              ephemeral_1h_input_tokens: 0
            }
          })
        )
      })
    )

    it.scopedLive("anthropic_model_usage_limit_not_exceeded: counting tokens with the same mapping, then asking", () =>
      Effect.gen(function* () {
        const prompt = [Message.ModelRequest.user("The quick brown fox jumps over the lazydog.")]
        const { result, received } = yield* replay(
          "anthropic_model_usage_limit_not_exceeded",
          "claude-sonnet-4-5",
          {},
          (model) => Effect.all([model.countTokens(prompt), ask(model, prompt)])
        )
        const [counted, answer] = result
        expect(counted).toBe(19)
        expect(answer.response.usage).toEqual(
          usage({ inputTokens: 19, outputTokens: 77, details: plainDetails(19, 77) })
        )
        const { interactions } = loadTranscript("anthropic_model_usage_limit_not_exceeded")
        expectSameRequests(received, interactions)
        yield* Effect.promise(() => expectRecordedAnswers([answer], interactions))
      })
    )

    it.scopedLive("anthropic_model_retrying_after_empty_response: a retry prompt after an empty answer", () =>
      Effect.gen(function* () {
        const empty = new Message.ModelResponse({ parts: [], usage: Usage.RequestUsage.empty, timestamp: new Date(0) })
        const [answer] = yield* check(
          "anthropic_model_retrying_after_empty_response",
          replay("anthropic_model_retrying_after_empty_response", "claude-haiku-4-5", {}, (model) =>
            Effect.all([
              ask(model, [
                Message.ModelRequest.user("Hi"),
                empty,
                new Message.ModelRequest({ parts: [new Message.RetryPromptPart({ content: "Please return text." })] })
              ])
            ])
          )
        )
        expect(Message.responseText(answer!)).toBe("# Hi there! 👋\n\nHow can I help you today?")
      })
    )

    it.scopedLive("image_url_input and document_url_input: multimodal prompts by URL", () =>
      Effect.gen(function* () {
        const [image] = yield* check(
          "image_url_input",
          replay("image_url_input", "claude-haiku-4-5", {}, (model) =>
            Effect.all([
              ask(model, [
                Message.ModelRequest.user([
                  new Message.TextContent({ text: "What is this vegetable?" }),
                  new Message.ImageUrl({
                    url: "https://t3.ftcdn.net/jpg/00/85/79/92/360_F_85799278_0BBGV9OAdQDTLnKwAPBCcg1J7QtiieJY.jpg"
                  })
                ])
              ])
            ])
          )
        )
        expect(Message.responseText(image!)).toContain("potato")
        const [document] = yield* check(
          "document_url_input",
          replay("document_url_input", "claude-sonnet-4-5", {}, (model) =>
            Effect.all([
              ask(model, [
                Message.ModelRequest.user([
                  new Message.TextContent({ text: "What is the main content on this document?" }),
                  new Message.DocumentUrl({ url: "https://pdfobject.com/pdf/sample.pdf" })
                ])
              ])
            ])
          )
        )
        expect(document!.usage.inputTokens).toBe(2682)
      })
    )

    it.scopedLive("extra_headers: extra headers reach the server, the user id goes into metadata", () =>
      Effect.gen(function* () {
        const settings: ModelSettings.ModelSettings = {
          extraHeaders: { "x-trace-id": "trace-1" },
          anthropic: { userId: "123" }
        }
        const { result, received } = yield* replay("extra_headers", "claude-haiku-4-5", settings, (model) =>
          Effect.all([ask(model, [Message.ModelRequest.user("hello")])])
        )
        expect(received[0]!.headers["x-trace-id"]).toBe("trace-1")
        const { interactions } = loadTranscript("extra_headers")
        expectSameRequests(received, interactions)
        yield* Effect.promise(() => expectRecordedAnswers(result, interactions))
      })
    )

    it.scopedLive("anthropic_count_tokens_error: an unknown model is the SDK's NotFoundError, typed", () =>
      Effect.gen(function* () {
        const { result } = yield* replay("anthropic_count_tokens_error", "claude-does-not-exist", {}, (model) =>
          Effect.flip(model.countTokens([Message.ModelRequest.user("hello")]))
        )
        expect(result).toMatchObject({ _tag: "NotFoundError", status: 404, errorType: "not_found_error" })
        expect(result.message).toContain("model: claude-does-not-exist")
      })
    )

    it("covers every transcript", () => {
      expect([...covered].sort()).toEqual(transcriptNames)
    })
  }
)
