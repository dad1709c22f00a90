import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { judgedAcrossRuns, loadOrderOfRun } from "../bench/acrossRuns.js"
import { contenderNames, supports } from "../bench/Contender.js"
import { summarizeProfile } from "../bench/profileSummary.js"
import { markdown, type Report, summarize, verdicts, withRatios } from "../bench/report.js"
import {
  agentNext,
  checkOutput,
  expectedOutput,
  quickSizes,
  scenarioNames,
  toolCallId,
  toolValue
} from "../bench/scenarios.js"
import { answerFor } from "../bench/serverScript.js"

const root = fileURLToPath(new URL("..", import.meta.url))

describe("bench correctness checks", () => {
  it("rejects a stream with one wrong delta and accepts the expected one", () => {
    const expected = expectedOutput("stream-10k", quickSizes)
    expect(checkOutput(expected, expected)).toBeUndefined()
    if (expected._tag !== "stream") throw new Error("expected a stream output")
    const text = expected.output.text
    const wrong = { _tag: "stream" as const, output: { text: `${text.slice(0, 5)}X${text.slice(6)}`, deltas: 300 } }
    expect(checkOutput(expected, wrong)).toBe("text differs at 5 (length 1396, expected 1396)")
  })

  it("rejects an agent run whose tool results came back under the wrong id", () => {
    const results = [1, 2, 3].map((step) => ({ toolCallId: toolCallId(7, step), content: toolValue(7, step) }))
    expect(agentNext(7, results)).toEqual({ _tag: "Text", text: "run 7: v7.1.32 | v7.2.49 | v7.3.66" })
    const swapped = [results[1]!, results[0]!, results[2]!]
    expect(agentNext(7, swapped)).toEqual({
      _tag: "Text",
      text: `run 7: wrong id ${toolCallId(7, 2)} | wrong id ${toolCallId(7, 1)} | v7.3.66`
    })
  })

  it("scripts a tool call from the request body, reading JSON-encoded tool results", () => {
    const answer = answerFor({
      model: "m",
      messages: [
        { role: "user", content: [{ type: "text", text: "bench:agent:4" }] },
        { role: "assistant", content: [{ type: "tool_use", id: toolCallId(4, 1), name: "lookup", input: {} }] },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: toolCallId(4, 1), content: JSON.stringify(toolValue(4, 1)) }]
        }
      ]
    })
    expect(answer !== undefined && "content" in answer ? answer.content : undefined).toEqual([
      { type: "tool_use", id: toolCallId(4, 2), name: "lookup", input: { run: 4, step: 2 }, caller: { type: "direct" } }
    ])
  })
})

