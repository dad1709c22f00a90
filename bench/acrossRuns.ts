/**
 * The issue's targets over several runs of the benchmark (`npm run bench -- --runs 2`): a target
 * counts as met only if every run met it, because one run's wall-time ratio moves by about ±10% on
 * a shared machine and a target met once may be luck.
 */
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
