/**
 * MCP servers as toolsets: the agent offers the server's tools to the model and calls them over
 * the protocol. A server is connected when its `layer` is built (stdio spawns the command;
 * Streamable HTTP opens a session) and closed with the Layer's scope, so no child process or
 * socket outlives it. Its tools are listed at the first step and cached until the server says
 * they changed (`tools/list_changed`).
 *
 * A call is an Effect: interrupting it sends the server a cancellation. A tool error (`isError`)
 * goes back to the model as a retry prompt; a broken connection, malformed JSON-RPC or a timeout
 * is an `McpError`.
 *
 * With `sampling` on, the server's sampling requests (`sampling/createMessage`) are answered by the
 * `Model` of the Layer's context, which the Layer then needs.
 *
 * @example
 * import { Effect } from "effect"
 * import { Agent } from "effect-claude"
 * import { McpToolset } from "effect-claude/mcp"
 *
 * const files = McpToolset.stdio("files", {
 *   command: "npx",
 *   args: ["-y", "@modelcontextprotocol/server-filesystem", "."],
 *   prefix: "fs"
 * })
 *
 * const agent = Agent.make({ instructions: "Answer from the files.", toolsets: [files] })
 * const program = Agent.run(agent, "What is in README.md?").pipe(Effect.provide(files.layer))
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as AgentError from "../AgentError.js"
import type { ModelMessage } from "../Message.js"
import type * as Model from "../Model.js"
import type { ModelSettings } from "../ModelSettings.js"
import * as Tool from "../Tool.js"
import * as Toolset from "../Toolset.js"
import {
  type Connection as ConnectionService,
  type ConnectOptions,
  connect,
  type McpToolInfo
} from "./internal/connection.js"
import { makeSamplingHandler } from "./internal/sampling.js"
import { loadHttpClient, loadStdioClient } from "./internal/sdk.js"
import type { McpError } from "./McpError.js"

export type { ConnectOptions, McpToolInfo }

/**
 * A connected server, as a service; `Name` tells servers apart in the context.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection<out Name extends string> {
  readonly _Connection: Name
}

/**
 * What a connected server offers.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service extends ConnectionService {}

/**
 * An MCP server as a toolset, with the Layer that connects it.
 *
 * @since 0.1.0
 * @category models
 */
export interface McpServer<Name extends string, R = never> extends Toolset.Toolset<McpError, Connection<Name>> {
  readonly name: Name
  /** The connection as a service, for direct use (`listTools`, `callTool`). */
  readonly tag: Context.Tag<Connection<Name>, Service>
  /**
   * Connects when built; closes the connection (and ends the child process) with its scope. With
   * `sampling` on it needs the `Model` that answers the server's sampling requests (`R`).
   */
  readonly layer: Layer.Layer<Connection<Name>, McpError, R>
}

/**
 * A sampling request of a server, as the client's model will get it.
 *
 * @since 0.1.0
 * @category models
 */
export interface SamplingRequest {
  /** The server asking. */
  readonly server: string
  /** The server's conversation; its system prompt is a `SystemPromptPart` of the first request. */
  readonly messages: ReadonlyArray<ModelMessage>
  /** The model's settings, then `SamplingOptions.settings`, then the server's max tokens, temperature and stops. */
  readonly settings: ModelSettings
  /** The models the server would prefer (`modelPreferences.hints`), best first; the Layer's model answers anyway. */
  readonly modelHints: ReadonlyArray<string>
}

/**
 * How a client answers a server's sampling requests (`sampling/createMessage`).
 *
 * @since 0.1.0
 * @category models
 */
export interface SamplingOptions {
  /** The most tokens one answer may use, whatever the server asks for. */
  readonly maxTokens?: number | undefined
  /** Settings of every sampling request; the server's own values win over them. */
  readonly settings?: ModelSettings | undefined
  /** Decides whether to answer a request; `false` sends the server a refusal (error code -1). */
  readonly approve?: ((request: SamplingRequest) => Effect.Effect<boolean>) | undefined
}

/**
 * Options of every MCP toolset.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends ConnectOptions {
  /** Puts `prefix_` before every tool name of the server. */
  readonly prefix?: string | undefined
}

/**
 * Options with sampling on: the server's Layer needs a `Model`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WithSampling {
  /**
   * Answers the server's sampling requests with the `Model` of the Layer's context: the client
   * declares the `sampling` capability and the Layer needs `Model.Model`.
   */
  readonly sampling: true | SamplingOptions
}

/**
 * Options with sampling off (the default): the capability is not declared.
 *
 * @since 0.1.0
 * @category models
 */
export interface WithoutSampling {
  readonly sampling?: false | undefined
}

type AnySampling = { readonly sampling?: boolean | SamplingOptions | undefined }

/**
 * Options of `stdio`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StdioOptions extends Options {
  /** The command that starts the server. */
  readonly command: string
  readonly args?: ReadonlyArray<string> | undefined
  /** The server's environment (default: a safe subset of this process's, as the SDK chooses). */
  readonly env?: Readonly<Record<string, string>> | undefined
  readonly cwd?: string | undefined
  /** What happens to the server's stderr (default `inherit`). */
  readonly stderr?: "inherit" | "ignore" | "pipe" | undefined
}

