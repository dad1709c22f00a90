import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Agent, Message } from "effect-claude"
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

describe("delegation (Agent.asTool)", () => {
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
})
