/**
 * The benchmark's scenarios as data: their sizes, the prompts every contender sends, the answers the
 * loopback server and the in-process fakes script from those prompts, and the outputs every contender
 * must produce. Everything here is plain and deterministic, so a contender's output can be compared
 * against an expectation computed without any library.
 */

/** The scenarios, in the order they run and print. */
export const scenarioNames = [
  "stream-10k",
  "request-1k",
  "agent-3-tools",
  "loop-overhead",
  "concurrent-streams",
  "batch-results-10k",
  "batch-results-100k"
] as const

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
  /** Streamed requests at once in `concurrent-streams`. */
  readonly concurrentStreams: number
  /** Text deltas in each answer of `concurrent-streams`. */
  readonly concurrentStreamDeltas: number
  /** Lines of the batch results file of `batch-results-10k`. */
  readonly batchLinesSmall: number
  /** Lines of the batch results file of `batch-results-100k`: peak RSS must not grow with it. */
  readonly batchLinesLarge: number
}

/** Tool round-trips before each agent run answers. */
export const toolSteps = 3

/**
 * The sizes the issue asks for: 10,000 deltas, 1,000 requests, 200 runs, 10,000 loop steps, 500
 * streams at once, batch results files of 10,000 and 100,000 lines.
 */
export const fullSizes: Sizes = {
  streamDeltas: 10_000,
  requests: 1_000,
  agentRuns: 200,
  loopRuns: 2_500,
  concurrentStreams: 500,
  concurrentStreamDeltas: 100,
  batchLinesSmall: 10_000,
  batchLinesLarge: 100_000
}

/** Tiny sizes for the smoke run. */
export const quickSizes: Sizes = {
  streamDeltas: 300,
  requests: 20,
  agentRuns: 8,
  loopRuns: 25,
  concurrentStreams: 8,
  concurrentStreamDeltas: 20,
  batchLinesSmall: 50,
  batchLinesLarge: 500
}

/** The lines of a scenario's batch results file (0 for the other scenarios). */
export const batchLines = (scenario: ScenarioName, sizes: Sizes): number =>
  scenario === "batch-results-10k"
    ? sizes.batchLinesSmall
    : scenario === "batch-results-100k"
      ? sizes.batchLinesLarge
      : 0

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

/** The prompt of the one item of a batch whose results file has `lines` lines. */
export const batchPrompt = (lines: number): string => `bench:batch:${lines}`

/** The prompt a request was scripted from. */
export type ParsedPrompt =
  | { readonly _tag: "stream"; readonly deltas: number }
  | { readonly _tag: "request"; readonly index: number }
  | { readonly _tag: "agent"; readonly run: number }
  | { readonly _tag: "batch"; readonly lines: number }

const promptPattern = /^bench:(stream|request|agent|batch):(\d+)$/

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
    case "batch":
      return { _tag: "batch", lines: value }
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

/** The `custom_id` of the `index`-th line of a batch results file. */
export const batchCustomId = (index: number): string => `bench-${index}`
/** The answer text of the `index`-th line of a batch results file. */
export const batchResultText = (index: number): string => `result ${index}`
/** Whether a batch result's text is the one scripted for its `custom_id`. */
export const isBatchResultRight = (customId: string, text: string): boolean => {
  const index = Number(customId.slice("bench-".length))
  return customId.startsWith("bench-") && Number.isInteger(index) && text === batchResultText(index)
}
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

/**
 * What a contender reports of a batch's results: how many it decoded, and how many of those were
 * succeeded results with the text scripted for their `custom_id` (counted, not kept: peak RSS must
 * not grow with the number of lines).
 */
export interface BatchOutput {
  readonly results: number
  readonly right: number
}
/** What a contender reports of one scenario. */
export type ScenarioOutput =
  | { readonly _tag: "stream"; readonly output: StreamOutput }
  | { readonly _tag: "streams"; readonly outputs: ReadonlyArray<StreamOutput> }
  | { readonly _tag: "batch"; readonly output: BatchOutput }
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
    case "concurrent-streams": {
      const output = { text: streamDeltas(sizes.concurrentStreamDeltas).join(""), deltas: sizes.concurrentStreamDeltas }
      return { _tag: "streams", outputs: Array.from({ length: sizes.concurrentStreams }, () => output) }
    }
    case "batch-results-10k":
    case "batch-results-100k": {
      const lines = batchLines(scenario, sizes)
      return { _tag: "batch", output: { results: lines, right: lines } }
    }
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
  if (expected._tag === "stream" && actual._tag === "stream") return checkStream(expected.output, actual.output)
  if (expected._tag === "streams" && actual._tag === "streams") {
    return compareLists(expected.outputs, actual.outputs, checkStream)
  }
  if (expected._tag === "batch" && actual._tag === "batch") {
    const { results, right } = actual.output
    return results === expected.output.results && right === expected.output.results
      ? undefined
      : `${results} results, ${right} of them right; expected ${expected.output.results}`
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

const checkStream = (expected: StreamOutput, actual: StreamOutput): string | undefined => {
  if (actual.text !== expected.text) {
    return `text differs at ${firstDifference(expected.text, actual.text)} (length ${actual.text.length}, expected ${expected.text.length})`
  }
  if (actual.deltas !== expected.deltas) return `saw ${actual.deltas} text deltas, expected ${expected.deltas}`
  return undefined
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
