/**
 * The benchmark's scenarios as data: their sizes, the prompts every contender sends, the answers the
 * loopback server and the in-process fakes script from those prompts, and the outputs every contender
 * must produce. Everything here is plain and deterministic, so a contender's output can be compared
 * against an expectation computed without any library.
 */

/** The scenarios, in the order they run and print. */
export const scenarioNames = ["stream-10k", "request-1k", "agent-3-tools", "loop-overhead"] as const

/** A scenario's name. */
export type ScenarioName = (typeof scenarioNames)[number]

/** Whether a string names a scenario. */
export const isScenarioName = (name: string): name is ScenarioName =>
  (scenarioNames as ReadonlyArray<string>).includes(name)

/** How big each scenario is. */
export interface Sizes {
  /** Text deltas in the one streamed answer of `stream-10k`. */
  readonly streamDeltas: number
  /** Sequential non-streamed requests of `request-1k`. */
  readonly requests: number
  /** Concurrent agent runs of `agent-3-tools`. */
  readonly agentRuns: number
  /** Sequential agent runs of `loop-overhead`; each is `toolSteps + 1` model steps. */
  readonly loopRuns: number
}

/** Tool round-trips before each agent run answers. */
export const toolSteps = 3

/** The sizes the issue asks for: 10,000 deltas, 1,000 requests, 200 runs, 10,000 loop steps. */
export const fullSizes: Sizes = { streamDeltas: 10_000, requests: 1_000, agentRuns: 200, loopRuns: 2_500 }

/** Tiny sizes for the smoke run. */
export const quickSizes: Sizes = { streamDeltas: 300, requests: 20, agentRuns: 8, loopRuns: 25 }

/** The model name every contender asks for. */
export const modelName = "claude-sonnet-4-6"

/** `max_tokens` of every request. */
export const maxTokens = 1024

/** The one tool of the agent scenarios. */
export const toolName = "lookup"

/** Its description. */
export const toolDescription = "Looks up the value of one step of a run"

/** Its arguments as JSON Schema (for contenders that take JSON Schema directly). */
export const toolInputJsonSchema = {
  type: "object",
  properties: { run: { type: "integer" }, step: { type: "integer" } },
  required: ["run", "step"],
  additionalProperties: false
} as const

/** What the tool returns for a run and step; depends on both, so a mixed-up call shows in the answer. */
export const toolValue = (run: number, step: number): string => `v${run}.${step}.${(run * 31 + step * 17) % 101}`

// ---------------------------------------------------------------------------------------------
// Prompts: a marker the server (and the fakes) read back to know which answer to script.

/** The prompt of the streamed answer. */
export const streamPrompt = (deltas: number): string => `bench:stream:${deltas}`

/** The prompt of the `index`-th small request. */
export const requestPrompt = (index: number): string => `bench:request:${index}`

/** The prompt of agent run `run`. */
export const agentPrompt = (run: number): string => `bench:agent:${run}`

/** The prompt a request was scripted from. */
export type ParsedPrompt =
  | { readonly _tag: "stream"; readonly deltas: number }
  | { readonly _tag: "request"; readonly index: number }
  | { readonly _tag: "agent"; readonly run: number }

const promptPattern = /^bench:(stream|request|agent):(\d+)$/

/** Reads a prompt back; `undefined` when it is not one of ours. */
export const parsePrompt = (prompt: string): ParsedPrompt | undefined => {
  const match = promptPattern.exec(prompt)
  if (match === null) return undefined
  const value = Number(match[2])
  switch (match[1]) {
    case "stream":
      return { _tag: "stream", deltas: value }
    case "request":
      return { _tag: "request", index: value }
    default:
      return { _tag: "agent", run: value }
  }
}

// ---------------------------------------------------------------------------------------------
// Answers.

/**
 * The `index`-th text delta of the streamed answer: a word with the space before it, the way the
 * mock server cuts text into deltas. Every hundredth one carries a quote, a backslash and a
 * non-ASCII letter, so a contender that mangles JSON escapes or UTF-8 fails the check.
 */
export const streamDelta = (index: number): string => (index % 100 === 99 ? ` é"\\${index}` : ` w${index}`)

/** All deltas of a streamed answer. */
export const streamDeltas = (count: number): ReadonlyArray<string> =>
  Array.from({ length: count }, (_, i) => streamDelta(i))

/** The answer to the `index`-th small request. */
export const requestAnswer = (index: number): string => `answer ${index}`

/** The id of the tool call of a run's step; checked when the result comes back. */
export const toolCallId = (run: number, step: number): string => `toolu_bench_${run}_${step}`

/** A tool result as the model sees it when it comes back. */
export interface ToolResultSeen {
  readonly toolCallId: string
  readonly content: string
}

/** What the scripted model does next in an agent run. */
export type AgentAction =
  | {
      readonly _tag: "ToolCall"
      readonly toolCallId: string
      readonly input: { readonly run: number; readonly step: number }
    }
  | { readonly _tag: "Text"; readonly text: string }

/** The final answer of an agent run whose tool results were `results`. */
export const agentFinalText = (run: number, results: ReadonlyArray<string>): string =>
  `run ${run}: ${results.join(" | ")}`

/**
 * The scripted agent model: call the tool once per step, then answer with every result it got back
 * (in order, each checked against the id it was called with), so the final text proves the tool
 * round-trips were right.
 */
