/**
 * Serving over MCP: a toolset, or an agent as one tool, offered to other MCP clients (Claude
 * Desktop, IDEs, other agents) over stdio or Streamable HTTP. Each `tools/list` resolves the
 * toolset; each `tools/call` runs the tool's Effect, and a client's cancellation interrupts it.
 *
 * A tool failing with `ModelRetry`, invalid arguments or its own error answers with `isError`, so
 * the calling model sees the message; the server keeps running.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { Tool, Toolset } from "effect-claude"
 * import { McpServe } from "effect-claude/mcp"
 *
 * const add = Tool.make("add", {
 *   parameters: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
 *   handler: ({ a, b }) => Effect.succeed(a + b)
 * })
 *
 * // Run as `node server.js` from an MCP client's configuration.
 * const main = McpServe.stdio(Toolset.make([add]), { name: "calculator" }).pipe(
 *   Effect.flatMap((serving) => serving.closed),
 *   Effect.scoped
 * )
 */
import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { Socket } from "node:net"
import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Agent from "../Agent.js"
import * as AgentError from "../AgentError.js"
import type { Model } from "../Model.js"
import { RunContext } from "../RunContext.js"
import * as Tool from "../Tool.js"
import { isToolContent } from "../ToolContent.js"
import * as Toolset from "../Toolset.js"
import * as Usage from "../Usage.js"
import { mcpContentOf } from "./internal/content.js"
import { loadHttpServer, loadServer, loadStdioServer } from "./internal/sdk.js"
import { McpError } from "./McpError.js"

/**
 * Options of a served toolset.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServeOptions {
  /** The server's name, as clients show it. */
  readonly name: string
  readonly version?: string | undefined
  /** Told to clients at initialization: what the tools are for. */
  readonly instructions?: string | undefined
}

/** The run a served tool sees: no model and no conversation, one step. */
const servedContext = (toolName: string, toolCallId: string): RunContext["Type"] => ({
  agentName: undefined,
  modelName: "mcp",
  prompt: "",
  usage: Usage.RunUsage.empty,
  messages: [],
  runStep: 1,
  retry: 0,
  maxRetries: 0,
  toolName,
  toolCallId
})

const listContext = servedContext("", "")

const text = (value: string): CallToolResult["content"][number] => ({ type: "text", text: value })

const failureMessage = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  if (Predicate.hasProperty(failure, "message") && typeof failure.message === "string") return failure.message
  return String(failure)
}

/** What a tool's exit becomes on the wire. */
const callResult = (exit: Exit.Exit<unknown, unknown>): CallToolResult => {
  if (Exit.isFailure(exit)) return { content: [text(failureMessage(exit.cause))], isError: true }
  const value = exit.value
  if (typeof value === "string") return { content: [text(value)] }
  if (isToolContent(value)) return { content: mcpContentOf(value) }
  const json = JSON.stringify(value) ?? "null"
  return Predicate.isRecord(value) && !Array.isArray(value)
    ? { content: [text(json)], structuredContent: { ...value } }
    : { content: [text(json)] }
}

/**
 * Builds an SDK server answering `tools/list` and `tools/call` from the toolset, running each call
 * with the services of the calling fiber. Connect it to a transport of your own, or use `stdio` or
 * `streamableHttp`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeServer = <E, R>(
  toolset: Toolset.Toolset<E, R>,
  options: ServeOptions
): Effect.Effect<Server, McpError, R> =>
  Effect.gen(function* () {
    const sdk = yield* loadServer(options.name)
    const runtime = yield* Effect.runtime<R>()
    const server: Server = new sdk.Server(
      { name: options.name, version: options.version ?? "0.1.0" },
      {
        capabilities: { tools: {} },
        ...(options.instructions === undefined ? {} : { instructions: options.instructions })
      }
    )
    const resolve = (context: RunContext["Type"]) =>
      Toolset.resolve(toolset).pipe(Effect.provideService(RunContext, context))

    server.setRequestHandler(sdk.types.ListToolsRequestSchema, async (_request, extra) => {
      const tools = await Runtime.runPromise(runtime)(resolve(listContext), { signal: extra.signal })
      return {
        tools: tools.map((tool) => ({
          name: tool.name,
          description: tool.description,
          inputSchema: { ...tool.definition.parametersJsonSchema, type: "object" as const }
        }))
      }
    })

    server.setRequestHandler(sdk.types.CallToolRequestSchema, async (request, extra) => {
      const name = request.params.name
      const context = servedContext(name, String(extra.requestId))
      const call = Effect.flatMap(resolve(context), (tools) => {
        const tool = tools.find((candidate) => candidate.name === name)
        return tool === undefined
          ? Effect.fail(new AgentError.ModelRetry({ message: `Unknown tool name: '${name}'` }))
          : tool.execute(request.params.arguments ?? {})
      }).pipe(Effect.provideService(RunContext, context))
      return callResult(await Runtime.runPromiseExit(runtime)(call, { signal: extra.signal }))
    })
    return server
  })

const serverError = (name: string, what: string) => (cause: unknown) =>
  new McpError({
    message: `MCP server ${name}: ${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
    reason: "Connect",
    server: name
  })

/**
 * A server speaking over stdio.
 *
 * @since 0.1.0
 * @category models
 */
export interface StdioServing {
  /** Completes when the client disconnects (closes this process's stdin). */
  readonly closed: Effect.Effect<void>
}

/**
 * Serves the toolset over this process's stdin and stdout until the scope closes.
 *
 * @since 0.1.0
 * @category utils
 */
