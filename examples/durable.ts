/**
 * A durable agent run that survives its process being killed.
 *
 * The program starts a worker process that runs the agent on an embedded SQLite store, kills it
 * (SIGKILL, no cleanup) right after its first tool call finished, starts a new worker on the same
 * store, and watches the run finish there: the finished model request and tool call are read back
 * from the store, not repeated. With `ANTHROPIC_API_KEY` set it talks to Claude; without it, to
 * the bundled loopback Anthropic server, which also counts the requests it answered.
 *
 * Run: `npm run example:durable`
 */
import { spawn } from "node:child_process"
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Layer, Redacted, Schema, Stream } from "effect"
import { Agent, Tool } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { DurableAgent, DurableEngine, RunEvents } from "effect-claude/durable"
import { MockAnthropicServer } from "effect-claude/testing"

const runId = "order-42"
const prompt = "Order two tents if they are in stock."

// ---------------------------------------------------------------------------------------------
// The worker: the agent, its tools and the durable engine
// ---------------------------------------------------------------------------------------------

/** Records each tool execution in the journal the parent reads at the end. */
const journal = (line: string) => appendFileSync(process.env.JOURNAL ?? "/dev/null", `${line}\n`)

const checkInventory = Tool.make("check_inventory", {
  description: "How many of an item are in stock",
  parameters: Schema.Struct({ item: Schema.String }),
  handler: ({ item }) =>
    Effect.as(Effect.sleep("1 second"), { item, inStock: 5 }).pipe(Effect.tap(() => journal("check_inventory")))
})

const placeOrder = Tool.make("place_order", {
  description: "Orders items; gives the order number",
  parameters: Schema.Struct({ item: Schema.String, quantity: Schema.Number }),
  handler: ({ item, quantity }) =>
    Effect.as(Effect.sleep("1 second"), { order: "A-1", item, quantity }).pipe(Effect.tap(() => journal("place_order")))
})

const shop = DurableAgent.make(
  Agent.make({ instructions: "Check the stock before ordering. Be brief.", tools: [checkInventory, placeOrder] }),
  { name: "shop" }
)

const worker = (store: string, baseURL: string | undefined) => {
  const client =
    baseURL === undefined
      ? AnthropicClient.layerConfig()
      : AnthropicClient.layer({ apiKey: Redacted.make("offline-example-key"), baseURL })
  const model = AnthropicModel.layer(process.env.ANTHROPIC_MODEL ?? "claude-sonnet-4-6").pipe(
    Layer.provide(client),
    Layer.provide(FetchHttpClient.layer)
  )
  const say = (text: string) => Effect.sync(() => process.stdout.write(`  [worker ${process.pid}] ${text}\n`))
  const program = Effect.gen(function* () {
    const events = yield* RunEvents.subscribe(runId)
    yield* Effect.forkScoped(
      Stream.runForEach(events, (event) => {
        switch (event._tag) {
          case "ModelResponseReceived":
            return say(`model answered request ${event.step}`)
          case "ToolCallStarted":
            return say(`${event.call.toolName} started`)
          case "ToolCallFinished":
            return say(`${event.call.toolName} finished`)
          default:
            return Effect.void
        }
      })
    )
    yield* say(`running ${runId} (resumed if the store has it)`)
    const result = yield* DurableAgent.run(shop, runId, prompt)
    yield* say(`output: ${result.output}`)
  })
  return program.pipe(
    Effect.scoped,
    Effect.provide(
      DurableAgent.layer(shop).pipe(
        Layer.provideMerge(DurableEngine.layerSqlite({ filename: store })),
        Layer.provideMerge(RunEvents.layer),
        Layer.provide(model)
      )
    )
  )
}

// ---------------------------------------------------------------------------------------------
// The parent: a loopback Claude, then a worker killed and a worker that finishes the run
// ---------------------------------------------------------------------------------------------

/** Offline answers: check the stock, then order, then confirm; each answer after a short think. */
const offlineClaude = MockAnthropicServer.make((request) => {
  const results = (JSON.stringify(request.body).match(/tool_result/g) ?? []).length
  const answer =
    results === 0
      ? MockAnthropicServer.toolUseMessage([{ name: "check_inventory", input: { item: "tent" }, id: "toolu_stock" }])
      : results === 1
        ? MockAnthropicServer.toolUseMessage([
            { name: "place_order", input: { item: "tent", quantity: 2 }, id: "toolu_order" }
          ])
        : MockAnthropicServer.textMessage("Done: order A-1 for two tents is placed.")
  return MockAnthropicServer.reply(answer, { delay: "500 millis" })
})

const startWorker = (env: Record<string, string>, onLine: (line: string) => void) =>
  Effect.async<string>((resume) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) {
        if (line === "") continue
        process.stdout.write(`${line}\n`)
        onLine(line)
        if (line.includes("check_inventory finished") && env.KILL_AFTER_FIRST_TOOL === "1") {
          process.stdout.write("  -- killing the worker (SIGKILL) --\n")
          child.kill("SIGKILL")
        }
      }
    })
    child.on("exit", (code, signal) => resume(Effect.succeed(signal ?? `exit ${code}`)))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const parent = Effect.gen(function* () {
  const online = (process.env.ANTHROPIC_API_KEY ?? "") !== ""
  const server = online ? undefined : yield* offlineClaude
  const folder = mkdtempSync(join(tmpdir(), "effect-claude-durable-example-"))
  const store = join(folder, "runs.db")
  const journalFile = join(folder, "journal.log")
  const env: Record<string, string> = {
    DURABLE_EXAMPLE_WORKER: "1",
    STORE: store,
    JOURNAL: journalFile,
    ...(server === undefined ? {} : { BASE_URL: server.baseURL })
  }
  console.log(`Store: ${store}${online ? "" : " (model: the loopback Anthropic server)"}`)
  console.log("Starting worker 1; it will be killed after its first tool call.")
  console.log(`  worker 1 ended: ${yield* startWorker({ ...env, KILL_AFTER_FIRST_TOOL: "1" }, () => {})}`)
  console.log("Starting worker 2 on the same store.")
  console.log(`  worker 2 ended: ${yield* startWorker(env, () => {})}`)
  const tools = readFileSync(journalFile, "utf8")
    .split("\n")
    .filter((line) => line !== "")
  console.log(`Tool executions: ${tools.join(", ")}`)
  if (server !== undefined) {
    const requests = (yield* server.requests).filter((request) => request.path === "/v1/messages").length
    // 3 when the kill came before the second request was sent; 4 when it cut that request off.
    console.log(`Model requests received by the loopback server: ${requests} (a finished request is never sent again)`)
  }
}).pipe(Effect.scoped)

const main: Effect.Effect<void, unknown> =
  process.env.DURABLE_EXAMPLE_WORKER === "1" ? worker(process.env.STORE ?? "runs.db", process.env.BASE_URL) : parent

Effect.runPromise(main).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
