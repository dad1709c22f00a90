/**
 * Rewrites imports from the `effect` barrel into imports of its modules, in every `.ts` file under
 * the given folders or files (default `src`):
 *
 *   import { Effect, type Fiber, Schema as S, pipe } from "effect"
 * becomes
 *   import * as Effect from "effect/Effect"
 *   import type * as Fiber from "effect/Fiber"
 *   import * as S from "effect/Schema"
 *   import { pipe } from "effect/Function"
 *
 * Why: `import ... from "effect"` evaluates the barrel, which loads every module of the package
 * (STM, TestClock, Micro, Arbitrary, Graph, ...), whatever the importer uses: several MB of
 * resident memory in every process that loads the library. A module import loads only what it
 * needs. Doc comments (`@example`s) are left alone: users may import the barrel.
 *
 *   node scripts/effect-submodule-imports.mjs [folder or file ...]   # then `npx biome check --write <them>`
 *
 * Idempotent: a file without barrel imports is not touched. Prints the files it changed.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** What the barrel re-exports by name from `effect/Function` rather than as a namespace. */
const functionExports = new Set(["absurd", "flow", "hole", "identity", "pipe", "unsafeCoerce"])

/** An import statement from the barrel, at the start of a line (so not inside a doc comment). */
const barrelImport = /^import(\s+type)?\s*\{([^}]*)\}\s*from\s*"effect";?[ \t]*$/gm

const filesUnder = (folder) =>
  !statSync(folder).isDirectory()
    ? [folder]
    : readdirSync(folder).flatMap((name) => {
        const path = join(folder, name)
        if (statSync(path).isDirectory()) return filesUnder(path)
        return path.endsWith(".ts") ? [path] : []
      })

/** The module imports that stand for one barrel import. */
const rewrite = (wholeTypeOnly, specifiers) => {
  const lines = []
  const fromFunction = []
  for (const raw of specifiers.split(",")) {
    const specifier = raw.trim()
    if (specifier === "") continue
    const match = /^(type\s+)?([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/.exec(specifier)
    if (match === null) throw new Error(`cannot rewrite import specifier: ${specifier}`)
    const typeOnly = wholeTypeOnly || match[1] !== undefined
    const name = match[2]
    const local = match[3] ?? name
    if (functionExports.has(name)) {
      fromFunction.push(`${typeOnly ? "type " : ""}${name}${local === name ? "" : ` as ${local}`}`)
    } else {
      lines.push(`import ${typeOnly ? "type " : ""}* as ${local} from "effect/${name}"`)
    }
  }
  if (fromFunction.length > 0) lines.push(`import { ${fromFunction.join(", ")} } from "effect/Function"`)
  return lines.join("\n")
}

const folders = process.argv.length > 2 ? process.argv.slice(2) : ["src"]
let changed = 0
for (const file of folders.flatMap(filesUnder)) {
  const source = readFileSync(file, "utf8")
  const next = source.replace(barrelImport, (_, typeOnly, specifiers) => rewrite(typeOnly !== undefined, specifiers))
  if (next !== source) {
    writeFileSync(file, next)
    console.log(file)
    changed++
  }
}
console.error(`${changed} file(s) rewritten`)
