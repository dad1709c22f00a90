/**
 * `npm run docs`: the API reference from the JSDoc, with every `@example` compiled. For each public
 * module (every module an `index.ts` re-exports, as in package.json `exports`) it writes
 * `docs/<subpath>.md` (the module's header, then each export's one-line doc and examples) and
 * `docs/.examples/*.ts` (each example as a file), then typechecks all examples together under the
 * repository's strict settings, importing `effect-claude` from the sources. A module's
 * `export { a, type B } from "./file.js"` brings the docs of `a` and `B` from that file. It fails
 * when an example does not compile, or when an export has no doc comment, or its doc lacks `@since`
 * or `@category`.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const out = join(root, "docs")
const examplesDir = join(out, ".examples")
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))

const modules = Object.entries(pkg.exports)
  .filter(([subpath]) => subpath !== "./package.json")
  .map(([subpath, target]) => ({
    subpath: subpath === "." ? "index" : subpath.slice(2),
    file: join(root, target.import.replace("./dist/", "src/").replace(/\.js$/, ".ts"))
  }))

// A JSDoc block and the name of the declaration after it.
// Line comments (lint directives) may stand between the block and its declaration.
const blockPattern =
  /\/\*\*([\s\S]*?)\*\/\s*(?:(?:\/\/[^\n]*\n\s*)*export\s+(?:declare\s+)?(?:const|let|function|class|interface|type|namespace)\s+([\w$]+))?/g

// A module's own exported declarations, documented or not.
const declarationPattern =
  /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:const|let|function|class|interface|type|namespace|enum)\s+([\w$]+)/gm

// `export { a, type B as C } from "./file.js"` (also `export type { ... }`): the names and the file.
const reexportPattern = /^export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*"(\.[^"]+)"/gm

/** The JSDoc blocks of `file`, with the declarations they document, re-exported ones included. */
const blocksOf = (file, only) => {
  const source = readFileSync(file, "utf8")
  const blocks = []
  for (const match of source.matchAll(blockPattern)) {
    if (only === undefined || (match[2] !== undefined && only.has(match[2]))) {
      blocks.push({ body: match[1], name: match[2], index: match.index })
    }
  }
  for (const match of source.matchAll(reexportPattern)) {
    const names = new Set(
      match[1]
        .split(",")
        .map(
          (name) =>
            name
              .trim()
              .replace(/^type\s+/, "")
              .split(/\s+as\s+/)[0]
        )
        .filter((name) => name !== "" && (only === undefined || only.has(name)))
    )
    if (names.size === 0) continue
    const target = join(dirname(file), match[2].replace(/\.js$/, ".ts"))
    // Re-exported docs come after the module's own, in the order of the export lines.
    for (const block of blocksOf(target, names)) blocks.push({ ...block, index: source.length + match.index })
  }
  return blocks.sort((a, b) => a.index - b.index)
}

const clean = (body) =>
  body
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, ""))
    .join("\n")
    .trim()

rmSync(out, { recursive: true, force: true })
mkdirSync(examplesDir, { recursive: true })
let exampleCount = 0
const missingTags = []
for (const module of modules) {
  const sections = []
  const blocks = blocksOf(module.file)
  const documented = new Set(blocks.map((block) => block.name))
  for (const match of readFileSync(module.file, "utf8").matchAll(declarationPattern)) {
    if (!documented.has(match[1])) missingTags.push(`${module.subpath}: ${match[1]} has no doc comment`)
  }
  for (const block of blocks) {
    const [description, ...examples] = clean(block.body).split(/^@example\b/m)
    const name = block.name
    if (name !== undefined) {
      for (const tag of ["@since", "@category"]) {
        if (!new RegExp(`^${tag}\\s+\\S`, "m").test(clean(block.body))) {
          missingTags.push(`${module.subpath}: ${name} has no ${tag}`)
        }
      }
    }
    const doc = description.replace(/^@\w+.*$/gm, "").trim()
    if (name === undefined && sections.length > 0 && examples.length === 0) continue
    sections.push(`${name === undefined ? "" : `## ${name}\n\n`}${doc}`)
    for (const example of examples) {
      const code = example.replace(/^\s*```ts\s*\n|```\s*$/g, "").trim()
      exampleCount++
      const file = `${module.subpath.replaceAll("/", "_")}_${exampleCount}.ts`
      // Each example is a module of its own: its names do not clash with the next one's.
      writeFileSync(join(examplesDir, file), `${code}\n\nexport {}\n`)
      sections.push(`\`\`\`ts\n${code}\n\`\`\``)
    }
  }
  const target = join(out, `${module.subpath}.md`)
  mkdirSync(dirname(target), { recursive: true })
  writeFileSync(
    target,
    `# effect-claude/${module.subpath === "index" ? "" : module.subpath}\n\n${sections.join("\n\n")}\n`
  )
}
writeFileSync(
  join(examplesDir, "tsconfig.json"),
  JSON.stringify({
    extends: "../../tsconfig.base.json",
    compilerOptions: {
      noEmit: true,
      noUnusedLocals: false,
      noUnusedParameters: false,
      paths: {
        "effect-claude": ["../../src/index.ts"],
        "effect-claude/anthropic": ["../../src/anthropic/index.ts"],
        "effect-claude/testing": ["../../src/testing/index.ts"],
        "effect-claude/durable": ["../../src/durable/index.ts"],
        "effect-claude/mcp": ["../../src/mcp/index.ts"],
        "effect-claude/*": ["../../src/*.ts"]
      }
    },
    include: ["*.ts"]
  })
)
const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", examplesDir], {
  encoding: "utf8"
})
process.stdout.write(tsc.stdout)
console.log(`docs: ${modules.length} modules written to docs/, ${exampleCount} examples compiled`)
if (missingTags.length > 0) {
  console.error(`docs: ${missingTags.length} exports lack a doc comment or a tag:\n${missingTags.join("\n")}`)
  process.exit(1)
}
if (tsc.status !== 0) {
  console.error("docs: some @example blocks do not compile (see above; files in docs/.examples)")
  process.exit(1)
}
