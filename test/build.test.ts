/**
 * The package as users get it: `npm run build` emits the three entry points to dist/, and plain
 * `node` imports each of them by the package's own name (resolved through package.json `exports`).
 */
import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"

const run = promisify(execFile)
const root = fileURLToPath(new URL("..", import.meta.url))

const importScript = `
const entries = ["effect-claude", "effect-claude/anthropic", "effect-claude/testing"]
const loaded = {}
for (const entry of entries) loaded[entry] = Object.keys(await import(entry)).sort()
console.log(JSON.stringify(loaded))
`

// The Node built-ins behind `fetch`, `Response` and `Headers` that importing the entry points loaded.
const fetchBuiltinsScript = `
for (const entry of ["effect-claude", "effect-claude/anthropic", "effect-claude/testing"]) await import(entry)
console.log(JSON.stringify(process.moduleLoadList.filter((name) => name.includes("undici"))))
`

// A module loader hook that appends the URL of every module loaded to `data.file`.
const recordingHook = `
import { appendFileSync } from "node:fs"
let file
export const initialize = (data) => { file = data.file }
export const load = async (url, context, next) => {
  appendFileSync(file, url + "\\n")
  return next(url, context)
}
`

// Imports the three entry points with the hook registered.
const recordedImportScript = (hookFile: string, logFile: string) => `
import { register } from "node:module"
import { pathToFileURL } from "node:url"
register(pathToFileURL(${JSON.stringify(hookFile)}), { data: { file: ${JSON.stringify(logFile)} } })
for (const entry of ["effect-claude", "effect-claude/anthropic", "effect-claude/testing"]) await import(entry)
`

/**
 * What the entry points must not load when imported: barrels that evaluate every module of a package
 * (cluster, rpc, sql, HttpApi... ~45 MB of peak RSS), undici (loaded when `AnthropicModel.layerConfig`
 * is built) and the optional cloud SDKs (loaded when their client Layer is built).
 */
const mustNotLoad = [
  "/node_modules/effect/dist/esm/index.js",
  "/node_modules/@effect/platform/dist/esm/index.js",
  "/node_modules/@effect/platform-node/",
  "/node_modules/@effect/cluster/",
  "/node_modules/undici/",
  "/node_modules/@anthropic-ai/bedrock-sdk/",
  "/node_modules/@anthropic-ai/vertex-sdk/",
  "/node_modules/@anthropic-ai/foundry-sdk/"
]

describe("the built package", () => {
  it("builds dist/ and plain node imports every entry point, loading no barrel, undici or cloud SDK", {
    timeout: 180_000
  }, async () => {
    await run(
      process.execPath,
      [fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url)), "-p", "tsconfig.build.json"],
      {
        cwd: root
      }
    )
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", importScript], { cwd: root })
    const loaded: Record<string, ReadonlyArray<string>> = JSON.parse(stdout)
    expect(loaded["effect-claude"]).toEqual(
      expect.arrayContaining(["Agent", "Tool", "Output", "Message", "Model", "Usage"])
    )
    expect(loaded["effect-claude/anthropic"]).toEqual(
      expect.arrayContaining([
        "AnthropicClient",
        "AnthropicModel",
        "AnthropicError",
        "AnthropicBatches",
        "AnthropicFiles"
      ])
    )
    expect(loaded["effect-claude/testing"]).toEqual(
      expect.arrayContaining(["TestModel", "FunctionModel", "Transcript", "MockAnthropicServer"])
    )

    const directory = await mkdtemp(join(tmpdir(), "effect-claude-imports-"))
    try {
      const hookFile = join(directory, "hook.mjs")
      const logFile = join(directory, "loaded.txt")
      await writeFile(hookFile, recordingHook)
      await writeFile(logFile, "")
      await run(process.execPath, ["--input-type=module", "-e", recordedImportScript(hookFile, logFile)], { cwd: root })
      const urls = (await readFile(logFile, "utf8")).split("\n").filter((url) => url !== "")
      // The hook saw the package itself, so an empty list cannot pass.
      expect(urls.filter((url) => url.endsWith("/dist/anthropic/AnthropicModel.js"))).toHaveLength(1)
      expect(urls.filter((url) => mustNotLoad.some((path) => url.includes(path)))).toEqual([])
      // Node's own fetch implementation (several MB) loads on the first read of a global such as
      // `Response`: a program that sends no request through the bridge must not pay for it.
      const builtins = await run(process.execPath, ["--input-type=module", "-e", fetchBuiltinsScript], { cwd: root })
      expect(JSON.parse(builtins.stdout)).toEqual([])
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })
})
