/**
 * Two worker processes share one PostgreSQL store (a server the test starts and stops): the cluster spreads the runs over both; one worker is
 * killed in the middle of its tool calls, and the other takes over its shards once their locks
 * expire and finishes its runs from the store, re-running only the tool calls that were cut off.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { MockAnthropicServer } from "effect-claude/testing"
import * as Postgres from "./fixtures/postgres.js"
import { bundleWorker, scratch, sideEffects, start } from "./fixtures/workers.js"

const runIds = Array.from({ length: 8 }, (_, index) => `shared-${index + 1}`)

describe("two durable workers sharing one store", () => {
  it.scopedLive(
    "spread the runs; when one is killed, the other finishes its runs without repeating a finished step",
    () =>
      Effect.gen(function* () {
        const postgres = yield* Postgres.start
        if ("skipped" in postgres) {
          console.log(`skipped: ${postgres.skipped}`)
          return
        }
        yield* bundleWorker
        const server = yield* MockAnthropicServer.make((request) =>
          JSON.stringify(request.body).includes("tool_result")
            ? MockAnthropicServer.textMessage("done")
            : MockAnthropicServer.toolUseMessage([{ name: "transfer", input: { cents: 500 }, id: "toolu_1" }])
        )
        const files = scratch()
        const common = {
          PG_URL: postgres.url,
          EFFECTS: files.effects,
          BASE_URL: server.baseURL,
          RUN_ID: "",
          TOOL_MS: "6000"
        }
        // B only executes what the cluster gives it; A also starts the runs, once both are up.
        const workerB = yield* start({ ...common, RUN_IDS: runIds.join(","), START: "0", RUNNER_PORT: "34502" })
        yield* workerB.waitFor((line) => line.ready !== undefined)
        const workerA = yield* start({
          ...common,
          RUN_IDS: runIds.join(","),
          RUNNER_PORT: "34501",
          START_DELAY_MS: "5000"
        })
        const pidB = workerB.process.pid
        const pidA = workerA.process.pid

        // Every run is in its tool call (6 s long), some on each worker: kill B.
        yield* Effect.repeat(
          Effect.sync(() => sideEffects(files.effects)),
          {
            until: (lines) => lines.filter((line) => line.startsWith("start")).length >= runIds.length,
            schedule: Schedule.spaced("100 millis")
          }
        ).pipe(
          Effect.timeout("40 seconds"),
          Effect.orDieWith(
            () =>
              new Error(
                `runs did not all start: ${JSON.stringify(sideEffects(files.effects))}\nA: ${JSON.stringify(workerA.lines)}\n${workerA.stderr()}\nB: ${JSON.stringify(workerB.lines)}\n${workerB.stderr()}`
              )
          )
        )
        const beforeKill = sideEffects(files.effects)
        const onB = beforeKill.filter((line) => line.endsWith(` ${pidB}`)).length
        const onA = beforeKill.filter((line) => line.endsWith(` ${pidA}`)).length
        expect(onA).toBeGreaterThan(0)
        expect(onB).toBeGreaterThan(0)
        yield* workerB.kill

        for (const runId of runIds) {
          const line = yield* workerA.waitFor((line) => line.runId === runId && line.output !== undefined)
          expect(line.output).toBe("done")
        }
        const effects = sideEffects(files.effects)
        const events = [...workerA.lines, ...workerB.lines]
        for (const runId of runIds) {
          const done = effects.filter((line) => line.startsWith(`done ${runId} `))
          expect(done).toHaveLength(1)
          // Runs B was executing finished on A.
          expect(done[0]?.endsWith(` ${pidA}`)).toBe(true)
          // A step is announced by the worker that executed and stored it; one executed again after
          // being stored would be announced twice. (A worker giving up a shard as another joins may
          // store a step and stop before announcing it: hence at most once for the first request.)
          const announced = events.filter((line) => line.runId === runId)
          const responses = announced.filter((line) => line.event === "ModelResponseReceived")
          expect(responses.filter((line) => line.step === 1).length).toBeLessThanOrEqual(1)
          expect(responses.filter((line) => line.step === 2)).toHaveLength(1)
          expect(announced.filter((line) => line.event === "ToolCallFinished")).toHaveLength(1)
        }
        // B's calls were cut off and ran again on A; A's ran once.
        expect(effects.filter((line) => line.startsWith("start"))).toHaveLength(runIds.length + onB)
        const requests = (yield* server.requests).filter((request) => request.path === "/v1/messages")
        const answering = requests.filter((request) => JSON.stringify(request.body).includes("tool_result"))
        expect(answering).toHaveLength(runIds.length)
        // A first request in flight while its shard moved from B to A (as A joined) is sent again.
        expect(requests.length - answering.length).toBeGreaterThanOrEqual(runIds.length)
      }),
    90_000
  )
})
