/**
 * Turns the workers' samples into the results: statistics, ratios to the raw SDK, the target
 * verdicts, and the Markdown table printed and written to `bench/results.md`.
 */
import { type ContenderName, contenderLabels } from "./Contender.js"
import type { ProfileSummary } from "./profileSummary.js"
import { batchLines, type ScenarioName, type Sizes, toolSteps } from "./scenarios.js"

/** One contender's numbers in one scenario. */
export interface ContenderResult {
  readonly contender: ContenderName
  readonly label: string
  /** Wall time of each timed repetition, in milliseconds, in run order. */
  readonly samplesMs: ReadonlyArray<number>
  readonly medianMs: number
  readonly minMs: number
  readonly maxMs: number
  /** Median over the raw SDK's median. */
  readonly ratioToRaw: number | undefined
  /** CPU time of the client process in each repetition (user + system), in milliseconds. */
  readonly cpuSamplesMs: ReadonlyArray<number>
  readonly cpuMedianMs: number
  /** Median CPU time over the raw SDK's. */
  readonly cpuRatioToRaw: number | undefined
  /** The scenario's unit of work per second at the median (deltas, requests, runs or steps). */
  readonly throughputPerSecond: number
  /** Peak RSS of a process running only this contender on this scenario, in MB. */
  readonly peakRssMb: number | undefined
  /** RSS of that process once the contender was loaded, before the scenario ran, in MB. */
  readonly loadedRssMb: number | undefined
  /** Every output of this contender matched the expected one. */
  readonly correct: boolean
  readonly failures: ReadonlyArray<string>
}

/** One scenario's results. */
export interface ScenarioResult {
  readonly scenario: ScenarioName
  readonly description: string
  readonly unit: string
  readonly contenders: ReadonlyArray<ContenderResult>
  /** Contenders that cannot run the scenario (a peer without a batches API): `n/a` in the table. */
  readonly unsupported?: ReadonlyArray<ContenderName> | undefined
}

/** Whether a target was met. */
export interface Verdict {
  readonly target: string
  readonly met: boolean
  readonly detail: string
  readonly scenario: ScenarioName
  /** What a miss asks to explain: where the time goes (a CPU profile) or the memory (RSS once loaded). */
  readonly measure: "time" | "memory"
}

/** effect-claude's CPU profile in one scenario whose time target was missed (see `run.ts`). */
export interface ScenarioProfile {
  readonly scenario: ScenarioName
  readonly summary: ProfileSummary
}

/** The whole report. */
export interface Report {
  readonly date: string
  readonly machine: {
    readonly cpu: string
    readonly cores: number
    readonly memoryGb: number
    readonly node: string
    readonly platform: string
    readonly loadAverageBefore: ReadonlyArray<number>
    readonly loadAverageAfter: ReadonlyArray<number>
  }
  /** The order in which the last run's timing workers loaded the contenders (absent in older files). */
  readonly loadOrder?: ReadonlyArray<ContenderName> | undefined
  readonly quick: boolean
  /** `dist`: the compiled package, as users install it; `src`: the sources through tsx. */
  readonly effectClaudeFrom: "dist" | "src"
  readonly sizes: Sizes
  readonly warmup: number
  readonly reps: number
  /** Time budget of one contender's timed repetitions in one scenario (see `worker.ts`); null: none. */
  readonly budgetMs: number | null
  /** Peak RSS of a worker that loads no contender (Node and the bench code; tsx too from src), in MB. */
  readonly harnessRssMb: number | null
  readonly scenarios: ReadonlyArray<ScenarioResult>
  /** The targets: judged over every run when there were several (met only if met in each). */
  readonly verdicts: ReadonlyArray<Verdict>
  /**
   * The runs before the last when `--runs N` measured more than once (`scenarios` is the last
   * run's); absent or empty after one run.
   */
  readonly earlierRuns?: ReadonlyArray<RunRecord> | undefined
  /** CPU profiles of effect-claude in the scenarios with a missed time target. */
  readonly profiles: ReadonlyArray<ScenarioProfile>
}