describe("bench --quick", () => {
  it("runs every contender on every scenario with correct outputs", { timeout: 180_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), "effect-claude-bench-"))
    try {
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ["--import", "tsx", "bench/run.ts", "--quick", "--out", out],
          { cwd: root, maxBuffer: 10 * 1024 * 1024 },
          (error, stdout, stderr) =>
            error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stdout}\n${stderr}`))
        )
      )
      const report: Report = JSON.parse(await readFile(join(out, "results.json"), "utf8"))
      const rows = report.scenarios.flatMap((scenario) =>
        scenario.contenders.map((result) => [scenario.scenario, result.contender, result.correct] as const)
      )
      expect(rows).toEqual(
        scenarioNames.flatMap((scenario) =>
          contenderNames
            .filter((contender) => supports(contender, scenario))
            .map((contender) => [scenario, contender, true] as const)
        )
      )
      for (const scenario of report.scenarios) {
        for (const result of scenario.contenders) {
          expect(result.samplesMs.length).toBe(report.reps)
        }
      }
      expect(stdout).toContain("| stream-10k | effect-claude |")
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })
})

describe("bench report: the missed targets explained", () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 })
  // root -> runLoop (effect) -> decode (ours) ; root -> (idle) ; root -> (garbage collector)
  const profile = {
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 4, 5] },
      {
        id: 2,
        callFrame: frame("runLoop", "file:///x/node_modules/effect/dist/esm/internal/fiberRuntime.js"),
        children: [3]
      },
      { id: 3, callFrame: frame("decode", "file:///repo/dist/anthropic/internal/sseEvents.js") },
      { id: 4, callFrame: frame("(idle)", "") },
      { id: 5, callFrame: frame("(garbage collector)", "") }
    ],
    samples: [2, 3, 3, 4, 4, 4, 5],
    timeDeltas: [1000, 1000, 1000, 5000, 5000, 5000, 2000]
  }

  it("sums a CPU profile's busy self time by package and function, idle time apart", () => {
    const summary = summarizeProfile(profile, 10)
    expect(summary.busyMs).toBe(5)
    expect(summary.idleMs).toBe(15)
    expect(summary.byPackage).toEqual([
      ["dist/anthropic/internal/sseEvents.js", 2],
      ["(garbage collector)", 2],
      ["effect", 1]
    ])
    expect(summary.byFunction[0]).toEqual(["decode dist/anthropic/internal/sseEvents.js:1", 2])
  })

  it("writes a missed time target's profile and a missed memory target's RSS into results.md", () => {
    const sizes = quickSizes
    const result = (contender: "raw-sdk" | "effect-claude" | "vercel-ai", ms: number, peak: number, loaded: number) =>
      summarize(contender, [ms], [ms], 100, peak, loaded, [])
    const scenarios = [
      {
        scenario: "request-1k" as const,
        description: "d",
        unit: "requests/s",
        contenders: withRatios([
          result("raw-sdk", 100, 120, 70),
          result("effect-claude", 150, 170, 128),
          result("vercel-ai", 140, 150, 69)
        ])
      }
    ]
    const judged = verdicts(scenarios, sizes)
    expect(judged.filter((v) => !v.met).map((v) => [v.measure, v.target])).toEqual([
      ["time", "request-1k: effect-claude within 1.05x of the raw SDK"],
      ["time", "request-1k: effect-claude faster than Vercel ai + @ai-sdk/anthropic"],
      ["memory", "request-1k: effect-claude peak RSS no higher than Vercel ai + @ai-sdk/anthropic"]
    ])
    const report: Report = {
      date: "2026-12-02T00:00:00.000Z",
      machine: {
        cpu: "c",
        cores: 2,
        memoryGb: 24,
        node: "v20",
        platform: "linux",
        loadAverageBefore: [0.5, 0.5, 0.5],
        loadAverageAfter: [1, 1, 1]
      },
      quick: false,
      effectClaudeFrom: "dist",
      sizes,
      warmup: 1,
      reps: 1,
      budgetMs: null,
      harnessRssMb: 46,
      scenarios,
      verdicts: judged,
      profiles: [{ scenario: "request-1k", summary: summarizeProfile(profile, 10) }]
    }
    const text = markdown(report)
    expect(text).toContain("### request-1k (5 ms busy, 15 ms idle)")
    expect(text).toContain("| 2.0 ms | 40.0% | `dist/anthropic/internal/sseEvents.js` |")
    expect(text).toContain("| request-1k | effect-claude | 128 MB | 170 MB | 42 MB |")
    // A run whose targets were all met explains nothing.
    const quiet = markdown({ ...report, verdicts: judged.map((v) => ({ ...v, met: true })) })
    expect(quiet).not.toContain("## Where the time goes")
    expect(quiet).not.toContain("## Where the memory goes")

    // Two runs: a target met in one run only is missed, and each run's figure and table is shown.
    const fasterScenarios = [
      {
        ...scenarios[0]!,
        contenders: withRatios([
          result("raw-sdk", 100, 120, 70),
          result("effect-claude", 104, 170, 128),
          result("vercel-ai", 140, 150, 69)
        ])
      }
    ]
    const fasterVerdicts = verdicts(fasterScenarios, sizes)
    // The slower run first: the last run alone meets the target, the two together do not.
    const acrossBoth = judgedAcrossRuns([judged, fasterVerdicts])
    const ratioTarget = acrossBoth.find((v) => v.target === "request-1k: effect-claude within 1.05x of the raw SDK")
    expect(ratioTarget).toMatchObject({
      met: false,
      detail: "run 1: 1.50x; client CPU 1.50x, missed; run 2: 1.04x; client CPU 1.04x"
    })
    expect(judgedAcrossRuns([fasterVerdicts, fasterVerdicts]).every((v, i) => v.met === fasterVerdicts[i]!.met)).toBe(
      true
    )
    const twoRuns = markdown({
      ...report,
      scenarios: fasterScenarios,
      verdicts: acrossBoth,
      earlierRuns: [
        {
          date: "2026-12-01T23:50:00.000Z",
          loadAverageBefore: [0.4, 0.4, 0.4],
          loadAverageAfter: [1, 1, 1],
          loadOrder: ["raw-sdk", "effect-claude", "vercel-ai"],
          scenarios,
          verdicts: judged
        }
      ],
      loadOrder: ["effect-claude", "vercel-ai", "raw-sdk"]
    })
    expect(twoRuns).toContain(
      "### Run 1 of 2 (2026-12-01T23:50:00.000Z; load average 0.40 / 0.40 / 0.40 before; contenders loaded in the order raw @anthropic-ai/sdk, effect-claude, Vercel ai + @ai-sdk/anthropic)"
    )
    expect(twoRuns).toContain(
      "### Run 2 of 2 (2026-12-02T00:00:00.000Z; load average 0.50 / 0.50 / 0.50 before; contenders loaded in the order effect-claude, Vercel ai + @ai-sdk/anthropic, raw @anthropic-ai/sdk)"
    )
    expect(twoRuns).toContain("| request-1k | effect-claude | 104 ms |")
    expect(twoRuns).toContain("Judged over all 2 runs")
    expect(twoRuns).toContain("- **missed**: request-1k: effect-claude within 1.05x of the raw SDK (run 1: 1.50x")
  })
})

describe("bench --runs: the timing workers' load order", () => {
  it("rotates the contenders by the run's index, so each is loaded first in some run", () => {
    const contenders = ["raw-sdk", "effect-claude", "vercel-ai"] as const
    expect(loadOrderOfRun(contenders, 0)).toEqual(["raw-sdk", "effect-claude", "vercel-ai"])
    expect(loadOrderOfRun(contenders, 1)).toEqual(["effect-claude", "vercel-ai", "raw-sdk"])
    expect(loadOrderOfRun(contenders, 2)).toEqual(["vercel-ai", "raw-sdk", "effect-claude"])
    expect(loadOrderOfRun(contenders, 3)).toEqual(loadOrderOfRun(contenders, 0))
    expect(loadOrderOfRun([], 1)).toEqual([])
  })
})
