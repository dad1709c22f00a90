import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, FiberRef, Option, Schema, Stream, Tracer } from "effect"
import { Agent, RunContext, Tool } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { call, scripted, streamed, text } from "./helpers.js"

interface Recorded {
  readonly name: string
  readonly parent: string | undefined
  readonly kind: Tracer.SpanKind
  readonly attributes: Map<string, unknown>
}

/** A tracer keeping every span it starts. */
const recordingTracer = () => {
  const spans: Array<Recorded> = []
  let nextId = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const attributes = new Map<string, unknown>(Object.entries(options?.attributes ?? {}))
      const parentName = Option.match(parent, {
        onNone: () => undefined,
        onSome: (span) => (span._tag === "Span" ? span.name : undefined)
      })
      spans.push({ name, parent: parentName, kind, attributes })
      let status: Tracer.SpanStatus = { _tag: "Started", startTime }
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span${nextId++}`,
        traceId: "trace",
        parent,
        context,
        get status() {
          return status
        },
        attributes,
        links,
        sampled: true,
        kind,
        end: (endTime, exit) => {
          status = { _tag: "Ended", startTime, endTime, exit }
        },
        attribute: (key, value) => {
          attributes.set(key, value)
        },
        event: () => {},
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

describe("spans", () => {
  it.effect("a run, each model request and each tool call get gen_ai spans without message contents", () => {
    const weather = Tool.make("get_weather", {
      parameters: Schema.Struct({ city: Schema.String }),
      handler: ({ city }) => Effect.succeed(`Sunny in ${city}`)
    })
    const model = scripted([[call("get_weather", { city: "Paris" }, "c1")], [text("Sunny.")]])
    const { spans, tracer } = recordingTracer()
    return Effect.gen(function* () {
      yield* Agent.run(Agent.make({ name: "weather-bot", tools: [weather] }), "A secret prompt", {
        settings: { maxTokens: 256 }
      })
      expect(spans.map((span) => [span.name, span.parent])).toEqual([
        ["invoke_agent weather-bot", undefined],
        ["chat scripted", "invoke_agent weather-bot"],
        ["execute_tool get_weather", "invoke_agent weather-bot"],
        ["chat scripted", "invoke_agent weather-bot"]
      ])
      expect(Object.fromEntries(spans[0]!.attributes)).toEqual({
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "weather-bot",
        "gen_ai.usage.input_tokens": 20,
        "gen_ai.usage.output_tokens": 10,
        "effect_claude.usage.requests": 2,
        "effect_claude.usage.tool_calls": 1
      })
      expect(spans[1]!.kind).toBe("client")
      expect(Object.fromEntries(spans[1]!.attributes)).toEqual({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "function",
        "gen_ai.request.model": "scripted",
        "gen_ai.request.max_tokens": 256,
        "gen_ai.response.model": "scripted",
        "gen_ai.response.finish_reasons": ["tool_call"],
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
        "gen_ai.usage.cache_read.input_tokens": 0,
        "gen_ai.usage.cache_creation.input_tokens": 0
      })
      expect(Object.fromEntries(spans[2]!.attributes)).toEqual({
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "c1"
      })
      const values = spans.flatMap((span) => [...span.attributes.values()].map((value) => JSON.stringify(value)))
      expect(values.filter((value) => /secret|Paris|Sunny/.test(value))).toEqual([])
    }).pipe(Effect.provide(model.layer), Effect.withTracer(tracer))
  })

  // A span's context is restored by putting back the fiber's refs from before it when its body
  // changed none (`internal/span.ts`); a body that changes a ref keeps the change, as with `provideService`.
  it.effect("a tool's own fiber-ref changes outlive its span; the run's context is restored", () => {
    const counted = FiberRef.unsafeMake(0)
    const seen: Array<[number, string | undefined]> = []
    const count = Tool.make("count", {
      parameters: Schema.Struct({ step: Schema.Int }),
      handler: ({ step }) =>
        Effect.gen(function* () {
          const before = yield* FiberRef.get(counted)
          const context = yield* RunContext.RunContext
          seen.push([before, context.toolCallId])
          if (step === 1) yield* FiberRef.set(counted, before + 1)
          return "ok"
        })
    })
    const model = scripted([
      [call("count", { step: 1 }, "c1")],
      [call("count", { step: 2 }, "c2")],
      [call("count", { step: 3 }, "c3")],
      [text("Done.")]
    ])
    const { spans, tracer } = recordingTracer()
    return Effect.gen(function* () {
      const outer = yield* FiberRef.get(FiberRef.currentContext)
      yield* Agent.run(Agent.make({ name: "counter", tools: [count] }), "Count")
      expect(seen).toEqual([
        [0, "c1"],
        [1, "c2"],
        [1, "c3"]
      ])
      expect(yield* FiberRef.get(counted)).toBe(1)
      const after = yield* FiberRef.get(FiberRef.currentContext)
      expect(Context.getOption(after, Tracer.ParentSpan)).toEqual(Context.getOption(outer, Tracer.ParentSpan))
      expect(Context.getOption(after, RunContext.RunContext)).toEqual(Option.none())
      expect(spans.map((span) => [span.name, span.parent])).toEqual([
        ["invoke_agent counter", undefined],
        ["chat scripted", "invoke_agent counter"],
        ["execute_tool count", "invoke_agent counter"],
        ["chat scripted", "invoke_agent counter"],
        ["execute_tool count", "invoke_agent counter"],
        ["chat scripted", "invoke_agent counter"],
        ["execute_tool count", "invoke_agent counter"],
        ["chat scripted", "invoke_agent counter"]
      ])
    }).pipe(Effect.provide(model.layer), Effect.withTracer(tracer))
  })

  // The span's context is set on the fiber's refs as `FiberRef.set` sets it (`internal/span.ts`), so
  // fibers forked in its body inherit it, and a run in a fiber of its own, joined, changes nothing
  // of its caller's context.
  it.effect("fibers forked in a tool see its span; a joined run leaves its caller's context as it was", () => {
    const parents: Array<string | undefined> = []
    const forking = Tool.make("forking", {
      parameters: Schema.Struct({ step: Schema.Int }),
      handler: () =>
        Effect.gen(function* () {
          const fiber = yield* Effect.fork(
            Effect.zipLeft(
              Effect.map(Effect.currentParentSpan, (parent) => (parent._tag === "Span" ? parent.name : undefined)),
              Effect.withSpan(Effect.void, "inner")
            )
          )
          parents.push(yield* fiber.await.pipe(Effect.flatten))
          return "ok"
        })
    })
    const model = scripted([[call("forking", { step: 1 }, "c1")], [text("Done.")]])
    const { spans, tracer } = recordingTracer()
    return Effect.gen(function* () {
      const outer = yield* FiberRef.get(FiberRef.currentContext)
      const run = yield* Effect.fork(Agent.run(Agent.make({ name: "forker", tools: [forking] }), "Fork"))
      yield* Effect.flatten(run.await)
      expect(parents).toEqual(["execute_tool forking"])
      expect(spans.map((span) => [span.name, span.parent])).toEqual([
        ["invoke_agent forker", undefined],
        ["chat scripted", "invoke_agent forker"],
        ["execute_tool forking", "invoke_agent forker"],
        ["inner", "execute_tool forking"],
        ["chat scripted", "invoke_agent forker"]
      ])
      yield* run.inheritAll
      expect(yield* FiberRef.get(FiberRef.currentContext)).toBe(outer)
    }).pipe(Effect.provide(model.layer), Effect.withTracer(tracer))
  })

  it.effect("a streamed run gets the same spans", () => {
    const weather = Tool.make("get_weather", {
      parameters: Schema.Struct({ city: Schema.String }),
      handler: ({ city }) => Effect.succeed(`Sunny in ${city}`)
    })
    const model = streamed([
      [
        FunctionModel.toolCallChunk({
          key: 0,
          toolName: "get_weather",
          toolCallId: "c1",
          argsDelta: '{"city":"Paris"}'
        })
      ],
      ["Sunny."]
    ])
    const { spans, tracer } = recordingTracer()
    return Effect.gen(function* () {
      yield* Stream.runDrain(Agent.runStream(Agent.make({ name: "weather-bot", tools: [weather] }), "A secret prompt"))
      expect(spans.map((span) => [span.name, span.parent])).toEqual([
        ["invoke_agent weather-bot", undefined],
        ["chat function", "invoke_agent weather-bot"],
        ["execute_tool get_weather", "invoke_agent weather-bot"],
        ["chat function", "invoke_agent weather-bot"]
      ])
      expect(spans[0]!.attributes.get("effect_claude.usage.requests")).toBe(2)
      expect(spans[1]!.attributes.get("gen_ai.response.finish_reasons")).toEqual(["tool_call"])
      expect(spans[3]!.attributes.get("gen_ai.response.finish_reasons")).toEqual(["stop"])
    }).pipe(Effect.provide(model.layer), Effect.withTracer(tracer))
  })
})
