/**
 * The core's deferred tools in durable runs: a call of a tool made with `needsApproval` waits for a
 * decision, a call of an external tool for its result, each as a durable deferred that
 * `DurableAgent.approve` / `answer` / `complete` fill; the model sees denials and external results
 * as the core's `Agent.resume` would show them.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schema } from "effect"
import { Agent, DeferredTools, Message, Tool } from "effect-claude"
import { Approval, DurableAgent, RunEvents } from "effect-claude/durable"
import { FunctionModel } from "effect-claude/testing"
import { inMemory, untilCompleted, untilSuspended } from "./fixtures/runs.js"

/**
 * A model that makes `calls` first, then answers with what the tool results said; it counts its
 * requests.
 */
const scripted = (calls: ReadonlyArray<Message.ToolCallPart>, options?: FunctionModel.Options) => {
  const counts = { requests: 0 }
  const layer = FunctionModel.layer(
    (messages) =>
      Effect.sync(() => {
        counts.requests += 1
        const last = messages[messages.length - 1]
        const returned =
          last instanceof Message.ModelRequest
            ? last.parts.filter((part): part is Message.ToolReturnPart => part._tag === "ToolReturnPart")
            : []
        if (returned.length === 0) return calls
        const said = returned.map((part) => `${part.isError ? "error" : "ok"} ${JSON.stringify(part.content)}`)
        return [new Message.TextPart({ content: said.join("; ") })]
      }),
    undefined,
    options
  )
  return { counts, layer }
}

const call = (toolName: string, args: Record<string, unknown>, toolCallId: string) =>
  new Message.ToolCallPart({ toolName, args, toolCallId })

/** A payment tool needing approval above 100 cents; counts its executions and its approval checks. */
const payTool = () => {
  const counts = { executions: 0, checks: 0 }
  const tool = Tool.make("pay", {
    parameters: Schema.Struct({ cents: Schema.Number }),
    handler: ({ cents }) =>
      Effect.sync(() => {
        counts.executions += 1
        return `paid ${cents}`
      }),
    needsApproval: ({ cents }) =>
      Effect.sync(() => {
        counts.checks += 1
        return cents > 100
      })
  })
  return { counts, tool }
}

/** An external tool: the program ships the parcel, elsewhere. */
const ship = Tool.external("ship", { parameters: Schema.Struct({ parcel: Schema.String }) })

const returns = (messages: ReadonlyArray<Message.ModelMessage>) =>
  messages.flatMap((message) =>
    message._tag === "ModelRequest"
      ? message.parts.filter((part): part is Message.ToolReturnPart => part._tag === "ToolReturnPart")
      : []
  )

const setup = (calls: ReadonlyArray<Message.ToolCallPart>) => {
  const model = scripted(calls)
  const pay = payTool()
  const durable = DurableAgent.make(Agent.make({ tools: [pay.tool, ship] }), { name: "deferred" })
  const layer = inMemory(durable, model.layer)
  return { durable, layer, model, pay }
}

