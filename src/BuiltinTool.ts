/**
 * Tools the provider runs on its own servers (web search, web fetch, code execution, MCP servers).
 * They are plain data: the agent passes them to the model, the provider maps them to its wire
 * format, and their calls and results come back as `BuiltinToolCallPart` / `BuiltinToolReturnPart`.
 *
 * @example
 * import { BuiltinTool } from "effect-claude"
 *
 * const tools: ReadonlyArray<BuiltinTool.BuiltinTool> = [BuiltinTool.webSearch({ maxUses: 3 }), BuiltinTool.codeExecution()]
 */

/**
 * Searches the web; results come back with citations.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebSearch {
  readonly _tag: "WebSearch"
  readonly maxUses?: number | undefined
  readonly allowedDomains?: ReadonlyArray<string> | undefined
  readonly blockedDomains?: ReadonlyArray<string> | undefined
  readonly userLocation?:
    | {
        readonly city?: string | undefined
        readonly region?: string | undefined
        readonly country?: string | undefined
        readonly timezone?: string | undefined
      }
    | undefined
}

/**
 * Fetches a web page or PDF by URL.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebFetch {
  readonly _tag: "WebFetch"
  readonly maxUses?: number | undefined
  readonly allowedDomains?: ReadonlyArray<string> | undefined
  readonly blockedDomains?: ReadonlyArray<string> | undefined
}

/**
 * Runs code in a sandbox the provider hosts.
 *
 * @since 0.1.0
 * @category models
 */
export interface CodeExecution {
  readonly _tag: "CodeExecution"
}

/**
 * A remote MCP server whose tools the provider calls (Anthropic's MCP connector).
 *
 * @since 0.1.0
 * @category models
 */
export interface McpServer {
  readonly _tag: "McpServer"
  readonly name: string
  readonly url: string
  readonly authorizationToken?: string | undefined
  readonly allowedTools?: ReadonlyArray<string> | undefined
}

/**
 * Any built-in tool.
 *
 * @since 0.1.0
 * @category models
 */
export type BuiltinTool = WebSearch | WebFetch | CodeExecution | McpServer

/**
 * A web search tool.
 *
 * @since 0.1.0
 * @category utils
 */
export const webSearch = (options: Omit<WebSearch, "_tag"> = {}): WebSearch => ({ _tag: "WebSearch", ...options })

/**
 * A web fetch tool.
 *
 * @since 0.1.0
 * @category utils
 */
export const webFetch = (options: Omit<WebFetch, "_tag"> = {}): WebFetch => ({ _tag: "WebFetch", ...options })

/**
 * A code execution tool.
 *
 * @since 0.1.0
 * @category utils
 */
export const codeExecution = (): CodeExecution => ({ _tag: "CodeExecution" })

/**
 * An MCP server.
 *
 * @since 0.1.0
 * @category utils
 */
export const mcpServer = (options: Omit<McpServer, "_tag">): McpServer => ({ _tag: "McpServer", ...options })
