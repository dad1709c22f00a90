import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, JSONSchema, Option, Schema, Stream } from "effect"
import { AgentError, Message, Model, type StreamEvent, Usage } from "effect-claude"
import { TestModel } from "effect-claude/testing"
import fc from "fast-check"
import { fold as foldResponseStream } from "../src/ModelResponseBuilder.js"
import { estimateUsage } from "../src/testing/estimateUsage.js"

const Weather = Schema.Struct({
  city: Schema.NonEmptyString,
  unit: Schema.optional(Schema.Literal("celsius", "fahrenheit")),
  days: Schema.Int.pipe(Schema.between(1, 7))
})
const Add = Schema.Struct({ a: Schema.Number, b: Schema.Number })
const Forecast = Schema.Struct({
  city: Schema.String,
  celsius: Schema.Number.pipe(Schema.between(-50, 50)),
  conditions: Schema.Array(Schema.Literal("sunny", "cloudy", "rainy")).pipe(Schema.minItems(1), Schema.maxItems(3)),
  alert: Schema.optional(Schema.Struct({ level: Schema.Int.pipe(Schema.between(1, 3)), text: Schema.String }))
})

const toolDefinition = <A, I>(
  name: string,
  schema: Schema.Schema<A, I>,
  kind: Model.ToolDefinition["kind"] = "function"
): Model.ToolDefinition => ({
  name,
  description: `The ${name} tool`,
  parametersJsonSchema: { ...JSONSchema.make(schema) },
  kind
})

const weatherTool = toolDefinition("get_weather", Weather)
const addTool = toolDefinition("add", Add)
const outputTool = toolDefinition("final_result", Forecast, "output")

const withTools: Model.ModelRequestParameters = { ...Model.textParameters, functionTools: [weatherTool, addTool] }
const toolOutput: Model.ModelRequestParameters = {
  ...Model.textParameters,
  outputTools: [outputTool],
  outputMode: "tool",
  allowTextOutput: false
}
const nativeOutput: Model.ModelRequestParameters = {
  ...Model.textParameters,
  outputMode: "native",
  allowTextOutput: false,
  outputObject: { name: "forecast", jsonSchema: { ...JSONSchema.make(Forecast) } }
}

const prompt = Message.ModelRequest.user("What is the weather in Paris?")

const request = (messages: ReadonlyArray<Message.ModelMessage>, parameters: Model.ModelRequestParameters) =>
  Effect.flatMap(Model.Model, (model) => model.request(messages, {}, parameters))

const collectStream = (messages: ReadonlyArray<Message.ModelMessage>, parameters: Model.ModelRequestParameters) =>
  Effect.flatMap(Model.Model, (model) =>
    Effect.map(Stream.runCollect(model.requestStream(messages, {}, parameters)), Chunk.toReadonlyArray)
  )

/** The response a test model gives, with its estimated usage and the test clock's time (0). */
const expectedResponse = (messages: ReadonlyArray<Message.ModelMessage>, parts: Array<Message.ModelResponsePart>) =>
  new Message.ModelResponse({
    parts,
    usage: estimateUsage(messages, parts),
    modelName: "test",
    providerName: "test",
    finishReason: parts.some((part) => part._tag === "ToolCallPart") ? "tool_call" : "stop",
    timestamp: new Date(0)
  })

const call = (definition: Model.ToolDefinition, responseCount: number, args: Message.ToolArgs) =>
  new Message.ToolCallPart({
    toolName: definition.name,
    args,
    toolCallId: TestModel.toolCallId(definition.name, responseCount)
  })

const toolReturn = (part: Message.ToolCallPart, content: unknown) =>
  new Message.ToolReturnPart({ toolName: part.toolName, toolCallId: part.toolCallId, content })

/** The request answering every tool call of `response` with `content`. */
const toolReturns = (response: Message.ModelResponse, content: unknown) =>
  new Message.ModelRequest({ parts: Message.toolCalls(response).map((part) => toolReturn(part, content)) })

