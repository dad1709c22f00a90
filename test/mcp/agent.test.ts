import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema, Stream } from "effect"
import { Agent, Message, Tool, Toolset } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { fixture, logFile } from "./helpers.js"

const toolReturns = (messages: ReadonlyArray<Message.ModelMessage>) =>
  messages.flatMap((message) =>
    message._tag === "ModelRequest"
      ? message.parts.filter((part) => part._tag === "ToolReturnPart" || part._tag === "RetryPromptPart")
      : []
  )

const local = Tool.make("local", {
  description: "A plain tool",
  parameters: Schema.Struct({}),
  handler: () => Effect.succeed("local result")
})

describe("Agent with toolsets", () => {
  it.effect("offers an MCP server's tools beside plain tools and runs them; tool errors go back to the model", () =>
    Effect.gen(function* () {
      const server = fixture(logFile(), { prefix: "fx" })
      const offered: Array<ReadonlyArray<string>> = []
      const model = FunctionModel.layer((messages, info) => {
        offered.push(info.parameters.functionTools.map((tool) => tool.name))
        if (offered.length === 1) {
          return Effect.succeed([
            new Message.ToolCallPart({ toolName: "fx_echo", args: { text: "hi" }, toolCallId: "c1" }),
            new Message.ToolCallPart({ toolName: "fx_fail", args: {}, toolCallId: "c2" }),
            new Message.ToolCallPart({ toolName: "local", args: {}, toolCallId: "c3" })
          ])
        }
        return Effect.succeed([new Message.TextPart({ content: `done after ${messages.length} messages` })])
      })
      const agent = Agent.make({
        tools: [local],
        toolsets: [Toolset.filter(server, (tool) => tool.name !== "fx_crash")],
        retries: 2
      })
      const result = yield* Agent.run(agent, "go").pipe(Effect.provide(model), Effect.provide(server.layer))
      expect(result.output).toBe("done after 3 messages")
      expect(offered[0]).toEqual([
        "local",
        "fx_echo",
        "fx_add",
        "fx_fail",
        "fx_slow",
        "fx_garble",
        "fx_pid",
        "fx_add_tool"
      ])
      expect(toolReturns(result.newMessages).map((part) => [part._tag, part.toolName, part.content])).toEqual([
        ["ToolReturnPart", "fx_echo", "echo: hi"],
        ["RetryPromptPart", "fx_fail", "the tool broke"],
        ["ToolReturnPart", "local", "local result"]
      ])
    })
  )

  it.effect("a tool name offered twice fails the run before the first request, naming both sources", () =>
    Effect.gen(function* () {
      let requests = 0
      const model = FunctionModel.layer(() => {
        requests += 1
        return Effect.succeed([new Message.TextPart({ content: "unreachable" })])
      })
      const agent = Agent.make({
        tools: [local],
        toolsets: [Toolset.make([local], { label: "extras" })]
      })
      const error = yield* Effect.flip(Agent.run(agent, "go").pipe(Effect.provide(model)))
      expect(error).toMatchObject({ _tag: "DuplicateToolName", name: "local" })
      expect(error.message).toContain("extras")
      expect(requests).toBe(0)
    })
  )

  it.effect("an MCP transport failure fails the run with McpError", () =>
    Effect.gen(function* () {
      const server = fixture(logFile())
      const model = FunctionModel.layer(() =>
        Effect.succeed([new Message.ToolCallPart({ toolName: "crash", args: {}, toolCallId: "c1" })])
      )
      const agent = Agent.make({ toolsets: [server] })
      const error = yield* Effect.flip(Agent.run(agent, "go").pipe(Effect.provide(model), Effect.provide(server.layer)))
      expect(error).toMatchObject({ _tag: "McpError", reason: "Closed", server: "fixture" })
    })
  )

  it.effect("toolsets are resolved at every step with that step's RunContext, streamed runs too", () =>
    Effect.gen(function* () {
      const offered: Array<ReadonlyArray<string>> = []
      const model = FunctionModel.layer((_messages, info) => {
        offered.push(info.parameters.functionTools.map((tool) => tool.name))
        return Effect.succeed(
          offered.length === 1
            ? [new Message.ToolCallPart({ toolName: "local", args: {}, toolCallId: "c1" })]
            : [new Message.TextPart({ content: "done" })]
        )
      })
      const later = Tool.make("later", { parameters: Schema.Struct({}), handler: () => Effect.succeed("later") })
      const agent = Agent.make({
        tools: [local],
        toolsets: [Toolset.make([later]).pipe(Toolset.filter((_tool, context) => context.runStep > 1))]
      })
      const events = yield* Stream.runCollect(Agent.runStream(agent, "go")).pipe(Effect.provide(model))
      expect(offered).toEqual([["local"], ["local", "later"]])
      const last = [...events].at(-1)
      expect(last?._tag).toBe("RunFinished")
    })
  )
})