/** One run's measurements and their targets, as judged in that run alone. */
export interface RunRecord {
  readonly date: string
  readonly loadAverageBefore: ReadonlyArray<number>
  readonly loadAverageAfter: ReadonlyArray<number>
  /** The order in which this run's timing workers loaded the contenders (rotated from run to run; absent in older files). */
  readonly loadOrder?: ReadonlyArray<ContenderName> | undefined
  readonly scenarios: ReadonlyArray<ScenarioResult>
  readonly verdicts: ReadonlyArray<Verdict>
}

/** What a scenario measures and in which unit its throughput is counted. */
export const scenarioInfo = (
  scenario: ScenarioName,
  sizes: Sizes
): { description: string; unit: string; units: number } => {
  switch (scenario) {
    case "stream-10k":
      return {
        description: `one streamed answer of ${sizes.streamDeltas.toLocaleString("en")} text deltas, consumed to the end`,
        unit: "deltas/s",
        units: sizes.streamDeltas
      }
    case "request-1k":
      return {
        description: `${sizes.requests.toLocaleString("en")} sequential small non-streamed requests`,
        unit: "requests/s",
        units: sizes.requests
      }
    case "agent-3-tools":
      return {
        description: `${sizes.agentRuns} concurrent agent runs, ${toolSteps} tool round-trips each (${sizes.agentRuns * (toolSteps + 1)} requests)`,
        unit: "runs/s",
        units: sizes.agentRuns
      }
    case "loop-overhead":
      return {
        description: `${(sizes.loopRuns * (toolSteps + 1)).toLocaleString("en")} agent steps (${sizes.loopRuns} sequential runs) against an in-process fake model, no HTTP`,
        unit: "steps/s",
        units: sizes.loopRuns * (toolSteps + 1)
      }
    case "concurrent-streams":
      return {
        description: `${sizes.concurrentStreams} streamed answers of ${sizes.concurrentStreamDeltas} text deltas each, all at once`,
        unit: "deltas/s",
        units: sizes.concurrentStreams * sizes.concurrentStreamDeltas
      }
    case "batch-results-10k":
    case "batch-results-100k": {
      const lines = batchLines(scenario, sizes)
      return {
        description: `a Message Batch's results file of ${lines.toLocaleString("en")} JSONL lines, streamed and decoded to responses`,
        unit: "results/s",
        units: lines
      }
    }
  }
}

/** The median of a non-empty list. */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The statistics of one contender's samples; the ratio is filled in by `withRatios`. */
export const summarize = (
  contender: ContenderName,
  samplesMs: ReadonlyArray<number>,
  cpuSamplesMs: ReadonlyArray<number>,
  units: number,
  peakRssMb: number | undefined,
  loadedRssMb: number | undefined,
  failures: ReadonlyArray<string>
): ContenderResult => {
  const medianMs = samplesMs.length === 0 ? Number.NaN : median(samplesMs)
  return {
    contender,
    label: contenderLabels[contender],
    samplesMs,
    medianMs,
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
    ratioToRaw: undefined,
    cpuSamplesMs,
    cpuMedianMs: cpuSamplesMs.length === 0 ? Number.NaN : median(cpuSamplesMs),
    cpuRatioToRaw: undefined,
    throughputPerSecond: units / (medianMs / 1000),
    peakRssMb,
    loadedRssMb,
    correct: failures.length === 0,
    failures
  }
}

/** Fills in every contender's ratio to the raw SDK's median. */
export const withRatios = (results: ReadonlyArray<ContenderResult>): ReadonlyArray<ContenderResult> => {
  const raw = results.find((result) => result.contender === "raw-sdk")
  return results.map((result) => ({
    ...result,
    ratioToRaw: raw === undefined ? undefined : result.medianMs / raw.medianMs,
    cpuRatioToRaw: raw === undefined ? undefined : result.cpuMedianMs / raw.cpuMedianMs
  }))
}

