/**
 * A durable run that waits for a human's approval and for an external system's result, each time
 * with no process running it.
 *
 * `place_order` needs approval for more than one item (`needsApproval`), and `ship_order` is an
 * external tool: the warehouse runs it, not the agent. Three processes share an embedded SQLite
 * store, one after the other:
 * 1. a worker starts the run; it stops at the order, waiting for approval, and is killed there;
 * 2. the reviewer's process approves the call (`DurableAgent.approve`) and works on the run until it
 *    waits for the warehouse; it is killed too;
 * 3. the warehouse's process gives the shipping result (`DurableAgent.complete`) and the run
 *    finishes, without placing the order twice or repeating a model request.
 *
 * With `ANTHROPIC_API_KEY` set it talks to Claude; without it, to the bundled loopback Anthropic
 * server, which counts the requests it answered.
 *
 * Run: `npm run example:durable-approval`
 */
import { appendFileSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect, Schema, Stream } from "effect"
import { Agent, Tool } from "effect-claude"
import { Approval, DurableAgent, RunEvents } from "effect-claude/durable"
import { MockAnthropicServer } from "effect-claude/testing"
import { main, parentSetup, runWorker, say, workerLayer } from "./durable/processes.js"

const runId = "order-7"
const prompt = "Order two tents, then have them shipped."

// ---------------------------------------------------------------------------------------------
// The worker: the agent and its tools
// ---------------------------------------------------------------------------------------------

/** Records each order placed in the journal the parent reads at the end. */
const journal = (line: string) => appendFileSync(process.env.JOURNAL ?? "/dev/null", `${line}\n`)

const placeOrder = Tool.make("place_order", {
  description: "Orders items; gives the order number",
  parameters: Schema.Struct({ item: Schema.String, quantity: Schema.Number }),
  handler: ({ item, quantity }) =>
    Effect.sync(() => {
      journal(`place_order ${quantity} ${item}`)
      return { order: "A-1", item, quantity }
    }),
  // One item needs nobody; more wait for a human.
  needsApproval: ({ quantity }) => Effect.succeed(quantity > 1)
})

/** The warehouse ships; the agent only asks for it and waits for the tracking number. */
const shipOrder = Tool.external("ship_order", {
  description: "Ships an order; gives its tracking number",
  parameters: Schema.Struct({ order: Schema.String })
})

const shop = DurableAgent.make(
  Agent.make({ instructions: "Order, then ship. Be brief.", tools: [placeOrder, shipOrder] }),
  { name: "shop-approvals" }
)

const worker = () => {
  // A run announces a wait each time it reaches the call, also on a replay after the answer came.
  const answered = (process.env.ANSWERED ?? "").split(",")
  const program = Effect.gen(function* () {
    const events = yield* RunEvents.subscribe(runId)
    yield* Effect.forkScoped(
      Stream.runForEach(events, (event) => {
        if ("call" in event && answered.includes(event.call.toolCallId) && event._tag !== "ToolCallFinished") {
          return Effect.void
        }
        switch (event._tag) {
          case "ModelResponseReceived":
            return say(`model answered request ${event.step}`)
          case "ToolCallFinished":
            return say(`${event.call.toolName} ran`)
          case "ApprovalRequested":
            return say(
              `waiting for approval of ${event.call.toolName} ${JSON.stringify(event.call.args)} [${event.call.toolCallId}]`
            )
          case "ExternalCallRequested":
            return say(
              `waiting for the warehouse: ${event.call.toolName} ${JSON.stringify(event.call.args)} [${event.call.toolCallId}]`
            )
          default:
            return Effect.void
        }
      })
    )
    const callId = process.env.CALL_ID ?? ""
    if (process.env.ROLE === "reviewer") {
      yield* say(`approving ${callId}`)
      yield* DurableAgent.approve(shop, runId, callId, Approval.approved)
    }
    if (process.env.ROLE === "warehouse") {
      yield* say(`shipped; giving the result of ${callId}`)
      yield* DurableAgent.complete(shop, runId, callId, { tracking: "1Z999" })
    }
    const result = yield* DurableAgent.run(shop, runId, prompt)
    yield* say(`output: ${result.output}`)
  })
  return program.pipe(Effect.scoped, Effect.provide(workerLayer(shop)))
}

// ---------------------------------------------------------------------------------------------
// The parent: a loopback Claude, then the three processes
// ---------------------------------------------------------------------------------------------

/** Offline answers: order two tents, then ship the order, then confirm. */
const offlineClaude = MockAnthropicServer.make((request) => {
  const results = (JSON.stringify(request.body).match(/tool_result/g) ?? []).length
  return results === 0
    ? MockAnthropicServer.toolUseMessage([
        { name: "place_order", input: { item: "tent", quantity: 2 }, id: "toolu_order" }
      ])
    : results === 1
      ? MockAnthropicServer.toolUseMessage([{ name: "ship_order", input: { order: "A-1" }, id: "toolu_ship" }])
      : MockAnthropicServer.textMessage("Order A-1 (two tents) is placed and shipped: tracking 1Z999.")
})

/** Runs a worker until it waits for something (then kills it) or ends; gives the waiting call's id. */
const untilWaiting = (env: Record<string, string>) =>
  Effect.suspend(() => {
    let waitingFor: string | undefined
    return Effect.map(
      runWorker(fileURLToPath(import.meta.url), env, (line, kill) => {
        const waiting = /waiting for .*\[(.+)\]$/.exec(line)
        if (waiting !== null && waitingFor === undefined) {
          waitingFor = waiting[1]
          process.stdout.write("  -- nothing to do until someone answers: killing the process (SIGKILL) --\n")
          kill()
        }
      }),
      () => waitingFor
    )
  })

const parent = Effect.gen(function* () {
  const { env, journal, requests } = yield* parentSetup(offlineClaude, "durable-approval")
  console.log("1. A worker starts the run.")
  const approval = yield* untilWaiting({ ...env, ROLE: "worker" })
  if (approval === undefined) return
  console.log("2. Later, the reviewer's process approves the order.")
  const shipment = yield* untilWaiting({ ...env, ROLE: "reviewer", CALL_ID: approval, ANSWERED: approval })
  if (shipment === undefined) return
  console.log("3. Later still, the warehouse's process reports the shipment.")
  yield* untilWaiting({ ...env, ROLE: "warehouse", CALL_ID: shipment, ANSWERED: `${approval},${shipment}` })
  const orders = readFileSync(journal, "utf8")
    .split("\n")
    .filter((line) => line !== "")
  console.log(`Orders placed: ${orders.length} (${orders.join(", ")})`)
  const count = yield* requests
  if (count !== undefined) {
    console.log(`Model requests received by the loopback server: ${count} (a finished request is never sent again)`)
  }
}).pipe(Effect.scoped)

main(worker, parent)
