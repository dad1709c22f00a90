import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Queue, Schema } from "effect"
import { Message, Usage } from "effect-claude"
import * as Approval from "../../src/Approval.js"
import * as DeferredTools from "../../src/DeferredTools.js"

const usage = new Usage.RequestUsage({ inputTokens: 1, outputTokens: 1 })
const call = (id: string, toolName: string, args: Record<string, unknown> = {}) =>
  new Message.ToolCallPart({ toolName, toolCallId: id, args })
const response = new Message.ModelResponse({
  parts: [
    new Message.TextPart({ content: "Working on it." }),
    call("c1", "delete_file", { path: "a.txt" }),
    call("c2", "read_file", { path: "b.txt" }),
    call("c3", "ship_order", { id: 7 }),
    call("c4", "delete_file", { path: "c.txt" })
  ],
  usage,
  timestamp: new Date(0)
})
const prompt = Message.ModelRequest.user("Clean up and ship")
const readResult = new Message.ToolReturnPart({ toolName: "read_file", toolCallId: "c2", content: "contents" })

const kinds: Record<string, DeferredTools.PendingKind> = { delete_file: "approval", ship_order: "external" }
const kindOf = (toolName: string) => kinds[toolName]

const pendingOf = (history: ReadonlyArray<Message.ModelMessage>) => {
  const waiting = DeferredTools.unanswered(history)
  if (waiting === undefined) throw new Error("nothing pending")
  return Either.getOrThrow(DeferredTools.pendingCalls(waiting.calls, kindOf))
}

