import { describe, expect, it } from "@effect/vitest"
import { Effect, Predicate } from "effect"
import { Agent } from "effect-claude"
import { ClientTools, MemoryStore } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"

const bodyOf = (request: MockAnthropicServer.ReceivedRequest | undefined): Record<string, unknown> =>
  Predicate.isRecord(request?.body) ? request.body : {}

describe("#16 point 3: the memory tool end to end over the loopback server", () => {
  it.scoped("Claude views the memory folder, then writes a note; the store holds it, the results go back", () =>
    Effect.gen(function* () {
      const agent = Agent.make({ tools: [ClientTools.memory()] })
      const result = yield* Agent.run(agent, "I live in Lisbon. Remember that.")
      expect(result.output).toBe("Noted.")

      const server = yield* MockAnthropicServer.MockAnthropicServer
      const requests = yield* server.requests
      expect(requests).toHaveLength(3)
      expect(bodyOf(requests[0]).tools).toEqual([{ type: "memory_20250818", name: "memory" }])
      expect(requests[0]?.headers["anthropic-beta"]).toContain("context-management-2025-06-27")
      const results = (index: number) => {
        const messages = bodyOf(requests[index]).messages
        const last = Array.isArray(messages) ? messages.at(-1) : undefined
        return Predicate.isRecord(last) && Array.isArray(last.content) ? last.content : []
      }
      expect(results(1)).toMatchObject([{ type: "tool_result", tool_use_id: "toolu_view" }])
      expect(JSON.stringify(results(1))).toContain("/memories/preferences.md")
      expect(results(2)).toMatchObject([{ type: "tool_result", tool_use_id: "toolu_create", is_error: false }])

      const store = yield* MemoryStore.MemoryStore
      expect(yield* store.readFile(["user.md"])).toBe("The user lives in Lisbon.")
    }).pipe(
      Effect.provide(
        MockAnthropicServer.layerModel([
          MockAnthropicServer.toolUseMessage([
            { name: "memory", input: { command: "view", path: "/memories" }, id: "toolu_view" }
          ]),
          MockAnthropicServer.toolUseMessage([
            {
              name: "memory",
              input: { command: "create", path: "/memories/user.md", file_text: "The user lives in Lisbon." },
              id: "toolu_create"
            }
          ]),
          MockAnthropicServer.textMessage("Noted.")
        ])
      ),
      Effect.provide(MemoryStore.layerMemory({ "preferences.md": "Prefers short answers." }))
    )
  )
})
