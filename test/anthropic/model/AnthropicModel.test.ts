import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import {
  Chunk,
  Context,
  Effect,
  FiberRef,
  FiberRefs,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Schedule,
  Stream,
  Tracer
} from "effect"
import { AgentError, BuiltinTool, Message, Model, type ModelSettings } from "effect-claude"
import { AnthropicClient, AnthropicError, AnthropicModel, AnthropicRetry } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { fold as foldResponseStream } from "../../../src/ModelResponseBuilder.js"

/** A Claude model over a loopback mock server answering with `script`. */
const withServer = <A, E>(
  script: MockAnthropicServer.Script,
  settings: ModelSettings.ModelSettings,
  body: (model: AnthropicModel.Service, server: MockAnthropicServer.Service) => Effect.Effect<A, E>
) =>
  Effect.gen(function* () {
    const server = yield* MockAnthropicServer.make(script)
    return yield* Effect.flatMap(AnthropicModel.make("claude-sonnet-4-6", settings), (model) =>
      body(model, server)
    ).pipe(
      Effect.provide(AnthropicClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.baseURL })),
      Effect.provide(NodeHttpClient.layerUndici)
    )
  })

const hello = [Message.ModelRequest.user("Hello")]

const toolMessage = MockAnthropicServer.message([
  MockAnthropicServer.thinkingBlock("I should look it up.", "sig-1"),
  MockAnthropicServer.textBlock("Let me check the weather in both cities."),
  MockAnthropicServer.toolUseBlock("get_weather", { city: "Paris", units: "metric" }, "toolu_1"),
  MockAnthropicServer.toolUseBlock("get_weather", { city: "Rome" }, "toolu_2")
])

const weather: Model.ToolDefinition = {
  name: "get_weather",
  description: "Weather",
  parametersJsonSchema: { type: "object", properties: { city: { type: "string" } } },
  kind: "function"
}

