/**
 * Claude's memory tool: the agent keeps notes in `/memories` across conversations. The notes live
 * in a `MemoryStore`, here a folder (a temporary one, removed at the end); paths the model sends
 * never leave it. Two separate runs share nothing but the store: the first learns where the user
 * lives, the second, a fresh conversation, finds it in memory.
 *
 * With `ANTHROPIC_API_KEY` set it talks to Claude; without it a scripted model calls the tool
 * the way Claude does.
 *
 * Run: `npx tsx examples/memory.ts`
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeContext } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Agent, Message } from "effect-claude"
import { ClientTools, MemoryStore } from "effect-claude/anthropic"
import { FunctionModel } from "effect-claude/testing"
import { exampleModel } from "./exampleModel.js"

const agent = Agent.make({
  instructions: "Check your memory before answering; save what you learn about the user there. Be brief.",
  tools: [ClientTools.memory()]
})

const call = (id: string, args: Record<string, unknown>) =>
  new Message.ToolCallPart({ toolName: "memory", args, toolCallId: id })

/** Offline: view the memory folder, then save or read a note, then answer. */
const offline = FunctionModel.layer((messages) => {
  const prompt = messages
    .flatMap((message) => (message._tag === "ModelRequest" ? message.parts : []))
    .find((part) => part._tag === "UserPromptPart")
  const learning = typeof prompt?.content === "string" && prompt.content.includes("I live in")
  const results = messages
    .flatMap((message) => (message._tag === "ModelRequest" ? message.parts : []))
    .filter((part) => part._tag === "ToolReturnPart")
  const last = results.at(-1)?.content
  if (results.length === 0) return Effect.succeed([call("call_1", { command: "view", path: "/memories" })])
  if (learning && results.length === 1) {
    return Effect.succeed([
      call("call_2", { command: "create", path: "/memories/user.md", file_text: "The user lives in Mexico City." })
    ])
  }
  if (learning) return Effect.succeed([new Message.TextPart({ content: "Noted: you live in Mexico City." })])
  if (results.length === 1) return Effect.succeed([call("call_2", { command: "view", path: "/memories/user.md" })])
  const note = String(last).split("\t").at(-1) ?? ""
  return Effect.succeed([new Message.TextPart({ content: `From my memory: ${note}` })])
})

const program = Effect.gen(function* () {
  const first = yield* Agent.run(agent, "Hi! I live in Mexico City.")
  console.log(`1. ${first.output}`)
  const second = yield* Agent.run(agent, "Where do I live?")
  console.log(`2. ${second.output}`)
  for (const message of [...first.newMessages, ...second.newMessages]) {
    if (message._tag !== "ModelRequest") continue
    for (const part of message.parts) {
      if (part._tag === "ToolReturnPart") console.log(`   memory → ${String(part.content).split("\n")[0]}`)
    }
  }
})

const folder = fs.mkdtempSync(path.join(os.tmpdir(), "effect-claude-memory-"))
console.log(`Memory folder: ${folder}`)

program.pipe(
  Effect.provide(exampleModel(offline)),
  Effect.provide(MemoryStore.layerFileSystem(folder).pipe(Layer.provide(NodeContext.layer))),
  Effect.ensuring(Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true }))),
  Effect.runPromise
)