export const agentNext = (run: number, results: ReadonlyArray<ToolResultSeen>): AgentAction => {
  if (results.length < toolSteps) {
    const step = results.length + 1
    return { _tag: "ToolCall", toolCallId: toolCallId(run, step), input: { run, step } }
  }
  return {
    _tag: "Text",
    text: agentFinalText(
      run,
      results.map((result, i) =>
        result.toolCallId === toolCallId(run, i + 1) ? result.content : `wrong id ${result.toolCallId}`
      )
    )
  }
}

/**
 * The in-process fake model of `loop-overhead`, from what a contender read of its conversation: the
 * texts the user sent (the first agent prompt among them names the run) and the tool results sent
 * back, in order. Throws when the conversation is not an agent run's.
 */
export const fakeModelNext = (userTexts: Iterable<string>, toolResults: ReadonlyArray<ToolResultSeen>): AgentAction => {
  for (const text of userTexts) {
    const prompt = parsePrompt(text)
    if (prompt?._tag === "agent") return agentNext(prompt.run, toolResults)
  }
  throw new Error("not an agent prompt")
}

/**
 * A tool result's content as plain text. Libraries send a string tool output either as is or
 * JSON-encoded (`"v1.2.3"`), as a string or as text blocks; all of them mean the same text.
 */
export const toolResultText = (content: unknown): string => {
  const raw =
    typeof content === "string"
      ? content
      : Array.isArray(content)
        ? content.map((block) => (isTextBlock(block) ? block.text : "")).join("")
        : JSON.stringify(content)
  if (raw.startsWith('"')) {
    try {
      const decoded: unknown = JSON.parse(raw)
      if (typeof decoded === "string") return decoded
    } catch {
      return raw
    }
  }
  return raw
}

const isTextBlock = (block: unknown): block is { readonly text: string } =>
  typeof block === "object" && block !== null && "text" in block && typeof block.text === "string"

// ---------------------------------------------------------------------------------------------
// Outputs and their checks.

/** What a contender reports of the streamed answer. */
export interface StreamOutput {
  readonly text: string
  /** Text deltas seen; must equal the number sent. */
  readonly deltas: number
}

/** What a contender reports of one agent run. */
export interface AgentRunOutput {
  readonly text: string
  /** The tool results the library recorded for the run, in order. */
  readonly toolResults: ReadonlyArray<string>
}

/** What a contender reports of one scenario. */
export type ScenarioOutput =
  | { readonly _tag: "stream"; readonly output: StreamOutput }
  | { readonly _tag: "requests"; readonly texts: ReadonlyArray<string> }
  | { readonly _tag: "agent"; readonly runs: ReadonlyArray<AgentRunOutput> }

/** The output every contender must produce for a scenario. */
export const expectedOutput = (scenario: ScenarioName, sizes: Sizes): ScenarioOutput => {
  switch (scenario) {
    case "stream-10k":
      return { _tag: "stream", output: { text: streamDeltas(sizes.streamDeltas).join(""), deltas: sizes.streamDeltas } }
    case "request-1k":
      return { _tag: "requests", texts: Array.from({ length: sizes.requests }, (_, i) => requestAnswer(i)) }
    case "agent-3-tools":
      return { _tag: "agent", runs: expectedRuns(sizes.agentRuns) }
    case "loop-overhead":
      return { _tag: "agent", runs: expectedRuns(sizes.loopRuns) }
  }
}

const expectedRuns = (count: number): ReadonlyArray<AgentRunOutput> =>
  Array.from({ length: count }, (_, run) => {
    const toolResults = Array.from({ length: toolSteps }, (_, i) => toolValue(run, i + 1))
    return { text: agentFinalText(run, toolResults), toolResults }
  })

/** `undefined` when `actual` is the expected output, else a short description of the first difference. */
export const checkOutput = (expected: ScenarioOutput, actual: ScenarioOutput): string | undefined => {
  if (expected._tag !== actual._tag) return `expected a ${expected._tag} output, got ${actual._tag}`
  if (expected._tag === "stream" && actual._tag === "stream") {
    if (actual.output.text !== expected.output.text) {
      return `text differs at ${firstDifference(expected.output.text, actual.output.text)} (length ${actual.output.text.length}, expected ${expected.output.text.length})`
    }
    if (actual.output.deltas !== expected.output.deltas) {
      return `saw ${actual.output.deltas} text deltas, expected ${expected.output.deltas}`
    }
    return undefined
  }
  if (expected._tag === "requests" && actual._tag === "requests") {
    return compareLists(expected.texts, actual.texts, (a, b) => (a === b ? undefined : `${JSON.stringify(b)}`))
  }
  if (expected._tag === "agent" && actual._tag === "agent") {
    return compareLists(expected.runs, actual.runs, (want, got) => {
      if (got.text !== want.text) return `text ${JSON.stringify(got.text)}, expected ${JSON.stringify(want.text)}`
      if (got.toolResults.join("\u0000") !== want.toolResults.join("\u0000")) {
        return `tool results ${JSON.stringify(got.toolResults)}, expected ${JSON.stringify(want.toolResults)}`
      }
      return undefined
    })
  }
  return "mismatched outputs"
}

const compareLists = <A>(
  expected: ReadonlyArray<A>,
  actual: ReadonlyArray<A>,
  compare: (expected: A, actual: A) => string | undefined
): string | undefined => {
  if (actual.length !== expected.length) return `${actual.length} results, expected ${expected.length}`
  for (let i = 0; i < expected.length; i++) {
    const difference = compare(expected[i]!, actual[i]!)
    if (difference !== undefined) return `item ${i}: ${difference}`
  }
  return undefined
}

const firstDifference = (a: string, b: string): number => {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i
  return length
}
