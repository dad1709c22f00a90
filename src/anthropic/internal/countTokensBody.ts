/**
 * What the token-counting endpoint must not receive: server tools (web search and fetch, code
 * execution, tool search, the advisor, MCP toolsets) and `mcp_servers`, which it rejects. Their
 * definitions are small next to a conversation; the count leaves them out.
 */

const serverToolTypes = ["web_search_", "web_fetch_", "code_execution_", "tool_search_tool_", "advisor_", "mcp_toolset"]

/** Whether a tool definition is a server tool (runs on Anthropic's side). */
export const isServerTool = (tool: unknown): boolean => {
  if (typeof tool !== "object" || tool === null || !("type" in tool)) return false
  const type = tool.type
  return typeof type === "string" && serverToolTypes.some((prefix) => type.startsWith(prefix))
}

/** The tools the counting endpoint accepts: all but server tools. */
export const countableTools = <Tool>(tools: ReadonlyArray<Tool>): Array<Tool> =>
  tools.filter((tool) => !isServerTool(tool))
