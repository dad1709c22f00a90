import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Schema, Stream } from "effect"
import { Agent, AgentError, Message, Tool, Usage } from "effect-claude"
import { call, response, scripted, text, usage } from "./helpers.js"

describe("Agent.run", () => {
  it.effect("answers with text: system prompts start a new conversation, instructions ride on each request", () => {
    const model = scripted([[text("Paris.")]])
    const agent = Agent.make({ systemPrompt: "You are a geographer.", instructions: ["Be brief.", "No lists."] })
    return Effect.gen(function* () {
      const result = yield* Agent.run(agent, "Capital of France?", { instructions: "Answer in English." })
      const request = new Message.ModelRequest({
        parts: [
          new Message.SystemPromptPart({ content: "You are a geographer." }),
          new Message.UserPromptPart({ content: "Capital of France?" })
        ],
        instructions: "Be brief.\n\nNo lists.\n\nAnswer in English."
      })
      expect(result.output).toBe("Paris.")
      expect(result.messages).toEqual([request, response([text("Paris.")])])
      expect(result.newMessages).toEqual(result.messages)
      expect(result.response).toEqual(response([text("Paris.")]))
      expect(result.usage).toEqual(Usage.addRequest(Usage.RunUsage.empty, usage))
      expect(model.requests[0]!.messages).toEqual([request])
      expect(model.requests[0]!.info.parameters).toEqual({
        functionTools: [],
        outputTools: [],
        builtinTools: [],
        outputMode: "text",
        allowTextOutput: true,
        outputObject: undefined
      })
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("continues a conversation from a previous run's newMessages, without repeating system prompts", () => {
    const model = scripted([[text("Paris.")], [text("About 2 million.")]])
    const agent = Agent.make({ systemPrompt: "You are a geographer." })
    return Effect.gen(function* () {
      const first = yield* Agent.run(agent, "Capital of France?")
      const second = yield* Agent.run(agent, "How many people live there?", { messageHistory: first.newMessages })
      const followUp = new Message.ModelRequest({
        parts: [new Message.UserPromptPart({ content: "How many people live there?" })]
      })
      expect(second.output).toBe("About 2 million.")
      expect(model.requests[1]!.messages).toEqual([...first.newMessages, followUp])
      expect(second.messages).toEqual([...first.newMessages, followUp, response([text("About 2 million.")])])
      expect(second.newMessages).toEqual([followUp, response([text("About 2 million.")])])
      // The history survives a JSON round trip and continues the same way.
      const stored = Schema.encodeSync(Message.HistoryFromJson)(second.messages)
      expect(Schema.decodeUnknownSync(Message.HistoryFromJson)(stored)).toEqual(second.messages)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("merges the tool results kept after a structured output with the next prompt when sending", () => {
    const model = scripted([
      [call("final_result", { city: "Paris" }, "c1")],
      [call("final_result", { city: "Lyon" }, "c2")]
    ])
    const agent = Agent.make({ output: Schema.Struct({ city: Schema.String }) })
    return Effect.gen(function* () {
      const first = yield* Agent.run(agent, "Capital?")
      expect(first.newMessages.at(-1)).toEqual(
        new Message.ModelRequest({
          parts: [
            new Message.ToolReturnPart({
              toolName: "final_result",
              toolCallId: "c1",
              content: "Final result processed."
            })
          ]
        })
      )
      const second = yield* Agent.run(agent, "Second city?", { messageHistory: first.newMessages })
      expect(second.output).toEqual({ city: "Lyon" })
      // Sent as one user turn: the kept tool result, then the new prompt.
      expect(model.requests[1]!.messages.at(-1)).toEqual(
        new Message.ModelRequest({
          parts: [
            new Message.ToolReturnPart({
              toolName: "final_result",
              toolCallId: "c1",
              content: "Final result processed."
            }),
            new Message.UserPromptPart({ content: "Second city?" })
          ]
        })
      )
      expect(model.requests[1]!.messages).toHaveLength(3)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("refuses a new prompt after a history ending with unanswered tool calls", () => {
    const model = scripted([[text("unused")]])
    const history = [Message.ModelRequest.user("hi"), response([call("get_weather", {}, "c1")])]
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({}), "again", { messageHistory: history }))
      expect(error).toBeInstanceOf(AgentError.UserError)
      expect(model.requests).toHaveLength(0)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("refuses two tools with the same name", () => {
    const model = scripted([[text("unused")]])
    const tool = Tool.make("same", { parameters: Schema.Struct({}), handler: () => Effect.succeed("x") })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Agent.run(Agent.make({ tools: [tool, tool] }), "hi"))
      expect(error).toEqual(new AgentError.UserError({ message: "Two tools are named 'same'" }))
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("merges settings: the model's, then the agent's, then the run's", () => {
    const model = scripted([[text("ok")]], { settings: { maxTokens: 100, temperature: 1, topK: 5 } })
    const agent = Agent.make({ settings: { temperature: 0.5, topP: 0.9 } })
    return Effect.gen(function* () {
      yield* Agent.run(agent, "hi", { settings: { temperature: 0 } })
      expect(model.requests[0]!.info.settings).toEqual({ maxTokens: 100, temperature: 0, topK: 5, topP: 0.9 })
    }).pipe(Effect.provide(model.layer))
  })
})

describe("Agent.iter", () => {
  it.effect("drives the run node by node", () => {
    const tool = Tool.make("get_weather", {
      parameters: Schema.Struct({ city: Schema.String }),
      handler: ({ city }) => Effect.succeed(`Sunny in ${city}`)
    })
    const model = scripted([[call("get_weather", { city: "Paris" }, "c1")], [text("It is sunny.")]])
    return Effect.gen(function* () {
      const run = yield* Agent.iter(Agent.make({ tools: [tool] }), "Weather?")
      const tags: Array<string> = []
      let node: Agent.AgentNode<string> = run.start
      while (node._tag !== "End") {
        tags.push(node._tag)
        node = yield* run.next(node)
      }
      expect(tags).toEqual(["ModelRequestNode", "CallToolsNode", "ModelRequestNode", "CallToolsNode"])
      expect(node.result.output).toBe("It is sunny.")
      expect(node.finalResult).toEqual({ _tag: "FinalResult" })
      expect((yield* run.usage).requests).toBe(2)
      expect(yield* run.messages).toEqual(node.result.messages)
      // Past the end, `next` stays at the end.
      expect(yield* run.next(node)).toBe(node)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("streams the rest of a run from any node", () => {
    const model = scripted([[call("get_weather", { city: "Paris" }, "c1")], [text("It is sunny.")]])
    const tool = Tool.make("get_weather", {
      parameters: Schema.Struct({ city: Schema.String }),
      handler: ({ city }) => Effect.succeed(`Sunny in ${city}`)
    })
    return Effect.gen(function* () {
      const run = yield* Agent.iter(Agent.make({ tools: [tool] }), "Weather?")
      const afterFirstRequest = yield* run.next(run.start)
      expect(afterFirstRequest._tag).toBe("CallToolsNode")
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(run.stream(afterFirstRequest)))
      expect(events.map((event) => event._tag)).toEqual([
        "ToolCallStarted",
        "ToolResult",
        "PartStart",
        "PartEnd",
        "ResponseMetadata",
        "FinalResult",
        "RunFinished"
      ])
      expect((yield* run.usage).requests).toBe(2)
    }).pipe(Effect.provide(model.layer))
  })

  it.effect("sends a request changed by the caller", () => {
    const model = scripted([[text("ok")]])
    return Effect.gen(function* () {
      const run = yield* Agent.iter(Agent.make({}), "original")
      const changed: Agent.ModelRequestNode = {
        _tag: "ModelRequestNode",
        request: Message.ModelRequest.user("changed")
      }
      yield* run.next(changed)
      expect(model.requests[0]!.messages).toEqual([Message.ModelRequest.user("changed")])
    }).pipe(Effect.provide(model.layer))
  })
})

describe("AgentError", () => {
  it("brands the agent's errors: isAgentError and the is… predicates tell them from other values", () => {
    const error = new AgentError.UserError({ message: "no" })
    expect(AgentError.isAgentError(error)).toBe(true)
    expect(AgentError.isUserError(error)).toBe(true)
    expect(AgentError.isUnexpectedModelBehavior(error)).toBe(false)
    expect(AgentError.isAgentError(new AgentError.ModelRetry({ message: "again" }))).toBe(false)
    expect(AgentError.isModelRetry(new AgentError.ModelRetry({ message: "again" }))).toBe(true)
    expect(AgentError.isAgentError({ _tag: "UserError", message: "a look-alike" })).toBe(false)
    expect(
      AgentError.isUsageLimitExceeded(
        new AgentError.UsageLimitExceeded({ limit: "requests", maximum: 1, value: 2, message: "over" })
      )
    ).toBe(true)
    // The brand is not an own property: instances compare and encode as before.
    expect(Object.getOwnPropertySymbols(error)).not.toContain(AgentError.TypeId)
  })
})
