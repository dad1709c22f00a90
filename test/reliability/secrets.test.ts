/**
 * The API key never leaks: across succeeding and failing runs (API errors, a server echoing the
 * key back in its message and headers, cut connections, timeouts, SSE errors), the key appears in
 * no error message, `String(error)`, error JSON, pretty cause, debug-level log line, or span (its
 * name, attributes, events and end status).
 */
import * as util from "node:util"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, HashMap, Inspectable, List, Logger, LogLevel, Redacted, Stream, Tracer } from "effect"
import { Agent, type ModelSettings } from "effect-claude"
import { AnthropicClient, AnthropicRetry } from "effect-claude/anthropic"
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
          case "malformed echo":
            // A 200 whose JSON is not a message and quotes the key: the parse error would quote it too.
            return M.streamed(
              Stream.make(
                JSON.stringify({
                  type: "message",
                  id: "msg_1",
                  role: "assistant",
                  model: "claude-sonnet-4-6",
                  content: [],
                  stop_reason: "end_turn",
                  stop_sequence: null,
                  usage: { input_tokens: apiKey, output_tokens: 1 }
                })
              ),
              { contentType: "application/json" }
            )
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
      for (const prompt of [
        "echo",
        "malformed echo",
        "rate limited",
        "reset",
        "slow",
        "overloaded mid-answer",
        "friend"
      ]) {
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
      expect(observed.some((line) => line.includes("could not be read") && line.includes("[redacted]"))).toBe(true)
      expect(observed.some((line) => line.startsWith("log:") && line.includes("Anthropic request failed"))).toBe(true)
      expect(observed.some((line) => line.startsWith("span:") && line.includes("rejected key [redacted]"))).toBe(true)
      expect(observed.some((line) => line.startsWith("span event:") && line.includes("RateLimitError"))).toBe(true)
      expect(observed.some((line) => line.startsWith("success:") && line.includes("Hello, friend"))).toBe(true)
      const leaks = observed.filter((line) => line.includes(apiKey) || line.includes("SECRET-1234"))
      expect(leaks).toEqual([])
    })
  )
})

describe("secrets: printing and side paths", () => {
  it.scopedLive(
    "the client service prints redacted; echoed ids and types are scrubbed; the SDK logs through Effect",
    () =>
      Effect.gen(function* () {
        observed.length = 0
        const consoleLines: Array<string> = []
        const methods = ["log", "error", "warn", "info", "debug"] as const
        const originals = methods.map((method) => console[method])
        const originalWrite = process.stderr.write
        for (const method of methods) {
          console[method] = (...args: Array<unknown>) => {
            consoleLines.push(util.format(...args))
          }
        }
        process.stderr.write = (chunk: string | Uint8Array) => {
          consoleLines.push(String(chunk))
          return true
        }
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            methods.forEach((method, index) => {
              console[method] = originals[index] ?? console.log
            })
            process.stderr.write = originalWrite
          })
        )
        const server = yield* serve((request) => {
          switch (M.lastUserText(request)) {
            case "echo ids":
              // A proxy echoing the key into the request id header, the error type and the body's request id.
              return M.apiError(400, { type: `type ${apiKey}`, headers: { "request-id": `req ${apiKey}` } })
            case "malformed":
              // Only the SDK's SSE reader logs a malformed event; a non-streamed answer gets plain text.
              if (!request.stream) return M.textMessage("not streamed")
              return M.raw(`event: message_start\ndata: {"type":"message_start","oops": ${apiKey}\n\n`)
            default:
              return M.textMessage("fine")
          }
        })
        const agent = Agent.make({ instructions: "Be brief." })
        for (const prompt of ["echo ids", "malformed"]) {
          if (prompt !== "malformed")
            recordOutcome(yield* Effect.exit(Agent.run(agent, prompt).pipe(withClaude(server), observe)))
          recordOutcome(
            yield* Effect.exit(
              Stream.runDrain(Agent.runStream(agent, prompt)).pipe(
                withClaude(server, { retry: AnthropicRetry.none }),
                observe
              )
            )
          )
        }
        // The service and the SDK instance it holds, printed every way a program prints a value.
        const printed = yield* Effect.gen(function* () {
          const client = yield* AnthropicClient.AnthropicClient
          yield* Effect.log(client)
          yield* Effect.log(client.sdk)
          console.log(client)
          console.log(client.sdk)
          return [
            util.inspect(client, { depth: 10 }),
            util.inspect(client.sdk, { depth: 10 }),
            JSON.stringify(client),
            JSON.stringify(client.sdk),
            String(client),
            String(client.sdk)
          ]
        }).pipe(
          Effect.provide(AnthropicClient.layer({ apiKey: Redacted.make(apiKey), baseURL: server.baseURL })),
          Effect.provide(NodeHttpClient.layerUndici),
          observe
        )
        for (const line of [...printed, ...consoleLines]) record("printed", line)

        // The test can fail: the echoes reached the client, and the SDK did log the malformed event.
        expect(observed.some((line) => line.includes("req [redacted]"))).toBe(true)
        expect(observed.some((line) => line.includes("type [redacted]"))).toBe(true)
        expect(observed.some((line) => line.startsWith("log:") && line.includes("Could not parse"))).toBe(true)
        expect(printed.every((line) => line.includes("AnthropicClient") || line.includes("Anthropic"))).toBe(true)
        const leaks = observed.filter((line) => line.includes(apiKey) || line.includes("SECRET-1234"))
        expect(leaks).toEqual([])
        expect(consoleLines.filter((line) => line.includes("Could not parse"))).toEqual([])
      })
  )
})
