/**
 * The loop calls a tool's handler as the tool's span opens, and a handler that answers with an
 * `Exit` ends the span at once (`internal/executeNow.ts`, `internal/span.ts`). These hold that path
 * to what the lazy `execute` gives: the same results, retries, defects and spans; and `execute`
 * itself stays lazy.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Schema, Tracer } from "effect"
import { Agent, AgentError, type Message, RunContext, Tool } from "effect-claude"
import { testRunContext } from "../support/runContext.js"
import { call, scripted, text } from "./helpers.js"

/** A tracer keeping every span it starts with how it ended (Effect's own spans, recorded). */
const endingTracer = () => {
  const spans: Array<Tracer.Span> = []
  const native = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = new NativeSpanLike(
        name,
        parent,
        context,
        Array.from(links),
        startTime,
        kind,
        options?.attributes ?? {}
      )
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer: native }
}

class NativeSpanLike implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId: string
  readonly traceId = "trace"
  readonly sampled = true
  readonly attributes: Map<string, unknown>
  status: Tracer.SpanStatus
  static next = 0
  constructor(
    readonly name: string,
    readonly parent: Tracer.Span["parent"],
    readonly context: Tracer.Span["context"],
    readonly links: Array<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind,
    attributes: Record<string, unknown>
  ) {
    this.spanId = `span${NativeSpanLike.next++}`
    this.status = { _tag: "Started", startTime }
    this.attributes = new Map(Object.entries(attributes))
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>) {
    if (this.status._tag === "Started") this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute(key: string, value: unknown) {
    this.attributes.set(key, value)
  }
  event() {}
  addLinks() {}
}

/** The context of a call made outside a run. */
const runContext = testRunContext({ toolName: "count", toolCallId: "c1" })

const toolSpans = (spans: ReadonlyArray<Tracer.Span>) => spans.filter((span) => span.name.startsWith("execute_tool"))

const returns = (messages: ReadonlyArray<Message.ModelMessage>) =>
  messages.flatMap((message) =>
    message._tag === "ModelRequest"
      ? message.parts.flatMap((part) =>
          part._tag === "ToolReturnPart" || part._tag === "RetryPromptPart" ? [[part._tag, part.content]] : []
        )
      : []
  )

describe("a tool's handler answering at once", () => {
  it.effect("Tool.execute stays lazy: the handler runs when its Effect runs, each time", () =>
    Effect.gen(function* () {
      let calls = 0
      const tool = Tool.make("count", {
        parameters: Schema.Struct({ n: Schema.Int }),
        handler: ({ n }) => {
          calls++
          return Effect.succeed(n + 1)
        }
      })
      const execute = tool.execute({ n: 1 }).pipe(Effect.provideService(RunContext.RunContext, runContext))
      expect(calls).toBe(0)
      expect(yield* execute).toBe(2)
      expect(yield* execute).toBe(2)
      expect(calls).toBe(2)
    })
  )

  it.effect("a success, a retry and a decoding failure answered at once are what the model gets back", () => {
    const tool = Tool.make("check", {
      parameters: Schema.Struct({ n: Schema.Int }),
      handler: ({ n }) =>
        n > 0 ? Effect.succeed(`ok ${n}`) : Effect.fail(new AgentError.ModelRetry({ message: "a positive n" }))
    })
    const model = scripted([
      [call("check", { n: 0 }, "c1")],
      [call("check", { n: "x" }, "c2")],
      [call("check", { n: 2 }, "c3")],
      [text("Done.")]
    ])
    const { spans, tracer } = endingTracer()
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ tools: [tool], retries: 3 }), "Check")
      const [retry, invalid, ok] = returns(result.messages)
      expect(retry).toEqual(["RetryPromptPart", "a positive n"])
      expect(invalid![0]).toBe("RetryPromptPart")
      expect(String(invalid![1])).toContain(`["n"]`)
      expect(ok).toEqual(["ToolReturnPart", "ok 2"])
      const ended = toolSpans(spans).map((span) => (span.status._tag === "Ended" ? span.status.exit._tag : "open"))
      expect(ended).toEqual(["Failure", "Failure", "Success"])
      for (const span of toolSpans(spans)) {
        expect(span.parent._tag === "Some" && span.parent.value._tag === "Span" ? span.parent.value.name : "").toBe(
          "invoke_agent"
        )
      }
    }).pipe(Effect.provide(model.layer), Effect.withTracer(tracer))
  })

  it.effect("a handler that throws is a defect of the run, and its span ends with it", () => {
    const boom = new Error("boom")
    const tool = Tool.make("explode", {
      parameters: Schema.Struct({}),
      handler: (): Effect.Effect<string> => {
        throw boom
      }
    })
    const model = scripted([[call("explode", {}, "c1")], [text("Never.")]])
    const { spans, tracer } = endingTracer()
    return Effect.gen(function* () {
      const exit = yield* Effect.exit(Agent.run(Agent.make({ tools: [tool] }), "Go"))
      const defect = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined
      expect(defect).toBeInstanceOf(Error)
      expect(defect).toMatchObject({ message: "boom" })
      const [span] = toolSpans(spans)
      expect(span?.status._tag === "Ended" && Exit.isFailure(span.status.exit)).toBe(true)
    }).pipe(Effect.provide(model.layer), Effect.withTracer(tracer))
  })

  it.effect("a tool whose execute was replaced runs the replacement", () => {
    const original = Tool.make("greet", {
      parameters: Schema.Struct({ name: Schema.String }),
      handler: ({ name }) => Effect.succeed(`Hello, ${name}`)
    })
    const replaced: typeof original = Object.assign(Object.create(Object.getPrototypeOf(original)), original, {
      execute: (args: unknown) => Effect.map(original.execute(args), (greeting) => `${String(greeting)}!`)
    })
    const model = scripted([[call("greet", { name: "Ada" }, "c1")], [text("Done.")]])
    return Effect.gen(function* () {
      const result = yield* Agent.run(Agent.make({ tools: [replaced] }), "Greet")
      expect(returns(result.messages)).toEqual([["ToolReturnPart", "Hello, Ada!"]])
    }).pipe(Effect.provide(model.layer))
  })
})
