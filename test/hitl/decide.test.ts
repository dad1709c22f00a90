import { describe, expect, it } from "@effect/vitest"
import { Effect, Ref, Schema } from "effect"
import { Message, Tool } from "effect-claude"
import * as Approval from "../../src/Approval.js"
import * as DeferredTools from "../../src/DeferredTools.js"
import { decide, fromAnswer, resumeDecisions } from "../../src/internal/deferred/decide.js"
import { RunContext } from "../../src/RunContext.js"
import { testRunContext } from "../support/runContext.js"

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
  args,
  input: args
})
const deferred = { call, input: args, args }
const encode = (value: unknown) => Effect.succeed(value)
const withContext = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, RunContext, testRunContext({ runStep: 1 }))

describe("point 1: deferred tools and approval: deciding a call", () => {
  it.effect("immediate tools run; external tools wait", () =>
    Effect.gen(function* () {
      expect(yield* withContext(decide<never, never>(immediate, deferred, encode, undefined))).toEqual({
        _tag: "Run",
        args
      })
      expect(yield* withContext(decide<never, never>(external, deferred, encode, undefined))).toEqual({
        _tag: "Pending",
        call: new DeferredTools.PendingCall({
          kind: "external",
          toolName: "delete_file",
          toolCallId: "c1",
          args,
          input: args
        })
      })
    })
  )

  it.effect("a call needing approval waits without an approver; one that needs none runs", () =>
    Effect.gen(function* () {
      expect(yield* withContext(decide<never, never>(approval, deferred, encode, undefined))).toEqual({
        _tag: "Pending",
        call: pendingApproval
      })
      const harmless = { path: "tmp.txt" }
      expect(
        yield* withContext(decide<never, never>(approval, { call, input: harmless, args: harmless }, encode, undefined))
      ).toEqual({
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
          withContext(decide<never, never>(approval, deferred, encode, onRequest)).pipe(
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

  it.effect("on resume, the answer decides; replacement arguments are encoded with the tool's Schema", () =>
    Effect.gen(function* () {
      expect(fromAnswer(pendingApproval, DeferredTools.approve("c1"))).toEqual({ _tag: "Run", args })
      const denied = fromAnswer(pendingApproval, DeferredTools.deny("c1"))
      expect(denied._tag === "Answered" && denied.part.content).toBe(DeferredTools.defaultDenialMessage)
      const deleteFile = Tool.make("delete_file", {
        parameters: Schema.Struct({ path: Schema.String, before: Schema.optional(Schema.DateFromString) }),
        handler: () => Effect.succeed("deleted"),
        needsApproval: true
      })
      const tools = new Map([["delete_file", deleteFile]])
      const approved = (replacement: unknown) => [
        { call: pendingApproval, answer: DeferredTools.approve("c1", { args: replacement }) }
      ]
      const decisions = yield* resumeDecisions(
        approved({ path: "z", before: new Date("2026-01-02T00:00:00.000Z") }),
        tools
      )
      // The call runs as if the model had sent the replacement: encoded, the date as a string.
      expect(decisions.get("c1")).toEqual({ _tag: "Run", args: { path: "z", before: "2026-01-02T00:00:00.000Z" } })
      const mismatch = yield* Effect.flip(resumeDecisions(approved({ path: 1 }), tools))
      expect(mismatch).toMatchObject({ _tag: "ArgumentsMismatch", toolCallId: "c1", toolName: "delete_file" })
    })
  )
})
