/**
 * The tool results a scripted model was just sent: the `ToolReturnPart`s of the conversation's last
 * request (none when it is not a request, or holds none).
 */
import type { Message } from "effect-claude"

export const lastToolReturns = (
  messages: ReadonlyArray<Message.ModelMessage>
): ReadonlyArray<Message.ToolReturnPart> => {
  const last = messages.at(-1)
  return last?._tag === "ModelRequest"
    ? last.parts.filter((part): part is Message.ToolReturnPart => part._tag === "ToolReturnPart")
    : []
}
