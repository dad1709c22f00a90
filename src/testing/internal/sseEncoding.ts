/**
 * Turns a Messages API `Message` into the server-sent event sequence the API streams for it, as
 * ready-to-write strings. Built with string concatenation and one `JSON.stringify` per delta, so an
 * answer of 10,000 deltas costs a few milliseconds.
 */
import type Anthropic from "@anthropic-ai/sdk"

/** How a message is cut into deltas. */
export interface EncodeOptions {
  /** Characters per text / thinking / tool-input delta; by default text is cut into words. */
  readonly chunkSize?: number | undefined
  /** Send a `ping` after the first content block starts, as the API does (default true). */
  readonly pings?: boolean | undefined
}

/** One SSE event, framed. */
export const sseEvent = (type: string, json: string): string => "event: " + type + "\ndata: " + json + "\n\n"

/** Frames a list of event objects (each with a `type`) as SSE text. */
export const encodeEvents = (
  events: ReadonlyArray<{ readonly type: string; readonly [field: string]: unknown }>
): string => {
  let out = ""
  for (const event of events) out += sseEvent(event.type, JSON.stringify(event))
  return out
}

const pingEvent = sseEvent("ping", '{"type": "ping"}')

// A word with the whitespace before it, or trailing whitespace: the pieces always join back to the text.
const wordPattern = /\s*\S+|\s+$/g

const splitText = (text: string, chunkSize: number | undefined): ReadonlyArray<string> => {
  if (text === "") return []
  if (chunkSize === undefined) return text.match(wordPattern) ?? [text]
  const pieces: Array<string> = []
  for (let start = 0; start < text.length; start += chunkSize) pieces.push(text.slice(start, start + chunkSize))
  return pieces
}

const splitJson = (json: string, chunkSize: number | undefined): ReadonlyArray<string> => {
  const size = chunkSize ?? 16
  const pieces: Array<string> = [""]
  for (let start = 0; start < json.length; start += size) pieces.push(json.slice(start, start + size))
  return pieces
}

const blockStart = (index: number, block: unknown): string =>
  sseEvent("content_block_start", JSON.stringify({ type: "content_block_start", index, content_block: block }))

const blockStop = (index: number): string =>
  sseEvent("content_block_stop", '{"type":"content_block_stop","index":' + index + "}")

const deltaPrefix = (index: number, deltaType: string, field: string): string =>
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":' +
  index +
  ',"delta":{"type":"' +
  deltaType +
  '","' +
  field +
  '":'

const pushDeltas = (
  events: Array<string>,
  index: number,
  deltaType: string,
  field: string,
  pieces: ReadonlyArray<string>
): void => {
  const prefix = deltaPrefix(index, deltaType, field)
  for (const piece of pieces) events.push(prefix + JSON.stringify(piece) + "}}\n\n")
}

const encodeBlock = (
  events: Array<string>,
  index: number,
  block: Anthropic.ContentBlock,
  options: EncodeOptions,
  ping: boolean
): void => {
  const start = (content: unknown) => {
    events.push(blockStart(index, content))
    if (ping) events.push(pingEvent)
  }
  switch (block.type) {
    case "text": {
      const citations = Array.isArray(block.citations) ? block.citations : []
      start({ ...block, text: "", citations: Array.isArray(block.citations) ? [] : block.citations })
      for (const citation of citations) {
        events.push(
          sseEvent(
            "content_block_delta",
            JSON.stringify({ type: "content_block_delta", index, delta: { type: "citations_delta", citation } })
          )
        )
      }
      pushDeltas(events, index, "text_delta", "text", splitText(block.text, options.chunkSize))
      break
    }
    case "thinking": {
      start({ ...block, thinking: "", signature: "" })
      pushDeltas(events, index, "thinking_delta", "thinking", splitText(block.thinking, options.chunkSize))
      if (block.signature !== "") pushDeltas(events, index, "signature_delta", "signature", [block.signature])
      break
    }
    case "tool_use":
    case "server_tool_use": {
      start({ ...block, input: {} })
      pushDeltas(
        events,
        index,
        "input_json_delta",
        "partial_json",
        splitJson(JSON.stringify(block.input), options.chunkSize)
      )
      break
    }
    default: {
      const type: string = block.type
      if (type === "compaction") {
        // As the API streams it: a shell, then the summary whole in one delta.
        const whole: Record<string, unknown> = { ...block }
        start({ ...whole, content: null, ...("encrypted_content" in whole ? { encrypted_content: null } : {}) })
        const delta: Record<string, unknown> = { type: "compaction_delta", content: whole.content ?? null }
        if ("encrypted_content" in whole) delta.encrypted_content = whole.encrypted_content
        events.push(sseEvent("content_block_delta", JSON.stringify({ type: "content_block_delta", index, delta })))
        break
      }
      // Redacted thinking and server tool results arrive whole in their start event.
      start(block)
    }
  }
  events.push(blockStop(index))
}

/** The SSE events (framed strings) the API would stream for `message`; `finalMessage()` of the SDK rebuilds it. */
export const encodeMessageEvents = (message: Anthropic.Message, options: EncodeOptions = {}): Array<string> => {
  const { usage } = message
  const events: Array<string> = []
  const start = {
    ...message,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    stop_details: null,
    usage: { ...usage, output_tokens: Math.min(1, usage.output_tokens) }
  }
  events.push(sseEvent("message_start", JSON.stringify({ type: "message_start", message: start })))
  const pings = options.pings ?? true
  if (pings && message.content.length === 0) events.push(pingEvent)
  // The API pings once, right after the first block starts.
  message.content.forEach((block, index) => {
    encodeBlock(events, index, block, options, pings && index === 0)
  })
  const delta = {
    type: "message_delta",
    delta: {
      stop_reason: message.stop_reason,
      stop_sequence: message.stop_sequence,
      stop_details: message.stop_details ?? null,
      container: message.container ?? null
    },
    usage: {
      input_tokens: usage.input_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens ?? null,
      cache_read_input_tokens: usage.cache_read_input_tokens ?? null,
      output_tokens: usage.output_tokens,
      server_tool_use: usage.server_tool_use ?? null,
      output_tokens_details: usage.output_tokens_details ?? null
    }
  }
  events.push(sseEvent("message_delta", JSON.stringify(delta)))
  events.push(sseEvent("message_stop", '{"type":"message_stop"}'))
  return events
}

/** `event` with its JSON cut in half: the SDK fails to parse it. */
export const malformEvent = (event: string | undefined): string => {
  if (event === undefined) return 'event: content_block_delta\ndata: {"type":"content_block_delta","index":\n\n'
  const dataAt = event.indexOf("\ndata: ") + 7
  const end = event.length - 2
  return event.slice(0, dataAt + Math.max(1, Math.floor((end - dataAt) / 2))) + "\n\n"
}

/** `event` cut off in the middle of its data line, with no closing blank line. */
export const truncateEvent = (event: string | undefined): string => {
  if (event === undefined) return 'event: content_block_delta\ndata: {"type":"content_bl'
  const dataAt = event.indexOf("\ndata: ") + 7
  return event.slice(0, dataAt + Math.max(1, Math.floor((event.length - 2 - dataAt) / 2)))
}