describe("deferred tools in durable runs (in-memory engine)", () => {
  it.live("a call whose needsApproval says no runs at once; one that says yes waits, and runs once approved", () => {
    const { durable, layer, model, pay } = setup([
      call("pay", { cents: 50 }, "call-small"),
      call("pay", { cents: 900 }, "call-big")
    ])
    return Effect.gen(function* () {
      const events = yield* RunEvents.subscribe("approve-1")
      const fiber = yield* Effect.fork(DurableAgent.run(durable, "approve-1", "Pay both"))
      yield* untilSuspended(durable, "approve-1")
      expect(pay.counts.executions).toBe(1)

      yield* DurableAgent.approve(durable, "approve-1", "call-big", Approval.approved)
      const result = yield* Fiber.join(fiber)
      expect(result.output).toBe('ok "paid 50"; ok "paid 900"')
      expect(model.counts.requests).toBe(2)
      expect(pay.counts.executions).toBe(2)
      // Each check ran once: the replay after the approval read them back from the store.
      expect(pay.counts.checks).toBe(2)

      const seen = yield* untilCompleted(events)
      const requested = seen.filter((event) => event._tag === "ApprovalRequested")
      // Once: the replay after the approval passes the call without asking again.
      expect(requested.map((event) => event._tag === "ApprovalRequested" && event.call.toolCallId)).toEqual([
        "call-big"
      ])
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("an approval with other arguments runs the tool with them (the core's DeferredTools.approve)", () => {
    const { durable, layer, pay } = setup([call("pay", { cents: 900 }, "call-1")])
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(DurableAgent.run(durable, "approve-2", "Pay"))
      yield* untilSuspended(durable, "approve-2")
      yield* DurableAgent.answer(durable, "approve-2", DeferredTools.approve("call-1", { args: { cents: 300 } }))
      expect((yield* Fiber.join(fiber)).output).toBe('ok "paid 300"')
      expect(pay.counts.executions).toBe(1)
    }).pipe(Effect.provide(layer))
  })

  it.live("a denial answers the model with its message as an error result, without running the tool", () => {
    const { durable, layer, pay } = setup([call("pay", { cents: 900 }, "call-1")])
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(DurableAgent.run(durable, "deny-1", "Pay"))
      yield* untilSuspended(durable, "deny-1")
      yield* DurableAgent.answer(durable, "deny-1", DeferredTools.deny("call-1", "Not on a Friday"))
      // A later decision does not change the stored one.
      yield* DurableAgent.approve(durable, "deny-1", "call-1", Approval.approved)
      const result = yield* Fiber.join(fiber)
      expect(result.output).toBe('error "Not on a Friday"')
      expect(pay.counts.executions).toBe(0)
      expect(returns(result.messages)).toEqual([
        new Message.ToolReturnPart({
          toolName: "pay",
          toolCallId: "call-1",
          content: "Not on a Friday",
          isError: true
        })
      ])
    }).pipe(Effect.provide(layer))
  })

  it.live("an external call waits for its result, which the model then sees", () => {
    const { durable, layer, model } = setup([call("ship", { parcel: "tent" }, "call-ship")])
    return Effect.gen(function* () {
      const events = yield* RunEvents.subscribe("external-1")
      const fiber = yield* Effect.fork(DurableAgent.run(durable, "external-1", "Ship the tent"))
      yield* untilSuspended(durable, "external-1")
      expect(model.counts.requests).toBe(1)
      yield* DurableAgent.complete(durable, "external-1", "call-ship", { tracking: "ZX-1" })
      const result = yield* Fiber.join(fiber)
      expect(result.output).toBe('ok {"tracking":"ZX-1"}')
      expect(model.counts.requests).toBe(2)
      const seen = (yield* untilCompleted(events)).map((event) => event._tag)
      expect(seen).toEqual([
        "ModelResponseReceived",
        // Announced once, not again when the resumed run replays up to the call.
        "ExternalCallRequested",
        "ModelResponseReceived",
        "RunCompleted"
      ])
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("an external result marked as an error, or a denied external call, is an error result", () => {
    const { durable, layer } = setup([
      call("ship", { parcel: "tent" }, "call-a"),
      call("ship", { parcel: "stove" }, "call-b")
    ])
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(DurableAgent.run(durable, "external-2", "Ship both"))
      yield* untilSuspended(durable, "external-2")
      yield* DurableAgent.complete(durable, "external-2", "call-a", "carrier offline", { isError: true })
      yield* DurableAgent.answer(durable, "external-2", DeferredTools.deny("call-b", "Out of stock"))
      expect((yield* Fiber.join(fiber)).output).toBe('error "carrier offline"; error "Out of stock"')
    }).pipe(Effect.provide(layer))
  })

  it.live("the agent's requireApproval policy adds approvals to tools made without needsApproval", () => {
    const model = scripted([call("lookup", { id: 1 }, "call-1")])
    let executions = 0
    const lookup = Tool.make("lookup", {
      parameters: Schema.Struct({ id: Schema.Number }),
      handler: ({ id }) => Effect.sync(() => `record ${id} (${++executions})`)
    })
    const durable = DurableAgent.make(Agent.make({ tools: [lookup] }), { name: "policy", requireApproval: ["lookup"] })
    const layer = inMemory(durable, model.layer)
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(DurableAgent.run(durable, "policy-1", "Look it up"))
      yield* untilSuspended(durable, "policy-1")
      expect(executions).toBe(0)
      yield* DurableAgent.answer(durable, "policy-1", DeferredTools.approve("call-1"))
      expect((yield* Fiber.join(fiber)).output).toBe('ok "record 1 (1)"')
    }).pipe(Effect.provide(layer))
  })

  it.live("a token count before a request is a stored step: the replay after an approval does not count again", () => {
    const counted = { counts: 0 }
    const model = scripted([call("pay", { cents: 900 }, "call-1")], {
      countTokens: () =>
        Effect.sync(() => {
          counted.counts += 1
          return 10
        })
    })
    const pay = payTool()
    const durable = DurableAgent.make(
      Agent.make({ tools: [pay.tool], usageLimits: { inputTokensLimit: 1_000, countTokensBeforeRequest: true } }),
      { name: "counted" }
    )
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(DurableAgent.run(durable, "count-1", "Pay"))
      yield* untilSuspended(durable, "count-1")
      expect(counted.counts).toBe(1)
      yield* DurableAgent.approve(durable, "count-1", "call-1", Approval.approved)
      const result = yield* Fiber.join(fiber)
      expect(result.output).toBe('ok "paid 900"')
      // One count per request sent (2), not a third for the first request read back on replay.
      expect(model.counts.requests).toBe(2)
      expect(counted.counts).toBe(2)
    }).pipe(Effect.provide(inMemory(durable, model.layer)))
  })
})
