/**
 * Where a loop step's time goes: reads a CPU profile of `loop-overhead` (from `profile-agent.ts`
 * with PROFILE=name) and shares its samples out between the parts of a step, each sample to the
 * first part whose frames are on its stack (so the fake model's own Schema work counts as the fake's).
 *
 *   PROFILE=effect-claude ... bench/profile-agent.ts && npx tsx bench/stepBreakdown.ts /tmp/profile-agent-effect-claude.cpuprofile 125
 *
 * The optional second argument is the measured CPU µs per step, to print each share in µs too.
 */
import { readFileSync } from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string }
  readonly children?: ReadonlyArray<number>
}

interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** The parts of a step, in the order a sample is tested against them. */
const parts: ReadonlyArray<readonly [string, RegExp]> = [
  ["garbage collection", /^\(garbage collector\)/],
  ["the scenario's fake model function (bench/: reads the conversation, builds its parts)", / bench\/contenders\//],
  ["FunctionModel: usage estimate, the response", / dist\/testing\//],
  ["tool: argument decoding (Schema) and handler", / dist\/Tool\.js/],
  [
    "spans: open, annotate, end; GenAI metrics",
    /^(unsafeMakeSpan|openSpan|endSpan) |^(NativeSpan|span|attribute|end) npm:effect\/dist\/esm\/internal\/tracer\.js|^onEnd dist\/Model|^\S* dist\/internal\/chatSpan| npm:effect\/dist\/esm\/internal\/metric\//
  ],
  ["context changes (FiberRef set: span parent, RunContext)", /setFiberRef|fiberRefs\.js/],
  [
    "Schema class constructors on the loop's path (trusted)",
    /klass effect|lazilyMergeDefaults|^construct dist\/internal\/trustedInput/
  ],
  ["loop code: run/*, Model, Usage, Message (own frames)", / dist\//],
  ["Effect fiber runtime (the steps' effects)", / npm:effect\//]
]

const [file, perStep] = process.argv.slice(2)
if (file === undefined) throw new Error("usage: stepBreakdown.ts PROFILE [CPU µs per step]")
const profile: Profile = JSON.parse(readFileSync(file, "utf8"))
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parentOf = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
/** A frame as `function place`, the place `npm:package/...` or this repository's `dist/...`, `bench/...`. */
const label = (node: ProfileNode) =>
  `${node.callFrame.functionName} ${node.callFrame.url.replace(/^.*\/node_modules\//, "npm:").replace(/^file:\/\/.*?\/(dist|bench|src)\//, "$1/")}`

const spent = new Map<string, number>()
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i + 1] ?? 0
  const leaf = byId.get(profile.samples[i]!)
  if (leaf === undefined || /^\((idle|program)\)/.test(leaf.callFrame.functionName)) continue
  const stack: Array<string> = []
  for (let id: number | undefined = leaf.id; id !== undefined; id = parentOf.get(id)) stack.push(label(byId.get(id)!))
  const part = parts.find(([, pattern]) => stack.some((frame) => pattern.test(frame)))?.[0] ?? "other (Node, harness)"
  spent.set(part, (spent.get(part) ?? 0) + delta)
  total += delta
}
const scale = perStep === undefined ? undefined : Number(perStep)
for (const [part, time] of [...spent].sort((a, b) => b[1] - a[1])) {
  const share = time / total
  const micros = scale === undefined ? "" : `${(share * scale).toFixed(1).padStart(6)} µs  `
  console.log(`${(share * 100).toFixed(1).padStart(5)}%  ${micros}${part}`)
}
