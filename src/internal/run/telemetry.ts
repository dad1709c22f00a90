/**
 * The run span's attributes: the usage of a finished run, set on the span directly (`Agent.run`) or
 * as a record for `annotateCurrentSpan` (`Agent.runStream`, whose span is the stream's).
 */
import type * as Tracer from "effect/Tracer"
import type { RunResult } from "../agent/types.js"

/** Sets the attributes of the run span once the run is over. */
export const annotateUsage = <O>(span: Pick<Tracer.Span, "attribute">, result: RunResult<O>): void => {
  span.attribute("gen_ai.usage.input_tokens", result.usage.inputTokens)
  span.attribute("gen_ai.usage.output_tokens", result.usage.outputTokens)
  span.attribute("effect_claude.usage.requests", result.usage.requests)
  span.attribute("effect_claude.usage.tool_calls", result.usage.toolCalls)
}

/** The attributes `annotateUsage` sets, as a record for `annotateCurrentSpan`. */
export const usageAttributes = <O>(result: RunResult<O>): Record<string, unknown> => {
  const attributes: Record<string, unknown> = {}
  annotateUsage(recorder(attributes), result)
  return attributes
}

/** Something with the `attribute` method of a span that records the attributes set on it. */
const recorder = (attributes: Record<string, unknown>): Pick<Tracer.Span, "attribute"> => ({
  attribute: (key, value) => {
    attributes[key] = value
  }
})
