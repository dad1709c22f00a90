/**
 * What durability costs per step: the same agent (each step one model request and one tool call,
 * against a FunctionModel, so only the library's own work is timed) run plainly, durably on the
 * in-memory engine, and durably on the SQLite engine (a temporary file). Prints a table and writes
 * it to bench/durable-results.md.
 *
 * Run: `npx tsx bench/durable.ts` (from the repository root; `--quick` for fewer runs).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import type { WorkflowEngine } from "@effect/workflow/WorkflowEngine"
import { Effect, Layer, Schema } from "effect"
import { Agent, Message, type Model, Tool } from "effect-claude"
import { DurableAgent, DurableEngine } from "effect-claude/durable"
import { FunctionModel } from "effect-claude/testing"

const stepsPerRun = 10
const quick = process.argv.includes("--quick")

const add = Tool.make("add", {
  description: "Adds one",
  parameters: Schema.Struct({ n: Schema.Number }),
  handler: ({ n }) => Effect.succeed(n + 1)
})

/** Calls `add` until it has made `stepsPerRun` calls, then answers. */
const model: Layer.Layer<Model.Model> = FunctionModel.layer((messages) => {
  const calls = messages.filter((message) => message._tag === "ModelResponse").length
  return Effect.succeed(
    calls < stepsPerRun
      ? [new Message.ToolCallPart({ toolName: "add", args: { n: calls }, toolCallId: `call_${calls}` })]
      : [new Message.TextPart({ content: "done" })]
  )
})

const agent = Agent.make({ tools: [add] })
const durable = DurableAgent.make(agent, { name: "bench" })

/** Median microseconds per step over `runs` runs of `once`, after a few warm-up runs. */
const perStep = <R>(runs: number, once: (index: number) => Effect.Effect<unknown, unknown, R>) =>
  Effect.gen(function* () {
    for (let index = 0; index < 3; index++) yield* once(-1 - index)
    const samples: Array<number> = []
    for (let index = 0; index < runs; index++) {
      const started = performance.now()
      yield* once(index)
      samples.push(((performance.now() - started) * 1000) / stepsPerRun)
    }
    samples.sort((a, b) => a - b)
    return samples[Math.floor(samples.length / 2)] ?? Number.NaN
  })

const plain = perStep(quick ? 20 : 200, () => Agent.run(agent, "Count")).pipe(Effect.provide(model))

const onEngine = (runs: number, engine: Layer.Layer<WorkflowEngine, unknown>) =>
  perStep(runs, (index) => DurableAgent.run(durable, `run-${index}`, "Count")).pipe(
    Effect.provide(DurableAgent.layer(durable).pipe(Layer.provideMerge(engine), Layer.provide(model)))
  )

const folder = mkdtempSync(join(tmpdir(), "effect-claude-durable-bench-"))

const program = Effect.gen(function* () {
  const load = loadavg()[0] ?? 0
  const rows: Array<[string, number]> = [
    ["plain Agent.run", yield* plain],
    ["durable, in-memory engine", yield* onEngine(quick ? 10 : 100, DurableEngine.layerMemory)],
    [
      "durable, SQLite engine (file)",
      yield* onEngine(quick ? 3 : 20, DurableEngine.layerSqlite({ filename: join(folder, "bench.db") }))
    ]
  ]
  const base = rows[0]?.[1] ?? Number.NaN
  const table = [
    `Durable runs: time per step (one model request + one tool call; FunctionModel), median of runs of ${stepsPerRun} steps.`,
    `Node ${process.version}, ${cpus().length} cores, load average ${load.toFixed(1)} before the run.`,
    "",
    "| run | per step | overhead per step vs plain |",
    "| --- | --- | --- |",
    ...rows.map(
      ([name, micros]) =>
        `| ${name} | ${micros.toFixed(0)} µs | ${name === "plain Agent.run" ? "-" : `${(micros - base).toFixed(0)} µs`} |`
    )
  ].join("\n")
  console.log(table)
  if (!quick) writeFileSync(new URL("./durable-results.md", import.meta.url), `${table}\n`)
})

Effect.runPromise(program).then(
  () => {
    rmSync(folder, { recursive: true, force: true })
    process.exit(0)
  },
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
