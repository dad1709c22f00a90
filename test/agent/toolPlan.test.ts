import { describe, expect, it } from "@effect/vitest"
import type { Agent } from "effect-claude"
import { type PlannedCall, plan, type Turn } from "../../src/internal/run/toolPlan.js"

const f: PlannedCall = { kind: "function", sequential: false }
const s: PlannedCall = { kind: "function", sequential: true }
const o: PlannedCall = { kind: "output", sequential: false }
const u: PlannedCall = { kind: "unknown", sequential: false }

const functions = (segments: ReadonlyArray<ReadonlyArray<number>>, skipOnceFinal = false): Turn => ({
  _tag: "Functions",
  segments,
  skipOnceFinal
})
const output = (index: number): Turn => ({ _tag: "Output", index })
const all = (segments: ReadonlyArray<ReadonlyArray<number>>): Turn => ({ _tag: "All", segments })

const table: ReadonlyArray<{
  readonly calls: ReadonlyArray<PlannedCall>
  readonly strategy: Agent.EndStrategy
  readonly turns: ReadonlyArray<Turn>
}> = [
  // Without output calls every strategy runs the function calls together, sequential ones alone.
  { calls: [f, f, u], strategy: "graceful", turns: [functions([[0, 1, 2]])] },
  { calls: [f, s, f, f], strategy: "graceful", turns: [functions([[0], [1], [2, 3]])] },
  { calls: [f, f], strategy: "early", turns: [functions([[0, 1]])] },
  { calls: [s, f], strategy: "exhaustive", turns: [all([[0], [1]])] },
  { calls: [], strategy: "graceful", turns: [functions([])] },
  // A lone function (or unknown) call, whose plan is made once: what the rules give, per strategy.
  ...(["graceful", "early"] as const).flatMap((strategy) =>
    [f, s, u].map((call) => ({ calls: [call], strategy, turns: [functions([[0]])] }))
  ),
  ...[f, s, u].map((call) => ({ calls: [call], strategy: "exhaustive" as const, turns: [all([[0]])] })),
  // early: the output calls first, each in turn, then the function calls unless an output is final.
  { calls: [f, o, u, o], strategy: "early", turns: [output(1), output(3), functions([[0, 2]], true)] },
  { calls: [o], strategy: "early", turns: [output(0)] },
  // graceful: emission order; the function calls before an output call run together first.
  {
    calls: [f, f, o, f, o],
    strategy: "graceful",
    turns: [functions([[0, 1]]), output(2), functions([[3]]), output(4)]
  },
  { calls: [o, s, f], strategy: "graceful", turns: [output(0), functions([[1], [2]])] },
  // exhaustive: everything at once, output calls too.
  { calls: [f, o, f, o], strategy: "exhaustive", turns: [all([[0, 1, 2, 3]])] },
  { calls: [o, s, o], strategy: "exhaustive", turns: [all([[0], [1], [2]])] }
]

describe("the tool plan", () => {
  for (const { calls, strategy, turns } of table) {
    const name = calls.map((call) => (call.kind === "output" ? "o" : call.sequential ? "s" : call.kind[0])).join("")
    it(`${strategy}: [${name}]`, () => {
      expect(plan(calls, strategy)).toEqual(turns)
    })
  }
})
