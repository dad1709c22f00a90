import { createServer } from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Redacted, Schema, Scope } from "effect"
import { Agent, AgentError, Message, Tool, Toolset } from "effect-claude"
import { McpServe, McpToolset } from "effect-claude/mcp"
import { FunctionModel } from "effect-claude/testing"
import { eventually, tcpHandles } from "./helpers.js"

const served = (onInterrupt: Deferred.Deferred<void>) =>
  Toolset.make([
    Tool.make("greet", {
      description: "Greets someone",
      parameters: Schema.Struct({ name: Schema.String }),
      handler: ({ name }) => Effect.succeed(`Hello, ${name}!`)
    }),
    Tool.make("divide", {
      description: "Divides a by b",
      parameters: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
      handler: ({ a, b }) =>
        b === 0
          ? Effect.fail(new AgentError.ModelRetry({ message: "b must not be 0" }))
          : Effect.succeed({ quotient: a / b })
    }),
    Tool.make("wait", {
      description: "Never answers",
      parameters: Schema.Struct({}),
      handler: () => Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(onInterrupt, undefined)))
    })
  ])

/** Serves the toolset in a scope of its own and connects a client to it in another. */
const setUp = (options: Partial<McpToolset.StreamableHttpOptions> = {}) =>
  Effect.gen(function* () {
    const interrupted = yield* Deferred.make<void>()
    const serverScope = yield* Scope.make()
    const { url } = yield* McpServe.streamableHttp(served(interrupted), { name: "served" }).pipe(
      Scope.extend(serverScope)
    )
    const client = McpToolset.streamableHttp("served", {
      url,
      headers: { authorization: Redacted.make("Bearer secret") },
      ...options
    })
    const clientScope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(client.layer, clientScope)
    const run = <A, E>(effect: Effect.Effect<A, E, McpToolset.Connection<"served">>) => Effect.provide(effect, context)
    return { client, run, interrupted, serverScope, clientScope, url }
  })

describe("MCP over Streamable HTTP", () => {
  it.live("a served toolset is listed and called by an MCP client", () =>
    Effect.gen(function* () {
      const before = tcpHandles()
      const { client, run, serverScope, clientScope } = yield* setUp()
      const tools = yield* run(McpToolset.listTools(client))
      expect(tools.map((tool) => tool.name)).toEqual(["greet", "divide", "wait"])
      expect(tools[0]).toMatchObject({
        description: "Greets someone",
        inputSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] }
      })
      expect(yield* run(McpToolset.callTool(client, "greet", { name: "Ada" }))).toBe("Hello, Ada!")
      expect(yield* run(McpToolset.callTool(client, "divide", { a: 6, b: 3 }))).toEqual({ quotient: 2 })
      // ModelRetry on the server is a tool error (isError) on the wire, a ModelRetry again here.
      const retry = yield* Effect.flip(run(McpToolset.callTool(client, "divide", { a: 1, b: 0 })))
      expect(retry).toMatchObject({ _tag: "ModelRetry", message: "b must not be 0" })
      const invalid = yield* Effect.flip(run(McpToolset.callTool(client, "greet", { name: 42 })))
      expect(invalid._tag).toBe("ModelRetry")
      const unknown = yield* Effect.flip(run(McpToolset.callTool(client, "nope", {})))
      expect(unknown).toMatchObject({ _tag: "ModelRetry", message: "Unknown tool name: 'nope'" })
      yield* Scope.close(clientScope, Exit.void)
      yield* Scope.close(serverScope, Exit.void)
      expect(yield* eventually(() => tcpHandles() <= before)).toBe(true)
    })
  )

  it.live("sends the headers, Redacted values unwrapped", () =>
    Effect.gen(function* () {
      const seen: Array<string | undefined> = []
      const listener = createServer((request, response) => {
        seen.push(request.headers.authorization)
        response.writeHead(401).end()
      })
      yield* Effect.async<void>((resume) => {
        listener.listen(0, "127.0.0.1", () => resume(Effect.void))
      })
      const address = listener.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const client = McpToolset.streamableHttp("guarded", {
        url: `http://127.0.0.1:${port}/mcp`,
        headers: { authorization: Redacted.make("Bearer secret") }
      })
      const error = yield* Effect.flip(Layer.build(client.layer)).pipe(Effect.scoped)
      expect(error).toMatchObject({ _tag: "McpError", reason: "Connect", server: "guarded" })
      expect(seen[0]).toBe("Bearer secret")
      yield* Effect.async<void>((resume) => {
        listener.close(() => resume(Effect.void))
      })
    })
  )

  it.live("interrupting a call interrupts the served tool's fiber", () =>
    Effect.gen(function* () {
      const { client, run, interrupted, serverScope, clientScope } = yield* setUp()
      const fiber = yield* Effect.fork(run(McpToolset.callTool(client, "wait", {})))
      yield* Effect.sleep("200 millis")
      yield* Fiber.interrupt(fiber)
      yield* Deferred.await(interrupted).pipe(Effect.timeout("5 seconds"))
      yield* Scope.close(clientScope, Exit.void)
      yield* Scope.close(serverScope, Exit.void)
    })
  )

  it.live("a call past its timeout is an McpError (Timeout)", () =>
    Effect.gen(function* () {
      const { client, run, interrupted, serverScope, clientScope } = yield* setUp({ timeout: "300 millis" })
      const error = yield* Effect.flip(run(McpToolset.callTool(client, "wait", {})))
      expect(error).toMatchObject({ _tag: "McpError", reason: "Timeout" })
      yield* Deferred.await(interrupted).pipe(Effect.timeout("5 seconds"))
      yield* Scope.close(clientScope, Exit.void)
      yield* Scope.close(serverScope, Exit.void)
    })
  )

  it.live("the server going away mid-call is an McpError; nothing is left open", () =>
    Effect.gen(function* () {
      const before = tcpHandles()
      const { client, run, serverScope, clientScope } = yield* setUp()
      const fiber = yield* Effect.fork(run(McpToolset.callTool(client, "wait", {})))
      yield* Effect.sleep("200 millis")
      yield* Scope.close(serverScope, Exit.void)
      const exit = yield* Fiber.await(fiber)
      expect(exit._tag).toBe("Failure")
      if (exit._tag === "Failure") {
        const error = yield* Effect.flip(exit)
        expect(error).toMatchObject({ _tag: "McpError", server: "served" })
      }
      yield* Scope.close(clientScope, Exit.void)
      expect(yield* eventually(() => tcpHandles() <= before)).toBe(true)
    })
  )

  it.live("an agent served as one tool answers through its model", () =>
    Effect.gen(function* () {
      const agent = Agent.make({ name: "poet", instructions: "Write haiku." })
      const model = FunctionModel.layer((messages) =>
        Effect.succeed([new Message.TextPart({ content: `a haiku (${messages.length} message)` })])
      )
      const serverScope = yield* Scope.make()
      const { url } = yield* McpServe.streamableHttp(Toolset.make([McpServe.agentTool(agent)]), { name: "poet" }).pipe(
        Effect.provide(model),
        Scope.extend(serverScope)
      )
      const client = McpToolset.streamableHttp("poet", { url })
      const result = yield* Effect.gen(function* () {
        const tools = yield* McpToolset.listTools(client)
        expect(tools.map((tool) => tool.name)).toEqual(["poet"])
        return yield* McpToolset.callTool(client, "poet", { prompt: "Autumn" })
      }).pipe(Effect.provide(client.layer))
      expect(result).toBe("a haiku (1 message)")
      yield* Scope.close(serverScope, Exit.void)
    })
  )
})
