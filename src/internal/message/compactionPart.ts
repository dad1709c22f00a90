/**
 * The compaction part of a response: its own file so the part union in `Message` stays one screen.
 * Public through `Message`.
 */
import * as Schema from "effect/Schema"

/**
 * A summary of the conversation so far, written by the provider when it compacted the context
 * (Anthropic's `compaction` block). Sent back with the history as it was received: the provider
 * then reads the summary in place of the messages before it. Every field but `content` is the
 * provider's own data, kept unchanged (`null` stays `null`, an absent field stays absent).
 *
 * @since 0.1.0
 * @category models
 */
export class CompactionPart extends Schema.TaggedClass<CompactionPart>()("CompactionPart", {
  /** The summary; `null` when the compaction failed (sent back, the provider treats it as a no-op). */
  content: Schema.NullOr(Schema.String),
  /** Opaque data of earlier compactions (Anthropic's `encrypted_content`). */
  encryptedContent: Schema.optional(Schema.NullOr(Schema.String)),
  /** The provider's signature over the summary. */
  signature: Schema.optional(Schema.NullOr(Schema.String)),
  /** The tool changes of the compacted range, as the provider returned them (Anthropic's `tool_changes`). */
  toolChanges: Schema.optional(Schema.NullOr(Schema.Array(Schema.Unknown))),
  /** Fields of the block this library does not model (a newer API), sent back with it. */
  providerData: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  /** The provider that produced it (e.g. `anthropic`); only there is the block sent back as it came. */
  provider: Schema.optional(Schema.String)
}) {}
