/** Messages API bodies the context-management tests answer with. */

/** A usage object; `iterations` when the response had several (a compaction, advisor calls). */
export const usage = (input: number, output: number, iterations?: ReadonlyArray<unknown>) => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  ...(iterations === undefined ? {} : { iterations })
})

/** A whole assistant message with these blocks, as the API sends it. */
export const apiMessage = (
  content: ReadonlyArray<unknown>,
  stopReason: string,
  tokens: ReturnType<typeof usage> = usage(100, 20)
) => ({
  id: `msg_${stopReason}`,
  type: "message",
  role: "assistant",
  model: "claude-opus-4-6",
  content,
  stop_reason: stopReason,
  stop_sequence: null,
  usage: tokens
})
