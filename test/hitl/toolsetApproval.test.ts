/**
 * `Toolset.needsApproval`: a toolset's calls (here a real MCP server's) wait for approval, end the
 * run with them pending, and `Agent.resume` runs or denies them; an `Approver` decides at once.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Agent, Approval, DeferredTools, Message, Tool, Toolset } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { fixture, logFile } from "../mcp/helpers.js"
import { lastToolReturns } from "../support/toolReturns.js"

/** Calls `calls` first; once the results are in, answers with them as text. */
const scripted = (calls: ReadonlyArray<Message.ToolCallPart>) =>
  FunctionModel.layer((messages) => {
    const returned = lastToolReturns(messages).map((part) => `${part.toolName}=${String(part.content)}`)
    return Effect.succeed(returned.length === 0 ? calls : [new Message.TextPart({ content: returned.join("; ") })])
  })

const call = (toolName: string, args: Record<string, unknown>, toolCallId: string) =>
  new Message.ToolCallPart({ toolName, args, toolCallId })

describe("point 1: deferred tools and approval: Toolset.needsApproval", () => {
  it.effect("an MCP toolset's call waits; resumed with an approval, the server runs it", () =>
    Effect.gen(function* () {
      const server = fixture(logFile())
      const agent = Agent.make({ toolsets: [Toolset.needsApproval(server, true)] })
      const model = scripted([call("echo", { text: "hi" }, "c1")])
      const first = yield* Agent.run(agent, "Echo hi").pipe(Effect.provide([model, server.layer]))
      expect(DeferredTools.isPendingCalls(first.output)).toBe(true)
      const pending = DeferredTools.isPendingCalls(first.output) ? first.output.calls : []
      expect(pending.map((p) => [p.toolName, p.kind, p.args])).toEqual([["echo", "approval", { text: "hi" }]])
      const resumed = yield* Agent.resume(agent, [DeferredTools.approve("c1")], {
        messageHistory: first.messages
      }).pipe(Effect.provide([model, server.layer]))
      expect(resumed.output).toBe("echo=echo: hi")
    })
  )

  it.effect("a check picks the calls that wait; a denied one answers the model with the denial", () =>
    Effect.gen(function* () {
      const ran: Array<string> = []
      const tool = (name: string) =>
        Tool.make(name, {
          parameters: Schema.Struct({ path: Schema.String }),
          handler: ({ path }) => Effect.sync(() => ran.push(`${name} ${path}`)).pipe(Effect.as(`${name} done`))
        })
      const files = Toolset.needsApproval(Toolset.make([tool("read"), tool("delete")]), ({ toolName, args }) =>
        Effect.succeed(toolName === "delete" && JSON.stringify(args).includes("important"))
      )
      const agent = Agent.make({ toolsets: [files] })
      const model = scripted([
        call("read", { path: "important.txt" }, "c1"),
        call("delete", { path: "important.txt" }, "c2"),
        call("delete", { path: "tmp.txt" }, "c3")
      ])
      const first = yield* Agent.run(agent, "Clean up").pipe(Effect.provide(model))
      const pending = DeferredTools.isPendingCalls(first.output) ? first.output.calls : []
      expect(pending.map((p) => p.toolCallId)).toEqual(["c2"])
      expect(ran).toEqual(["read important.txt", "delete tmp.txt"])
      const resumed = yield* Agent.resume(agent, [DeferredTools.deny("c2", "Keep important files")], {
        messageHistory: first.messages
      }).pipe(Effect.provide(model))
      expect(resumed.output).toBe("read=read done; delete=Keep important files; delete=delete done")
      expect(ran).toEqual(["read important.txt", "delete tmp.txt"])
    })
  )

  it.effect("with an Approver the calls are decided during the run", () =>
    Effect.gen(function* () {
      const server = fixture(logFile())
      const agent = Agent.make({ toolsets: [Toolset.needsApproval(server, true)] })
      const model = scripted([call("echo", { text: "ok" }, "c1")])
      const result = yield* Agent.run(agent, "Echo").pipe(Effect.provide([model, server.layer, Approval.approveAll]))
      expect(result.output).toBe("echo=echo: ok")
    })
  )
})
