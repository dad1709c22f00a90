/**
 * The `chat {model}` span of one model request, as `Model.make` opens it: its options, and the
 * response attributes set on it when the response is complete (whole, or seen event by event).
 */
import type * as Tracer from "effect/Tracer"
import type { FinishReason } from "../Message.js"
import type { ModelSettings } from "../ModelSettings.js"
import type { ModelResponseStreamEvent } from "../StreamEvent.js"
import { RequestUsage } from "../Usage.js"

/** The span's name for a model. */
export const spanName = (modelName: string): string => `chat ${modelName}`

/**
 * The options of one request's chat span. No stack trace: it would point into this library, and
 * capturing it costs more than the span.
 */
export const spanOptions = (
  providerName: string,
  modelName: string,
  defaults: ModelSettings,
  settings: ModelSettings
): Tracer.SpanOptions => {
  const maxTokens = settings.maxTokens ?? defaults.maxTokens
  const temperature = settings.temperature ?? defaults.temperature
  const attributes: Record<string, unknown> = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": providerName,
    "gen_ai.request.model": modelName
  }
  if (maxTokens !== undefined) attributes["gen_ai.request.max_tokens"] = maxTokens
  if (temperature !== undefined) attributes["gen_ai.request.temperature"] = temperature
  return { kind: "client", captureStackTrace: false, attributes }
}

/** What the span says about a response: the fields its metadata events carry. */
export interface ResponseSummary {
  readonly modelName?: string | undefined
  readonly providerResponseId?: string | undefined
  readonly finishReason?: FinishReason | undefined
  readonly usage: RequestUsage
}

/** Sets the attributes of a response on its chat span. */
export const annotateResponse = (span: Pick<Tracer.Span, "attribute">, response: ResponseSummary): void => {
  if (response.modelName !== undefined) span.attribute("gen_ai.response.model", response.modelName)
  if (response.providerResponseId !== undefined) span.attribute("gen_ai.response.id", response.providerResponseId)
  if (response.finishReason !== undefined) span.attribute("gen_ai.response.finish_reasons", [response.finishReason])
  span.attribute("gen_ai.usage.input_tokens", response.usage.inputTokens)
  span.attribute("gen_ai.usage.output_tokens", response.usage.outputTokens)
  span.attribute("gen_ai.usage.cache_read.input_tokens", response.usage.cacheReadTokens)
  span.attribute("gen_ai.usage.cache_creation.input_tokens", response.usage.cacheWriteTokens)
}

/**
 * The summary of a streamed response, kept from its metadata events as they pass (the later value
 * wins, as in `ModelResponseBuilder`), so the stream is not folded a second time.
 */
export class StreamSummary implements ResponseSummary {
  modelName: string | undefined = undefined
  providerResponseId: string | undefined = undefined
  finishReason: FinishReason | undefined = undefined
  usage: RequestUsage = RequestUsage.empty

  /** Notes the metadata events of a chunk; a plain loop, as it runs for every chunk of every stream. */
  addAll(events: Iterable<ModelResponseStreamEvent>): void {
    for (const event of events) {
      if (event._tag !== "ResponseMetadata") continue
      if (event.usage !== undefined) this.usage = event.usage
      if (event.modelName !== undefined) this.modelName = event.modelName
      if (event.providerResponseId !== undefined) this.providerResponseId = event.providerResponseId
      if (event.finishReason !== undefined) this.finishReason = event.finishReason
    }
  }
}