/** The issue's targets, judged on the medians and peak RSS. */
export const verdicts = (scenarios: ReadonlyArray<ScenarioResult>, sizes: Sizes): ReadonlyArray<Verdict> => {
  const out: Array<Verdict> = []
  const find = (scenario: ScenarioResult, name: ContenderName) => scenario.contenders.find((c) => c.contender === name)
  for (const scenario of scenarios) {
    const ours = find(scenario, "effect-claude")
    if (ours === undefined) continue
    const limit = ratioTargets[scenario.scenario]
    if (limit !== undefined) {
      const ratio = ours.ratioToRaw ?? Number.NaN
      out.push({
        target: `${scenario.scenario}: effect-claude within ${limit.toFixed(2)}x of the raw SDK`,
        scenario: scenario.scenario,
        measure: "time",
        met: ratio <= limit,
        detail: `${formatRatio(ratio)}; client CPU ${formatRatio(ours.cpuRatioToRaw)}`
      })
    }
    for (const peer of ["effect-ai", "vercel-ai"] as const) {
      const theirs = find(scenario, peer)
      if (theirs === undefined) continue
      out.push({
        target: `${scenario.scenario}: effect-claude faster than ${contenderLabels[peer]}`,
        scenario: scenario.scenario,
        measure: "time",
        met: ours.medianMs < theirs.medianMs,
        detail: `${formatMs(ours.medianMs)} vs ${formatMs(theirs.medianMs)}`
      })
      if (ours.peakRssMb !== undefined && theirs.peakRssMb !== undefined) {
        out.push({
          target: `${scenario.scenario}: effect-claude peak RSS no higher than ${contenderLabels[peer]}`,
          scenario: scenario.scenario,
          measure: "memory",
          met: ours.peakRssMb <= theirs.peakRssMb,
          detail: `${formatMb(ours.peakRssMb)} vs ${formatMb(theirs.peakRssMb)}`
        })
      }
    }
  }
  out.push(...loopStepVerdicts(scenarios, sizes))
  const flat = flatBatchRss(scenarios)
  if (flat !== undefined) out.push(flat)
  return out
}

/** The issue's wall-time targets, as ratios to the raw SDK's median. */
const ratioTargets: Partial<Record<ScenarioName, number>> = {
  "stream-10k": 1.1,
  "request-1k": 1.05,
  "agent-3-tools": 1.1
}

/** The issue's budget for one agent-loop step (tracing on), in microseconds. */
const loopStepBudgetMicros = 25

/** How many times faster than the fastest peer effect-claude's loop step must be. */
const loopPeerFactor = 5

/**
 * Whether effect-claude's loop step, over the in-process fake model, fits its budget and is at
 * least `loopPeerFactor` times faster than the fastest peer's.
 */
const loopStepVerdicts = (scenarios: ReadonlyArray<ScenarioResult>, sizes: Sizes): ReadonlyArray<Verdict> => {
  const loop = scenarios.find((s) => s.scenario === "loop-overhead")
  const ours = loop?.contenders.find((c) => c.contender === "effect-claude")
  if (loop === undefined || ours === undefined) return []
  const stepMicros = (medianMs: number) => (medianMs * 1000) / (sizes.loopRuns * (toolSteps + 1))
  const micros = stepMicros(ours.medianMs)
  const out: Array<Verdict> = [
    {
      target: `loop-overhead: effect-claude at most ${loopStepBudgetMicros} µs a step`,
      scenario: "loop-overhead",
      measure: "time",
      met: micros <= loopStepBudgetMicros,
      detail: `${micros.toFixed(1)} µs a step`
    }
  ]
  const peers = loop.contenders.filter((c) => c.contender === "effect-ai" || c.contender === "vercel-ai")
  const fastest = peers.reduce<ContenderResult | undefined>(
    (best, c) => (best === undefined || c.medianMs < best.medianMs ? c : best),
    undefined
  )
  if (fastest !== undefined) {
    const theirs = stepMicros(fastest.medianMs)
    out.push({
      target: `loop-overhead: effect-claude at least ${loopPeerFactor}x faster a step than the fastest peer`,
      scenario: "loop-overhead",
      measure: "time",
      met: micros * loopPeerFactor <= theirs,
      detail: `${(theirs / micros).toFixed(2)}x: ${micros.toFixed(1)} µs vs ${fastest.label} ${theirs.toFixed(1)} µs`
    })
  }
  return out
}

