/**
 * `npm run bench [-- args]`: the benchmarks are a private package of their own (bench/package.json),
 * so the library's `npm install` never installs the peers they compare against. This installs
 * bench's dependencies from its lockfile when they are missing, then runs `bench/run.ts` with the
 * arguments given. `--install-only` stops after the install (the CI smoke step runs the rest).
 */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const bench = fileURLToPath(new URL("../bench", import.meta.url))
const npm = process.platform === "win32" ? "npm.cmd" : "npm"

const run = (command, args, cwd) => {
  const result = spawnSync(command, args, { cwd, stdio: "inherit" })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

if (!existsSync(`${bench}/node_modules/ai/package.json`)) {
  console.error("bench: installing the benchmark's own dependencies (bench/package-lock.json)")
  run(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], bench)
}

const args = process.argv.slice(2)
if (!args.includes("--install-only")) run(process.execPath, ["--import", "tsx", "bench/run.ts", ...args], root)