describe("TestModel", () => {
  it.effect("calls every function tool once on the first request, with arguments valid for its schema", () =>
    Effect.gen(function* () {
      const response = yield* request([prompt], withTools)
      expect(response).toEqual(
        expectedResponse(
          [prompt],
          [
            call(weatherTool, 0, TestModel.generateArgs(weatherTool, 0)),
            call(addTool, 0, TestModel.generateArgs(addTool, 0))
          ]
        )
      )
      const [weather, add] = Message.toolCalls(response)
      expect(Schema.decodeUnknownSync(Weather)(weather!.args).days).toBeGreaterThanOrEqual(1)
      Schema.decodeUnknownSync(Add)(add!.args)
      expect(response.usage.inputTokens).toBeGreaterThan(0)
      expect(response.usage.outputTokens).toBeGreaterThan(0)
    }).pipe(Effect.provide(TestModel.layer()))
  )

  it.effect("then answers with text listing the tool results as JSON", () =>
    Effect.gen(function* () {
      const first = yield* request([prompt], withTools)
      const results = new Message.ModelRequest({
        parts: [
          toolReturn(Message.toolCalls(first)[0]!, { celsius: 21, sky: "clear" }),
          toolReturn(Message.toolCalls(first)[1]!, 5)
        ]
      })
      const history = [prompt, first, results]
      const second = yield* request(history, withTools)
      expect(second).toEqual(
        expectedResponse(history, [
          new Message.TextPart({ content: '{"get_weather":{"celsius":21,"sky":"clear"},"add":5}' })
        ])
      )
    }).pipe(Effect.provide(TestModel.layer()))
  )

  it.effect("says so when there were no tools to call", () =>
    Effect.gen(function* () {
      const response = yield* request([prompt], Model.textParameters)
      expect(response).toEqual(
        expectedResponse([prompt], [new Message.TextPart({ content: "success (no tool calls)" })])
      )
    }).pipe(Effect.provide(TestModel.layer()))
  )

  it.effect("calls only the tools named in callTools", () =>
    Effect.gen(function* () {
      const response = yield* request([prompt], withTools)
      expect(response.parts).toEqual([call(addTool, 0, TestModel.generateArgs(addTool, 3))])
    }).pipe(Effect.provide(TestModel.layer({ callTools: ["add"], seed: 3 })))
  )

  it.effect("answers with customOutputText once the tools have run", () =>
    Effect.gen(function* () {
      const first = yield* request([prompt], withTools)
      const history = [prompt, first, toolReturns(first, 1)]
      const response = yield* request(history, withTools)
      expect(response.parts).toEqual([new Message.TextPart({ content: "Sunny, 21°C" })])
    }).pipe(Effect.provide(TestModel.layer({ customOutputText: "Sunny, 21°C" })))
  )

  it.effect("calls the output tool with generated arguments when text is not allowed", () =>
    Effect.gen(function* () {
      const response = yield* request([prompt], toolOutput)
      expect(response).toEqual(expectedResponse([prompt], [call(outputTool, 0, TestModel.generateArgs(outputTool, 0))]))
      Schema.decodeUnknownSync(Forecast)(Message.toolCalls(response)[0]!.args)
    }).pipe(Effect.provide(TestModel.layer()))
  )

  it.effect("calls function tools first, then the output tool", () =>
    Effect.gen(function* () {
      const parameters = { ...toolOutput, functionTools: [addTool] }
      const first = yield* request([prompt], parameters)
      expect(first.parts.map((part) => part._tag === "ToolCallPart" && part.toolName)).toEqual(["add"])
      const history = [prompt, first, toolReturns(first, 3)]
      const second = yield* request(history, parameters)
      expect(second.parts).toEqual([call(outputTool, 1, TestModel.generateArgs(outputTool, 0))])
      expect(second.finishReason).toBe("tool_call")
    }).pipe(Effect.provide(TestModel.layer()))
  )

  it.effect("calls the output tool with customOutputArgs, even when text is allowed", () =>
    Effect.gen(function* () {
      const custom = { city: "Paris", celsius: 21, conditions: ["sunny"] }
      const strict = yield* request([prompt], toolOutput)
      const lenient = yield* request([prompt], { ...toolOutput, allowTextOutput: true })
      expect(strict.parts).toEqual([call(outputTool, 0, custom)])
      expect(lenient.parts).toEqual([call(outputTool, 0, custom)])
    }).pipe(
      Effect.provide(TestModel.layer({ customOutputArgs: { city: "Paris", celsius: 21, conditions: ["sunny"] } }))
    )
  )

  it.effect("answers native and prompted output with JSON text valid for the output schema", () =>
    Effect.gen(function* () {
      const native = yield* request([prompt], nativeOutput)
      const prompted = yield* request([prompt], { ...nativeOutput, outputMode: "prompted" })
      for (const response of [native, prompted]) {
        expect(response.parts).toHaveLength(1)
        expect(response.finishReason).toBe("stop")
        Schema.decodeUnknownSync(Schema.parseJson(Forecast))(Message.responseText(response))
      }
      expect(Message.responseText(native)).toBe(Message.responseText(prompted))
    }).pipe(Effect.provide(TestModel.layer({ seed: 11 })))
  )

  it.effect("answers native output anew after a retry prompt", () =>
    Effect.gen(function* () {
      const first = yield* request([prompt], nativeOutput)
      const retry = new Message.ModelRequest({ parts: [new Message.RetryPromptPart({ content: "Invalid output" })] })
      const second = yield* request([prompt, first, retry], nativeOutput)
      const decode = Schema.decodeUnknownSync(Schema.parseJson(Forecast))
      expect(decode(Message.responseText(second))).not.toEqual(decode(Message.responseText(first)))
    }).pipe(Effect.provide(TestModel.layer()))
  )

  it.effect("answers native output with customOutputArgs as JSON", () =>
    Effect.gen(function* () {
      const response = yield* request([prompt], nativeOutput)
      expect(response.parts).toEqual([
        new Message.TextPart({ content: '{"city":"Oslo","celsius":-3,"conditions":["cloudy"]}' })
      ])
    }).pipe(
      Effect.provide(TestModel.layer({ customOutputArgs: { city: "Oslo", celsius: -3, conditions: ["cloudy"] } }))
    )
  )

  it.effect("calls tools again, with new arguments, when the last request carries retry prompts for them", () =>
    Effect.gen(function* () {
      const first = yield* request([prompt], withTools)
      const [weather, add] = Message.toolCalls(first)
      const retry = (attempt: number) =>
        new Message.ModelRequest({
          parts: [
            toolReturn(add!, 3),
            new Message.RetryPromptPart({
              content: `attempt ${attempt}: city is unknown`,
              toolName: "get_weather",
              toolCallId: weather!.toolCallId
            })
          ]
        })
      const history = [prompt, first, retry(1)]
      const second = yield* request(history, withTools)
      expect(second).toEqual(
        expectedResponse(history, [call(weatherTool, 1, TestModel.generateArgs(weatherTool, 0, 1))])
      )
      expect(Message.toolCalls(second)[0]!.args).not.toEqual(weather!.args)
      Schema.decodeUnknownSync(Weather)(Message.toolCalls(second)[0]!.args)

      const third = yield* request([...history, second, retry(2)], withTools)
      expect(third.parts).toEqual([call(weatherTool, 2, TestModel.generateArgs(weatherTool, 0, 2))])
    }).pipe(Effect.provide(TestModel.layer()))
  )

  it.effect("retries the output tool, and answers anew after a retry prompt about no tool", () =>
    Effect.gen(function* () {
      const first = yield* request([prompt], toolOutput)
      const outputRetry = new Message.ModelRequest({
        parts: [
          new Message.RetryPromptPart({
            content: "celsius is implausible",
            toolName: "final_result",
            toolCallId: Message.toolCalls(first)[0]!.toolCallId
          })
        ]
      })
      const second = yield* request([prompt, first, outputRetry], toolOutput)
      expect(second.parts).toEqual([call(outputTool, 1, TestModel.generateArgs(outputTool, 0, 1))])

      const textHistory = [
        prompt,
        new Message.ModelResponse({
          parts: [new Message.TextPart({ content: "" })],
          usage: Usage.RequestUsage.empty,
          timestamp: new Date(0)
        }),
        new Message.ModelRequest({ parts: [new Message.RetryPromptPart({ content: "Please answer." })] })
      ]
      const third = yield* request(textHistory, Model.textParameters)
      expect(third.parts).toEqual([new Message.TextPart({ content: "success (no tool calls)" })])
    }).pipe(Effect.provide(TestModel.layer()))
  )

  it.effect("streams text word by word; the stream folds to what request returns", () =>
    Effect.gen(function* () {
      const events = yield* collectStream([prompt], Model.textParameters)
      const deltas = events.flatMap((event) =>
        event._tag === "PartDelta" && event.delta._tag === "TextDelta" ? [event.delta.content] : []
      )
      expect(deltas).toEqual(["It ", "is ", "sunny\n", "in ", "Paris  ", "today."])
      expect(events[0]).toEqual({ _tag: "PartStart", index: 0, part: new Message.TextPart({ content: "" }) })
      const folded = yield* foldResponseStream(Stream.fromIterable(events))
      expect(folded).toEqual(yield* request([prompt], Model.textParameters))
      expect(folded.usage.outputTokens).toBeGreaterThan(0)
    }).pipe(Effect.provide(TestModel.layer({ customOutputText: "It is sunny\nin Paris  today." })))
  )

  it.effect("streams tool calls as a start and argument fragments; the stream folds to what request returns", () =>
    Effect.gen(function* () {
      const model = yield* Model.Model
      const chunks = yield* Stream.runCollect(Stream.chunks(model.requestStream([prompt], {}, withTools)))
      // Each event arrives in its own chunk, as a provider streaming slowly would deliver them.
      expect(Chunk.toReadonlyArray(chunks).every((chunk) => Chunk.size(chunk) === 1)).toBe(true)
      const events = Chunk.toReadonlyArray(Chunk.flatten(chunks))
      const expected = yield* request([prompt], withTools)
      const argsOf = (index: number) =>
        events.flatMap((event: StreamEvent.ModelResponseStreamEvent) =>
          event._tag === "PartDelta" && event.index === index && event.delta._tag === "ToolCallDelta"
            ? [event.delta.argsDelta ?? ""]
            : []
        )
      for (const [index, part] of expected.parts.entries()) {
        const fragments = argsOf(index)
        expect(fragments).toHaveLength(2)
        expect(JSON.parse(fragments.join(""))).toEqual(part._tag === "ToolCallPart" ? part.args : undefined)
      }
      expect(events.filter((event) => event._tag === "PartStart")).toEqual(
        Message.toolCalls(expected).map((part, index) => ({
          _tag: "PartStart",
          index,
          part: new Message.ToolCallPart({ toolName: part.toolName, args: "", toolCallId: part.toolCallId })
        }))
      )
      expect(yield* foldResponseStream(Stream.fromIterable(events))).toEqual(expected)
    }).pipe(Effect.provide(TestModel.layer({ seed: 5 })))
  )

  it.effect("estimates usage, never zero", () =>
    Effect.gen(function* () {
      const response = yield* request([], Model.textParameters)
      expect(response.usage.inputTokens).toBeGreaterThan(0)
      expect(response.usage.outputTokens).toBeGreaterThan(0)
      const folded = yield* foldResponseStream((yield* Model.Model).requestStream([], {}, Model.textParameters))
      expect(folded).toEqual(response)
    }).pipe(Effect.provide(TestModel.layer({ customOutputText: "" })))
  )

  it.effect("records what it was called with", () =>
    Effect.gen(function* () {
      const recorder = yield* TestModel.TestModel
      expect(yield* recorder.lastRequest).toEqual(Option.none())
      yield* request([prompt], withTools)
      yield* collectStream([prompt], toolOutput)
      expect(yield* recorder.requests).toEqual([
        { messages: [prompt], settings: {}, parameters: withTools, streamed: false },
        { messages: [prompt], settings: {}, parameters: toolOutput, streamed: true }
      ])
      const last = yield* recorder.lastRequest
      expect(Option.map(last, (recorded) => recorded.parameters.outputTools)).toEqual(Option.some([outputTool]))
      // The recorder is the model itself.
      expect(yield* Model.Model).toBe(recorder)
    }).pipe(Effect.provide(TestModel.layer()))
  )

  it.effect("reports its name, provider and profile", () =>
    Effect.gen(function* () {
      const model = yield* Model.Model
      expect([model.modelName, model.providerName, model.profile, model.settings]).toEqual([
        "my-test",
        "test",
        { supportsForcedToolCallsWithThinking: true, supportsNativeOutput: false },
        { maxTokens: 5 }
      ])
      expect((yield* request([prompt], Model.textParameters)).modelName).toBe("my-test")
    }).pipe(
      Effect.provide(
        TestModel.layer({ modelName: "my-test", settings: { maxTokens: 5 }, profile: { supportsNativeOutput: false } })
      )
    )
  )

  it.effect("refuses built-in tools with a UserError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        request([prompt], { ...Model.textParameters, builtinTools: [{ _tag: "CodeExecution" }] })
      )
      expect(error).toBeInstanceOf(AgentError.UserError)
      expect(error.message).toContain("built-in tools")
    }).pipe(Effect.provide(TestModel.layer()))
  )

  it("generates arguments that decode against the tools' own Effect Schemas, for any seed", async () => {
    const Order = Schema.Struct({
      customer: Schema.Struct({
        name: Schema.NonEmptyString,
        email: Schema.optional(Schema.String.pipe(Schema.pattern(/^[^@\s]+@[^@\s]+$/))),
        tier: Schema.Literal("free", "pro", "enterprise")
      }),
      lines: Schema.Array(
        Schema.Struct({
          sku: Schema.String.pipe(Schema.pattern(/^[A-Z]{3}-\d{4}$/)),
          quantity: Schema.Int.pipe(Schema.positive(), Schema.lessThanOrEqualTo(100)),
          discount: Schema.optional(Schema.Number.pipe(Schema.between(0, 1)))
        })
      ).pipe(Schema.minItems(1), Schema.maxItems(5)),
      priority: Schema.optional(Schema.Int.pipe(Schema.between(1, 5))),
      gift: Schema.NullOr(Schema.Struct({ message: Schema.String.pipe(Schema.maxLength(20)) }))
    })
    const tools = [toolDefinition("place_order", Order), weatherTool, addTool, outputTool]
    const decoders = [Order, Weather, Add, Forecast].map((schema) => Schema.decodeUnknownSync(Schema.asSchema(schema)))
    const parameters: Model.ModelRequestParameters = {
      ...toolOutput,
      functionTools: tools.slice(0, 3),
      outputTools: [outputTool]
    }
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        const [first, second] = await Effect.runPromise(
          Effect.gen(function* () {
            const first = yield* request([prompt], parameters)
            const history = [prompt, first, toolReturns(first, "ok")]
            return [first, yield* request(history, parameters)] as const
          }).pipe(Effect.provide(TestModel.layer({ seed })))
        )
        const calls = [...Message.toolCalls(first), ...Message.toolCalls(second)]
        expect(calls.map((part) => part.toolName)).toEqual(tools.map((tool) => tool.name))
        for (const [index, part] of calls.entries()) decoders[index]!(part.args)
      }),
      { numRuns: 100 }
    )
  })

  it.effect("gives the same arguments for the same seed and others for other seeds", () =>
    Effect.gen(function* () {
      const argsFor = (seed: number) =>
        request([prompt], withTools).pipe(
          Effect.map((response) => Message.toolCalls(response).map((part) => part.args)),
          Effect.provide(TestModel.layer({ seed }))
        )
      expect(yield* argsFor(1)).toEqual(yield* argsFor(1))
      const distinct = new Set<string>()
      for (let seed = 0; seed < 10; seed++) distinct.add(JSON.stringify(yield* argsFor(seed)))
      expect(distinct.size).toBe(10)
    })
  )
})
