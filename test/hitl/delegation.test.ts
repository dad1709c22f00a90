import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Schema, Stream } from "effect"
import { Agent, AgentEvent, Message, Tool } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"

const researcher = Agent.make({ name: "researcher", instructions: "Find facts." })
const writer = Agent.make({ name: "writer", instructions: "Write well." })
const parent = Agent.make({
  tools: [
    Agent.asTool(researcher, { name: "research", description: "Finds facts" }),
    Agent.asTool(writer, { name: "write", description: "Writes text" })
  ]
})

/** The parent calls both children, then answers with what they returned; each child answers at once. */
const model = FunctionModel.layer((messages, info) => {
  if (info.parameters.functionTools.length === 0) {
    const first = messages[0]
    const prompt =
      first?._tag === "ModelRequest" ? first.parts.find((part) => part._tag === "UserPromptPart") : undefined
    return Effect.succeed([new Message.TextPart({ content: `child answer to ${String(prompt?.content)}` })])
  }
  const last = messages.at(-1)
  if (last?._tag === "ModelRequest" && last.parts.some((part) => part._tag === "ToolReturnPart")) {
    const results = last.parts.flatMap((part) => (part._tag === "ToolReturnPart" ? [String(part.content)] : []))
    return Effect.succeed([new Message.TextPart({ content: results.join(" | ") })])
  }
  return Effect.succeed([
    new Message.ToolCallPart({ toolName: "research", toolCallId: "r", args: { prompt: "facts" } }),
    new Message.ToolCallPart({ toolName: "write", toolCallId: "w", args: { prompt: "text" } })
  ])
})

describe("point 5: delegation (Agent.asTool)", () => {
  it.effect("a parent with two child agents: their outputs are tool results, one usage total", () =>
    Effect.gen(function* () {
      const result = yield* Agent.run(parent, "Write about facts")
      expect(result.output).toBe("child answer to facts | child answer to text")
      // Two parent requests and one per child.
      expect(result.usage.requests).toBe(4)
      expect(result.usage.toolCalls).toBe(2)
    }).pipe(Effect.provide(model))
  )

  it.effect("one limit spans the tree: the children's requests count against the parent's", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(parent, "Write about facts", { usageLimits: { requestLimit: 3 } }))
      expect([error._tag, "limit" in error ? error.limit : undefined]).toEqual(["UsageLimitExceeded", "requests"])
      // A run told what its parent spent counts it against the limits.
      const spent = (yield* Agent.run(researcher, "y")).usage
      const child = yield* Effect.flip(Agent.run(researcher, "x", { usage: spent, usageLimits: { requestLimit: 1 } }))
      expect([child._tag, "limit" in child ? child.limit : undefined]).toEqual(["UsageLimitExceeded", "requests"])
    }).pipe(Effect.provide(model))
  )

  it.live("children running at once share the limits: together they cannot pass them", () =>
    Effect.gen(function* () {
      let sent = 0
      // Each child calls `look` once, then answers; its requests take a while, so both children are in flight together.
      const slow = FunctionModel.layer((messages, info) =>
        Effect.gen(function* () {
          sent += 1
          yield* Effect.sleep("20 millis")
          if (info.parameters.functionTools.some((tool) => tool.name === "research")) {
            return messages.length === 1
              ? [
                  new Message.ToolCallPart({ toolName: "research", toolCallId: "a", args: { prompt: "one" } }),
                  new Message.ToolCallPart({ toolName: "research", toolCallId: "b", args: { prompt: "two" } })
                ]
              : [new Message.TextPart({ content: "done" })]
          }
          return messages.length === 1
            ? [new Message.ToolCallPart({ toolName: "look", toolCallId: "l", args: {} })]
            : [new Message.TextPart({ content: "found" })]
        })
      )
      const look = Tool.make("look", { parameters: Schema.Struct({}), handler: () => Effect.succeed("seen") })
      const child = Agent.make({ name: "researcher", tools: [look] })
      const tree = Agent.make({ tools: [Agent.asTool(child, { name: "research", description: "Researches" })] })
      // The parent's first request and two per child: 5, over a limit of 4.
      const error = yield* Effect.flip(
        Agent.run(tree, "Go", { usageLimits: { requestLimit: 4 } }).pipe(Effect.provide(slow))
      )
      expect(error).toMatchObject({ _tag: "UsageLimitExceeded", limit: "requests" })
      expect(sent).toBe(4)
      sent = 0
      const result = yield* Agent.run(tree, "Go", { usageLimits: { requestLimit: 6 } }).pipe(Effect.provide(slow))
      expect(sent).toBe(6)
      expect(result.usage.requests).toBe(6)
      expect(result.usage.toolCalls).toBe(4)
    })
  )

  it.effect("a streamed parent's stream carries the children's events, tagged with their names", () =>
    Effect.gen(function* () {
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(Agent.runStream(parent, "Write about facts")))
      const children = events.flatMap((event) => (event._tag === "ChildEvent" ? [event] : []))
      const finished = children.filter((event) => event.event._tag === "RunFinished")
      expect(finished.map((event) => [event.agentName, event.toolCallId])).toEqual([
        ["researcher", "r"],
        ["writer", "w"]
      ])
      const text = (name: string) =>
        children
          .filter((event) => event.agentName === name)
          .map((event) => AgentEvent.textOf(event.event))
          .join("")
      expect(text("researcher")).toBe("child answer to facts")
      expect(text("writer")).toBe("child answer to text")
      const last = events.at(-1)
      expect(last?._tag === "RunFinished" ? last.result.output : undefined).toBe(
        "child answer to facts | child answer to text"
      )
      // The run's result is the same, streamed or not.
      expect(last?._tag === "RunFinished" ? last.result.usage.requests : undefined).toBe(4)
    }).pipe(Effect.provide(model))
  )
})
