/**
 * The `GET /v1/models` surface: a default catalogue and the API's cursor pagination
 * (`limit`, `after_id`, `before_id` → `data`, `has_more`, `first_id`, `last_id`).
 */
import type Anthropic from "@anthropic-ai/sdk"

const model = (id: string, displayName: string, createdAt: string): Anthropic.ModelInfo => ({
  type: "model",
  id,
  display_name: displayName,
  created_at: createdAt,
  capabilities: null,
  deprecated_at: null,
  lifecycle: "active",
  line: null,
  max_input_tokens: 200_000,
  max_tokens: 64_000,
  retires_at: null
})

/** The models listed when a test configures none, newest first as the API lists them. */
export const defaultModels: ReadonlyArray<Anthropic.ModelInfo> = [
  model("claude-opus-4-6", "Claude Opus 4.6", "2026-02-05T00:00:00Z"),
  model("claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-17T00:00:00Z"),
  model("claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-24T00:00:00Z"),
  model("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-15T00:00:00Z"),
  model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
  model("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z"),
  model("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-22T00:00:00Z"),
  model("claude-3-5-haiku-20241022", "Claude Haiku 3.5", "2024-10-22T00:00:00Z")
]

/** One page of the model list. */
export interface ModelPage {
  readonly data: ReadonlyArray<Anthropic.ModelInfo>
  readonly has_more: boolean
  readonly first_id: string | null
  readonly last_id: string | null
}

/** The page the API answers for these query parameters, or why the parameters are invalid. */
export const modelPage = (
  models: ReadonlyArray<Anthropic.ModelInfo>,
  query: Readonly<Record<string, string>>
): ModelPage | string => {
  const parsedLimit = query.limit === undefined ? 20 : Number(query.limit)
  if (!Number.isInteger(parsedLimit) || parsedLimit < 1 || parsedLimit > 1000) {
    return "limit: Input should be an integer between 1 and 1000"
  }
  let start = 0
  let end = models.length
  if (query.after_id !== undefined) {
    const at = models.findIndex((info) => info.id === query.after_id)
    if (at === -1) return `after_id: no model ${query.after_id}`
    start = at + 1
    end = Math.min(models.length, start + parsedLimit)
  } else if (query.before_id !== undefined) {
    const at = models.findIndex((info) => info.id === query.before_id)
    if (at === -1) return `before_id: no model ${query.before_id}`
    end = at
    start = Math.max(0, end - parsedLimit)
  } else {
    end = Math.min(models.length, parsedLimit)
  }
  const data = models.slice(start, end)
  return {
    data,
    has_more: query.before_id !== undefined ? start > 0 : end < models.length,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null
  }
}
