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
import { spawn } from "node:child_process"
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Layer, Redacted, Schema, Stream } from "effect"
import { Agent, Tool } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { Approval, DurableAgent, DurableEngine, RunEvents } from "effect-claude/durable"
import { MockAnthropicServer } from "effect-claude/testing"

const runId = "order-7"
const prompt = "Order two tents, then have them shipped."

// ---------------------------------------------------------------------------------------------
// The worker: the agent, its tools and the durable engine
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

const worker = (store: string, baseURL: string | undefined) => {
  const client =
    baseURL === undefined
      ? AnthropicClient.layerConfig()
      : AnthropicClient.layer({ apiKey: Redacted.make("offline-example-key"), baseURL })
  const model = AnthropicModel.layer(process.env.ANTHROPIC_MODEL ?? "claude-sonnet-4-6").pipe(
    Layer.provide(client),
    Layer.provide(FetchHttpClient.layer)
  )
  const say = (text: string) =>
    Effect.sync(() => process.stdout.write(`  [${process.env.ROLE} ${process.pid}] ${text}\n`))
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
const startWorker = (env: Record<string, string>) =>
  Effect.async<string | undefined>((resume) => {
    let waitingFor: string | undefined
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) {
        if (line === "") continue
        process.stdout.write(`${line}\n`)
        const waiting = /waiting for .*\[(.+)\]$/.exec(line)
        if (waiting !== null && waitingFor === undefined) {
          waitingFor = waiting[1]
          process.stdout.write("  -- nothing to do until someone answers: killing the process (SIGKILL) --\n")
          child.kill("SIGKILL")
        }
      }
    })
    child.on("exit", () => resume(Effect.succeed(waitingFor)))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const parent = Effect.gen(function* () {
  const online = (process.env.ANTHROPIC_API_KEY ?? "") !== ""
  const server = online ? undefined : yield* offlineClaude
  const folder = mkdtempSync(join(tmpdir(), "effect-claude-durable-approval-"))
  const journalFile = join(folder, "journal.log")
  const env: Record<string, string> = {
    DURABLE_EXAMPLE_WORKER: "1",
    STORE: join(folder, "runs.db"),
    JOURNAL: journalFile,
    ...(server === undefined ? {} : { BASE_URL: server.baseURL })
  }
  console.log(`Store: ${env.STORE}${online ? "" : " (model: the loopback Anthropic server)"}`)
  console.log("1. A worker starts the run.")
  const approval = yield* startWorker({ ...env, ROLE: "worker" })
  if (approval === undefined) return
  console.log("2. Later, the reviewer's process approves the order.")
  const shipment = yield* startWorker({ ...env, ROLE: "reviewer", CALL_ID: approval, ANSWERED: approval })
  if (shipment === undefined) return
  console.log("3. Later still, the warehouse's process reports the shipment.")
  yield* startWorker({ ...env, ROLE: "warehouse", CALL_ID: shipment, ANSWERED: `${approval},${shipment}` })
  const orders = readFileSync(journalFile, "utf8")
    .split("\n")
    .filter((line) => line !== "")
  console.log(`Orders placed: ${orders.length} (${orders.join(", ")})`)
  if (server !== undefined) {
    const requests = (yield* server.requests).filter((request) => request.path === "/v1/messages").length
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
