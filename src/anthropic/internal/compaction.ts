/**
 * Claude's `compaction` block and the core `CompactionPart`, both ways: every field kept as it came
 * (a `null` stays `null`, an absent field stays absent, fields of a newer API kept aside), so the
 * block goes back to the API exactly as it was received.
 */
import * as Schema from "effect/Schema"
import { CompactionPart } from "../../Message.js"
import { providerName } from "./names.js"
import { trustedInput } from "./trustedInput.js"

const NullableString = Schema.optional(Schema.NullOr(Schema.String))

/**
 * The fields of a compaction block its part has fields for, and any others.
 * @since 0.1.0
 * @category models
 */
export const CompactionBlock = Schema.Struct(
  {
    content: NullableString,
    encrypted_content: NullableString,
    signature: NullableString,
    tool_changes: Schema.optional(Schema.NullOr(Schema.Array(Schema.Unknown)))
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

/** The keys of a compaction block that its part has fields for. */
const modelledKeys = new Set(["type", "content", "encrypted_content", "signature", "tool_changes"])

/**
 * The part of a decoded compaction block.
 * @since 0.1.0
 * @category utils
 */
export const compactionPart = (block: typeof CompactionBlock.Type): CompactionPart => {
  const fields: {
    content: string | null
    encryptedContent?: string | null
    signature?: string | null
    toolChanges?: ReadonlyArray<unknown> | null
    providerData?: Record<string, unknown>
    provider: string
  } = { content: block.content ?? null, provider: providerName }
  if (block.encrypted_content !== undefined) fields.encryptedContent = block.encrypted_content
  if (block.signature !== undefined) fields.signature = block.signature
  if (block.tool_changes !== undefined) fields.toolChanges = block.tool_changes
  for (const key of Object.keys(block)) {
    if (modelledKeys.has(key)) continue
    if (fields.providerData === undefined) fields.providerData = {}
    fields.providerData[key] = block[key]
  }
  // Decoded fields: the constructor need not validate them again.
  return new CompactionPart(fields, trustedInput)
}

/**
 * The block of a part Claude returned, exactly as it came: every field it had, none added.
 * @since 0.1.0
 * @category utils
 */
export const compactionBlock = (part: CompactionPart): Record<string, unknown> & { readonly type: "compaction" } => {
  const block: Record<string, unknown> & { type: "compaction" } = {
    ...part.providerData,
    type: "compaction",
    content: part.content
  }
  if (part.encryptedContent !== undefined) block.encrypted_content = part.encryptedContent
  if (part.signature !== undefined) block.signature = part.signature
  if (part.toolChanges !== undefined) block.tool_changes = part.toolChanges
  return block
}