export const stdio = <E, R>(
  toolset: Toolset.Toolset<E, R>,
  options: ServeOptions
): Effect.Effect<StdioServing, McpError, R | Scope.Scope> =>
  Effect.gen(function* () {
    const server = yield* makeServer(toolset, options)
    const sdk = yield* loadStdioServer(options.name)
    const closed = yield* Deferred.make<void>()
    const transport = new sdk.StdioServerTransport()
    // The SDK's stdio transport does not watch stdin's end; the client leaving is stdin ending.
    const onEnd = () => void server.close().catch(() => undefined)
    server.onclose = () => Deferred.unsafeDone(closed, Exit.void)
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => server.connect(transport),
        catch: serverError(options.name, "cannot serve over stdio")
      }).pipe(Effect.tap(() => process.stdin.once("end", onEnd))),
      () =>
        Effect.promise(() => {
          process.stdin.off("end", onEnd)
          return server.close().catch(() => undefined)
        })
    )
    return { closed: Deferred.await(closed) }
  })

/**
 * `stdio` as a Layer: serving while the Layer is alive.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStdio = <E, R>(
  toolset: Toolset.Toolset<E, R>,
  options: ServeOptions
): Layer.Layer<never, McpError, R> => Layer.scopedDiscard(stdio(toolset, options))

/**
 * Options of `streamableHttp`.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpOptions extends ServeOptions {
  /** The port to listen on (default 0: any free port; read it from the returned `url`). */
  readonly port?: number | undefined
  /** The address to listen on (default 127.0.0.1). */
  readonly host?: string | undefined
  /** The MCP endpoint's path (default `/mcp`). */
  readonly path?: string | undefined
}

/**
 * Where a served endpoint listens.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpEndpoint {
  readonly url: URL
}

const reply = (response: ServerResponse, status: number, message: string) => {
  response.writeHead(status, { "content-type": "application/json" })
  response.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }))
}

/**
 * Serves the toolset over Streamable HTTP until the scope closes, which ends every session and
 * closes the listener and every open socket. Each client session gets its own server, so a
 * client's cancellation reaches the call it cancels.
 *
 * @since 0.1.0
 * @category utils
 */
export const streamableHttp = <E, R>(
  toolset: Toolset.Toolset<E, R>,
  options: HttpOptions
): Effect.Effect<HttpEndpoint, McpError, R | Scope.Scope> =>
  Effect.gen(function* () {
    const sdk = yield* loadHttpServer(options.name)
    const context = yield* Effect.context<R>()
    const newServer = Effect.provide(makeServer(toolset, options), context)
    const path = options.path ?? "/mcp"
    const host = options.host ?? "127.0.0.1"
    const sockets = new Set<Socket>()
    const sessions = new Map<string, { readonly server: Server; readonly transport: StreamableHTTPServerTransport }>()

    const startSession = async (request: IncomingMessage, response: ServerResponse) => {
      const server = await Effect.runPromise(newServer)
      const transport: StreamableHTTPServerTransport = new sdk.StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => {
          sessions.set(id, { server, transport })
        }
      })
      transport.onclose = () => {
        if (transport.sessionId !== undefined) sessions.delete(transport.sessionId)
      }
      await server.connect(transport)
      await transport.handleRequest(request, response)
    }

    const handle = async (request: IncomingMessage, response: ServerResponse) => {
      if (new URL(request.url ?? "/", "http://localhost").pathname !== path) return reply(response, 404, "Not found")
      const header = request.headers["mcp-session-id"]
      const session = typeof header === "string" ? sessions.get(header) : undefined
      if (session !== undefined) return session.transport.handleRequest(request, response)
      if (header !== undefined) return reply(response, 404, "Unknown session")
      if (request.method !== "POST") return reply(response, 400, "No session: initialize first")
      return startSession(request, response)
    }

    const listener = createServer((request, response) => {
      handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) reply(response, 500, error instanceof Error ? error.message : String(error))
      })
    })
    listener.on("connection", (socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    const port = yield* Effect.acquireRelease(
      Effect.async<number, McpError>((resume) => {
        const onError = (error: Error) => resume(Effect.fail(serverError(options.name, "cannot listen")(error)))
        listener.once("error", onError)
        listener.listen(options.port ?? 0, host, () => {
          listener.off("error", onError)
          const address = listener.address()
          resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const { server } of sessions.values()) server.close().catch(() => undefined)
          sessions.clear()
          for (const socket of sockets) socket.destroy()
          listener.close(() => resume(Effect.void))
        })
    )
    return { url: new URL(`http://${host}:${port}${path}`) }
  })

/**
 * Options of `agentTool`.
 *
 * @since 0.1.0
 * @category models
 */
export interface AgentToolOptions {
  /** The tool's name (default: the agent's name, else `agent`). */
  readonly name?: string | undefined
  readonly description?: string | undefined
}

/**
 * An agent as one tool taking a `prompt`: each call is a run, its output the result. Serve it in a
 * toolset to let other MCP clients delegate to the agent.
 *
 * @since 0.1.0
 * @category utils
 */
export const agentTool = <O, E, R>(
  agent: Agent.Agent<O, E, R>,
  options?: AgentToolOptions
): Tool.Tool<string, Agent.RunError<E>, R | Model> =>
  Tool.make(options?.name ?? agent.name ?? "agent", {
    description: options?.description ?? `Asks the ${agent.name ?? "agent"} agent; give it the whole task as a prompt.`,
    parameters: Schema.Struct({ prompt: Schema.String }),
    handler: ({ prompt }) => Effect.map(Agent.run(agent, prompt), (result) => result.output)
  })
