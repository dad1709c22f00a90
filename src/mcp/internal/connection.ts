/**
 * One connection to an MCP server: the SDK client connected over a transport for the life of a
 * scope, the tool list cached until the server says it changed, and calls as interruptible Effects.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import { ModelRetry } from "../../AgentError.js"
import { McpError } from "../McpError.js"
import { resultValue } from "./content.js"
import { internalRefusal, type SamplingHandler } from "./sampling.js"
import { loadClient } from "./sdk.js"

/** A tool as the server lists it. */
export interface McpToolInfo {
  readonly name: string
  readonly description: string | undefined
  readonly inputSchema: Readonly<Record<string, unknown>>
}

/** A connected server. */
export interface Connection {
  /** Names the server in errors. */
  readonly server: string
  /** The server's tools: listed on first use, then cached until the server sends `tools/list_changed`. */
  readonly listTools: Effect.Effect<ReadonlyArray<McpToolInfo>, McpError>
  /**
   * Calls a tool. Interrupting the call sends the server a cancellation; a result with `isError`
   * fails with `ModelRetry` so the model sees the error.
   */
  readonly callTool: (
    name: string,
    args: Readonly<Record<string, unknown>>
  ) => Effect.Effect<unknown, McpError | ModelRetry>
}

/** Options shared by every transport. */
export interface ConnectOptions {
  /** How long a request may take before it fails with a `Timeout` (default 60 seconds). */
  readonly timeout?: Duration.DurationInput | undefined
  /** How long starting the server and the protocol's handshake may take (default 30 seconds). */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** The name and version this client gives the server (default effect-claude). */
  readonly clientInfo?: { readonly name: string; readonly version: string } | undefined
}

// The SDK's JSON-RPC error codes this module tells apart.
const connectionClosed = -32000
const requestTimeout = -32001
const invalidParams = -32602

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** Maps what an SDK request rejected with to a typed error. */
const requestError = (server: string, cause: unknown): McpError | ModelRetry => {
  const code = Predicate.hasProperty(cause, "code") ? cause.code : undefined
  if (code === invalidParams) return new ModelRetry({ message: messageOf(cause) })
  const reason =
    code === connectionClosed
      ? "Closed"
      : code === requestTimeout
        ? "Timeout"
        : typeof code === "number"
          ? "Server"
          : messageOf(cause) === "Not connected"
            ? "Closed"
            : "Protocol"
  return new McpError({ message: `MCP server ${server}: ${messageOf(cause)}`, reason, server })
}

const errorText = (result: CallToolResult): string => {
  const texts: Array<string> = []
  for (const part of result.content) if (part.type === "text") texts.push(part.text)
  return texts.length > 0 ? texts.join("\n") : "The tool failed without a message"
}

/**
 * Connects a client over `transport` (built by `makeTransport` once the SDK is loaded) and closes it
 * with the scope, which ends the child process or the HTTP session.
 */
