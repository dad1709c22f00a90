import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, Schema, Stream, Tracer } from "effect"
import { Agent, DeferredTools, GenAiTelemetry, Message, Tool } from "effect-claude"
import { call, response, scripted, text } from "./helpers.js"

/** The token-usage histogram of one model and token type, tagged in the order `Model.make` tags it. */
const tokens = (type: string) =>
  GenAiTelemetry.tokenUsage.pipe(
    Metric.tagged("gen_ai.operation.name", "chat"),
    Metric.tagged("gen_ai.provider.name", "function"),
    Metric.tagged("gen_ai.request.model", "metered"),
    Metric.tagged("gen_ai.token.type", type)
  )

/** A tracer keeping each span's attributes by name. */
const attributesTracer = () => {
  const spans = new Map<string, Map<string, unknown>>()
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const attributes = new Map<string, unknown>(Object.entries(options?.attributes ?? {}))
      spans.set(name, attributes)
      return {
        _tag: "Span",
        name,
        spanId: name,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: () => {},
        attribute: (key, value) => void attributes.set(key, value),
        event: () => {},
        addLinks: () => {}
      }
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

describe("GenAI telemetry", () => {
  it.effect("records token usage by model and token type, and each request's duration", () => {
    const model = scripted([[text("Hi")]], { modelName: "metered" })
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({}), "Hello")
      yield* Agent.run(Agent.make({}), "Hello again")
      const input = yield* Metric.value(tokens("input"))
      const output = yield* Metric.value(tokens("output"))
      expect([input.count, input.sum, output.count, output.sum]).toEqual([2, 20, 2, 10])
      const duration = yield* Metric.value(
        GenAiTelemetry.operationDuration.pipe(
          Metric.tagged("gen_ai.operation.name", "chat"),
          Metric.tagged("gen_ai.provider.name", "function"),
          Metric.tagged("gen_ai.request.model", "metered")
        )
      )
      expect(duration.count).toBe(2)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("puts message content in chat spans only when the run opts in", () => {
    const model = scripted([[text("A private answer")]])
    const { spans, tracer } = attributesTracer()
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({}), "A private prompt")
      expect(spans.get("chat scripted")?.has("gen_ai.input.messages")).toBe(false)
      yield* Agent.run(Agent.make({}), "A private prompt", { captureContent: true })
      const chat = spans.get("chat scripted")
      expect(String(chat?.get("gen_ai.input.messages"))).toContain("A private prompt")
      expect(String(chat?.get("gen_ai.output.messages"))).toContain("A private answer")
    }).pipe(Effect.provide(model.layer), Effect.withTracer(tracer))
  })

  it.effect("a resumed run puts message content in its chat spans only when it opts in, as a run does", () => {
    const model = scripted([[text("A private answer")]])
    const { spans, tracer } = attributesTracer()
    const lookup = Tool.external("lookup", { parameters: Schema.Struct({ key: Schema.String }) })
    const agent = Agent.make({ tools: [lookup] })
    const history = [Message.ModelRequest.user("A private prompt"), response([call("lookup", { key: "k" }, "c1")])]
    const answers = [DeferredTools.result("c1", "a private value")]
    const input = () => spans.get("chat scripted")?.get("gen_ai.input.messages")
    return Effect.gen(function* () {
      yield* Agent.resume(agent, answers, { messageHistory: history })
      expect(input()).toBeUndefined()
      yield* Agent.resume(agent, answers, { messageHistory: history, captureContent: true })
      expect(String(input())).toContain("a private value")
      expect(String(spans.get("chat scripted")?.get("gen_ai.output.messages"))).toContain("A private answer")
      spans.clear()
      yield* Stream.runDrain(Agent.resumeStream(agent, answers, { messageHistory: history }))
      expect(input()).toBeUndefined()
      yield* Stream.runDrain(Agent.resumeStream(agent, answers, { messageHistory: history, captureContent: true }))
      expect(String(input())).toContain("a private value")
    }).pipe(Effect.provide(model.layer), Effect.withTracer(tracer))
  })
})

describe("examples/observability.ts", () => {
  it.effect("exports the run's spans through @effect/opentelemetry and reads the token metric", () =>
    Effect.gen(function* () {
      const { program } = yield* Effect.promise(() => import("../../examples/observability.js"))
      const seen = yield* program
      expect(seen.output).toBe("Sunny in Paris")
      expect(seen.spans).toEqual([
        "chat function",
        "execute_tool get_weather",
        "chat function",
        "invoke_agent weather-bot"
      ])
      expect(seen.inputTokens.requests).toBeGreaterThanOrEqual(2)
    })
  )
})
