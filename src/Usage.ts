/**
 * Token and request accounting: what one request cost (`RequestUsage`), what a whole run cost
 * (`RunUsage`), and the limits a run must stay within (`UsageLimits`).
 *
 * @example
 * import { Effect } from "effect"
 * import { type AgentError, Usage } from "effect-claude"
 *
 * const limits: Usage.UsageLimits = { requestLimit: 5, totalTokensLimit: 10_000 }
 * const usage = Usage.addRequest(Usage.RunUsage.empty, new Usage.RequestUsage({ inputTokens: 120, outputTokens: 30 }))
 * const check: Effect.Effect<void, AgentError.UsageLimitExceeded> = Usage.checkTokens(limits, usage)
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { UsageLimitExceeded } from "./AgentError.js"
import { construct } from "./internal/trustedInput.js"
import { requestExceeded, tokensExceeded, toolCallsExceeded } from "./internal/usageLimits.js"

const TokenCount = Schema.optionalWith(Schema.Number, { default: () => 0 })
const Details = Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Number }), {
  default: () => ({})
})

/**
 * What one model request cost. `inputTokens` counts every input token, including those written to
 * and read from the prompt cache; `details` keeps the provider's raw counts.
 *
 * @since 0.1.0
 * @category models
 */
export class RequestUsage extends Schema.Class<RequestUsage>("RequestUsage")({
  inputTokens: TokenCount,
  outputTokens: TokenCount,
  cacheWriteTokens: TokenCount,
  cacheReadTokens: TokenCount,
  details: Details
}) {
  /** No tokens at all. */
  static readonly empty: RequestUsage = new RequestUsage({})

  /** Input plus output tokens. */
  get totalTokens(): number {
    return this.inputTokens + this.outputTokens
  }
}

/**
 * What a whole run cost: the sum of its requests, plus how many requests and tool calls it made.
 *
 * @since 0.1.0
 * @category models
 */
export class RunUsage extends Schema.Class<RunUsage>("RunUsage")({
  requests: TokenCount,
  toolCalls: TokenCount,
  inputTokens: TokenCount,
  outputTokens: TokenCount,
  cacheWriteTokens: TokenCount,
  cacheReadTokens: TokenCount,
  details: Details
}) {
  /** A run that has not made any request yet. */
  static readonly empty: RunUsage = new RunUsage({})

  /** Input plus output tokens. */
  get totalTokens(): number {
    return this.inputTokens + this.outputTokens
  }
}

// Sums of valid usages are valid: built as the constructors would build them unvalidated
// (`internal/trustedInput.ts`), which the agent loop does on every step.

const addDetails = (
  left: Readonly<Record<string, number>>,
  right: Readonly<Record<string, number>>
): Record<string, number> => {
  const sum: Record<string, number> = { ...left }
  for (const key in right) sum[key] = (sum[key] ?? 0) + (right[key] ?? 0)
  return sum
}

/** The token fields both usages carry. */
type TokenCounts = Pick<
  RequestUsage,
  "inputTokens" | "outputTokens" | "cacheWriteTokens" | "cacheReadTokens" | "details"
>

/** The token fields of `left` plus those of `right`. */
const addTokens = (left: TokenCounts, right: TokenCounts): TokenCounts => ({
  inputTokens: left.inputTokens + right.inputTokens,
  outputTokens: left.outputTokens + right.outputTokens,
  cacheWriteTokens: left.cacheWriteTokens + right.cacheWriteTokens,
  cacheReadTokens: left.cacheReadTokens + right.cacheReadTokens,
  details: addDetails(left.details, right.details)
})

/**
 * The sum of two request usages (e.g. a paused turn and its continuation).
 *
 * @since 0.1.0
 * @category utils
 */
export const addRequestUsage = (left: RequestUsage, right: RequestUsage): RequestUsage =>
  construct(RequestUsage, addTokens(left, right))

/**
 * The sum of two run usages (e.g. a run and the runs its tools delegated to).
 *
 * @since 0.1.0
 * @category utils
 */
