/**
 * The recorded-traffic file format (see `test/fixtures/transcripts/README.md`): ordered request /
 * response pairs, bodies as JSON values or, for event streams, the raw SSE text.
 */
import { readFileSync } from "node:fs"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** One recorded request and the answer the API gave. */
export const Interaction = Schema.Struct({
  request: Schema.Struct({
    method: Schema.String,
    path: Schema.String,
    body: Schema.optional(Schema.Unknown)
  }),
  response: Schema.Struct({
    status: Schema.Number,
    contentType: Schema.String,
    headers: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { default: () => ({}) }),
    body: Schema.Unknown
  })
})

/** One recorded interaction. */
export type Interaction = typeof Interaction.Type

/** A whole transcript file. */
export const TranscriptFile = Schema.Struct({
  name: Schema.String,
  interactions: Schema.Array(Interaction)
})

/** A decoded transcript file. */
export type TranscriptFile = typeof TranscriptFile.Type

const decodeFile = Schema.decodeUnknown(Schema.parseJson(TranscriptFile))

/** Reads and decodes a transcript file; the error says which file and what is wrong with it. */
export const readTranscriptFile = (file: string | URL): Effect.Effect<TranscriptFile, string> =>
  Effect.try({
    try: () => readFileSync(file, "utf8"),
    catch: (cause) =>
      `cannot read transcript ${String(file)}: ${cause instanceof Error ? cause.message : String(cause)}`
  }).pipe(
    Effect.flatMap((text) =>
      decodeFile(text).pipe(Effect.mapError((error) => `invalid transcript ${String(file)}: ${error.message}`))
    )
  )
