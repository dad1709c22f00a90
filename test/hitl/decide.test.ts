import { describe, expect, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import { Message } from "effect-claude"
import * as Approval from "../../src/Approval.js"
import * as DeferredTools from "../../src/DeferredTools.js"
import { decide, fromAnswer } from "../../src/internal/deferred/decide.js"
import { RunContext } from "../../src/RunContext.js"
import { runContext } from "./fixtures.js"

const call = new Message.ToolCallPart({ toolName: "delete_file", toolCallId: "c1", args: { path: "a.txt" } })
const args = { path: "a.txt" }
const immediate: DeferredTools.Deferral = { _tag: "Immediate" }
const external: DeferredTools.Deferral = { _tag: "External" }
const approval: DeferredTools.Deferral = {
  _tag: "Approval",
  needed: (value) => Effect.succeed((value as { path: string }).path !== "tmp.txt")
}
const pendingApproval = new DeferredTools.PendingCall({
  kind: "approval",
  toolName: "delete_file",
  toolCallId: "c1",
  args
})
const withContext = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, RunContext, runContext(1))

describe("point 1: deferred tools and approval: deciding a call", () => {
  it.effect("immediate tools run; external tools wait", () =>
    Effect.gen(function* () {
      expect(yield* withContext(decide<never, never>(immediate, call, args, undefined))).toEqual({ _tag: "Run", args })
      expect(yield* withContext(decide<never, never>(external, call, args, undefined))).toEqual({
        _tag: "Pending",
        call: new DeferredTools.PendingCall({ kind: "external", toolName: "delete_file", toolCallId: "c1", args })
      })
    })
  )

  it.effect("a call needing approval waits without an approver; one that needs none runs", () =>
    Effect.gen(function* () {
      expect(yield* withContext(decide<never, never>(approval, call, args, undefined))).toEqual({
        _tag: "Pending",
        call: pendingApproval
      })
      const harmless = { path: "tmp.txt" }
      expect(yield* withContext(decide<never, never>(approval, call, harmless, undefined))).toEqual({
        _tag: "Run",
        args: harmless
      })
    })
  )

  it.effect(
    "an approver approves (possibly with other arguments), denies or postpones; the request is told first",
    () =>
      Effect.gen(function* () {
        const told = yield* Ref.make<ReadonlyArray<string>>([])
        const onRequest = (event: Approval.ApprovalRequested) =>
          Ref.update(told, (ids) => [...ids, event.call.toolCallId])
        const withApprover = (decision: Approval.Decision) =>
          withContext(decide<never, never>(approval, call, args, onRequest)).pipe(
            Effect.provide(Approval.layer(() => Effect.succeed(decision)))
          )
        expect(yield* withApprover(Approval.approve())).toEqual({ _tag: "Run", args })
        expect(yield* withApprover(Approval.approve({ path: "b.txt" }))).toEqual({
          _tag: "Run",
          args: { path: "b.txt" }
        })
        expect(yield* withApprover(Approval.deny("Not that one"))).toEqual({
          _tag: "Answered",
          part: new Message.ToolReturnPart({
            toolName: "delete_file",
            toolCallId: "c1",
            content: "Not that one",
            isError: true
          })
        })
        expect(yield* withApprover(Approval.postpone)).toEqual({ _tag: "Pending", call: pendingApproval })
        expect(yield* Ref.get(told)).toEqual(["c1", "c1", "c1", "c1"])
      })
  )

  it("on resume, the answer decides", () => {
    expect(fromAnswer(pendingApproval, DeferredTools.approve("c1"))).toEqual({ _tag: "Run", args })
    expect(fromAnswer(pendingApproval, DeferredTools.approve("c1", { args: { path: "z" } }))).toEqual({
      _tag: "Run",
      args: { path: "z" }
    })
    const denied = fromAnswer(pendingApproval, DeferredTools.deny("c1"))
    expect(denied._tag === "Answered" && denied.part.content).toBe(DeferredTools.defaultDenialMessage)
  })
})
