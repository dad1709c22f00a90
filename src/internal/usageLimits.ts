/**
 * The limit checks of `Usage` as plain functions: the failure, or undefined within the limits. The
 * run loop checks on every step inside code that already runs (no Effect per check); `Usage`'s
 * public checks are these as Effects. Listed in `src/PERFORMANCE.md`.
 */
import { UsageLimitExceeded } from "../AgentError.js"
import type { RunUsage, UsageLimits } from "../Usage.js"

const nextExceeds = (limit: UsageLimitExceeded["limit"], maximum: number, value: number, what: string) =>
  new UsageLimitExceeded({
    limit,
    maximum,
    value,
    message: `The next ${what} would exceed the ${limit} limit of ${maximum} (${limit}: ${value})`
  })

const tokensExceed = (limit: "inputTokens" | "outputTokens" | "totalTokens", maximum: number, value: number) =>
  new UsageLimitExceeded({
    limit,
    maximum,
    value,
    message: `Exceeded the ${limit} limit of ${maximum} (${limit}: ${value})`
  })

/** Whether the next request would exceed `requestLimit`. */
export const requestExceeded = (limits: UsageLimits, usage: RunUsage): UsageLimitExceeded | undefined => {
  const next = usage.requests + 1
  return limits.requestLimit !== undefined && next > limits.requestLimit
    ? nextExceeds("requests", limits.requestLimit, next, "request")
    : undefined
}

/** Whether the run's tokens exceed a token limit. */
export const tokensExceeded = (limits: UsageLimits, usage: RunUsage): UsageLimitExceeded | undefined => {
  if (limits.inputTokensLimit !== undefined && usage.inputTokens > limits.inputTokensLimit) {
    return tokensExceed("inputTokens", limits.inputTokensLimit, usage.inputTokens)
  }
  if (limits.outputTokensLimit !== undefined && usage.outputTokens > limits.outputTokensLimit) {
    return tokensExceed("outputTokens", limits.outputTokensLimit, usage.outputTokens)
  }
  if (limits.totalTokensLimit !== undefined && usage.totalTokens > limits.totalTokensLimit) {
    return tokensExceed("totalTokens", limits.totalTokensLimit, usage.totalTokens)
  }
  return undefined
}

/** Whether `count` more tool calls would exceed `toolCallsLimit`. */
export const toolCallsExceeded = (
  limits: UsageLimits,
  usage: RunUsage,
  count: number
): UsageLimitExceeded | undefined => {
  const next = usage.toolCalls + count
  return limits.toolCallsLimit !== undefined && next > limits.toolCallsLimit
    ? nextExceeds("toolCalls", limits.toolCallsLimit, next, "tool calls")
    : undefined
}
