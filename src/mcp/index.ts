/**
 * MCP for effect-claude: MCP servers as agent toolsets, and toolsets or agents served over MCP.
 * Needs the optional peer `@modelcontextprotocol/sdk`, loaded only when a connection or a server
 * is built.
 *
 * @example
 * import { McpToolset } from "effect-claude/mcp"
 *
 * const docs = McpToolset.streamableHttp("docs", { url: "http://127.0.0.1:3000/mcp", prefix: "docs" })
 */
export * as McpError from "./McpError.js"
export * as McpServe from "./McpServe.js"
export * as McpToolset from "./McpToolset.js"