describe("AnthropicModel", () => {
  it.scopedLive("a streamed answer folds to exactly the non-streamed answer of the same message", () =>
    withServer(
      [MockAnthropicServer.reply(toolMessage), MockAnthropicServer.reply(toolMessage, { chunkSize: 3 })],
      {},
      (model) =>
        Effect.gen(function* () {
          const parameters = { ...Model.textParameters, functionTools: [weather] }
          const whole = yield* model.request(hello, {}, parameters)
          const streamed = yield* foldResponseStream(model.requestStream(hello, {}, parameters))
          expect(streamed).toEqual(new Message.ModelResponse({ ...whole, timestamp: streamed.timestamp }))
          expect(whole.parts).toEqual([
            new Message.ThinkingPart({ content: "I should look it up.", signature: "sig-1", provider: "anthropic" }),
            new Message.TextPart({ content: "Let me check the weather in both cities." }),
            new Message.ToolCallPart({
              toolName: "get_weather",
              args: { city: "Paris", units: "metric" },
              toolCallId: "toolu_1"
            }),
            new Message.ToolCallPart({ toolName: "get_weather", args: { city: "Rome" }, toolCallId: "toolu_2" })
          ])
          expect(whole.finishReason).toBe("tool_call")
        })
    )
  )

  it.scopedLive("settings the API would reject fail with a UserError before any request", () =>
    withServer([], {}, (model, server) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          model.request(hello, { thinking: { budgetTokens: 512 } }, Model.textParameters)
        )
        expect(error).toEqual(
          new AgentError.UserError({ message: "Anthropic needs a thinking budget of at least 1024 tokens, got 512" })
        )
        const streamError = yield* Effect.flip(
          Stream.runDrain(model.requestStream(hello, { maxTokens: 1000, thinking: true }, Model.textParameters))
        )
        expect(streamError._tag).toBe("UserError")
        expect(yield* server.requestCount).toBe(0)
      })
    )
  )

  it.scopedLive("betas and extra headers go in headers; sampling, metadata and merged settings in the body", () =>
    withServer(
      [MockAnthropicServer.textMessage("ok")],
      { maxTokens: 100, temperature: 1, anthropic: { userId: "user-1", betas: ["context-1m-2025-08-07"] } },
      (model, server) =>
        Effect.gen(function* () {
          yield* model.request(
            hello,
            { maxTokens: 200, temperature: 0.5, topK: 5, topP: 0.9, extraHeaders: { "x-trace-id": "t-1" } },
            {
              ...Model.textParameters,
              builtinTools: [BuiltinTool.mcpServer({ name: "wiki", url: "https://mcp.example.com" })]
            }
          )
          const [received] = yield* server.requests
          expect(received!.headers["anthropic-beta"]).toBe("mcp-client-2025-04-04,context-1m-2025-08-07")
          expect(received!.headers["x-trace-id"]).toBe("t-1")
          expect(received!.body).toEqual({
            model: "claude-sonnet-4-6",
            max_tokens: 200,
            messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
            mcp_servers: [{ type: "url", name: "wiki", url: "https://mcp.example.com" }],
            metadata: { user_id: "user-1" },
            temperature: 0.5,
            top_p: 0.9,
            top_k: 5,
            stream: false
          })
        })
    )
  )

  it.scopedLive("native output sends the JSON Schema output format", () =>
    withServer([MockAnthropicServer.textMessage('{"city":"Paris"}')], {}, (model, server) =>
      Effect.gen(function* () {
        const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
        const response = yield* model.request(
          hello,
          {},
          {
            ...Model.textParameters,
            outputMode: "native",
            allowTextOutput: false,
            outputObject: { name: "City", jsonSchema: schema }
          }
        )
        expect(JSON.parse(Message.responseText(response))).toEqual({ city: "Paris" })
        const [received] = yield* server.requests
        expect(received!.body).toMatchObject({ output_config: { format: { type: "json_schema", schema } } })
      })
    )
  )

  it.scopedLive(
    "an SSE error event in the middle of a stream is the SDK's error, typed, after the events before it",
    () =>
      withServer(
        [
          MockAnthropicServer.reply(MockAnthropicServer.textMessage("one two three four five six"), {
            fault: MockAnthropicServer.errorEventAfterEvents(4)
          })
        ],
        {},
        (model) =>
          Effect.gen(function* () {
            const seen: Array<string> = []
            const error = yield* Effect.flip(
              Stream.runForEach(model.requestStream(hello, {}, Model.textParameters), (event) =>
                Effect.sync(() => seen.push(event._tag))
              )
            )
            // The SDK throws a status-less APIError for SSE error events; it is mirrored by its type.
            expect(error).toMatchObject({ _tag: "OverloadedError", status: 529, errorType: "overloaded_error" })
            expect(AnthropicError.isAnthropicError(error) && AnthropicError.isRetryable(error)).toBe(true)
            expect(seen).toContain("PartStart")
          })
      )
  )

  it.scopedLive("a response of a shape the mapping cannot read is UnexpectedModelBehavior, not a defect", () =>
    withServer([MockAnthropicServer.json({ ...MockAnthropicServer.textMessage("ok"), content: null })], {}, (model) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(model.request(hello, {}, Model.textParameters))
        expect(error).toBeInstanceOf(AgentError.UnexpectedModelBehavior)
      })
    )
  )

  it.scopedLive("a block or usage of the wrong shape fails the request with UnexpectedModelBehavior naming it", () =>
    withServer(
      [
        MockAnthropicServer.json({ ...MockAnthropicServer.textMessage("ok"), content: [{ type: "text", text: 42 }] }),
        MockAnthropicServer.json({
          ...MockAnthropicServer.textMessage("ok"),
          usage: { input_tokens: "3", output_tokens: 1 }
        }),
        MockAnthropicServer.json({ ...MockAnthropicServer.textMessage("ok"), model: null })
      ],
      {},
      (model) =>
        Effect.gen(function* () {
          const messages: Array<string> = []
          for (let i = 0; i < 3; i++) {
            const error = yield* Effect.flip(model.request(hello, {}, Model.textParameters))
            expect(error).toBeInstanceOf(AgentError.UnexpectedModelBehavior)
            messages.push(error.message)
          }
          expect(messages).toEqual([
            "Claude's response could not be read: malformed text block: text: Expected string, actual 42",
            'Claude\'s response could not be read: malformed usage: input_tokens: Expected number, actual "3"',
            "Claude's response could not be read: malformed message: model: Expected string, actual null"
          ])
        })
    )
  )

  it.scopedLive("each request gets a span under its caller's, ended with its exit; retry logs run under it", () => {
    const spans: Array<{ name: string; parent: string | undefined; attributes: Map<string, unknown>; exit?: string }> =
      []
    const tracer = Tracer.make({
      span: (name, parent, context, links, startTime, kind, options) => {
        const recorded: (typeof spans)[number] = {
          name,
          parent: Option.match(parent, {
            onNone: () => undefined,
            onSome: (span) => (span._tag === "Span" ? span.name : undefined)
          }),
          attributes: new Map(Object.entries(options?.attributes ?? {}))
        }
        spans.push(recorded)
        let status: Tracer.SpanStatus = { _tag: "Started", startTime }
        return {
          _tag: "Span",
          name,
          spanId: `span${spans.length}`,
          traceId: "trace",
          parent,
          context,
          get status() {
            return status
          },
          attributes: recorded.attributes,
          links,
          sampled: true,
          kind,
          end: (endTime, exit) => {
            status = { _tag: "Ended", startTime, endTime, exit }
            recorded.exit = exit._tag
          },
          attribute: (key, value) => {
            recorded.attributes.set(key, value)
          },
          event: () => {},
          addLinks: () => {}
        }
      },
      context: (f) => f()
    })
    // The span each log line was written under.
    const logSpans: Array<string | undefined> = []
    const logger = Logger.make(({ context }) => {
      const span = Context.getOption(FiberRefs.getOrDefault(context, FiberRef.currentContext), Tracer.ParentSpan)
      logSpans.push(
        Option.match(span, { onNone: () => undefined, onSome: (one) => (one._tag === "Span" ? one.name : undefined) })
      )
    })
    return withServer(
      [MockAnthropicServer.apiError(529), MockAnthropicServer.textMessage("ok"), MockAnthropicServer.apiError(400)],
      {},
      (model) =>
        Effect.gen(function* () {
          const response = yield* model.request(hello, {}, Model.textParameters)
          expect(Message.responseText(response)).toBe("ok")
          yield* Effect.flip(model.request(hello, {}, Model.textParameters))
        }).pipe(
          Effect.withSpan("caller"),
          AnthropicRetry.withPolicy(Schedule.recurs(1)),
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.Debug),
          Effect.withTracer(tracer),
          Effect.andThen(() => {
            expect(spans.map(({ name, parent, exit }) => ({ name, parent, exit }))).toEqual([
              { name: "caller", parent: undefined, exit: "Success" },
              { name: "chat claude-sonnet-4-6", parent: "caller", exit: "Success" },
              { name: "chat claude-sonnet-4-6", parent: "caller", exit: "Failure" }
            ])
            expect(spans[1]?.attributes.get("gen_ai.request.model")).toBe("claude-sonnet-4-6")
            expect(logSpans).toEqual(["chat claude-sonnet-4-6", "chat claude-sonnet-4-6"])
          })
        )
    )
  })

  it.scopedLive("counts tokens with the same mapping, without the fields token counting refuses", () =>
    withServer({ countTokens: MockAnthropicServer.json({ input_tokens: 42 }) }, { maxTokens: 100 }, (model, server) =>
      Effect.gen(function* () {
        const counted = yield* model.countTokens(
          [new Message.ModelRequest({ parts: hello[0]!.parts, instructions: "Be brief." })],
          { temperature: 0 },
          { ...Model.textParameters, functionTools: [weather] }
        )
        expect(counted).toBe(42)
        const [received] = yield* server.requests
        expect(received!.path).toBe("/v1/messages/count_tokens")
        expect(received!.body).toEqual({
          model: "claude-sonnet-4-6",
          messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
          system: [{ type: "text", text: "Be brief." }],
          tools: [{ name: "get_weather", description: "Weather", input_schema: weather.parametersJsonSchema }],
          tool_choice: { type: "auto" }
        })
      })
    )
  )

  it.effect("the layer provides the core Model with Claude's profile", () =>
    Effect.gen(function* () {
      const model = yield* Model.Model
      expect(model.modelName).toBe("claude-haiku-4-5")
      expect(model.providerName).toBe("anthropic")
      expect(model.profile).toEqual({ supportsForcedToolCallsWithThinking: false, supportsNativeOutput: true })
      expect(model.settings).toEqual({ maxTokens: 512 })
    }).pipe(
      Effect.provide(
        AnthropicModel.layer("claude-haiku-4-5", { maxTokens: 512 }).pipe(
          Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make("sk-ant-test") })),
          Layer.provide(NodeHttpClient.layerUndici)
        )
      )
    )
  )

  it.scopedLive("streams chunks of events, not one Effect per event", () =>
    withServer(
      [MockAnthropicServer.reply(MockAnthropicServer.textMessage("a b c d e f g h i j k l m n o p"))],
      {},
      (model) =>
        Effect.gen(function* () {
          const chunks = yield* Stream.runCollect(Stream.chunks(model.requestStream(hello, {}, Model.textParameters)))
          const events = Chunk.toReadonlyArray(chunks).reduce((total, chunk) => total + Chunk.size(chunk), 0)
          expect(Chunk.size(chunks)).toBeLessThan(events)
        })
    )
  )
})
