/**
 * The API key never leaks: across succeeding and failing runs (API errors, a server echoing the
 * key back in its message and headers, cut connections, timeouts, SSE errors), the key appears in
 * no error message, `String(error)`, error JSON, pretty cause, debug-level log line, or span (its
 * name, attributes, events and end status).
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, HashMap, Inspectable, List, Logger, LogLevel, Stream, Tracer } from "effect"
import { Agent, type ModelSettings } from "effect-claude"
import { AnthropicRetry } from "effect-claude/anthropic"
import { apiKey, M, serve, watchUnhandledRejections, withClaude } from "./harness.js"

watchUnhandledRejections()

/** Everything observable that could hold a secret, as text. */
const observed: Array<string> = []

const record = (label: string, value: unknown) => {
  let text: string
  try {
    text =
      typeof value === "string"
        ? value
        : JSON.stringify(value, (_key, inner) => (typeof inner === "bigint" ? String(inner) : inner))
  } catch {
    text = String(value)
  }
  observed.push(`${label}: ${text}`)
}

/** Keeps every log line (message, annotations, spans, cause) at every level. */
const capturingLogger = Logger.make(({ annotations, cause, logLevel, message, spans }) => {
  record("log", {
    level: logLevel.label,
    message: Inspectable.toStringUnknown(message),
    annotations: Object.fromEntries(
      HashMap.toEntries(annotations).map(([key, value]) => [key, Inspectable.toStringUnknown(value)])
    ),
    spans: List.toArray(spans).map((span) => span.label),
    cause: Cause.isEmpty(cause) ? undefined : Cause.pretty(cause)
  })
})

/** A tracer recording every span's name, attributes, events and how it ended. */
const capturingTracer = Tracer.make({
  span: (name, parent, context, links, startTime, kind, options) => {
    const attributes = new Map<string, unknown>(Object.entries(options?.attributes ?? {}))
    let status: Tracer.SpanStatus = { _tag: "Started", startTime }
    const span: Tracer.Span = {
      _tag: "Span",
      name,
      spanId: `span-${observed.length}`,
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
        record("span", {
          name,
          attributes: Object.fromEntries(
            [...attributes].map(([key, value]) => [key, Inspectable.toStringUnknown(value)])
          ),
          exit: Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "success"
        })
      },
      attribute: (key, value) => {
        attributes.set(key, value)
      },
      event: (eventName, _time, eventAttributes) => record("span event", { eventName, eventAttributes }),
      addLinks: () => {}
    }
    return span
  },
  context: (f) => f()
})

const recordOutcome = (exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isSuccess(exit)) return record("success", exit.value)
  record("cause", Cause.pretty(exit.cause))
  for (const error of [...Cause.failures(exit.cause), ...Cause.defects(exit.cause)]) {
    record("String(error)", String(error))
    record("JSON", error)
    if (error instanceof Error) record("message", error.message)
    record("inspect", Inspectable.toStringUnknown(error))
  }
}

const observe = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.withTracer(capturingTracer),
    Effect.provide(Logger.replace(Logger.defaultLogger, capturingLogger)),
    Logger.withMinimumLogLevel(LogLevel.All)
  )

describe("secrets", () => {
  it.scopedLive("the API key is in no error, log line or span of failing and succeeding runs", () =>
    Effect.gen(function* () {
      const echoed = `rejected key ${apiKey}`
      const server = yield* serve((request) => {
        const prompt = M.lastUserText(request) ?? ""
        switch (prompt) {
          case "echo":
            // A misbehaving proxy echoing the credentials back, in the message, a header and the body.
            return M.apiError(400, {
              message: `${echoed} (sent as ${request.headers["x-api-key"] ?? request.headers.authorization})`,
              headers: { "x-echo": apiKey }
            })
          case "rate limited":
            return M.apiError(429, { retryAfterMs: 1 })
          case "reset":
            return M.reset()
          case "slow":
            return M.reply(M.textMessage("late"), { delay: "2 seconds" })
          case "overloaded mid-answer":
            return M.reply(M.textMessage("Half an answer and then"), { fault: M.errorEventAfterEvents(5) })
          default:
            return M.textMessage(`Hello, ${prompt}`)
        }
      })
      const agent = Agent.make({ instructions: "Be brief." })
      for (const prompt of ["echo", "rate limited", "reset", "slow", "overloaded mid-answer", "friend"]) {
        const settings: ModelSettings.ModelSettings = prompt === "slow" ? { timeout: "50 millis" } : {}
        const requested = yield* Effect.exit(Agent.run(agent, prompt, { settings }).pipe(withClaude(server), observe))
        recordOutcome(requested)
        const streamed = yield* Effect.exit(
          Stream.runDrain(Agent.runStream(agent, prompt, { settings })).pipe(
            withClaude(server, { retry: AnthropicRetry.none }),
            observe
          )
        )
        recordOutcome(streamed)
      }

      // The test can fail: the echo really reached the client, and there was plenty to look at.
      expect(yield* server.requestCount).toBeGreaterThan(12)
      expect(observed.some((line) => line.includes("rejected key [redacted]"))).toBe(true)
      expect(observed.some((line) => line.startsWith("log:") && line.includes("Anthropic request failed"))).toBe(true)
      expect(observed.some((line) => line.startsWith("span:") && line.includes("rejected key [redacted]"))).toBe(true)
      expect(observed.some((line) => line.startsWith("span event:") && line.includes("RateLimitError"))).toBe(true)
      expect(observed.some((line) => line.startsWith("success:") && line.includes("Hello, friend"))).toBe(true)
      const leaks = observed.filter((line) => line.includes(apiKey) || line.includes("SECRET-1234"))
      expect(leaks).toEqual([])
    })
  )
})
