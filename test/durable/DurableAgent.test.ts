import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, Schema, Stream } from "effect"
import { Agent, AgentEvent, Message, Tool, Toolset, Usage } from "effect-claude"
import { Approval, DurableAgent, DurableEngine, DurableError, DurableStep, RunEvents } from "effect-claude/durable"
import { FunctionModel } from "effect-claude/testing"
import { inMemory, untilCompleted, untilSuspended } from "./fixtures/runs.js"

/**
 * A model that calls `transfer` once, then answers with the tool's result; it counts its requests.
 * A tool call id is unique to the conversation, as the provider's are.
 */
const scripted = () => {
  const counts = { requests: 0 }
  const layer = FunctionModel.layer((messages) =>
    Effect.sync(() => {
      counts.requests += 1
      const last = messages[messages.length - 1]
      const returned =
        last instanceof Message.ModelRequest
          ? last.parts.find((part): part is Message.ToolReturnPart => part._tag === "ToolReturnPart")
          : undefined
      if (returned === undefined) {
        return [new Message.ToolCallPart({ toolName: "transfer", args: { cents: 500 }, toolCallId: "call-1" })]
      }
      return [new Message.TextPart({ content: `done: ${String(returned.content)}` })]
    })
  )
  return { counts, layer }
}

/** A tool with a side effect: it counts its executions and records the idempotency keys it saw. */
const transferTool = () => {
  const effects = { executions: 0, keys: [] as Array<string> }
  const tool = Tool.make("transfer", {
    description: "Moves money",
    parameters: Schema.Struct({ cents: Schema.Number }),
    handler: ({ cents }) =>
      Effect.map(Effect.serviceOption(DurableStep.DurableStep), (step) => {
        effects.executions += 1
        if (Option.isSome(step)) effects.keys.push(step.value.idempotencyKey)
        return `moved ${cents}`
      })
  })
  return { effects, tool }
}

const setup = (options?: { readonly requireApproval?: Approval.Policy }) => {
  const model = scripted()
  const transfer = transferTool()
  const durable = DurableAgent.make(Agent.make({ tools: [transfer.tool] }), {
    name: "payments",
    requireApproval: options?.requireApproval
  })
  const layer = inMemory(durable, model.layer)
  return { durable, layer, model, transfer }
}

