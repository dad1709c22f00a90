import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Scope } from "effect"
import { RunContext, Toolset } from "effect-claude"
import { McpToolset } from "effect-claude/mcp"
import { testRunContext } from "../support/runContext.js"
import { eventually, fixture, isAlive, logFile, readLog } from "./helpers.js"

const withContext = Effect.provideService(RunContext.RunContext, testRunContext())

/** Builds the server's Layer in a scope of its own, so a test can close it and look at what is left. */
const connected = (server: ReturnType<typeof fixture>) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(server.layer, scope)
    const run = <A, E>(effect: Effect.Effect<A, E, McpToolset.Connection<"fixture">>) => Effect.provide(effect, context)
    const pid = Number(yield* run(McpToolset.callTool(server, "pid", {})))
    return { scope, run, pid }
  })

describe("McpToolset.stdio", () => {
  it.effect("lists the server's tools as agent tools and calls them", () =>
    Effect.gen(function* () {
      const server = fixture(logFile())
      const tools = yield* Toolset.resolve(server).pipe(withContext)
      expect(tools.map((tool) => tool.name)).toEqual([
        "echo",
        "add",
        "fail",
        "slow",
        "crash",
        "garble",
        "pid",
        "add_tool"
      ])
      const echo = tools.find((tool) => tool.name === "echo")!
      expect(echo.definition.description).toBe("Echoes the text")
      expect(echo.definition.parametersJsonSchema).toMatchObject({
        type: "object",
        properties: { text: { type: "string" } },
        required: ["text"]
      })
      expect(yield* echo.execute({ text: "hi" }).pipe(withContext)).toBe("echo: hi")
      // Structured content is the result when the server gives it.
      const add = tools.find((tool) => tool.name === "add")!
      expect(yield* add.execute({ a: 2, b: 3 }).pipe(withContext)).toEqual({ sum: 5 })
    }).pipe(Effect.provide(fixture(logFile()).layer))
  )

  it.effect("a prefix goes before every tool name", () =>
    Effect.gen(function* () {
      const server = fixture(logFile(), { prefix: "fx" })
      const tools = yield* Toolset.resolve(server).pipe(withContext, Effect.provide(server.layer))
      expect(tools.map((tool) => tool.name)).toContain("fx_echo")
      expect(tools.every((tool) => tool.name.startsWith("fx_"))).toBe(true)
    })
  )

  it.effect("a tool error (isError) fails with ModelRetry holding the tool's message", () =>
    Effect.gen(function* () {
      const server = fixture(logFile())
      const error = yield* Effect.flip(McpToolset.callTool(server, "fail", {})).pipe(Effect.provide(server.layer))
      expect(error._tag).toBe("ModelRetry")
      expect(error.message).toBe("the tool broke")
    })
  )

  it.effect("bad arguments come back to the model as ModelRetry", () =>
    Effect.gen(function* () {
      const server = fixture(logFile())
      const error = yield* Effect.flip(McpToolset.callTool(server, "add", { a: "two" })).pipe(
        Effect.provide(server.layer)
      )
      expect(error._tag).toBe("ModelRetry")
    })
  )

  it.live("caches the tool list until the server says it changed", () =>
    Effect.gen(function* () {
      const log = logFile()
      const server = fixture(log)
      const { run, scope } = yield* connected(server)
      const first = yield* run(McpToolset.listTools(server))
      expect(yield* run(McpToolset.listTools(server))).toBe(first)
      expect(yield* run(McpToolset.callTool(server, "add_tool", {}))).toBe("added")
      // The notification arrives after the call's answer: ask again until the list has changed.
      let names: ReadonlyArray<string> = []
      for (let attempt = 0; attempt < 100 && !names.includes("late"); attempt++) {
        names = (yield* run(McpToolset.listTools(server))).map((tool) => tool.name)
        if (!names.includes("late")) yield* Effect.sleep("20 millis")
      }
      const changed = names.includes("late")
      expect(changed).toBe(true)
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.live("interrupting a call sends the server a cancellation; the connection stays usable", () =>
    Effect.gen(function* () {
      const log = logFile()
      const server = fixture(log)
      const { run, scope } = yield* connected(server)
      const fiber = yield* Effect.fork(run(McpToolset.callTool(server, "slow", { ms: 10_000 })))
      expect(yield* eventually(() => readLog(log).includes("slow started"))).toBe(true)
      yield* Fiber.interrupt(fiber)
      expect(yield* eventually(() => readLog(log).includes("slow cancelled"))).toBe(true)
      expect(yield* run(McpToolset.callTool(server, "echo", { text: "still here" }))).toBe("echo: still here")
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.live("the server exiting mid-call is an McpError (Closed)", () =>
    Effect.gen(function* () {
      const server = fixture(logFile())
      const { run, scope, pid } = yield* connected(server)
      const error = yield* Effect.flip(run(McpToolset.callTool(server, "crash", {})))
      expect(error._tag).toBe("McpError")
      expect(error).toMatchObject({ reason: "Closed", server: "fixture" })
      expect(yield* eventually(() => !isAlive(pid))).toBe(true)
      // Later calls fail the same way, at once.
      const later = yield* Effect.flip(run(McpToolset.callTool(server, "echo", { text: "x" })))
      expect(later).toMatchObject({ _tag: "McpError", reason: "Closed" })
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.live("an answer that is not JSON-RPC is an McpError (Protocol)", () =>
    Effect.gen(function* () {
      const server = fixture(logFile())
      const { run, scope, pid } = yield* connected(server)
      const error = yield* Effect.flip(run(McpToolset.callTool(server, "garble", {})))
      expect(error).toMatchObject({ _tag: "McpError", reason: "Protocol", server: "fixture" })
      yield* Scope.close(scope, Exit.void)
      expect(yield* eventually(() => !isAlive(pid))).toBe(true)
    })
  )

  it.live("a call past its timeout is an McpError (Timeout), and the server hears it was cancelled", () =>
    Effect.gen(function* () {
      const log = logFile()
      const server = fixture(log, { timeout: "300 millis" })
      const { run, scope } = yield* connected(server)
      const error = yield* Effect.flip(run(McpToolset.callTool(server, "slow", { ms: 10_000 })))
      expect(error).toMatchObject({ _tag: "McpError", reason: "Timeout" })
      expect(yield* eventually(() => readLog(log).includes("slow cancelled"))).toBe(true)
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.live("closing the scope ends the child process, also in the middle of a call", () =>
    Effect.gen(function* () {
      const log = logFile()
      const server = fixture(log)
      const { run, scope, pid } = yield* connected(server)
      expect(isAlive(pid)).toBe(true)
      const fiber = yield* Effect.fork(run(McpToolset.callTool(server, "slow", { ms: 10_000 })))
      expect(yield* eventually(() => readLog(log).includes("slow started"))).toBe(true)
      yield* Scope.close(scope, Exit.void)
      expect(isAlive(pid)).toBe(false)
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
    })
  )

  it.effect("a command that cannot start is an McpError (Connect) when the Layer is built", () =>
    Effect.gen(function* () {
      const server = McpToolset.stdio("missing", { command: "/nonexistent/mcp-server", stderr: "ignore" })
      const error = yield* Effect.flip(Layer.build(server.layer)).pipe(Effect.scoped)
      expect(error).toMatchObject({ _tag: "McpError", reason: "Connect", server: "missing" })
    })
  )
})
