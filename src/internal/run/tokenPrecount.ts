/**
 * The opt-in count before each request (`UsageLimits.countTokensBeforeRequest`): the model counts
 * the input tokens of the request about to be sent, and the input and total token limits are
 * checked as if the request had used them, so a request that would exceed a limit is never sent.
 * The output of the request is unknown before it is sent: only its input is counted. A run inside a
 * delegation tree (`Agent.asTool`) counts when its own limits or the tree's ask for it, and checks the
 * tree's limits against the tree's total plus the count, as it checks its requests and tokens.
 */
import * as Effect from "effect/Effect"
import { UsageLimitExceeded, UserError } from "../../AgentError.js"
import type { ModelMessage } from "../../Message.js"
import type { ModelError } from "../../Model.js"
import type { UsageLimits } from "../../Usage.js"
import type { Run } from "./context.js"

/** Whether `limits` ask for a count: the option is on and there is a limit the count can check. */
const asksForCount = (limits: UsageLimits): boolean =>
  limits.countTokensBeforeRequest === true &&
  (limits.inputTokensLimit !== undefined || limits.totalTokensLimit !== undefined)

/** Whether the run counts its requests first: its own limits or its delegation tree's ask for it. */
export const countsBeforeRequest = <O, E, R>(run: Run<O, E, R>): boolean =>
  asksForCount(run.limits) || (run.tree !== undefined && asksForCount(run.tree.limits))

/** `send`, after counting `messages` and checking the token limits with the count (when asked to). */
export const afterTokenPrecount = <O, E, R, A, E2, R2>(
  run: Run<O, E, R>,
  messages: ReadonlyArray<ModelMessage>,
  send: Effect.Effect<A, E2, R2>
): Effect.Effect<A, E2 | UsageLimitExceeded | UserError | ModelError, R2> =>
  countsBeforeRequest(run) ? Effect.zipRight(precountTokens(run, messages), send) : send

/** Counts `messages` with the model and checks the token limits with the count: the run's, then its tree's. */
export const precountTokens = <O, E, R>(
  run: Run<O, E, R>,
  messages: ReadonlyArray<ModelMessage>
): Effect.Effect<void, UsageLimitExceeded | UserError | ModelError> => {
  const { model } = run
  if (model.countTokens === undefined) {
    return Effect.fail(
      new UserError({
        message: `countTokensBeforeRequest is on, but the model ${model.modelName} (${model.providerName}) cannot count tokens`
      })
    )
  }
  return Effect.flatMap(model.countTokens(messages, run.settings, run.parameters), (counted) => {
    const own = checkCounted(run.limits, run.state.usage.inputTokens, run.state.usage.totalTokens, counted)
    const tree = run.tree
    if (tree === undefined) return own
    return Effect.zipRight(
      own,
      Effect.suspend(() => {
        const total = tree.usage()
        return checkCounted(tree.limits, total.inputTokens, total.totalTokens, counted)
      })
    )
  })
}

/** The limits checked with the run's usage plus the counted input of the next request. */
const checkCounted = (
  limits: UsageLimits,
  inputTokens: number,
  totalTokens: number,
  counted: number
): Effect.Effect<void, UsageLimitExceeded> => {
  if (limits.inputTokensLimit !== undefined && inputTokens + counted > limits.inputTokensLimit) {
    return Effect.fail(exceeded("inputTokens", limits.inputTokensLimit, inputTokens + counted, counted))
  }
  if (limits.totalTokensLimit !== undefined && totalTokens + counted > limits.totalTokensLimit) {
    return Effect.fail(exceeded("totalTokens", limits.totalTokensLimit, totalTokens + counted, counted))
  }
  return Effect.void
}

const exceeded = (limit: "inputTokens" | "totalTokens", maximum: number, value: number, counted: number) =>
  new UsageLimitExceeded({
    limit,
    maximum,
    value,
    message: `The next request would exceed the ${limit} limit of ${maximum} (${limit}: ${value}, of which ${counted} counted before sending it)`
  })
