/**
 * Writes package.json `exports` from the source tree: the entry points (`src/index.ts` and every
 * `src/<folder>/index.ts`) and every public module they re-export (`export * as X from "./X.js"`),
 * each as its own subpath (`effect-claude/Agent`, `effect-claude/anthropic/AnthropicModel`), plus
 * `./package.json`. Declaration emit in a user's project can then name any type the library returns.
 *
 *   node scripts/exports.mjs          rewrite package.json
 *   node scripts/exports.mjs --check  exit 1 (and say what differs) when package.json is out of date
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const src = `${root}src`

const entry = (subpath, module) => [subpath, { types: `./dist/${module}.d.ts`, import: `./dist/${module}.js` }]

/** The exports map the source tree calls for, in a stable order. */
export const exportsMap = () => {
  const folders = [
    "",
    ...readdirSync(src, { withFileTypes: true })
      .filter((item) => item.isDirectory() && item.name !== "internal" && existsSync(`${src}/${item.name}/index.ts`))
      .map((item) => item.name)
      .sort()
  ]
  const entries = []
  for (const folder of folders) {
    const prefix = folder === "" ? "" : `${folder}/`
    entries.push(entry(folder === "" ? "." : `./${folder}`, `${prefix}index`))
    const index = readFileSync(`${src}/${prefix}index.ts`, "utf8")
    const modules = [...index.matchAll(/^export \* as \w+ from "\.\/([\w/]+)\.js"/gm)].map((match) => match[1]).sort()
    for (const module of modules) entries.push(entry(`./${prefix}${module}`, `${prefix}${module}`))
  }
  entries.push(["./package.json", "./package.json"])
  return Object.fromEntries(entries)
}

const path = `${root}package.json`
const text = readFileSync(path, "utf8")
const pkg = JSON.parse(text)
const wanted = exportsMap()
if (process.argv.includes("--check")) {
  const current = JSON.stringify(pkg.exports)
  if (current !== JSON.stringify(wanted)) {
    const missing = Object.keys(wanted).filter((key) => !(key in (pkg.exports ?? {})))
    const extra = Object.keys(pkg.exports ?? {}).filter((key) => !(key in wanted))
    console.error(
      `package.json exports are out of date (run: node scripts/exports.mjs)` +
        (missing.length > 0 ? `\n  missing: ${missing.join(", ")}` : "") +
        (extra.length > 0 ? `\n  extra: ${extra.join(", ")}` : "")
    )
    process.exit(1)
  }
} else {
  pkg.exports = wanted
  writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`)
}
