/**
 * Test fixtures: the recorded transcripts of `test/fixtures/transcripts`, and the
 * SDK's own SSE parsing and message accumulation to compare against.
 */
import { readdirSync, readFileSync } from "node:fs"
import { Stream as SdkStream } from "@anthropic-ai/sdk/core/streaming.js"
import { BetaMessageStream } from "@anthropic-ai/sdk/lib/BetaMessageStream.js"
import type { BetaMessage, BetaRawMessageStreamEvent } from "@anthropic-ai/sdk/resources/beta/messages/messages.js"

/** The transcripts folder: `test/fixtures/transcripts`. */
export const transcriptsDirectory = new URL("../../fixtures/transcripts/", import.meta.url)

/** One recorded exchange, as the README describes it. */
export interface Interaction {
  readonly request: { readonly method: string; readonly path: string; readonly body: Record<string, unknown> }
  readonly response: {
    readonly status: number
    readonly contentType: string
    readonly headers?: Record<string, string>
    readonly body: unknown
  }
}

/** A transcript file. */
export interface TranscriptFile {
  readonly name: string
  readonly interactions: ReadonlyArray<Interaction>
}

/** The names of every transcript, without `.json`. */
export const transcriptNames: ReadonlyArray<string> = readdirSync(transcriptsDirectory)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.slice(0, -".json".length))
  .sort()

/** Reads one transcript. */
export const loadTranscript = (name: string): TranscriptFile =>
  JSON.parse(readFileSync(new URL(`${name}.json`, transcriptsDirectory), "utf8"))

/** A recorded JSON message body, as the SDK types it. */
export const messageBody = (interaction: Interaction): BetaMessage =>
  JSON.parse(JSON.stringify(interaction.response.body))

/** The raw events of a recorded SSE body, parsed by the SDK. */
export const sseEvents = async (sse: string): Promise<Array<BetaRawMessageStreamEvent>> => {
  const events: Array<BetaRawMessageStreamEvent> = []
  for await (const event of SdkStream.fromSSEResponse<BetaRawMessageStreamEvent>(
    new Response(sse),
    new AbortController()
  )) {
    events.push(event)
  }
  return events
}

/** The message the SDK's own stream helper accumulates from raw events. */
export const accumulate = (events: ReadonlyArray<BetaRawMessageStreamEvent>): Promise<BetaMessage> => {
  const lines = events.map((event) => JSON.stringify(event) + "\n").join("")
  return BetaMessageStream.fromReadableStream(new Response(lines).body!).finalMessage()
}
