/**
 * The package as users get it: `npm run build` emits the three entry points to dist/, and plain
 * `node` imports each of them by the package's own name (resolved through package.json `exports`).
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"

const run = promisify(execFile)
const root = fileURLToPath(new URL("..", import.meta.url))

const importScript = `
const entries = ["effect-agent", "effect-agent/anthropic", "effect-agent/testing"]
const loaded = {}
for (const entry of entries) loaded[entry] = Object.keys(await import(entry)).sort()
console.log(JSON.stringify(loaded))
`

describe("the built package", () => {
  it("builds dist/ and plain node imports every entry point", { timeout: 180_000 }, async () => {
    await run(
      process.execPath,
      [fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url)), "-p", "tsconfig.build.json"],
      {
        cwd: root
      }
    )
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", importScript], { cwd: root })
    const loaded: Record<string, ReadonlyArray<string>> = JSON.parse(stdout)
    expect(loaded["effect-agent"]).toEqual(
      expect.arrayContaining(["Agent", "Tool", "Output", "Message", "Model", "Usage"])
    )
    expect(loaded["effect-agent/anthropic"]).toEqual(
      expect.arrayContaining(["AnthropicClient", "AnthropicModel", "AnthropicError", "MessageBatches", "Files"])
    )
    expect(loaded["effect-agent/testing"]).toEqual(
      expect.arrayContaining(["TestModel", "FunctionModel", "Transcript", "MockAnthropicServer"])
    )
  })
})
