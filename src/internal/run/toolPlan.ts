/**
 * What runs when a response calls tools, as a plain value: the calls' kinds and the agent's end
 * strategy give a list of turns, run one after the other. The executor (`tools.ts`) only follows
 * the plan; `test/agent/toolPlan.test.ts` tables it.
 */
import type { EndStrategy } from "../agent/types.js"

/** A call of a function tool, of the output tool, or of a tool nobody defined. */
export type CallKind = "function" | "output" | "unknown"

/** Call indices in groups: a group's calls run together (bounded), the groups one after the other. */
export type Segments = ReadonlyArray<ReadonlyArray<number>>

/** One turn of the plan. */
export type Turn =
  /** Function (and unknown) calls; with `skipOnceFinal`, they are not run when an output is already final. */
  | { readonly _tag: "Functions"; readonly segments: Segments; readonly skipOnceFinal: boolean }
  /** One output call, validated in turn unless an earlier one already gave the output. */
  | { readonly _tag: "Output"; readonly index: number }
  /** Every call at once, output calls too; the outputs are settled afterwards in emission order. */
  | { readonly _tag: "All"; readonly segments: Segments }

/** What a response's tool calls are, for planning. */
export interface PlannedCall {
  readonly kind: CallKind
  /** The tool asked to run alone (`Tool.make`'s `sequential`). */
  readonly sequential: boolean
}

/** Splits `indices` around sequential calls: such a call runs alone, the calls between run together. */
export const segments = (calls: ReadonlyArray<PlannedCall>, indices: ReadonlyArray<number>): Segments => {
  const result: Array<Array<number>> = []
  let current: Array<number> = []
  for (const index of indices) {
    if (calls[index]!.sequential) {
      if (current.length > 0) result.push(current)
      result.push([index])
      current = []
    } else {
      current.push(index)
    }
  }
  if (current.length > 0) result.push(current)
  return result
}

/** The plan of a lone call of a function (or an unknown) tool, as the general case below makes it. */
const loneCall: ReadonlyArray<Turn> = [{ _tag: "Functions", segments: [[0]], skipOnceFinal: false }]
const loneCallAll: ReadonlyArray<Turn> = [{ _tag: "All", segments: [[0]] }]

/**
 * The turns for `calls` under `strategy`:
 * - `early`: output calls first, each in turn; then the function calls, unless an output is final.
 * - `graceful`: in emission order, function calls together up to each output call, which runs in turn.
 * - `exhaustive`: every call together (sequential ones alone).
 */
export const plan = (calls: ReadonlyArray<PlannedCall>, strategy: EndStrategy): ReadonlyArray<Turn> => {
  // The common case, a lone call of a function tool, has its plan made once (nothing changes a plan).
  if (calls.length === 1 && calls[0]!.kind !== "output") return strategy === "exhaustive" ? loneCallAll : loneCall
  const all = calls.map((_, index) => index)
  const functions = all.filter((index) => calls[index]!.kind !== "output")
  const outputs = all.filter((index) => calls[index]!.kind === "output")
  if (strategy === "exhaustive") return [{ _tag: "All", segments: segments(calls, all) }]
  if (outputs.length === 0) return [{ _tag: "Functions", segments: segments(calls, functions), skipOnceFinal: false }]
  if (strategy === "early") {
    const turns: Array<Turn> = outputs.map((index) => ({ _tag: "Output", index }))
    if (functions.length > 0)
      turns.push({ _tag: "Functions", segments: segments(calls, functions), skipOnceFinal: true })
    return turns
  }
  const turns: Array<Turn> = []
  let pending: Array<number> = []
  for (const index of all) {
    if (calls[index]!.kind !== "output") {
      pending.push(index)
      continue
    }
    if (pending.length > 0) turns.push({ _tag: "Functions", segments: segments(calls, pending), skipOnceFinal: false })
    pending = []
    turns.push({ _tag: "Output", index })
  }
  if (pending.length > 0) turns.push({ _tag: "Functions", segments: segments(calls, pending), skipOnceFinal: false })
  return turns
}