export const connect = (
  server: string,
  makeTransport: Effect.Effect<Transport, McpError>,
  options: ConnectOptions,
  sampling?: SamplingHandler | undefined
): Effect.Effect<Connection, McpError, Scope.Scope> =>
  Effect.gen(function* () {
    const sdk = yield* loadClient(server)
    const timeout = Duration.toMillis(options.timeout ?? Duration.seconds(60))
    const connectTimeout = Duration.toMillis(options.connectTimeout ?? Duration.seconds(30))
    const client: Client = new sdk.Client(
      options.clientInfo ?? { name: "effect-claude", version: "0.1.0" },
      // Without a handler the capability is not declared, and the server must not ask.
      sampling === undefined ? undefined : { capabilities: { sampling: {} } }
    )
    if (sampling !== undefined) {
      const runtime = yield* Effect.runtime<never>()
      // The server's cancellation aborts the signal, which interrupts the model request.
      client.setRequestHandler(sdk.types.CreateMessageRequestSchema, (request, extra) =>
        Runtime.runPromiseExit(runtime)(sampling(request.params), { signal: extra.signal }).then((exit) => {
          if (Exit.isSuccess(exit)) return exit.value
          const refused = Option.getOrElse(Cause.failureOption(exit.cause), () => internalRefusal)
          throw new sdk.types.McpError(refused.code, refused.message)
        })
      )
    }
    // Calls in flight fail at once when the stream breaks (malformed JSON-RPC, a closed pipe):
    // the SDK would otherwise leave them waiting for their timeout.
    const inFlight = new Set<(error: McpError) => void>()
    const failInFlight = (reason: "Closed" | "Protocol", message: string) => {
      const error = new McpError({ message: `MCP server ${server}: ${message}`, reason, server })
      for (const fail of inFlight) fail(error)
      inFlight.clear()
    }
    client.onerror = (error) => failInFlight("Protocol", error.message)
    client.onclose = () => failInFlight("Closed", "the connection closed")
    let cached: ReadonlyArray<McpToolInfo> | undefined
    client.setNotificationHandler(sdk.types.ToolListChangedNotificationSchema, () => {
      cached = undefined
    })

    const transport = yield* makeTransport
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: (signal) => client.connect(transport, { signal, timeout: connectTimeout }),
        catch: (cause) =>
          new McpError({
            message: `Cannot connect to MCP server ${server}: ${messageOf(cause)}`,
            reason: "Connect",
            server
          })
      }),
      // Closing ends the child process (stdin closed, then SIGTERM, then SIGKILL) or the HTTP stream.
      () => Effect.promise(() => client.close().catch(() => undefined))
    ).pipe(Effect.onError(() => Effect.promise(() => client.close().catch(() => undefined))))

    /** Runs one request; interruption aborts it, which the SDK turns into `notifications/cancelled`. */
    const request = <A>(send: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, McpError | ModelRetry> =>
      Effect.async<A, McpError | ModelRetry>((resume, signal) => {
        const fail = (error: McpError) => resume(Effect.fail(error))
        inFlight.add(fail)
        send(signal).then(
          (value) => {
            inFlight.delete(fail)
            resume(Effect.succeed(value))
          },
          (cause) => {
            inFlight.delete(fail)
            resume(Effect.fail(requestError(server, cause)))
          }
        )
        return Effect.sync(() => inFlight.delete(fail))
      })

    const listAll = Effect.gen(function* () {
      const tools: Array<McpToolInfo> = []
      let cursor: string | undefined
      do {
        const page = yield* request((signal) =>
          client.listTools(cursor === undefined ? {} : { cursor }, { signal, timeout })
        )
        for (const tool of page.tools) {
          tools.push({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema })
        }
        cursor = page.nextCursor
      } while (cursor !== undefined)
      return tools
    })

    const listTools: Effect.Effect<ReadonlyArray<McpToolInfo>, McpError> = Effect.suspend(() =>
      cached !== undefined
        ? Effect.succeed(cached)
        : Effect.tap(listAll, (tools) => {
            cached = tools
          })
    ).pipe(
      // Listing never answers with `isError`; a bad-parameters answer is the server's fault here.
      Effect.catchIf(
        (error): error is ModelRetry => error instanceof ModelRetry,
        (error) => Effect.fail(new McpError({ message: error.message, reason: "Server", server }))
      )
    )

    const callTool = (name: string, args: Readonly<Record<string, unknown>>) =>
      Effect.flatMap(
        request((signal) => client.callTool({ name, arguments: { ...args } }, undefined, { signal, timeout })),
        (result): Effect.Effect<unknown, McpError | ModelRetry> => {
          // The SDK also accepts the protocol's older `toolResult` shape; read the current one.
          const decoded = sdk.types.CallToolResultSchema.safeParse(result)
          if (!decoded.success) {
            return Effect.fail(
              new McpError({ message: `MCP server ${server}: a malformed tool result`, reason: "Protocol", server })
            )
          }
          return decoded.data.isError === true
            ? Effect.fail(new ModelRetry({ message: errorText(decoded.data) }))
            : Effect.succeed(resultValue(decoded.data))
        }
      )

    return { server, listTools, callTool }
  })
