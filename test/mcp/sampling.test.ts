import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import { Effect, Exit, Layer, Scope } from "effect"
import { Agent, AgentError, Message, Usage } from "effect-claude"
import { McpToolset } from "effect-claude/mcp"
import { FunctionModel } from "effect-claude/testing"
import { registerSamplingTools } from "./fixtures/samplingTools.mjs"
import { eventually, isAlive, tcpHandles } from "./helpers.js"

const samplingServer = fileURLToPath(new URL("./fixtures/samplingServer.mjs", import.meta.url))

const stdioOptions = {
  command: process.execPath,
  args: [samplingServer],
  env: { PATH: process.env.PATH ?? "" },
  stderr: "ignore"
} as const

/** What the model was asked to answer for the server. */
interface Sampled {
  readonly messages: ReadonlyArray<Message.ModelMessage>
  readonly settings: FunctionModel.RequestInfo["settings"]
}

/**
 * A model for both the agent and the server: a request without tools is the server's sampling
 * request, answered by `sample`; the agent's first step calls `calls`, its second ends the run.
 */
const modelFor = (
  sample: (messages: ReadonlyArray<Message.ModelMessage>) => Effect.Effect<string, AgentError.UnexpectedModelBehavior>,
  calls: ReadonlyArray<Message.ToolCallPart> = []
) => {
  const sampled: Array<Sampled> = []
  let steps = 0
  const layer = FunctionModel.layer(
    (messages, info) => {
      if (info.parameters.functionTools.length === 0) {
        sampled.push({ messages, settings: info.settings })
        return Effect.map(sample(messages), (content) => [new Message.TextPart({ content })])
      }
      steps += 1
      return Effect.succeed(steps === 1 ? calls : [new Message.TextPart({ content: "done" })])
    },
    undefined,
    { modelName: "claude-test" }
  )
  return { layer, sampled }
}

const toolReturns = (messages: ReadonlyArray<Message.ModelMessage>) =>
  messages.flatMap((message) =>
    message._tag === "ModelRequest"
      ? message.parts.flatMap((part) =>
          part._tag === "ToolReturnPart" || part._tag === "RetryPromptPart"
            ? [[part._tag, part.toolName, part.content] as const]
            : []
        )
      : []
  )