/**
 * Options of `streamableHttp`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamableHttpOptions extends Options {
  /** The server's MCP endpoint. */
  readonly url: string | URL
  /** Headers of every request, e.g. `Authorization: Redacted.make("Bearer ...")`. */
  readonly headers?: Readonly<Record<string, string | Redacted.Redacted<string>>> | undefined
}

/** The server's tools as agent tools, built again only when the list changed. */
const toolsetOf = <Name extends string>(
  name: Name,
  tag: Context.Tag<Connection<Name>, Service>,
  options: Options
): Toolset.Toolset<McpError, Connection<Name>> => {
  const label = `mcp:${name}`
  const start = Effect.sync(() => {
    let listed: ReadonlyArray<McpToolInfo> | undefined
    let tools: ReadonlyArray<Toolset.SourcedTool<McpError, Connection<Name>>> = []
    return Effect.flatMap(tag, (connection) =>
      Effect.map(connection.listTools, (list) => {
        if (list === listed) return tools
        listed = list
        tools = list.map((info) => ({
          source: label,
          tool: Tool.fromJsonSchema(info.name, {
            description: info.description,
            parametersJsonSchema: info.inputSchema,
            handler: (args) => connection.callTool(info.name, args)
          })
        }))
        return tools
      })
    )
  })
  const toolset = Toolset.fromStart(label, start)
  return options.prefix === undefined ? toolset : Toolset.prefix(toolset, options.prefix)
}

const server = <Name extends string>(
  name: Name,
  options: Options & AnySampling,
  transport: Effect.Effect<Transport, McpError>
): McpServer<Name, Model.Model> => {
  const tag = Context.GenericTag<Connection<Name>, Service>(`effect-claude/mcp/McpToolset/${name}`)
  const toolset = toolsetOf(name, tag, options)
  const sampling = options.sampling === true ? {} : options.sampling === false ? undefined : options.sampling
  const connection =
    sampling === undefined
      ? connect(name, transport, options)
      : Effect.flatMap(makeSamplingHandler(name, sampling), (handler) => connect(name, transport, options, handler))
  const layer = Layer.scoped(tag, connection)
  return Object.assign(Object.create(Object.getPrototypeOf(toolset)), toolset, { name, tag, layer })
}

/**
 * A server started as a child process, speaking MCP over its stdin and stdout. With `sampling`
 * on, its Layer needs the `Model` that answers the server's sampling requests.
 *
 * @since 0.1.0
 * @category utils
 */
export function stdio<const Name extends string>(
  name: Name,
  options: StdioOptions & WithSampling
): McpServer<Name, Model.Model>
export function stdio<const Name extends string>(name: Name, options: StdioOptions & WithoutSampling): McpServer<Name>
export function stdio<const Name extends string>(
  name: Name,
  options: StdioOptions & AnySampling
): McpServer<Name, Model.Model> {
  return server(
    name,
    options,
    Effect.map(
      loadStdioClient(name),
      (sdk) =>
        new sdk.StdioClientTransport({
          command: options.command,
          stderr: options.stderr ?? "inherit",
          ...(options.args === undefined ? {} : { args: [...options.args] }),
          ...(options.env === undefined ? {} : { env: { ...options.env } }),
          ...(options.cwd === undefined ? {} : { cwd: options.cwd })
        })
    )
  )
}

/**
 * A server reached over Streamable HTTP. With `sampling` on, its Layer needs the `Model` that
 * answers the server's sampling requests.
 *
 * @since 0.1.0
 * @category utils
 */
export function streamableHttp<const Name extends string>(
  name: Name,
  options: StreamableHttpOptions & WithSampling
): McpServer<Name, Model.Model>
export function streamableHttp<const Name extends string>(
  name: Name,
  options: StreamableHttpOptions & WithoutSampling
): McpServer<Name>
export function streamableHttp<const Name extends string>(
  name: Name,
  options: StreamableHttpOptions & AnySampling
): McpServer<Name, Model.Model> {
  return server(
    name,
    options,
    Effect.map(loadHttpClient(name), (sdk) => {
      const headers: Record<string, string> = {}
      for (const [key, value] of Object.entries(options.headers ?? {})) {
        headers[key] = Redacted.isRedacted(value) ? Redacted.value(value) : value
      }
      return new sdk.StreamableHTTPClientTransport(new URL(options.url), { requestInit: { headers } })
    })
  )
}

/**
 * Lists a connected server's tools (cached until the server says they changed).
 *
 * @since 0.1.0
 * @category utils
 */
export const listTools = <Name extends string>(
  server: McpServer<Name, unknown>
): Effect.Effect<ReadonlyArray<McpToolInfo>, McpError, Connection<Name>> =>
  Effect.flatMap(server.tag, (connection) => connection.listTools)

/**
 * Calls a tool of a connected server; a tool error fails with `ModelRetry`, holding its message.
 *
 * @since 0.1.0
 * @category utils
 */
export const callTool = <Name extends string>(
  server: McpServer<Name, unknown>,
  name: string,
  args: Readonly<Record<string, unknown>>
): Effect.Effect<unknown, McpError | AgentError.ModelRetry, Connection<Name>> =>
  Effect.flatMap(server.tag, (connection) => connection.callTool(name, args))
