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
import { appendFileSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect, Schema, Stream } from "effect"
import { Agent, Tool } from "effect-claude"
import { DurableAgent, RunEvents } from "effect-claude/durable"
import { MockAnthropicServer } from "effect-claude/testing"
import { main, parentSetup, runWorker, say, workerLayer } from "./durable/processes.js"

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

const worker = () => {
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
  return program.pipe(Effect.scoped, Effect.provide(workerLayer(shop)))
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

const parent = Effect.gen(function* () {
  const { env, journal, requests } = yield* parentSetup(offlineClaude, "durable-example")
  const file = fileURLToPath(import.meta.url)
  console.log("Starting worker 1; it will be killed after its first tool call.")
  const first = yield* runWorker(file, env, (line, kill) => {
    if (line.includes("check_inventory finished")) {
      process.stdout.write("  -- killing the worker (SIGKILL) --\n")
      kill()
    }
  })
  console.log(`  worker 1 ended: ${first}`)
  console.log("Starting worker 2 on the same store.")
  console.log(`  worker 2 ended: ${yield* runWorker(file, env, () => {})}`)
  const tools = readFileSync(journal, "utf8")
    .split("\n")
    .filter((line) => line !== "")
  console.log(`Tool executions: ${tools.join(", ")}`)
  const count = yield* requests
  if (count !== undefined) {
    // 3 when the kill came before the second request was sent; 4 when it cut that request off.
    console.log(`Model requests received by the loopback server: ${count} (a finished request is never sent again)`)
  }
}).pipe(Effect.scoped)

main(worker, parent)