describe("MCP sampling over stdio: the server's createMessage is answered by the Layer's Model", () => {
  it.live("an agent's tool call samples: the answer reaches the tool result; the model saw the server's request", () =>
    Effect.gen(function* () {
      const server = McpToolset.stdio("sampler", { ...stdioOptions, sampling: true })
      const model = modelFor(
        () => Effect.succeed("Cats sleep a lot."),
        [
          new Message.ToolCallPart({ toolName: "summarize", args: { text: "A long text on cats." }, toolCallId: "c1" }),
          new Message.ToolCallPart({ toolName: "pid", args: {}, toolCallId: "c2" })
        ]
      )
      const agent = Agent.make({ toolsets: [server] })
      const result = yield* Agent.run(agent, "Summarize my text").pipe(
        Effect.provide(server.layer),
        Effect.provide(model.layer)
      )
      const returns = toolReturns(result.newMessages)
      expect(returns[0]).toEqual(["ToolReturnPart", "summarize", "Cats sleep a lot. [claude-test, endTurn]"])
      expect(model.sampled).toHaveLength(1)
      expect(model.sampled[0]?.messages).toEqual([
        new Message.ModelRequest({
          parts: [
            new Message.SystemPromptPart({ content: "You summarize in five words." }),
            new Message.UserPromptPart({ content: "Summarize: A long text on cats." })
          ]
        })
      ])
      expect(model.sampled[0]?.settings).toMatchObject({ maxTokens: 64, temperature: 0.2, stopSequences: ["END"] })
      // Sampling is the server's business: the run's usage counts only the agent's two requests.
      expect(result.usage.requests).toBe(2)
      const pid = Number(returns[1]?.[2])
      expect(pid).toBeGreaterThan(0)
      expect(yield* eventually(() => !isAlive(pid))).toBe(true)
    })
  )

  it.scoped("images and an earlier assistant answer are mapped; maxTokens is capped; the stop reason goes back", () =>
    Effect.gen(function* () {
      const sampled: Array<Sampled> = []
      const model = FunctionModel.layer((messages, info) => {
        sampled.push({ messages, settings: info.settings })
        return Effect.succeed(
          new Message.ModelResponse({
            parts: [new Message.TextPart({ content: "Red" })],
            usage: Usage.RequestUsage.empty,
            modelName: "claude-pixel",
            finishReason: "stop",
            providerDetails: { stop_reason: "stop_sequence" },
            timestamp: new Date()
          })
        )
      })
      const server = McpToolset.stdio("sampler", { ...stdioOptions, sampling: { maxTokens: 8 } })
      const answer = yield* McpToolset.callTool(server, "describe", {}).pipe(
        Effect.provide(server.layer),
        Effect.provide(model)
      )
      expect(answer).toBe("Red [claude-pixel, stopSequence]")
      const [question, earlier, followUp] = sampled[0]?.messages ?? []
      expect(question).toMatchObject({ _tag: "ModelRequest", parts: [{ _tag: "UserPromptPart" }] })
      const content = question?._tag === "ModelRequest" ? question.parts[0]?.content : undefined
      expect(Array.isArray(content) && content.map((item) => item._tag)).toEqual(["TextContent", "BinaryContent"])
      const image = Array.isArray(content) ? content[1] : undefined
      expect(image?._tag === "BinaryContent" && image.mediaType).toBe("image/png")
      expect(image?._tag === "BinaryContent" && Array.from(image.data.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47])
      expect(earlier).toMatchObject({ _tag: "ModelResponse", parts: [{ _tag: "TextPart", content: "A pixel." }] })
      expect(followUp).toEqual(Message.ModelRequest.user("Which colour?"))
      expect(sampled[0]?.settings.maxTokens).toBe(8)
    })
  )

  it.live("a failing Model rejects the server's createMessage: the tool error reaches the model, no defect", () =>
    Effect.gen(function* () {
      const server = McpToolset.stdio("sampler", { ...stdioOptions, sampling: true })
      const model = modelFor(
        () => Effect.fail(new AgentError.UnexpectedModelBehavior({ message: "upstream said sk-ant-secret" })),
        [new Message.ToolCallPart({ toolName: "summarize", args: { text: "cats" }, toolCallId: "c1" })]
      )
      const agent = Agent.make({ toolsets: [server], retries: 2 })
      const result = yield* Agent.run(agent, "Summarize").pipe(
        Effect.provide(server.layer),
        Effect.provide(model.layer)
      )
      expect(result.output).toBe("done")
      const [[tag, tool, content] = []] = toolReturns(result.newMessages)
      expect([tag, tool]).toEqual(["RetryPromptPart", "summarize"])
      expect(content).toContain("sampling failed")
      expect(content).toContain("The client's model failed (UnexpectedModelBehavior)")
      // The model's own message stays with the client.
      expect(content).not.toContain("sk-ant-secret")
    })
  )

  it.scoped("a Model that dies is an internal error to the server, not a defect of the client", () =>
    Effect.gen(function* () {
      const model = FunctionModel.layer(() => Effect.die(new Error("bug in the model")))
      const server = McpToolset.stdio("sampler", { ...stdioOptions, sampling: true })
      const error = yield* Effect.flip(
        McpToolset.callTool(server, "summarize", { text: "cats" }).pipe(
          Effect.provide(server.layer),
          Effect.provide(model)
        )
      )
      expect(error).toMatchObject({ _tag: "ModelRetry" })
      expect(error.message).toContain("The client failed to sample")
      expect(error.message).not.toContain("bug in the model")
    })
  )

  it.scoped("approve can decline a request: the server gets a refusal and the model is not asked", () =>
    Effect.gen(function* () {
      const seen: Array<McpToolset.SamplingRequest> = []
      const model = modelFor(() => Effect.succeed("unreachable"))
      const server = McpToolset.stdio("sampler", {
        ...stdioOptions,
        sampling: {
          approve: (request) =>
            Effect.sync(() => {
              seen.push(request)
              return false
            })
        }
      })
      const error = yield* Effect.flip(
        McpToolset.callTool(server, "summarize", { text: "cats" }).pipe(
          Effect.provide(server.layer),
          Effect.provide(model.layer)
        )
      )
      expect(error).toMatchObject({ _tag: "ModelRetry" })
      expect(error.message).toContain("The client declined the sampling request")
      expect(seen.map((request) => [request.server, request.modelHints, request.settings.maxTokens])).toEqual([
        ["sampler", ["claude-haiku"], 64]
      ])
      expect(model.sampled).toEqual([])
    })
  )

  it.scoped("content the model cannot take (audio) is refused as invalid params", () =>
    Effect.gen(function* () {
      const model = modelFor(() => Effect.succeed("unreachable"))
      const server = McpToolset.stdio("sampler", { ...stdioOptions, sampling: true })
      const error = yield* Effect.flip(
        McpToolset.callTool(server, "listen", {}).pipe(Effect.provide(server.layer), Effect.provide(model.layer))
      )
      expect(error.message).toContain("This client cannot sample from audio content")
      expect(model.sampled).toEqual([])
    })
  )

  it.scoped("without sampling the capability is not declared and the server's createMessage fails", () =>
    Effect.gen(function* () {
      const server = McpToolset.stdio("plain", stdioOptions)
      const [capabilities, error] = yield* Effect.all([
        McpToolset.callTool(server, "capabilities", {}),
        Effect.flip(McpToolset.callTool(server, "summarize", { text: "cats" }))
      ]).pipe(Effect.provide(server.layer))
      expect(capabilities).not.toHaveProperty("sampling")
      expect(error).toMatchObject({ _tag: "ModelRetry" })
      expect(error.message).toContain("sampling failed")
    })
  )
})

describe("MCP sampling over Streamable HTTP", () => {
  it.live("a tool of an HTTP server samples through the client's Model; nothing is left open", () =>
    Effect.gen(function* () {
      const before = tcpHandles()
      const mcp = new McpServer({ name: "http-sampler", version: "1.0.0" })
      registerSamplingTools(mcp)
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() })
      yield* Effect.promise(() => mcp.connect(transport))
      const listener = createServer((request, response) => {
        void transport.handleRequest(request, response)
      })
      yield* Effect.async<void>((resume) => {
        listener.listen(0, "127.0.0.1", () => resume(Effect.void))
      })
      const address = listener.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const model = modelFor(() => Effect.succeed("Short."))
      const server = McpToolset.streamableHttp("remote", { url: `http://127.0.0.1:${port}/mcp`, sampling: true })
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Layer.provide(server.layer, model.layer), scope)
      const answer = yield* McpToolset.callTool(server, "summarize", { text: "cats" }).pipe(Effect.provide(context))
      expect(answer).toBe("Short. [claude-test, endTurn]")
      expect(model.sampled[0]?.messages).toHaveLength(1)
      yield* Scope.close(scope, Exit.void)
      yield* Effect.promise(() => mcp.close())
      yield* Effect.async<void>((resume) => {
        listener.closeAllConnections()
        listener.close(() => resume(Effect.void))
      })
      expect(yield* eventually(() => tcpHandles() <= before)).toBe(true)
    })
  )
})
