/**
 * `npm run examples`: runs every `examples/*.ts` offline (no `ANTHROPIC_API_KEY`: each example talks
 * to its scripted stand-in or the bundled loopback server) and fails when one exits non-zero or
 * prints nothing. Runs them one after another, so the output reads as a tour.
 */
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const examples = readdirSync(`${root}examples`)
  .filter((name) => name.endsWith(".ts") && name !== "exampleModel.ts")
  .sort()

const env = { ...process.env, ANTHROPIC_API_KEY: "", ANTHROPIC_BASE_URL: "" }
const failures = []
for (const name of examples) {
  const started = Date.now()
  const result = spawnSync(process.execPath, ["--import", "tsx", `examples/${name}`], {
    cwd: root,
    env,
    encoding: "utf8",
    timeout: 120_000
  })
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim()
  const ok = result.status === 0 && (result.stdout ?? "").trim() !== ""
  console.log(`\n=== examples/${name}: ${ok ? "ok" : "FAILED"} (${Date.now() - started} ms)`)
  console.log(output.split("\n").slice(0, 40).join("\n"))
  if (!ok) failures.push(name)
}
console.log(`\n${examples.length - failures.length} of ${examples.length} examples ran offline`)
if (failures.length > 0) {
  console.error(`failed: ${failures.join(", ")}`)
  process.exit(1)
}
