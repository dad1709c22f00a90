import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { contenderNames, supports } from "../bench/Contender.js"
import type { Report } from "../bench/report.js"
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
