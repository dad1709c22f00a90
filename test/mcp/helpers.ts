/**
 * The stdio fixture server as a toolset, and checks that nothing outlives a test's scope.
 */
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { McpToolset } from "effect-claude/mcp"
import { logLines } from "../support/logLines.js"
import { scratchFolder } from "../support/scratchFolder.js"

export const fixtureServer = fileURLToPath(new URL("./fixtures/stdioServer.mjs", import.meta.url))

/** A fresh log file the fixture server writes what it saw to. */
export const logFile = (): string => join(scratchFolder("mcp-test"), "log.txt")

/** What the fixture server logged. */
export const readLog: (file: string) => ReadonlyArray<string> = logLines

/** The fixture server over stdio, logging to `log`. */
export const fixture = (log: string, options: Partial<McpToolset.StdioOptions> = {}) =>
  McpToolset.stdio("fixture", {
    command: process.execPath,
    args: [fixtureServer],
    env: { MCP_FIXTURE_LOG: log, PATH: process.env.PATH ?? "" },
    stderr: "ignore",
    ...options
  })

/** Whether a process is still running. */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits until `condition` holds, checking every 20 ms, for at most `ms`. */
export const eventually = (condition: () => boolean, ms = 5_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + ms
    while (!condition() && Date.now() < deadline) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 20)))
    return condition()
  })

/** Open TCP sockets and servers of this process. */
export const tcpHandles = (): number =>
  process.getActiveResourcesInfo().filter((name) => name === "TCPSocketWrap" || name === "TCPServerWrap").length
