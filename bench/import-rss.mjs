/**
 * Import cost of module sets: each set is imported in a fresh `node --expose-gc` process (plain Node,
 * source maps off, as the benchmark's memory workers run), which reports its peak RSS
 * (`process.resourceUsage().maxRSS`), its RSS and V8 heap after a full GC. Medians of `--runs`
 * processes per set, in MB.
 *
 *   node bench/import-rss.mjs --runs 5 - "effect-claude,effect-claude/anthropic" "ai,@ai-sdk/anthropic"
 *   node bench/import-rss.mjs --gc-between "effect/Effect,@anthropic-ai/sdk,effect-claude"
 *   node bench/import-rss.mjs --list "effect-claude/anthropic"   # modules loaded and their source, by package
 *   node bench/import-rss.mjs --from /tmp/e4 "effect/Effect,effect/Stream,effect/Schema"   # another install
 *
 * A set is a comma-separated list of specifiers, resolved from bench/ (so `effect-claude` is the
 * built dist/ through package.json `exports`: `npm run build` first); `-` is bare Node.
 * `--gc-between` collects garbage after each specifier of a set (what a set's peak owes to garbage
 * made while loading). `--list` counts the ES modules a set loads (a module loader hook sees them;
 * CommonJS modules loaded by `require` are not listed). `--from DIR` resolves the specifiers from
 * DIR's `node_modules` instead (e.g. another version of a dependency installed in a scratch folder),
 * through `require.resolve`, so a package must export them to `require` as well.
 */
import { execFileSync } from "node:child_process"
import { statSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"
import { parseArgs } from "node:util"

const self = fileURLToPath(import.meta.url)

/** The package a module URL belongs to (`effect-claude` for this repository's dist/). */
const packageOf = (url) => {
  if (url.startsWith("node:")) return "node:"
  const at = url.lastIndexOf("node_modules/")
  if (at < 0) return "effect-claude"
  const [scope, name] = url.slice(at + "node_modules/".length).split("/")
  return scope.startsWith("@") ? `${scope}/${name}` : scope
}

const child = async (set) => {
  process.setSourceMapsEnabled(false)
  const loaded = []
  if (process.env.IMPORT_RSS_LIST === "1") {
    const { register } = await import("node:module")
    const { MessageChannel } = await import("node:worker_threads")
    const { port1, port2 } = new MessageChannel()
    port1.on("message", (url) => loaded.push(url))
    port1.unref()
    const hook =
      "data:text/javascript,let port;export const initialize=(d)=>{port=d.port};" +
      "export const load=async(u,c,n)=>{port.postMessage(u);return n(u,c)}"
    register(hook, { data: { port: port2 }, transferList: [port2] })
  }
  const from = process.env.IMPORT_RSS_FROM
  const resolve = from ? (specifier) => pathToFileURL(createRequire(`${from}/`).resolve(specifier)).href : (s) => s
  for (const specifier of set.split(",").filter((s) => s !== "" && s !== "-")) {
    await import(resolve(specifier))
    if (process.env.IMPORT_RSS_GC === "1") globalThis.gc()
  }
  globalThis.gc()
  await new Promise((resolve) => setTimeout(resolve, 50))
  globalThis.gc()
  const memory = process.memoryUsage()
  process.stdout.write(
    JSON.stringify({
      peak: process.resourceUsage().maxRSS / 1024,
      rss: memory.rss / 2 ** 20,
      heap: memory.heapUsed / 2 ** 20,
      loaded
    })
  )
}

const parent = () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: "string", default: "5" },
      list: { type: "boolean", default: false },
      "gc-between": { type: "boolean", default: false },
      from: { type: "string", default: "" }
    }
  })
  const run = (set, list) =>
    JSON.parse(
      execFileSync(process.execPath, ["--expose-gc", self], {
        cwd: fileURLToPath(new URL(".", import.meta.url)),
        env: {
          ...process.env,
          IMPORT_RSS_CHILD: set,
          IMPORT_RSS_LIST: list ? "1" : "0",
          IMPORT_RSS_GC: values["gc-between"] ? "1" : "0",
          IMPORT_RSS_FROM: values.from
        },
        encoding: "utf8"
      })
    )
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  if (!values.list) console.log("peak\trss\theap\tset (MB, after a full GC)")
  for (const set of positionals) {
    if (values.list) {
      const byPackage = new Map()
      const { loaded } = run(set, true)
      for (const url of loaded) {
        const bytes = url.startsWith("file:") ? statSync(fileURLToPath(url)).size : 0
        const [count, size] = byPackage.get(packageOf(url)) ?? [0, 0]
        byPackage.set(packageOf(url), [count + 1, size + bytes])
      }
      console.log(`${set}: ${loaded.length} ES modules (modules, KB of source)`)
      for (const [name, [count, size]] of [...byPackage].sort((a, b) => b[1][1] - a[1][1]))
        console.log(`  ${count}\t${(size / 1024).toFixed(0)}\t${name}`)
      continue
    }
    const results = Array.from({ length: Number(values.runs) }, () => run(set, false))
    const column = (key) => median(results.map((result) => result[key])).toFixed(1)
    console.log(`${column("peak")}\t${column("rss")}\t${column("heap")}\t${set}`)
  }
}

if (process.env.IMPORT_RSS_CHILD !== undefined) await child(process.env.IMPORT_RSS_CHILD)
else parent()
