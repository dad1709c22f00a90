/**
 * `npm run docs`: the API reference from the JSDoc, with every `@example` compiled. For each public
 * module (every module an `index.ts` re-exports, as in package.json `exports`) it writes
 * `docs/<subpath>.md` (the module's header, then each export's one-line doc and examples) and
 * `docs/.examples/*.ts` (each example as a file), then typechecks all examples together under the
 * repository's strict settings, importing `effect-claude` from the sources. Missing `@since` /
 * `@category` tags do not fail it yet.
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
const blockPattern =
  /\/\*\*([\s\S]*?)\*\/\s*(?:export\s+(?:declare\s+)?(?:const|let|function|class|interface|type|namespace|\*\s+as)\s+([\w$]+))?/g

const clean = (body) =>
  body
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, ""))
    .join("\n")
    .trim()

rmSync(out, { recursive: true, force: true })
mkdirSync(examplesDir, { recursive: true })
let exampleCount = 0
for (const module of modules) {
  const source = readFileSync(module.file, "utf8")
  const sections = []
  for (const match of source.matchAll(blockPattern)) {
    const [description, ...examples] = clean(match[1]).split(/^@example\b/m)
    const name = match[2]
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
if (tsc.status !== 0) {
  console.error("docs: some @example blocks do not compile (see above; files in docs/.examples)")
  process.exit(1)
}