/**
 * How much more the 100k-line batch results may peak at than the 10k-line ones: the file is
 * streamed, so ten times the lines must not mean more memory (beyond the collector's slack).
 */
const flatRssSlack = 1.1

/** Whether effect-claude's peak RSS stays flat from 10,000 to 100,000 batch result lines. */
const flatBatchRss = (scenarios: ReadonlyArray<ScenarioResult>): Verdict | undefined => {
  const peak = (name: ScenarioName) =>
    scenarios.find((s) => s.scenario === name)?.contenders.find((c) => c.contender === "effect-claude")?.peakRssMb
  const small = peak("batch-results-10k")
  const large = peak("batch-results-100k")
  if (small === undefined || large === undefined) return undefined
  return {
    target: `batch-results: effect-claude peak RSS flat in the number of lines (100k within ${flatRssSlack.toFixed(2)}x of 10k)`,
    scenario: "batch-results-100k",
    measure: "memory",
    met: large <= small * flatRssSlack,
    detail: `${formatMb(large)} vs ${formatMb(small)}`
  }
}

const formatMs = (ms: number): string =>
  Number.isNaN(ms) ? "—" : ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`

const formatRatio = (ratio: number | undefined): string =>
  ratio === undefined || Number.isNaN(ratio) ? "—" : `${ratio.toFixed(2)}x`

const formatMb = (mb: number | undefined): string => (mb === undefined ? "—" : `${mb.toFixed(0)} MB`)

const formatRate = (perSecond: number): string => {
  if (!Number.isFinite(perSecond)) return "—"
  if (perSecond >= 1_000_000) return `${(perSecond / 1_000_000).toFixed(2)} M`
  if (perSecond >= 10_000) return `${(perSecond / 1_000).toFixed(0)} k`
  if (perSecond >= 1_000) return `${(perSecond / 1_000).toFixed(1)} k`
  return perSecond.toFixed(0)
}

/** The results table in Markdown. */
export const table = (scenarios: ReadonlyArray<ScenarioResult>): string => {
  const lines = [
    "| scenario | contender | median | min | max | runs | vs raw SDK | throughput | client CPU | CPU vs raw | peak RSS | output |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  ]
  for (const scenario of scenarios) {
    for (const result of scenario.contenders) {
      lines.push(
        `| ${scenario.scenario} | ${result.label} | ${formatMs(result.medianMs)} | ${formatMs(result.minMs)} | ${formatMs(result.maxMs)} | ${result.samplesMs.length} | ${formatRatio(result.ratioToRaw)} | ${formatRate(result.throughputPerSecond)} ${scenario.unit} | ${formatMs(result.cpuMedianMs)} | ${formatRatio(result.cpuRatioToRaw)} | ${formatMb(result.peakRssMb)} | ${result.correct ? "ok" : "WRONG"} |`
      )
    }
    for (const contender of scenario.unsupported ?? []) {
      lines.push(`| ${scenario.scenario} | ${contenderLabels[contender]} | n/a | | | | | | | | | no batches API |`)
    }
  }
  return lines.join("\n")
}

/** The full `results.md`. */
export const markdown = (report: Report): string => {
  const m = report.machine
  const failures = report.scenarios.flatMap((s) =>
    s.contenders.flatMap((c) => c.failures.map((f) => `- ${s.scenario}, ${c.label}: ${f}`))
  )
  return [
    "# Benchmarks: effect-claude side by side",
    "",
    `Measured ${runCount(report) > 1 ? `in ${runCount(report)} runs, ${report.earlierRuns?.[0]?.date} to ${report.date},` : report.date} with \`npm run bench${runCount(report) > 1 ? ` -- --runs ${runCount(report)}` : ""}\`${report.quick ? " --quick (tiny sizes: not representative)" : ""}.`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node} (${m.platform}); load average (1/5/15 min) ${formatLoad(m.loadAverageBefore)} before, ${formatLoad(m.loadAverageAfter)} after.`,
    // Judged by the load before the run only: the benchmark itself keeps about 1.5 cores busy (a
    // worker and the server, more in the RSS phase at the end), so the load after it is its own.
    ...(m.loadAverageBefore[0] !== undefined && m.loadAverageBefore[0] > m.cores * 0.75
      ? [
          "",
          `**Noise:** the machine was busy when this run started (1-minute load average ${m.loadAverageBefore[0].toFixed(1)} on ${m.cores} cores, other work running), so wall times are inflated and spread out (see min/max); the \`client CPU\` ratios are the steadier measure of each library's own cost. Rerun on a quiet machine for the numbers to quote.`
        ]
      : []),
    "",
    "Every HTTP contender talks to the same loopback `MockAnthropicServer` (in the parent process) through its",
    "`baseURL` option. Times come from one process running all contenders, after " +
      `${report.warmup} warm-up run(s) each, over up to ${report.reps} alternating repetitions (who goes first rotates;`,
    "a minor GC before each run, not a full one, which would deoptimize: see `collectGarbage.ts`;",
    report.budgetMs !== null
      ? `a contender whose warm-up run is slower than ${(report.budgetMs / 1000).toFixed(0)} s / ${report.reps} runs fewer, at least 3: see \`runs\`).`
      : "every contender runs every repetition).",
    "`client CPU` is the CPU time (user + system) of the client process during the run: the library's own",
    "work, which a busy machine disturbs much less than wall time (the server's work is in another process).",
    "Peak RSS comes from a separate process per contender and scenario (`process.resourceUsage().maxRSS`,",
    "which includes Node, the harness and the contender's libraries" +
      (report.harnessRssMb === null
        ? ")."
        : `; a worker loading no contender peaks at ${report.harnessRssMb.toFixed(0)} MB).`) +
      " Every output is checked against the scripted",
    "answer (same text, same tool results): a wrong answer is marked WRONG and fails the run.",
    `effect-claude ran from ${report.effectClaudeFrom === "dist" ? "its compiled `dist/` (`npm run build`), as users install it, in workers compiled to JavaScript and run by plain Node" : "its TypeScript sources through tsx"}; the peers from their published packages.`,
    "",
    "Scenarios:",
    "",
    ...report.scenarios.map((s) => `- \`${s.scenario}\`: ${s.description}.`),
    "",
    ...earlierRunsSection(report),
    ...(runCount(report) > 1
      ? [runHeading(runCount(report), report, report.date, m.loadAverageBefore, report.loadOrder), ""]
      : report.loadOrder === undefined
        ? []
        : [`The timing workers loaded the contenders in the order ${loadOrderText(report.loadOrder)}.`, ""]),
    table(report.scenarios),
    "",
    "## Targets",
    "",
    ...(runCount(report) > 1
      ? [
          `Judged over all ${runCount(report)} runs: a target is met only if it was met in every run (each run's figure follows).`,
          ""
        ]
      : []),
    ...report.verdicts.map((v) => `- ${v.met ? "met" : "**missed**"}: ${v.target} (${v.detail})`),
    "",
    ...missedTimeSection(report),
    ...missedMemorySection(report),
    "What would fix each miss, and the breakdowns measured by hand: [README.md](README.md).",
    ...(failures.length > 0 ? ["", "## Wrong outputs", "", ...failures] : []),
    ""
  ].join("\n")
}

