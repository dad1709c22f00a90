/**
 * `npm run check:consumer`: the package as a user gets it. Builds and packs it, installs the tarball
 * into a temporary app on the supported stack (effect 3, @effect/platform, the SDK, vitest 3 and
 * @effect/vitest 0.30), then checks:
 *   - one copy of `effect` (`npm ls effect`);
 *   - the README's "agent in one screen" and its testing snippet compile under `strict` and
 *     `exactOptionalPropertyTypes`, and run offline (the agent against the bundled loopback server);
 *   - `tsc --declaration` over a module exporting a run's result and a test Layer (no TS2742);
 *   - installing the tarball into an app on effect 4 fails with an ERESOLVE naming the package.
 * Uses npm's cache, so a second run is quick.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const npm = process.platform === "win32" ? "npm.cmd" : "npm"
const work = mkdtempSync(join(tmpdir(), "effect-claude-consumer-"))
const keep = process.argv.includes("--keep")
let failures = 0

const sh = (command, args, cwd, options = {}) => {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options })
  return { status: result.status ?? 1, output: `${result.stdout ?? ""}${result.stderr ?? ""}` }
}
const must = (what, command, args, cwd, options) => {
  const result = sh(command, args, cwd, options)
  if (result.status !== 0) throw new Error(`${what} failed:\n${result.output}`)
  return result.output
}
const check = (what, ok, detail = "") => {
  console.log(`${ok ? "ok" : "FAILED"}: ${what}${ok || detail === "" ? "" : `\n${detail}`}`)
  if (!ok) failures++
}

/** The README's code block after `<!-- check:consumer NAME -->`. */
const snippet = (name) => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const match = readme.match(new RegExp(`<!-- check:consumer ${name} -->\\s*\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``))
  if (match === null) throw new Error(`README.md has no block marked <!-- check:consumer ${name} -->`)
  return match[1]
}

// The registry here lacks some newest platform packages; the repository pins the same overrides.
const overrides = pkg.overrides ?? {}
const stack = {
  effect: pkg.peerDependencies.effect,
  "@effect/platform": pkg.peerDependencies["@effect/platform"],
  "@anthropic-ai/sdk": pkg.peerDependencies["@anthropic-ai/sdk"],
  vitest: "^3.2.7",
  "@effect/vitest": "^0.30.0",
  typescript: pkg.devDependencies.typescript,
  "@types/node": pkg.devDependencies["@types/node"]
}

try {
  must("build", npm, ["run", "build", "--silent"], root)
  const packed = JSON.parse(must("npm pack", npm, ["pack", "--json", "--pack-destination", work], root))
  const tarball = join(work, packed[0].filename)
  console.log(`packed ${packed[0].filename} (${packed[0].entryCount} files)`)

  // The app on the supported stack.
  const app = join(work, "app")
  mkdirSync(app)
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "consumer-app", private: true, type: "module", dependencies: stack, overrides }, null, 2)
  )
  must("install the supported stack", npm, ["install", "--no-audit", "--no-fund", "--prefer-offline"], app)
  must("install the tarball", npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], app)

  const effects = sh(npm, ["ls", "effect", "--all", "--parseable"], app).output.trim().split("\n").filter(Boolean)
  check(`one copy of effect (npm ls effect: ${effects.length})`, effects.length === 1, effects.join("\n"))

  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        types: ["node"],
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        declaration: true,
        outDir: "dist",
        skipLibCheck: true
      },
      include: ["src"]
    })
  )
  mkdirSync(join(app, "src"))
  writeFileSync(
    join(app, "src", "agent.ts"),
    `${snippet("agent")}\n\nconsole.log(JSON.stringify(await Effect.runPromise(program)))\n`
  )
  writeFileSync(join(app, "src", "agent.test.ts"), snippet("testing"))
  // A module exporting what users export: a run, its result type, a test Layer (declaration emit).
  writeFileSync(
    join(app, "src", "exported.ts"),
    `import { Effect, Schema } from "effect"
import { Agent, Output, Tool } from "effect-claude"
import { MockAnthropicServer, TestModel } from "effect-claude/testing"

export const lookup = Tool.make("lookup", {
  description: "Looks a word up",
  parameters: Schema.Struct({ word: Schema.String }),
  handler: ({ word }) => Effect.succeed(word.length)
})
export const agent = Agent.make({ instructions: "Be brief.", tools: [lookup], output: Output.tool(Schema.Struct({ n: Schema.Number })) })
export const run = Agent.run(agent, "How long is 'effect'?")
export const output = run.pipe(Effect.map((result) => result.output))
export const result = Effect.runPromise(run.pipe(Effect.provide(TestModel.layer())))
export const serverModel = MockAnthropicServer.layerModel(MockAnthropicServer.textMessage("hi"))
`
  )
  const compiled = sh(process.execPath, [join(app, "node_modules/typescript/bin/tsc"), "-p", "."], app)
  check(
    "README snippets and an exported run compile (strict, exactOptionalPropertyTypes, --declaration)",
    compiled.status === 0,
    compiled.output
  )
  check("no TS2742 in declaration emit", !compiled.output.includes("TS2742"), compiled.output)

  // The agent in one screen, offline: the loopback server answers as Claude would.
  writeFileSync(
    join(app, "run-agent.mjs"),
    `import { Effect } from "effect"
import { MockAnthropicServer } from "effect-claude/testing"

const answer = (request) => {
  const sent = JSON.stringify(request.body ?? {})
  return sent.includes("tool_result")
    ? MockAnthropicServer.toolUseMessage([{ name: "final_result", input: { city: "Paris", celsius: 18 } }])
    : MockAnthropicServer.toolUseMessage([{ name: "get_weather", input: { city: "Paris" } }])
}
await Effect.runPromise(
  Effect.gen(function* () {
    const server = yield* MockAnthropicServer.make(answer)
    process.env.ANTHROPIC_API_KEY = server.apiKey
    process.env.ANTHROPIC_BASE_URL = server.baseURL
    yield* Effect.promise(() => import("./dist/agent.js"))
  }).pipe(Effect.scoped)
)
`
  )
  if (compiled.status === 0) {
    const ran = sh(process.execPath, ["run-agent.mjs"], app, { timeout: 60_000 })
    check(
      "the agent in one screen runs offline",
      ran.status === 0 && ran.output.includes('{"city":"Paris","celsius":18}'),
      ran.output
    )
    const tested = sh(join(app, "node_modules/.bin/vitest"), ["run", "--dir", "src"], app, {
      timeout: 120_000,
      env: { ...process.env, CI: "true" }
    })
    check(
      "the README's testing snippet passes under vitest 3 + @effect/vitest 0.30",
      tested.status === 0,
      tested.output
    )
  }

  // An app on effect 4 must refuse the package loudly.
  const app4 = join(work, "app4")
  mkdirSync(app4)
  writeFileSync(
    join(app4, "package.json"),
    JSON.stringify(
      { name: "consumer-app-4", private: true, type: "module", dependencies: { effect: "^4.0.0" }, overrides },
      null,
      2
    )
  )
  must("install effect 4", npm, ["install", "--no-audit", "--no-fund", "--prefer-offline"], app4)
  const refused = sh(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], app4)
  check(
    "an app on effect 4 gets ERESOLVE naming effect-claude",
    refused.status !== 0 && refused.output.includes("ERESOLVE") && refused.output.includes("effect-claude"),
    refused.output.slice(0, 3000)
  )
} catch (error) {
  check("consumer check ran", false, error instanceof Error ? error.message : String(error))
} finally {
  if (keep) console.log(`kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
}
console.log(failures === 0 ? "consumer check passed" : `consumer check: ${failures} failed`)
process.exit(failures === 0 ? 0 : 1)
