/**
 * Observability: the run's spans (`invoke_agent`, `chat {model}`, `execute_tool {tool}`) exported
 * through `@effect/opentelemetry` to an OpenTelemetry span exporter (in memory here; an OTLP
 * exporter in production), and the GenAI metrics read with `Metric.value`. Message content goes
 * into the spans only because this run opts in (`captureContent`). Runs offline on FunctionModel.
 * Run: `npx tsx examples/observability.ts`.
 */
import * as OtelResource from "@effect/opentelemetry/Resource"
import * as OtelTracer from "@effect/opentelemetry/Tracer"
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer, Metric, Schema } from "effect"
import { Agent, GenAiTelemetry, Message, Tool } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"

/** Where the finished spans go. */
export const exporter = new InMemorySpanExporter()

/** Effect's tracer backed by an OpenTelemetry tracer provider exporting to `exporter`. */
const TracingLive = OtelTracer.layer.pipe(
  Layer.provide(
    Layer.succeed(
      OtelTracer.OtelTracerProvider,
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    )
  ),
  Layer.provide(OtelResource.layer({ serviceName: "observability-example" }))
)

const weather = Tool.make("get_weather", {
  parameters: Schema.Struct({ city: Schema.String }),
  handler: ({ city }) => Effect.succeed(`Sunny in ${city}`)
})

/** Calls the tool once, then answers with its result. */
const model = FunctionModel.layer((messages) => {
  const last = messages.at(-1)
  const returned = last?._tag === "ModelRequest" ? last.parts.filter((part) => part._tag === "ToolReturnPart") : []
  return Effect.succeed(
    returned.length === 0
      ? [new Message.ToolCallPart({ toolName: "get_weather", args: { city: "Paris" }, toolCallId: "call_1" })]
      : [new Message.TextPart({ content: String(returned[0]!.content) })]
  )
})

const inputTokens = GenAiTelemetry.tokenUsage.pipe(
  Metric.tagged("gen_ai.operation.name", "chat"),
  Metric.tagged("gen_ai.provider.name", "function"),
  Metric.tagged("gen_ai.request.model", "function"),
  Metric.tagged("gen_ai.token.type", "input")
)

/** Runs the agent; gives the exported spans' names and the input-token histogram's count and sum. */
export const program = Effect.gen(function* () {
  const agent = Agent.make({ name: "weather-bot", tools: [weather] })
  const result = yield* Agent.run(agent, "Weather in Paris?", { captureContent: true })
  const tokens = yield* Metric.value(inputTokens)
  return {
    output: result.output,
    spans: exporter.getFinishedSpans().map((span) => span.name),
    inputTokens: { requests: tokens.count, total: tokens.sum }
  }
}).pipe(Effect.provide(Layer.merge(TracingLive, model)))

// Run as a script (not when a test imports the module).
if (process.argv[1]?.endsWith("observability.ts")) {
  Effect.runPromise(program).then((seen) => console.log(JSON.stringify(seen, null, 2)))
}
