/**
 * The `GET /v1/models` surface: a default catalogue, listed with the API's cursor pagination.
 */
import type Anthropic from "@anthropic-ai/sdk"
import { type Page, pageOf } from "./pagination.js"

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
export type ModelPage = Page<Anthropic.ModelInfo>

/** The page the API answers for these query parameters, or why the parameters are invalid. */
export const modelPage = (
  models: ReadonlyArray<Anthropic.ModelInfo>,
  query: Readonly<Record<string, string>>
): ModelPage | string => pageOf(models, (info) => info.id, query, "model")