const runCount = (report: Report): number => (report.earlierRuns?.length ?? 0) + 1

const formatLoad = (values: ReadonlyArray<number>): string => values.map((v) => v.toFixed(2)).join(" / ")

const loadOrderText = (order: ReadonlyArray<ContenderName>): string =>
  order.map((name) => contenderLabels[name]).join(", ")

const runHeading = (
  run: number,
  report: Report,
  date: string,
  loadBefore: ReadonlyArray<number>,
  loadOrder: ReadonlyArray<ContenderName> | undefined
): string =>
  `### Run ${run} of ${runCount(report)} (${date}; load average ${formatLoad(loadBefore)} before` +
  (loadOrder === undefined ? ")" : `; contenders loaded in the order ${loadOrderText(loadOrder)})`)

/** The tables of the runs before the last, when the benchmark measured more than once. */
const earlierRunsSection = (report: Report): ReadonlyArray<string> =>
  (report.earlierRuns ?? []).flatMap((run, index) => [
    runHeading(index + 1, report, run.date, run.loadAverageBefore, run.loadOrder),
    "",
    table(run.scenarios),
    ""
  ])

/** Each scenario named by a missed target of the given kind, once, in the order of the verdicts. */
export const missedScenarios = (
  judged: ReadonlyArray<Verdict>,
  measure: Verdict["measure"]
): ReadonlyArray<ScenarioName> => [
  ...new Set(judged.filter((v) => !v.met && v.measure === measure).map((v) => v.scenario))
]

