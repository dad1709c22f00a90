/**
 * Load: 1,000 agent runs streamed at the same time through one Claude client against the loopback
 * server, each asking its own question and getting an answer derived from it. Every run must get
 * exactly its own answer, streamed and final, and none may be lost. Prints wall time and peak RSS.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { Agent } from "effect-claude"
import { collect, M, serve, streamedText, watchUnhandledRejections, withClaude } from "./harness.js"

watchUnhandledRejections()

const runs = 1_000

/** The answer to run `id`: long enough to arrive as many deltas, unique to the run. */
const answerTo = (question: string) =>
  `Answer to ${question}: ${Array.from({ length: 12 }, (_, word) => `${question}-word${word}`).join(" ")}.`

const megabytes = (bytes: number) => Math.round(bytes / 1024 / 1024)

describe("load", () => {
  it.scopedLive(
    `${runs} concurrent streamed runs each get exactly their own answer`,
    () =>
      Effect.gen(function* () {
        const server = yield* serve((request) => M.textMessage(answerTo(M.lastUserText(request) ?? "nothing")))
        const agent = Agent.make({ instructions: "Answer the question you are asked." })

        let peakRss = process.memoryUsage.rss()
        const sampler = setInterval(() => {
          peakRss = Math.max(peakRss, process.memoryUsage.rss())
        }, 10)
        const started = performance.now()
        const outcomes = yield* Effect.forEach(
          Array.from({ length: runs }, (_, index) => `question-${index}`),
          (question) =>
            Effect.map(collect(Agent.runStream(agent, question)), (collected) => ({ question, ...collected })),
          { concurrency: "unbounded" }
        ).pipe(withClaude(server), Effect.ensuring(Effect.sync(() => clearInterval(sampler))))
        const wallMillis = performance.now() - started
        peakRss = Math.max(peakRss, process.memoryUsage.rss())

        console.log(
          `load: ${runs} concurrent streamed runs in ${Math.round(wallMillis)} ms; ` +
            `peak RSS ${megabytes(peakRss)} MB (process max RSS so far ${Math.round(process.resourceUsage().maxRSS / 1024)} MB)`
        )

        let mismatched = 0
        for (const { question, events, exit } of outcomes) {
          const expected = answerTo(question)
          const finished = events.at(-1)
          const output = finished?._tag === "RunFinished" ? finished.result.output : undefined
          if (!Exit.isSuccess(exit) || streamedText(events) !== expected || output !== expected) mismatched++
        }
        expect(mismatched).toBe(0)
        expect(outcomes).toHaveLength(runs)
        // One request per run: nothing lost, nothing retried.
        expect(yield* server.requestCount).toBe(runs)
        const asked = new Set((yield* server.requests).map((request) => M.lastUserText(request)))
        expect(asked.size).toBe(runs)
        expect(wallMillis).toBeLessThan(60_000)
      }),
    60_000
  )
})
