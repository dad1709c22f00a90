import { describe, expect, it } from "@effect/vitest"
import { Effect, Ref, Schema } from "effect"
import { Agent, Message, Tool } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import * as Approval from "../../src/Approval.js"
import * as DeferredTools from "../../src/DeferredTools.js"

const deleted: Array<string> = []
const readFile = Tool.make("read_file", {
  parameters: Schema.Struct({ path: Schema.String }),
  handler: ({ path }) => Effect.succeed(`contents of ${path}`)
})
const deleteFile = Tool.make("delete_file", {
  parameters: Schema.Struct({ path: Schema.String }),
  handler: ({ path }) => Effect.sync(() => deleted.push(path)).pipe(Effect.as(`deleted ${path}`)),
  needsApproval: ({ path }) => Effect.succeed(!path.startsWith("/tmp/"))
})
const shipOrder = Tool.external("ship_order", { parameters: Schema.Struct({ id: Schema.Number }) })
const agent = Agent.make({ tools: [readFile, deleteFile, shipOrder] })

const call = (toolName: string, toolCallId: string, args: Record<string, unknown>) =>
  new Message.ToolCallPart({ toolName, toolCallId, args })

/** First answer: four calls; then a text answer naming the tool results it saw. */
const model = (requests: Ref.Ref<ReadonlyArray<ReadonlyArray<Message.ModelMessage>>>) =>
  FunctionModel.layer((messages) =>
    Effect.map(
      Ref.updateAndGet(requests, (all) => [...all, messages]),
      (all) => {
        if (all.length === 1) {
          return [
            call("read_file", "c1", { path: "a.txt" }),
            call("delete_file", "c2", { path: "b.txt" }),
            call("delete_file", "c3", { path: "c.txt" }),
            call("ship_order", "c4", { id: 7 }),
            call("delete_file", "c5", { path: "/tmp/x" })
          ]
        }
        const last = messages.at(-1)
        const results =
          last?._tag === "ModelRequest"
            ? last.parts.map((part) =>
                part._tag === "ToolReturnPart" ? `${part.toolCallId}=${JSON.stringify(part.content)}` : ""
              )
            : []
        return [new Message.TextPart({ content: results.join(" ") })]
      }
    )
  )

