/**
 * The issue's targets over several runs of the benchmark (`npm run bench -- --runs 2`): a target
 * counts as met only if every run met it, because one run's wall-time ratio moves by about ±10% on
 * a shared machine and a target met once may be luck.
 */
import type { ContenderName } from "./Contender.js"
import type { Verdict } from "./report.js"

/**
 * One verdict per target of the last run: met if every run met it, with each run's detail.
 * A target missing from a run (a contender failed to run there) counts as missed in it.
 */
export const judgedAcrossRuns = (runs: ReadonlyArray<ReadonlyArray<Verdict>>): ReadonlyArray<Verdict> => {
  const last = runs.at(-1)
  if (last === undefined) return []
  if (runs.length === 1) return last
  return last.map((verdict) => {
    const each = runs.map((run) => run.find((v) => v.target === verdict.target))
    return {
      ...verdict,
      met: each.every((v) => v?.met === true),
      detail: each
        .map(
          (v, index) =>
            `run ${index + 1}: ${v === undefined ? "not measured" : `${v.detail}${v.met ? "" : ", missed"}`}`
        )
        .join("; ")
    }
  })
}

/**
 * The order in which run `runIndex` (from 0) has its timing workers load the contenders: the given
 * order rotated by the run's index. Within a worker the repetitions already rotate who goes first,
 * but the contenders are loaded once, in this order, and the one loaded first can run slower in
 * that process (bench/README.md, "Fourth round"); rotating between runs keeps one order from
 * deciding a target that is met only if met in every run.
 */
export const loadOrderOfRun = (
  contenders: ReadonlyArray<ContenderName>,
  runIndex: number
): ReadonlyArray<ContenderName> => {
  if (contenders.length === 0) return contenders
  const shift = runIndex % contenders.length
  return [...contenders.slice(shift), ...contenders.slice(0, shift)]
}
