import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit } from "effect"
import { Message, Usage } from "effect-claude"
import * as HistoryProcessor from "../../src/HistoryProcessor.js"
import { RunContext } from "../../src/RunContext.js"
import { testRunContext } from "../support/runContext.js"

const usage = new Usage.RequestUsage({ inputTokens: 1, outputTokens: 1 })
const response = (...parts: ReadonlyArray<Message.ModelResponsePart>) =>
  new Message.ModelResponse({ parts, usage, timestamp: new Date(0) })
const request = (...parts: ReadonlyArray<Message.ModelRequestPart>) => new Message.ModelRequest({ parts })
const user = (content: string) => new Message.UserPromptPart({ content })
const call = (id: string, toolName = "lookup") => new Message.ToolCallPart({ toolName, toolCallId: id, args: {} })
const result = (id: string, content: unknown = `result ${id}`, toolName = "lookup") =>
  new Message.ToolReturnPart({ toolName, toolCallId: id, content })
const text = (content: string) => new Message.TextPart({ content })
const thinking = (content: string) => new Message.ThinkingPart({ content, signature: "sig" })

/** Three turns; the second and third call tools, the second twice in a row. */
const conversation: ReadonlyArray<Message.ModelMessage> = [
  request(new Message.SystemPromptPart({ content: "Be brief." }), user("one")),
  response(thinking("t1"), text("first")),
  request(user("two")),
  response(thinking("t2"), call("a")),
  request(result("a")),
  response(call("b"), call("c")),
  request(result("b"), new Message.RetryPromptPart({ content: "try again", toolName: "lookup", toolCallId: "c" })),
  response(text("second")),
  request(user("three")),
  response(thinking("t3"), call("d")),
  request(result("d"))
]

const applyAll = <E>(processors: ReadonlyArray<HistoryProcessor.HistoryProcessor<E>>) =>
  HistoryProcessor.apply(processors, conversation).pipe(
    Effect.provideService(RunContext, testRunContext({ messages: conversation }))
  )

describe("point 3: history processors", () => {
  it("the pairing check accepts a conversation whose calls all have results", () => {
    expect(HistoryProcessor.checkPairing(conversation)).toEqual(Either.right(conversation))
  })

  it("the pairing check names a call whose result was dropped", () => {
    const broken = conversation.filter((_, index) => index !== 4)
    const error = Either.getOrThrow(Either.flip(HistoryProcessor.checkPairing(broken)))
    expect(error).toMatchObject({
      _tag: "UnpairedToolCall",
      toolCallId: "a",
      toolName: "lookup",
      problem: "missing-result"
    })
  })

  it("the pairing check names a result whose call was dropped", () => {
    const broken = conversation.slice(4)
    const error = Either.getOrThrow(Either.flip(HistoryProcessor.checkPairing(broken)))
    expect(error).toMatchObject({ _tag: "UnpairedToolCall", toolCallId: "a", problem: "missing-call" })
    expect(error.message).toContain("(a)")
  })

  it("the pairing check lets the calls of a last response (a paused turn) wait", () => {
    const paused = [...conversation, response(call("e"))]
    expect(Either.isRight(HistoryProcessor.checkPairing(paused))).toBe(true)
  })

  it("turns start at prompts that answer no call", () => {
    expect(HistoryProcessor.turnStarts(conversation)).toEqual([0, 2, 8])
  })

  it.effect("keepLastTurns keeps whole turns and moves the system prompts into the first kept request", () =>
    Effect.gen(function* () {
      const kept = yield* applyAll([HistoryProcessor.keepLastTurns(2)])
      expect(kept.length).toBe(9)
      expect(kept.slice(1)).toEqual(conversation.slice(3))
      expect((kept[0] as Message.ModelRequest).parts).toEqual([
        new Message.SystemPromptPart({ content: "Be brief." }),
        user("two")
      ])
      const bare = HistoryProcessor.lastTurns(conversation, 1, { keepSystemPrompts: false })
      expect(bare).toEqual(conversation.slice(8))
      expect(HistoryProcessor.lastTurns(conversation, 5)).toBe(conversation)
    })
  )

  it.effect("keepLastTurns with a turn count that is not a positive integer fails before any request", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(applyAll([HistoryProcessor.keepLastTurns(0)]))
      expect(exit).toEqual(Exit.fail(expect.objectContaining({ _tag: "UserError" })))
    })
  )

  it.effect("dropOldToolResults keeps every result in place and the content of the last ones only", () =>
    Effect.gen(function* () {
      const processed = yield* applyAll([HistoryProcessor.dropOldToolResults({ keepLast: 1, placeholder: "gone" })])
      expect(processed[4]).toEqual(request(result("a", "gone")))
      expect((processed[6] as Message.ModelRequest).parts[0]).toEqual(result("b", "gone"))
      expect(processed[10]).toEqual(request(result("d")))
      expect(conversation[4]).toEqual(request(result("a")))
    })
  )

  it.effect("dropThinking removes reasoning of earlier turns and keeps the current turn's", () =>
    Effect.gen(function* () {
      const processed = yield* applyAll([HistoryProcessor.dropThinking()])
      expect((processed[1] as Message.ModelResponse).parts).toEqual([text("first")])
      expect((processed[3] as Message.ModelResponse).parts).toEqual([call("a")])
      expect((processed[9] as Message.ModelResponse).parts).toEqual([thinking("t3"), call("d")])
      const alone = [request(user("x")), response(thinking("only")), request(user("y"))]
      expect(HistoryProcessor.withoutThinking(alone)).toEqual(alone)
    })
  )

  it.effect("processors run in order, read RunContext, and never change the messages they are given", () =>
    Effect.gen(function* () {
      const seen: Array<number> = []
      const lastTwo: HistoryProcessor.HistoryProcessor = (messages) =>
        Effect.map(RunContext, (run) => {
          seen.push(run.runStep, messages.length)
          return messages
        })
      const processed = yield* applyAll([HistoryProcessor.keepLastTurns(1), lastTwo])
      expect(seen).toEqual([1, 3])
      expect(processed.slice(1)).toEqual(conversation.slice(9))
      expect(conversation.length).toBe(11)
    })
  )

  it.effect("a processor that separates a call from its result is an UnpairedToolCall naming the call", () =>
    Effect.gen(function* () {
      const dropFifth: HistoryProcessor.HistoryProcessor = (messages) =>
        Effect.succeed(messages.filter((_, index) => index !== 4))
      const error = yield* Effect.flip(applyAll([dropFifth]))
      expect(error).toMatchObject({ _tag: "UnpairedToolCall", toolCallId: "a", problem: "missing-result" })
    })
  )

  it.effect("a processor leaving nothing, or a response last, is an InvalidProcessedHistory", () =>
    Effect.gen(function* () {
      const empty = yield* Effect.flip(applyAll([() => Effect.succeed([])]))
      expect(empty._tag).toBe("InvalidProcessedHistory")
      const endsWithResponse = yield* Effect.flip(applyAll([(messages) => Effect.succeed(messages.slice(0, 2))]))
      expect(endsWithResponse._tag).toBe("InvalidProcessedHistory")
    })
  )

  it.effect("a processor's own error joins the error channel", () =>
    Effect.gen(function* () {
      const failing: HistoryProcessor.HistoryProcessor<string> = () => Effect.fail("no")
      expect(yield* Effect.flip(applyAll([failing]))).toBe("no")
    })
  )
})
