/**
 * Names shared by the request and response mappings.
 */

/** The provider name parts and responses carry, so Claude-only data goes back only to Claude. */
export const providerName = "anthropic"

const mcpPrefix = "mcp_server"

/**
 * The tool name of an MCP connector call: `mcp_server:<server>:<tool>`. The server's name is
 * needed to send the call back, and a built-in tool call has no other place for it.
 */
export const mcpToolName = (serverName: string, toolName: string): string => `${mcpPrefix}:${serverName}:${toolName}`

/** The tool name of an MCP result whose call is not in the same response. */
export const unknownMcpToolName = mcpPrefix

/** Whether a built-in tool name is an MCP connector's. */
export const isMcpToolName = (name: string): boolean => name === mcpPrefix || name.startsWith(`${mcpPrefix}:`)

/** The server and tool of an MCP connector call's name. */
export const parseMcpToolName = (
  name: string
): { readonly serverName: string; readonly toolName: string } | undefined => {
  if (!name.startsWith(`${mcpPrefix}:`)) return undefined
  const rest = name.slice(mcpPrefix.length + 1)
  const separator = rest.indexOf(":")
  if (separator <= 0) return undefined
  return { serverName: rest.slice(0, separator), toolName: rest.slice(separator + 1) }
}
