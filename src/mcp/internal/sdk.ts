/**
 * Loading the optional `@modelcontextprotocol/sdk` when a connection or a server is built, so a
 * program without MCP never loads it; a missing package is a typed error naming it.
 */
import * as Effect from "effect/Effect"
import { McpError } from "../McpError.js"

const packageName = "@modelcontextprotocol/sdk"

/** Imports a module of the SDK; failing to is a `PackageMissing` error. */
export const load = <M>(server: string, importModule: () => Promise<M>): Effect.Effect<M, McpError> =>
  Effect.tryPromise({
    try: importModule,
    catch: (cause) =>
      new McpError({
        message:
          `MCP needs the optional package ${packageName} (npm install ${packageName}): ` +
          (cause instanceof Error ? cause.message : String(cause)),
        reason: "PackageMissing",
        server
      })
  })

/** The client, its transports and the protocol's schemas. */
export const loadClient = (server: string) =>
  load(server, async () => {
    const [client, types] = await Promise.all([
      import("@modelcontextprotocol/sdk/client/index.js"),
      import("@modelcontextprotocol/sdk/types.js")
    ])
    return { Client: client.Client, types }
  })

/** The stdio client transport (spawns the server). */
export const loadStdioClient = (server: string) =>
  load(server, () => import("@modelcontextprotocol/sdk/client/stdio.js"))

/** The Streamable HTTP client transport. */
export const loadHttpClient = (server: string) =>
  load(server, () => import("@modelcontextprotocol/sdk/client/streamableHttp.js"))

/** The low-level server and the protocol's schemas. */
export const loadServer = (server: string) =>
  load(server, async () => {
    const [serverModule, types] = await Promise.all([
      import("@modelcontextprotocol/sdk/server/index.js"),
      import("@modelcontextprotocol/sdk/types.js")
    ])
    return { Server: serverModule.Server, types }
  })

/** The stdio server transport (speaks over this process's stdin and stdout). */
export const loadStdioServer = (server: string) =>
  load(server, () => import("@modelcontextprotocol/sdk/server/stdio.js"))

/** The Streamable HTTP server transport. */
export const loadHttpServer = (server: string) =>
  load(server, () => import("@modelcontextprotocol/sdk/server/streamableHttp.js"))