describe("point 1: deferred tools and approval (runs)", () => {
  it.effect("a run stops at calls needing approval and external calls; resuming from JSON history continues it", () =>
    Effect.gen(function* () {
      deleted.length = 0
      const requests = yield* Ref.make<ReadonlyArray<ReadonlyArray<Message.ModelMessage>>>([])
      const first = yield* Agent.run(agent, "Tidy up").pipe(Effect.provide(model(requests)))
      expect(DeferredTools.isPendingCalls(first.output)).toBe(true)
      const pending = DeferredTools.isPendingCalls(first.output) ? first.output.calls : []
      expect(pending.map((pendingCall) => [pendingCall.toolCallId, pendingCall.kind])).toEqual([
        ["c2", "approval"],
        ["c3", "approval"],
        ["c4", "external"]
      ])
      expect(deleted).toEqual(["/tmp/x"])

      const saved = Schema.encodeSync(Message.HistoryFromJson)(first.messages)
      const history = Schema.decodeUnknownSync(Message.HistoryFromJson)(saved)
      const answers = [
        DeferredTools.approve("c2"),
        DeferredTools.deny("c3", "Keep c.txt"),
        DeferredTools.result("c4", { tracking: "XY" })
      ]
      const resumed = yield* Agent.resume(agent, answers, { messageHistory: history }).pipe(
        Effect.provide(model(requests))
      )
      expect(resumed.output).toBe(
        'c1="contents of a.txt" c2="deleted b.txt" c3="Keep c.txt" c4={"tracking":"XY"} c5="deleted /tmp/x"'
      )
      expect(deleted).toEqual(["/tmp/x", "b.txt"])
      expect((yield* Ref.get(requests)).length).toBe(2)
    })
  )

  it.effect("bad answers are typed errors before any request", () =>
    Effect.gen(function* () {
      const requests = yield* Ref.make<ReadonlyArray<ReadonlyArray<Message.ModelMessage>>>([])
      const first = yield* Agent.run(agent, "Tidy up").pipe(Effect.provide(model(requests)))
      const resumeWith = (answers: ReadonlyArray<DeferredTools.Answer>) =>
        Effect.flip(Agent.resume(agent, answers, { messageHistory: first.messages })).pipe(
          Effect.provide(model(requests))
        )
      const ok = [DeferredTools.approve("c2"), DeferredTools.deny("c3"), DeferredTools.result("c4", 1)]
      expect((yield* resumeWith(ok.slice(1)))._tag).toBe("MissingAnswer")
      expect((yield* resumeWith([...ok, DeferredTools.approve("c9")]))._tag).toBe("UnknownToolCallId")
      expect((yield* resumeWith([...ok, DeferredTools.deny("c2")]))._tag).toBe("DuplicateAnswer")
      expect((yield* resumeWith([ok[0]!, ok[1]!, DeferredTools.approve("c4")]))._tag).toBe("AnswerMismatch")
      const fewerTools = Agent.make({ tools: [readFile, deleteFile] })
      const unavailable = yield* Effect.flip(Agent.resume(fewerTools, ok, { messageHistory: first.messages })).pipe(
        Effect.provide(model(requests))
      )
      expect(unavailable._tag).toBe("ToolUnavailable")
      const newPrompt = yield* Effect.flip(Agent.run(agent, "again", { messageHistory: first.messages })).pipe(
        Effect.provide(model(requests))
      )
      expect(newPrompt._tag).toBe("UserError")
      expect((yield* Ref.get(requests)).length).toBe(1)
    })
  )

  it.effect(
    "an Approver decides live: approved calls run, denied ones answer the model, external calls still wait",
    () =>
      Effect.gen(function* () {
        deleted.length = 0
        const requests = yield* Ref.make<ReadonlyArray<ReadonlyArray<Message.ModelMessage>>>([])
        const result = yield* Agent.run(agent, "Tidy up").pipe(
          Effect.provide(model(requests)),
          Effect.provide(
            Approval.layer((pendingCall) =>
              Effect.succeed(pendingCall.toolCallId === "c2" ? Approval.approve() : Approval.deny("no"))
            )
          )
        )
        const pending = DeferredTools.isPendingCalls(result.output) ? result.output.calls : []
        expect(pending.map((pendingCall) => pendingCall.toolCallId)).toEqual(["c4"])
        expect(deleted.sort()).toEqual(["/tmp/x", "b.txt"])
      })
  )

  it.effect("pending calls carry decoded arguments (and the model's input); bad ones go back as retries", () =>
    Effect.gen(function* () {
      const paid: Array<readonly [number, Date]> = []
      const pay = Tool.make("pay", {
        parameters: Schema.Struct({ cents: Schema.NumberFromString, due: Schema.Date }),
        handler: ({ cents, due }) =>
          Effect.sync(() => paid.push([cents, due])).pipe(Effect.as(`paid ${cents} on ${due.toISOString()}`)),
        needsApproval: true
      })
      const payAgent = Agent.make({ tools: [pay] })
      const seen: Array<ReadonlyArray<Message.ModelMessage>> = []
      const payModel = FunctionModel.layer((messages) =>
        Effect.sync(() => {
          seen.push(messages)
          if (seen.length === 1) {
            return [
              call("pay", "p1", { cents: "1250", due: "2026-12-24T00:00:00.000Z" }),
              call("pay", "p2", { cents: "12", due: "not a date" })
            ]
          }
          const last = messages.at(-1)
          const parts = last?._tag === "ModelRequest" ? last.parts : []
          return [new Message.TextPart({ content: parts.map((part) => part._tag).join(",") })]
        })
      )
      const first = yield* Agent.run(payAgent, "Pay the bills").pipe(Effect.provide(payModel))
      // p2's arguments do not decode: it waits for no one, and no second request is made yet.
      expect(seen.length).toBe(1)
      const pending = DeferredTools.isPendingCalls(first.output) ? first.output.calls : []
      expect(pending.map((pendingCall) => pendingCall.toolCallId)).toEqual(["p1"])
      const [p1] = pending
      if (p1 === undefined || p1.toolName !== "pay") throw new Error("expected the pending pay call")
      expect(p1.args).toEqual({ cents: 1250, due: new Date("2026-12-24T00:00:00.000Z") })
      expect(p1.input).toEqual({ cents: "1250", due: "2026-12-24T00:00:00.000Z" })

      // Approved with other (decoded) arguments: the tool runs with them; the model then sees p1's
      // result and the retry prompt for p2's bad arguments.
      const resumed = yield* Agent.resume(
        payAgent,
        [DeferredTools.approve(p1, { args: { ...p1.args, cents: 2000 } })],
        {
          messageHistory: first.messages
        }
      ).pipe(Effect.provide(payModel))
      expect(paid).toEqual([[2000, new Date("2026-12-24T00:00:00.000Z")]])
      expect(resumed.output).toBe("ToolReturnPart,RetryPromptPart")
    })
  )
})