describe("DurableAgent on the in-memory engine", () => {
  it.live("runs the agent as a plain run would, each request and tool call once", () => {
    const { durable, layer, model, transfer } = setup()
    return Effect.gen(function* () {
      const result = yield* DurableAgent.run(durable, "run-1", "Pay the bill")
      expect(result.output).toBe("done: moved 500")
      expect(result.newMessages).toHaveLength(4)
      expect(result.usage.requests).toBe(2)
      expect(model.counts.requests).toBe(2)
      expect(transfer.effects.executions).toBe(1)
      // Running a finished run again gives its stored result and executes nothing.
      const again = yield* DurableAgent.run(durable, "run-1", "Pay the bill")
      expect(again.output).toBe("done: moved 500")
      expect(model.counts.requests).toBe(2)
      expect(transfer.effects.executions).toBe(1)
      const status = yield* DurableAgent.poll(durable, "run-1")
      expect(status._tag).toBe("Succeeded")
    }).pipe(Effect.provide(layer))
  })

  it.live("waits for an approval as a durable deferred, and replays without repeating a step", () => {
    const { durable, layer, model, transfer } = setup({ requireApproval: ["transfer"] })
    return Effect.gen(function* () {
      const events = yield* RunEvents.subscribe("run-2")
      const fiber = yield* Effect.fork(DurableAgent.run(durable, "run-2", "Pay the bill"))
      yield* untilSuspended(durable, "run-2")
      expect(model.counts.requests).toBe(1)
      expect(transfer.effects.executions).toBe(0)

      // A second execution of the same run in this process is refused.
      const second = yield* Effect.flip(DurableAgent.run(durable, "run-2", "Pay the bill"))
      expect(second._tag).toBe("RunInProgress")

      yield* DurableAgent.approve(durable, "run-2", "call-1", Approval.approved)
      const result = yield* Fiber.join(fiber)
      expect(result.output).toBe("done: moved 500")
      // The workflow ran again from the start after the approval: the first request was read back.
      expect(model.counts.requests).toBe(2)
      expect(transfer.effects.executions).toBe(1)
      expect(transfer.effects.keys).toHaveLength(1)
      expect(transfer.effects.keys[0]).toMatch(/^[0-9a-f]{16,}$/)

      const seen = (yield* untilCompleted(events)).map((event) => event._tag)
      expect(seen).toEqual([
        "ModelResponseReceived",
        // Announced once: the run that resumes after the decision reaches the call again, silently.
        "ApprovalRequested",
        "ToolCallStarted",
        "ToolCallFinished",
        "ModelResponseReceived",
        "RunCompleted"
      ])
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("answers a denied call to the model without running the tool", () => {
    const { durable, layer, transfer } = setup({ requireApproval: (call) => call.toolName === "transfer" })
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(DurableAgent.run(durable, "run-3", "Pay the bill"))
      yield* untilSuspended(durable, "run-3")
      yield* DurableAgent.approve(durable, "run-3", "call-1", Approval.denied("over budget"))
      const result = yield* Fiber.join(fiber)
      expect(result.output).toBe("done: The tool call was denied: over budget")
      expect(transfer.effects.executions).toBe(0)
    }).pipe(Effect.provide(layer))
  })

  it.live("interrupting a waiting run cancels it for good", () => {
    const { durable, layer, transfer } = setup({ requireApproval: ["transfer"] })
    return Effect.gen(function* () {
      yield* DurableAgent.start(durable, "run-4", "Pay the bill")
      yield* untilSuspended(durable, "run-4")
      yield* DurableAgent.interrupt(durable, "run-4")
      const status = yield* DurableAgent.poll(durable, "run-4").pipe(
        Effect.delay("10 millis"),
        Effect.repeat({ until: (status) => status._tag === "Interrupted" }),
        Effect.timeout("5 seconds")
      )
      expect(status._tag).toBe("Interrupted")
      yield* DurableAgent.approve(durable, "run-4", "call-1", Approval.approved)
      yield* Effect.sleep("50 millis")
      expect(transfer.effects.executions).toBe(0)
    }).pipe(Effect.provide(layer))
  })

  it.live("a run failing stores a typed failure", () => {
    const failing = Tool.make("transfer", {
      parameters: Schema.Struct({ cents: Schema.Number }),
      handler: () => Effect.fail(new DurableError.RunInProgress({ runId: "x", message: "bank closed" }))
    })
    const durable = DurableAgent.make(Agent.make({ tools: [failing] }), { name: "failing" })
    const layer = DurableAgent.layer(durable).pipe(
      Layer.provideMerge(DurableEngine.layerMemory),
      Layer.provide(scripted().layer)
    )
    return Effect.gen(function* () {
      const error = yield* Effect.flip(DurableAgent.run(durable, "run-5", "Pay"))
      expect(error).toEqual(
        new DurableError.RunFailed({ runId: "run-5", errorTag: "RunInProgress", message: "bank closed" })
      )
      const status = yield* DurableAgent.poll(durable, "run-5")
      expect(status).toEqual({ _tag: "Failed", error })
    }).pipe(Effect.provide(layer))
  })

  it.live("a stored result that no longer decodes is a typed IncompatibleHistory", () => {
    const text = DurableAgent.make(Agent.make({}), { name: "versioned" })
    const numbers = DurableAgent.make(Agent.make({ output: Schema.Struct({ n: Schema.Number }) }), {
      name: "versioned",
      output: Schema.Struct({ n: Schema.Number })
    })
    const layer = DurableAgent.layer(text).pipe(
      Layer.provideMerge(DurableEngine.layerMemory),
      Layer.provide(FunctionModel.layer(() => Effect.succeed([new Message.TextPart({ content: "plain" })])))
    )
    return Effect.gen(function* () {
      expect((yield* DurableAgent.run(text, "run-6", "Hi")).output).toBe("plain")
      const error = yield* Effect.flip(DurableAgent.poll(numbers, "run-6"))
      expect(error._tag).toBe("IncompatibleHistory")
      expect(error.what).toBe("result")
    }).pipe(Effect.provide(layer))
  })

  it.live("continues a conversation from a history stored with the run", () => {
    const history = [
      Message.ModelRequest.user("My name is Ada"),
      new Message.ModelResponse({
        parts: [new Message.TextPart({ content: "Hello Ada" })],
        usage: Usage.RequestUsage.empty,
        timestamp: new Date(0)
      })
    ]
    const durable = DurableAgent.make(Agent.make({}), { name: "memory" })
    const layer = DurableAgent.layer(durable).pipe(
      Layer.provideMerge(DurableEngine.layerMemory),
      Layer.provide(
        FunctionModel.layer((messages) =>
          Effect.succeed([new Message.TextPart({ content: `${messages.length} messages so far` })])
        )
      )
    )
    return Effect.gen(function* () {
      const result = yield* DurableAgent.run(durable, "run-7", "What is my name?", { messageHistory: history })
      expect(result.output).toBe("3 messages so far")
      expect(result.messages.slice(0, 2)).toEqual(history)
      expect(result.newMessages).toHaveLength(2)
      const status = yield* DurableAgent.poll(durable, "run-7")
      expect(status._tag === "Succeeded" && status.result.messages).toEqual(result.messages)
    }).pipe(Effect.provide(layer))
  })

  it.live("streams model requests to a listener when asked, and stores the folded response", () => {
    const durable = DurableAgent.make(Agent.make({}), { name: "streaming", stream: true })
    const layer = DurableAgent.layer(durable).pipe(
      Layer.provideMerge(DurableEngine.layerMemory),
      Layer.provideMerge(RunEvents.layer),
      Layer.provide(FunctionModel.layer(undefined, () => Stream.make("Hel", "lo", "!")))
    )
    return Effect.gen(function* () {
      const events = yield* RunEvents.subscribe("run-8")
      const result = yield* DurableAgent.run(durable, "run-8", "Hi")
      expect(result.output).toBe("Hello!")
      const seen = yield* untilCompleted(events)
      const text = seen.map((event) => (event._tag === "ModelEvent" ? AgentEvent.textOf(event.event) : "")).join("")
      expect(text).toBe("Hello!")
      expect(seen.filter((event) => event._tag === "ModelResponseReceived")).toHaveLength(1)
    }).pipe(Effect.scoped, Effect.provide(layer))
  })

  it.live("the tools of toolsets are durable steps too", () => {
    const model = scripted()
    const transfer = transferTool()
    const durable = DurableAgent.make(Agent.make({ toolsets: [Toolset.make([transfer.tool])] }), {
      name: "toolsets",
      requireApproval: ["transfer"]
    })
    const layer = DurableAgent.layer(durable).pipe(
      Layer.provideMerge(DurableEngine.layerMemory),
      Layer.provide(model.layer)
    )
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(DurableAgent.run(durable, "run-9", "Pay the bill"))
      yield* untilSuspended(durable, "run-9")
      yield* DurableAgent.approve(durable, "run-9", "call-1", Approval.approved)
      expect((yield* Fiber.join(fiber)).output).toBe("done: moved 500")
      expect(model.counts.requests).toBe(2)
      // The call ran once, inside a durable step (which gave it an idempotency key).
      expect(transfer.effects.executions).toBe(1)
      expect(transfer.effects.keys).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })
})
