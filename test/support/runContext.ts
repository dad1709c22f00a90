/**
 * A `RunContext` as a run would give a tool at some step, for calling tools, toolsets and
 * instructions outside a run.
 */
import { type Message, type RunContext, Usage } from "effect-claude"

export const testRunContext = (
  options: {
    readonly runStep?: number
    readonly messages?: ReadonlyArray<Message.ModelMessage>
    readonly toolName?: string
    readonly toolCallId?: string
  } = {}
): RunContext.Service => ({
  agentName: undefined,
  modelName: "test",
  prompt: "hi",
  usage: Usage.RunUsage.empty,
  messages: options.messages ?? [],
  runStep: options.runStep ?? 1,
  retry: 0,
  maxRetries: 1,
  toolName: options.toolName,
  toolCallId: options.toolCallId
})
