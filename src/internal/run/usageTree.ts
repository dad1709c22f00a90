/**
 * Delegation trees in a run: a run started inside another's tool call (`Agent.asTool`) adds each
 * request to the tree when it is sent and its tokens and tool calls when they are known, and checks
 * the tree's limits against the tree's total as well as its own, so children running at the same
 * time cannot together pass a limit. A run outside a tree never comes here but to hand its tool
 * calls the handle its children use.
 */
import * as Effect from "effect/Effect"
import type { UsageLimitExceeded } from "../../AgentError.js"
import * as Usage from "../../Usage.js"
import { requestExceeded, tokensExceeded, toolCallsExceeded } from "../usageLimits.js"
import type { Run } from "./context.js"

/** The tree handle a run gives its tool calls: a child adds to this run's usage and the tree above it. */
export const treeOf = <O, E, R>(run: Run<O, E, R>): Usage.UsageTree => {
  if (run.treeHandle !== undefined) return run.treeHandle
  const parent = run.tree
  const addHere = (usage: Usage.RunUsage) => {
    run.state.usage = Usage.addRunUsage(run.state.usage, usage)
  }
  const handle: Usage.UsageTree =
    parent === undefined
      ? { limits: run.limits, usage: () => run.state.usage, add: addHere }
      : {
          limits: parent.limits,
          usage: parent.usage,
          add: (usage) => {
            addHere(usage)
            parent.add(usage)
          }
        }
  run.treeHandle = handle
  return handle
}

/**
 * Before a request: the run's own limits, then the tree's; the request then counts in the tree.
 * Plain code giving the failure (the loop checks on every step), and as an Effect.
 */
export const requestLimitFailure = <O, E, R>(run: Run<O, E, R>): UsageLimitExceeded | undefined => {
  const own = requestExceeded(run.limits, run.state.usage)
  const tree = run.tree
  if (own !== undefined || tree === undefined) return own
  const inTree = requestExceeded(tree.limits, tree.usage())
  if (inTree === undefined) tree.add(Usage.oneRequest)
  return inTree
}

/** `requestLimitFailure` as an Effect. */
export const checkBeforeRequest = <O, E, R>(run: Run<O, E, R>): Effect.Effect<void, UsageLimitExceeded> =>
  Effect.suspend(() => failWith(requestLimitFailure(run)))

/** After a response (its usage already in the run's): its tokens join the tree, whose limits are checked. */
export const tokenLimitFailure = <O, E, R>(
  run: Run<O, E, R>,
  response: Usage.RequestUsage
): UsageLimitExceeded | undefined => {
  const tree = run.tree
  if (tree !== undefined) tree.add(Usage.tokensOf(response))
  const own = tokensExceeded(run.limits, run.state.usage)
  return own !== undefined || tree === undefined ? own : tokensExceeded(tree.limits, tree.usage())
}

/** Before tool calls run: the run's own limit, then the tree's. */
export const toolCallLimitFailure = <O, E, R>(run: Run<O, E, R>, count: number): UsageLimitExceeded | undefined => {
  const own = toolCallsExceeded(run.limits, run.state.usage, count)
  const tree = run.tree
  return own !== undefined || tree === undefined ? own : toolCallsExceeded(tree.limits, tree.usage(), count)
}

/** The failure as an Effect, or `Effect.void` within the limits. */
export const failWith = (failure: UsageLimitExceeded | undefined): Effect.Effect<void, UsageLimitExceeded> =>
  failure === undefined ? Effect.void : Effect.fail(failure)

/** Counts tool calls that ran in the tree too. */
export const addToolCalls = <O, E, R>(run: Run<O, E, R>, count: number): void => {
  run.state.usage = Usage.addToolCalls(run.state.usage, count)
  if (run.tree !== undefined && count > 0) run.tree.add(Usage.addToolCalls(Usage.RunUsage.empty, count))
}
