/**
 * Durable runs on the SQLite engine survive their process being killed (SIGKILL, no cleanup) at
 * each kind of step: the run finishes in a new process on the same store, and the loopback
 * Anthropic server's request count and the tool's side-effect log prove that no finished model
 * request or tool call ran twice.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { MockAnthropicServer } from "effect-claude/testing"
import { bundleWorker, scratch, sideEffects, start } from "./fixtures/workers.js"

/**
 * Calls `transfer` first (then the external `ship`, when asked), then answers "done"; `hold` keeps
 * the answer to the tool result waiting.
 */
const paymentsServer = (options?: { readonly holdFirstAnswer?: boolean; readonly ship?: boolean }) => {
  let held = false
  return MockAnthropicServer.make((request) => {
    const body = JSON.stringify(request.body)
    if (!body.includes("tool_result")) {
      return MockAnthropicServer.toolUseMessage([{ name: "transfer", input: { cents: 500 }, id: "toolu_1" }])
    }
    if (options?.ship === true && !body.includes("toolu_2")) {
      return MockAnthropicServer.toolUseMessage([{ name: "ship", input: { parcel: "receipt" }, id: "toolu_2" }])
    }
    if (options?.holdFirstAnswer === true && !held) {
      held = true
      return MockAnthropicServer.reply(MockAnthropicServer.textMessage("too late"), { delay: "60 seconds" })
    }
    return MockAnthropicServer.textMessage("done")
  })
}

const messagesRequests = (server: MockAnthropicServer.Service) =>
  Effect.map(server.requests, (requests) => requests.filter((request) => request.path === "/v1/messages").length)

const environment = (server: MockAnthropicServer.Service, files: ReturnType<typeof scratch>, runId: string) => ({
  DB: files.db,
  EFFECTS: files.effects,
  BASE_URL: server.baseURL,
  RUN_ID: runId
})

describe.concurrent("a durable run killed and restarted (SQLite engine, child processes)", () => {
  it.scopedLive(
    "killed in the middle of a tool call: the call runs again with the same idempotency key, the model request does not",
    () =>
      Effect.gen(function* () {
        yield* bundleWorker
        const server = yield* paymentsServer()
        const files = scratch()
        const env = environment(server, files, "mid-tool")
        const first = yield* start({ ...env, CRASH_IN_TOOL: "1" })
        expect(yield* first.exited).toBe("SIGKILL")
        expect(yield* messagesRequests(server)).toBe(1)

        const second = yield* start(env)
        const result = yield* second.waitFor((line) => line.output !== undefined)
        expect(result.output).toBe("done")
        expect(yield* messagesRequests(server)).toBe(2)
        // Each line: what, run id, idempotency key, process id.
        const effects = sideEffects(files.effects).map((line) => line.split(" ").slice(0, 3).join(" "))
        const key = effects[0]?.split(" ")[2]
        expect(effects).toEqual([`start mid-tool ${key}`, `start mid-tool ${key}`, `done mid-tool ${key}`])
      }),
    60_000
  )

  it.scopedLive(
    "killed while a model request waits for its answer: that request is sent again, the finished ones are not",
    () =>
      Effect.gen(function* () {
        yield* bundleWorker
        const server = yield* paymentsServer({ holdFirstAnswer: true })
        const files = scratch()
        const env = environment(server, files, "mid-request")
        const first = yield* start(env)
        yield* first.waitFor((line) => line.event === "ToolCallFinished")
        yield* Effect.repeat(messagesRequests(server), {
          until: (count) => count === 2,
          schedule: Schedule.spaced("50 millis")
        })
        yield* first.kill

        const second = yield* start(env)
        const result = yield* second.waitFor((line) => line.output !== undefined)
        expect(result.output).toBe("done")
        // Request 1 once; request 2 twice: cut off, then sent again.
        expect(yield* messagesRequests(server)).toBe(3)
        expect(sideEffects(files.effects).filter((line) => line.startsWith("done"))).toHaveLength(1)
        expect(sideEffects(files.effects)).toHaveLength(2)
      }),
    60_000
  )

  it.scopedLive(
    "killed while waiting for an approval: another process approves, and the run finishes without repeating a step",
    () =>
      Effect.gen(function* () {
        yield* bundleWorker
        const server = yield* paymentsServer()
        const files = scratch()
        const env = { ...environment(server, files, "approval"), REQUIRE_APPROVAL: "1" }
        const first = yield* start(env)
        yield* first.waitFor((line) => line.event === "ApprovalRequested")
        yield* first.kill
        expect(sideEffects(files.effects)).toEqual([])

        const second = yield* start({ ...env, APPROVE: "toolu_1" })
        const result = yield* second.waitFor((line) => line.output !== undefined)
        expect(result.output).toBe("done")
        expect(yield* messagesRequests(server)).toBe(2)
        expect(sideEffects(files.effects)).toHaveLength(2)
      }),
    60_000
  )

  it.scopedLive(
    "killed while waiting for an external result: another process gives it, and the run finishes without repeating a step",
    () =>
      Effect.gen(function* () {
        yield* bundleWorker
        const server = yield* paymentsServer({ ship: true })
        const files = scratch()
        const env = environment(server, files, "external")
        const first = yield* start(env)
        yield* first.waitFor((line) => line.event === "ExternalCallRequested")
        yield* first.kill
        expect(sideEffects(files.effects)).toHaveLength(2)
        expect(yield* messagesRequests(server)).toBe(2)

        const second = yield* start({ ...env, COMPLETE: "toolu_2" })
        const result = yield* second.waitFor((line) => line.output !== undefined)
        expect(result.output).toBe("done")
        // Requests 1 and 2 were read back from the store; the tool did not run again.
        expect(yield* messagesRequests(server)).toBe(3)
        expect(sideEffects(files.effects)).toHaveLength(2)
        // The last request carries the external result the second process gave.
        const last = (yield* server.requests).filter((request) => request.path === "/v1/messages").at(-1)
        expect(JSON.stringify(last?.body)).toContain("ZX-1")
      }),
    60_000
  )

  it.scopedLive(
    "cancelled while waiting for an approval: the cancellation is stored, and a restart neither resumes the run nor runs its tool",
    () =>
      Effect.gen(function* () {
        yield* bundleWorker
        const server = yield* paymentsServer()
        const files = scratch()
        const env = { ...environment(server, files, "cancelled"), REQUIRE_APPROVAL: "1" }
        const first = yield* start(env)
        yield* first.waitFor((line) => line.event === "ApprovalRequested")
        yield* first.kill

        const canceller = yield* start({ ...env, INTERRUPT: "1" })
        expect((yield* canceller.waitFor((line) => line.status !== undefined)).status).toBe("Interrupted")
        yield* canceller.exited

        const restarted = yield* start({ ...env, STATUS: "1" })
        expect((yield* restarted.waitFor((line) => line.status !== undefined)).status).toBe("Interrupted")
        expect(sideEffects(files.effects)).toEqual([])
        expect(yield* messagesRequests(server)).toBe(1)
      }),
    60_000
  )
})
