/**
 * Shared values of the human-in-the-loop tests.
 */
import { type Message, Usage } from "effect-claude"
import type { RunContext } from "../../src/RunContext.js"

/** A `RunContext` at the given step of a run. */
export const runContext = (
  runStep: number,
  messages: ReadonlyArray<Message.ModelMessage> = []
): RunContext["Type"] => ({
  agentName: undefined,
  modelName: "test",
  prompt: "hi",
  usage: Usage.RunUsage.empty,
  messages,
  runStep,
  retry: 0,
  maxRetries: 1,
  toolName: undefined,
  toolCallId: undefined
})