describe("point 1: deferred tools and approval", () => {
  it("finds the calls a saved conversation leaves unanswered, past the results already given", () => {
    const waiting = DeferredTools.unanswered([prompt, response, new Message.ModelRequest({ parts: [readResult] })])
    expect(waiting?.responseIndex).toBe(1)
    expect(waiting?.answered).toEqual([readResult])
    expect(waiting?.calls.map((part) => part.toolCallId)).toEqual(["c1", "c3", "c4"])
    expect(DeferredTools.unanswered([prompt, response])?.calls.length).toBe(4)
  })

  it("nothing is pending after a prompt, an answered response, or a response without calls", () => {
    const answerAll = new Message.ModelRequest({
      parts: ["c1", "c2", "c3", "c4"].map(
        (id) => new Message.ToolReturnPart({ toolName: "x", toolCallId: id, content: "done" })
      )
    })
    const text = new Message.ModelResponse({
      parts: [new Message.TextPart({ content: "hi" })],
      usage,
      timestamp: new Date(0)
    })
    expect(DeferredTools.unanswered([])).toBeUndefined()
    expect(DeferredTools.unanswered([prompt])).toBeUndefined()
    expect(DeferredTools.unanswered([prompt, response, answerAll])).toBeUndefined()
    expect(DeferredTools.unanswered([prompt, text])).toBeUndefined()
    expect(DeferredTools.unanswered([prompt, response, Message.ModelRequest.user("never mind")])).toBeUndefined()
  })

  it("pending calls carry kind, name, id and arguments", () => {
    const history = [prompt, response, new Message.ModelRequest({ parts: [readResult] })]
    expect(pendingOf(history)).toEqual([
      new DeferredTools.PendingCall({
        kind: "approval",
        toolName: "delete_file",
        toolCallId: "c1",
        args: { path: "a.txt" },
        input: { path: "a.txt" }
      }),
      new DeferredTools.PendingCall({
        kind: "external",
        toolName: "ship_order",
        toolCallId: "c3",
        args: { id: 7 },
        input: { id: 7 }
      }),
      new DeferredTools.PendingCall({
        kind: "approval",
        toolName: "delete_file",
        toolCallId: "c4",
        args: { path: "c.txt" },
        input: { path: "c.txt" }
      })
    ])
  })

  it("a pending call of a tool the agent no longer has is a ToolUnavailable", () => {
    const waiting = DeferredTools.unanswered([prompt, response, new Message.ModelRequest({ parts: [readResult] })])
    const error = Either.getOrThrow(
      Either.flip(
        DeferredTools.pendingCalls(waiting?.calls ?? [], (name) => (name === "ship_order" ? undefined : kindOf(name)))
      )
    )
    expect(error).toMatchObject({ _tag: "ToolUnavailable", toolCallId: "c3", toolName: "ship_order" })
  })

  const pending = pendingOf([prompt, response, new Message.ModelRequest({ parts: [readResult] })])
  const valid = [
    DeferredTools.deny("c4", "Keep c.txt"),
    DeferredTools.approve("c1"),
    DeferredTools.result("c3", { tracking: "XY" })
  ]

  it("answers pair with their calls in the calls' order", () => {
    const matched = Either.getOrThrow(DeferredTools.matchAnswers(pending, valid))
    expect(matched.map(({ answer, call }) => [call.toolCallId, answer._tag])).toEqual([
      ["c1", "Approved"],
      ["c3", "ExternalResult"],
      ["c4", "Denied"]
    ])
  })

  const invalid: ReadonlyArray<readonly [string, ReadonlyArray<DeferredTools.Answer>, Record<string, unknown>]> = [
    ["an unknown id", [...valid, DeferredTools.approve("c9")], { _tag: "UnknownToolCallId", toolCallId: "c9" }],
    [
      "an answer for a call already answered",
      [...valid, DeferredTools.approve("c2")],
      { _tag: "UnknownToolCallId", toolCallId: "c2" }
    ],
    ["a missing answer", valid.slice(1), { _tag: "MissingAnswer", toolCallId: "c4", toolName: "delete_file" }],
    ["a double answer", [...valid, DeferredTools.deny("c1")], { _tag: "DuplicateAnswer", toolCallId: "c1" }],
    [
      "an approval of an external call",
      [valid[0], valid[1], DeferredTools.approve("c3")] as ReadonlyArray<DeferredTools.Answer>,
      { _tag: "AnswerMismatch", toolCallId: "c3", kind: "external" }
    ],
    [
      "a result for a call awaiting approval",
      [valid[0], valid[2], DeferredTools.result("c1", "done")] as ReadonlyArray<DeferredTools.Answer>,
      { _tag: "AnswerMismatch", toolCallId: "c1", kind: "approval" }
    ]
  ]
  for (const [name, answers, expected] of invalid) {
    it(`rejects ${name}`, () => {
      expect(Either.getOrThrow(Either.flip(DeferredTools.matchAnswers(pending, answers)))).toMatchObject(expected)
    })
  }

  it("an external call may be denied", () => {
    const answers = [DeferredTools.approve("c1"), DeferredTools.deny("c3"), DeferredTools.deny("c4")]
    expect(Either.isRight(DeferredTools.matchAnswers(pending, answers))).toBe(true)
  })

  it("denials and external results become the tool results the model sees, ordered as the calls", () => {
    const [c1, c3, c4] = pending as [DeferredTools.PendingCall, DeferredTools.PendingCall, DeferredTools.PendingCall]
    const denial = DeferredTools.answerPart(c4, DeferredTools.deny("c4"))
    expect(denial).toEqual(
      new Message.ToolReturnPart({
        toolName: "delete_file",
        toolCallId: "c4",
        content: "The tool call was denied.",
        isError: true
      })
    )
    const shipped = DeferredTools.answerPart(c3, DeferredTools.result("c3", { tracking: "XY" }))
    expect(shipped.content).toEqual({ tracking: "XY" })
    const ran = new Message.ToolReturnPart({ toolName: "delete_file", toolCallId: c1.toolCallId, content: "deleted" })
    const request = DeferredTools.answersRequest(response, [denial, shipped, readResult, ran])
    expect(request.parts.map((part) => (part._tag === "ToolReturnPart" ? part.toolCallId : ""))).toEqual([
      "c1",
      "c2",
      "c3",
      "c4"
    ])
  })

  it("answers and pending calls travel as JSON", () => {
    const Answers = Schema.parseJson(Schema.Array(DeferredTools.Answer))
    const json = Schema.encodeSync(Answers)(valid)
    expect(Schema.decodeUnknownSync(Answers)(json)).toEqual(valid)
    const outcome = new DeferredTools.PendingCalls({ calls: pending })
    const Outcome = Schema.parseJson(DeferredTools.PendingCalls)
    expect(Schema.decodeUnknownSync(Outcome)(Schema.encodeSync(Outcome)(outcome))).toEqual(outcome)
    expect(DeferredTools.isPendingCalls(outcome)).toBe(true)
    expect(DeferredTools.isPendingCalls({ calls: [] })).toBe(false)
  })

  it.effect("an approver from a function decides with the services of its Layer", () =>
    Effect.gen(function* () {
      const approver = yield* Approval.Approver
      const [c1, c3] = pending as [DeferredTools.PendingCall, DeferredTools.PendingCall]
      expect(yield* approver.decide(c1)).toEqual(Approval.deny("No deletes"))
      expect(yield* approver.decide(c3)).toEqual(Approval.approve())
    }).pipe(
      Effect.provide(
        Approval.layer((call) =>
          Effect.succeed(call.toolName === "delete_file" ? Approval.deny("No deletes") : Approval.approve())
        )
      )
    )
  )

  it.effect("approveAll and denyAll", () =>
    Effect.gen(function* () {
      const [c1] = pending as [DeferredTools.PendingCall]
      const approved = yield* Effect.flatMap(Approval.Approver, (approver) => approver.decide(c1)).pipe(
        Effect.provide(Approval.approveAll)
      )
      const denied = yield* Effect.flatMap(Approval.Approver, (approver) => approver.decide(c1)).pipe(
        Effect.provide(Approval.denyAll("no"))
      )
      expect([approved, denied]).toEqual([Approval.approve(), Approval.deny("no")])
    })
  )

  it.effect("a queue-fed approver waits for the UI's answer to each ticket, in any order", () =>
    Effect.gen(function* () {
      const tickets = yield* Queue.unbounded<Approval.Ticket>()
      const [c1, , c4] = pending as [DeferredTools.PendingCall, DeferredTools.PendingCall, DeferredTools.PendingCall]
      const decisions = yield* Effect.fork(
        Effect.flatMap(Approval.Approver, (approver) =>
          Effect.all([approver.decide(c1), approver.decide(c4)], { concurrency: "unbounded" })
        ).pipe(Effect.provide(Approval.layerQueue(tickets)))
      )
      const first = yield* Queue.take(tickets)
      const second = yield* Queue.take(tickets)
      expect([first.call.toolCallId, second.call.toolCallId].sort()).toEqual(["c1", "c4"])
      const byId = first.call.toolCallId === "c4" ? [first, second] : [second, first]
      expect(yield* byId[0]?.respond(Approval.deny("keep it")) ?? Effect.succeed(false)).toBe(true)
      expect(yield* byId[1]?.respond(Approval.postpone) ?? Effect.succeed(false)).toBe(true)
      expect(yield* byId[1]?.respond(Approval.approve()) ?? Effect.succeed(true)).toBe(false)
      expect(yield* Fiber.join(decisions)).toEqual([Approval.postpone, Approval.deny("keep it")])
    })
  )
})