export const addRunUsage = (left: RunUsage, right: RunUsage): RunUsage =>
  construct(RunUsage, {
    requests: left.requests + right.requests,
    toolCalls: left.toolCalls + right.toolCalls,
    ...addTokens(left, right)
  })

/**
 * A run's usage after one more request.
 *
 * @since 0.1.0
 * @category utils
 */
export const addRequest = (run: RunUsage, request: RequestUsage): RunUsage =>
  construct(RunUsage, { requests: run.requests + 1, toolCalls: run.toolCalls, ...addTokens(run, request) })

/**
 * A run's usage after `count` more tool calls.
 *
 * @since 0.1.0
 * @category utils
 */
export const addToolCalls = (run: RunUsage, count: number): RunUsage =>
  count === 0 ? run : construct(RunUsage, { ...run, toolCalls: run.toolCalls + count })

/**
 * The limits a run must stay within. Every field is optional; `requestLimit` defaults to 50 in `Agent`.
 *
 * @since 0.1.0
 * @category models
 */
export interface UsageLimits {
  readonly requestLimit?: number | undefined
  readonly inputTokensLimit?: number | undefined
  readonly outputTokensLimit?: number | undefined
  readonly totalTokensLimit?: number | undefined
  readonly toolCallsLimit?: number | undefined
  /**
   * Count the input tokens of each request with the model (`Model.Service.countTokens`) before
   * sending it, so `inputTokensLimit` and `totalTokensLimit` fail the run before a request that
   * would exceed them, not after its response. Off by default: each count is one more call to the
   * provider. A model that cannot count fails the run with a `UserError` before its first request.
   */
  readonly countTokensBeforeRequest?: boolean | undefined
}

/** The failure as an Effect, or `Effect.void` within the limits. */
const failWith = (failure: UsageLimitExceeded | undefined): Effect.Effect<void, UsageLimitExceeded> =>
  failure === undefined ? Effect.void : Effect.fail(failure)

/**
 * Checked before each model request: fails when the next request would exceed `requestLimit`.
 *
 * @since 0.1.0
 * @category utils
 */
export const checkBeforeRequest = (limits: UsageLimits, usage: RunUsage): Effect.Effect<void, UsageLimitExceeded> =>
  failWith(requestExceeded(limits, usage))

/**
 * Checked after each response: fails when the run's tokens exceed any token limit.
 *
 * @since 0.1.0
 * @category utils
 */
export const checkTokens = (limits: UsageLimits, usage: RunUsage): Effect.Effect<void, UsageLimitExceeded> =>
  failWith(tokensExceeded(limits, usage))

/**
 * Checked before running tool calls: fails when `count` more calls would exceed `toolCallsLimit`.
 *
 * @since 0.1.0
 * @category utils
 */
export const checkBeforeToolCalls = (
  limits: UsageLimits,
  usage: RunUsage,
  count: number
): Effect.Effect<void, UsageLimitExceeded> => failWith(toolCallsExceeded(limits, usage, count))

/**
 * The usage of a delegation tree (a run and the agents it runs as tools, `Agent.asTool`), shared
 * while they run: each delegated run adds every request when it is sent and its tokens when they
 * arrive, and checks the tree's limits against the tree's total, so children running at the same
 * time cannot together pass a limit.
 *
 * @since 0.1.0
 * @category models
 */
export interface UsageTree {
  /** The limits of the tree: its root run's. */
  readonly limits: UsageLimits
  /** What the tree has spent so far, requests in flight included. */
  readonly usage: () => RunUsage
  /** Adds what a delegated run spent to every run above it. */
  readonly add: (usage: RunUsage) => void
}

/**
 * One request, counted when it is sent.
 *
 * @since 0.1.0
 * @category constructors
 */
export const oneRequest: RunUsage = new RunUsage({ requests: 1 })

/**
 * The tokens of a response, without the request (already counted when it was sent).
 *
 * @since 0.1.0
 * @category constructors
 */
export const tokensOf = (request: RequestUsage): RunUsage =>
  construct(RunUsage, { requests: 0, toolCalls: 0, ...addTokens(request, RequestUsage.empty) })