const profileRows = (rows: ProfileSummary["byPackage"], busyMs: number, limit: number): Array<string> =>
  rows
    .slice(0, limit)
    .map(([name, ms]) => `| ${ms.toFixed(1)} ms | ${((100 * ms) / busyMs).toFixed(1)}% | \`${name}\` |`)

/** The CPU profile of effect-claude in each scenario with a missed time target. */
const missedTimeSection = (report: Report): ReadonlyArray<string> => {
  const profiled = missedScenarios(report.verdicts, "time").flatMap((scenario) => {
    const profile = report.profiles.find((p) => p.scenario === scenario)
    return profile === undefined ? [] : [profile]
  })
  if (profiled.length === 0) return []
  return [
    "## Where the time goes in the missed time targets",
    "",
    "A CPU profile (`node --cpu-prof`) of a worker running effect-claude alone on the scenario (one warm-up and",
    "three timed runs, module loading included), self time summed by package (effect-claude's own files as",
    "`dist/...`) and by function; shares are of the time the thread was busy (idle time: waiting for I/O).",
    "",
    ...profiled.flatMap(({ scenario, summary }) => [
      `### ${scenario} (${summary.busyMs.toFixed(0)} ms busy, ${summary.idleMs.toFixed(0)} ms idle)`,
      "",
      "| self time | share | package or file |",
      "| ---: | ---: | --- |",
      ...profileRows(summary.byPackage, summary.busyMs, 12),
      "",
      "| self time | share | function |",
      "| ---: | ---: | --- |",
      ...profileRows(summary.byFunction, summary.busyMs, 15),
      ""
    ])
  ]
}

/** RSS once loaded against the peak, per contender, in each scenario with a missed memory target. */
const missedMemorySection = (report: Report): ReadonlyArray<string> => {
  const scenarios = missedScenarios(report.verdicts, "memory").flatMap((name) => {
    const scenario = report.scenarios.find((s) => s.scenario === name)
    return scenario === undefined ? [] : [scenario]
  })
  if (scenarios.length === 0) return []
  return [
    "## Where the memory goes in the missed memory targets",
    "",
    "RSS of the memory process once the contender's libraries are imported and its client built (after a garbage",
    "collection, before the scenario runs), against its peak: the first is what loading the libraries costs" +
      (report.harnessRssMb === null
        ? "."
        : ` (a worker loading nothing peaks at ${report.harnessRssMb.toFixed(0)} MB).`),
    "",
    "| scenario | contender | RSS once loaded | peak RSS | peak minus loaded |",
    "| --- | --- | ---: | ---: | ---: |",
    ...scenarios.flatMap((scenario) =>
      scenario.contenders.map(
        (c) =>
          `| ${scenario.scenario} | ${c.label} | ${formatMb(c.loadedRssMb)} | ${formatMb(c.peakRssMb)} | ${c.loadedRssMb === undefined || c.peakRssMb === undefined ? "—" : formatMb(c.peakRssMb - c.loadedRssMb)} |`
      )
    ),
    ""
  ]
}
