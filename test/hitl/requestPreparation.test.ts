import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Ref, Schema } from "effect"
import { Agent, HistoryProcessor, Message, RunContext, Tool } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"

class UserName extends Context.Tag("test/UserName")<UserName, string>() {}

const lookup = Tool.make("lookup", {
  parameters: Schema.Struct({}),
  handler: () => Effect.succeed("found")
})

/** Calls `lookup` once, then answers; records every request's messages. */
const model = (seen: Ref.Ref<ReadonlyArray<ReadonlyArray<Message.ModelMessage>>>) =>
  FunctionModel.layer((messages) =>
    Effect.map(
      Ref.updateAndGet(seen, (all) => [...all, messages]),
      (all) =>
        all.length % 2 === 1
          ? [new Message.ToolCallPart({ toolName: "lookup", toolCallId: `call-${all.length}`, args: {} })]
          : [new Message.TextPart({ content: "done" })]
    )
  )

const lastRequest = (messages: ReadonlyArray<Message.ModelMessage>) => {
  const last = messages.at(-1)
  return last?._tag === "ModelRequest" ? last : undefined
}

describe("points 2 and 3: dynamic instructions and history processors (runs)", () => {
  it.effect("instructions and system prompts computed from RunContext and services, before each request", () =>
    Effect.gen(function* () {
      const seen = yield* Ref.make<ReadonlyArray<ReadonlyArray<Message.ModelMessage>>>([])
      const agent = Agent.make({
        tools: [lookup],
        systemPrompt: Effect.map(UserName, (name) => `The user is ${name}.`),
        instructions: ["Be brief.", Effect.map(RunContext.RunContext, (run) => `This is step ${run.runStep}.`)]
      })
      const result = yield* Agent.run(agent, "Find it").pipe(Effect.provide(model(seen)))
      const requests = (yield* Ref.get(seen)).map(lastRequest)
      expect(requests.map((request) => request?.instructions)).toEqual([
        "Be brief.\n\nThis is step 1.",
        "Be brief.\n\nThis is step 2."
      ])
      expect(requests[0]?.parts[0]).toEqual(new Message.SystemPromptPart({ content: "The user is Ada." }))
      const kept = result.messages.filter((message) => message._tag === "ModelRequest")
      expect(kept.map((request) => request.instructions)).toEqual(requests.map((request) => request?.instructions))
    }).pipe(Effect.provideService(UserName, "Ada"))
  )

  it.effect("history processors change what is sent, never what the run keeps", () =>
    Effect.gen(function* () {
      const seen = yield* Ref.make<ReadonlyArray<ReadonlyArray<Message.ModelMessage>>>([])
      const agent = Agent.make({ tools: [lookup], historyProcessors: [HistoryProcessor.keepLastTurns(1)] })
      const first = yield* Agent.run(agent, "First").pipe(Effect.provide(model(seen)))
      const second = yield* Agent.run(agent, "Second", { messageHistory: first.messages }).pipe(
        Effect.provide(model(seen))
      )
      const sent = yield* Ref.get(seen)
      // The second run's requests start at its own prompt.
      const firstSent = sent[2]?.[0]
      expect(firstSent?._tag === "ModelRequest" && firstSent.parts[0]).toEqual(
        new Message.UserPromptPart({ content: "Second" })
      )
      expect(sent[3]?.length).toBe(3)
      expect(second.messages.length).toBe(first.messages.length + 4)
    })
  )

  it.effect("a processor that separates a call from its result fails the run before the request", () =>
    Effect.gen(function* () {
      const seen = yield* Ref.make<ReadonlyArray<ReadonlyArray<Message.ModelMessage>>>([])
      const dropCalls: HistoryProcessor.HistoryProcessor = (messages) =>
        Effect.succeed(messages.filter((message) => message._tag === "ModelRequest"))
      const agent = Agent.make({ tools: [lookup], historyProcessors: [dropCalls] })
      const error = yield* Effect.flip(Agent.run(agent, "Find it").pipe(Effect.provide(model(seen))))
      expect(error).toMatchObject({ _tag: "UnpairedToolCall", toolCallId: "call-1", problem: "missing-call" })
      expect((yield* Ref.get(seen)).length).toBe(1)
    })
  )
})
