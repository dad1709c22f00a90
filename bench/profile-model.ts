/**
 * The work `AnthropicModel.request` does above the transport, on the requests `agent-3-tools`
 * sends: RUNS sequential agent runs, each three tool round trips and an answer (4 requests, the
 * history growing by a response and a tool result each step), made by
 *   call     `AnthropicClient.call` with the wire messages built by hand, as the raw hand loop does;
 *   beta     the same through the SDK's beta endpoint (`sdk.beta.messages.create`), as `model` sends;
 *   model    `AnthropicModel.request` on the conversation as the agent loop keeps it (request
 *            mapping, retry wrapper, chat span and metrics, response mapping);
 *   base     `model` from another copy of the library (`BASE=DIR`, see `interleaved.ts`).
 * Both answer in memory (an `HttpClient` whose responses are web `Response`s), so `model - call`
 * is the library's own work per request, without sockets. Contenders alternate in one process;
 * reported are medians of wall and CPU time.
 *
 *   npm run build
 *   TSX_TSCONFIG_PATH=bench/tsconfig.dist.json BASE=/tmp/base \
 *     node --expose-gc --import tsx bench/profile-model.ts [call,model,base]
 *   (ROUNDS=15 RUNS=100 by default; PROFILE=name writes /tmp/profile-model-<name>.cpuprofile)
 *
 * PROFILE=each profiles every contender's runs apart, interleaved in the same rounds (so under the
 * same load), and prints where each one's self time per request differs from the first's, by
 * package and by function.
 */
import { Session } from "node:inspector/promises"
import type Anthropic from "@anthropic-ai/sdk"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { Message, Model } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import {
  addBase,
  type Contender,
  gcFromEnv,
  type ModelContender,
  runInterleaved,
  selectContenders,
  summarize
} from "./interleaved.js"
import { memoryHttpClient } from "./memoryHttpClient.js"
import { frameName, type Profile, packageOf, selfTimes } from "./profileSummary.js"
import * as Scenario from "./scenarios.js"

const rounds = Number(process.env.ROUNDS ?? 15)
const runs = Number(process.env.RUNS ?? 100)
const only = process.env.PROFILE
const requestsPerRound = runs * (Scenario.toolSteps + 1)

/** The scripted answer to a request body: a tool call per step, then the results echoed. */
const answer = (body: string): Response => {
  const run = Number(/bench:agent:(\d+)/.exec(body)?.[1] ?? -1)
  const results = [...body.matchAll(/"content":"(v\d+\.\d+\.\d+)"/g)].map((match) => match[1] ?? "")
  const step = results.length + 1
  const content =
    results.length < Scenario.toolSteps
      ? [{ type: "tool_use", id: `toolu_${run}_${step}`, name: Scenario.toolName, input: { run, step } }]
      : [{ type: "text", text: Scenario.agentFinalText(run, results) }]
  return new Response(
    JSON.stringify({
      id: `msg_${run}_${step}`,
      type: "message",
      role: "assistant",
      model: Scenario.modelName,
      content,
      stop_reason: results.length < Scenario.toolSteps ? "tool_use" : "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 30, output_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
    }),
    { status: 200, headers: { "content-type": "application/json", "request-id": "req_bench" } }
  )
}

const httpLayer = memoryHttpClient(answer)

const check = (name: string, run: number, text: string, results: ReadonlyArray<string>): void => {
  const expected = Scenario.agentFinalText(
    run,
    Array.from({ length: Scenario.toolSteps }, (_, i) => Scenario.toolValue(run, i + 1))
  )
  if (text !== expected || results.length !== Scenario.toolSteps) {
    throw new Error(`${name}: wrong answer to run ${run}: ${text}`)
  }
}

const isStepInput = (input: unknown): input is { run: number; step: number } =>
  typeof input === "object" &&
  input !== null &&
  "run" in input &&
  "step" in input &&
  typeof input.run === "number" &&
  typeof input.step === "number"

const tools: Array<Anthropic.Tool> = [
  {
    name: Scenario.toolName,
    description: Scenario.toolDescription,
    input_schema: { ...Scenario.toolInputJsonSchema, required: [...Scenario.toolInputJsonSchema.required] }
  }
]

/** The parameters the agent loop sends with its one function tool. */
const parameters: Model.ModelRequestParameters = {
  ...Model.textParameters,
  functionTools: [
    {
      name: Scenario.toolName,
      description: Scenario.toolDescription,
      parametersJsonSchema: { ...Scenario.toolInputJsonSchema, required: [...Scenario.toolInputJsonSchema.required] },
      kind: "function"
    }
  ]
}

/** `model.request` in the agent's loop over the library's modules (this copy's, or BASE's). */
const modelContender: ModelContender = (name, core, anthropic) => {
  const clientLayer = anthropic.AnthropicClient.layer({ apiKey: Redacted.make("bench") }).pipe(Layer.provide(httpLayer))
  const runtime = ManagedRuntime.make(
    anthropic.AnthropicModel.layer(Scenario.modelName, { maxTokens: Scenario.maxTokens }).pipe(
      Layer.provide(clientLayer)
    )
  )
  const runAgent = (model: Model.Service, run: number) =>
    Effect.gen(function* () {
      const history: Array<Message.ModelMessage> = [core.Message.ModelRequest.user(Scenario.agentPrompt(run))]
      const results: Array<string> = []
      while (true) {
        const response = yield* model.request(history, {}, parameters)
        history.push(response)
        const calls = core.Message.toolCalls(response)
        if (calls.length === 0) return check(name, run, core.Message.responseText(response), results)
        const parts = calls.map((call) => {
          const args = typeof call.args === "string" ? undefined : call.args
          const value = isStepInput(args) ? Scenario.toolValue(args.run, args.step) : "invalid call"
          results.push(value)
          return new core.Message.ToolReturnPart(
            { toolName: call.toolName, toolCallId: call.toolCallId, content: value, isError: false },
            { disableValidation: true }
          )
        })
        history.push(new core.Message.ModelRequest({ parts }, { disableValidation: true }))
      }
    })
  const contender: Contender = {
    name,
    run: () =>
      runtime.runPromise(
        Effect.flatMap(core.Model.Model, (model) =>
          Effect.gen(function* () {
            for (let run = 0; run < runs; run++) yield* runAgent(model, run)
          })
        )
      )
  }
  return { contender, dispose: () => runtime.dispose() }
}

const makeContenders = async (): Promise<{ contenders: Array<Contender>; dispose: () => Promise<void> }> => {
  const clientLayer = AnthropicClient.layer({ apiKey: Redacted.make("bench") }).pipe(Layer.provide(httpLayer))
  const runtime = ManagedRuntime.make(clientLayer)

  // The raw SDK's hand loop, each request through `client.call`.
  const runHand = (client: AnthropicClient.Service, run: number, beta: boolean) =>
    Effect.gen(function* () {
      const messages: Array<Anthropic.MessageParam> = [{ role: "user", content: Scenario.agentPrompt(run) }]
      const results: Array<string> = []
      while (true) {
        const params = { model: Scenario.modelName, max_tokens: Scenario.maxTokens, messages: [...messages], tools }
        const content: ReadonlyArray<Anthropic.ContentBlock | Anthropic.Beta.BetaContentBlock> = beta
          ? (yield* client.call((sdk, options) => sdk.beta.messages.create({ ...params, stream: false }, options)))
              .content
          : (yield* client.call((sdk, options) => sdk.messages.create(params, options))).content
        const blocks: Array<Anthropic.ContentBlockParam> = []
        for (const block of content) {
          if (block.type === "text") blocks.push({ type: "text", text: block.text })
          else if (block.type === "tool_use")
            blocks.push({ type: "tool_use", id: block.id, name: block.name, input: block.input })
        }
        messages.push({ role: "assistant", content: blocks })
        const returned: Array<Anthropic.ToolResultBlockParam> = []
        for (const block of content) {
          if (block.type !== "tool_use") continue
          const value = isStepInput(block.input)
            ? Scenario.toolValue(block.input.run, block.input.step)
            : "invalid call"
          results.push(value)
          returned.push({ type: "tool_result", tool_use_id: block.id, content: value })
        }
        if (returned.length === 0) {
          let text = ""
          for (const block of content) if (block.type === "text") text += block.text
          return check("call", run, text, results)
        }
        messages.push({ role: "user", content: returned })
      }
    })

  const hand = (name: string, beta: boolean): Contender => ({
    name,
    run: () =>
      runtime.runPromise(
        Effect.flatMap(AnthropicClient.AnthropicClient, (client) =>
          Effect.gen(function* () {
            for (let run = 0; run < runs; run++) yield* runHand(client, run, beta)
          })
        )
      )
  })

  const model = modelContender("model", { Message, Model }, { AnthropicClient, AnthropicModel }, "")
  const contenders = [hand("call", false), hand("beta", true), model.contender]
  const disposers = [() => runtime.dispose(), model.dispose]
  await addBase(modelContender, "", contenders, disposers)
  return {
    contenders,
    dispose: async () => {
      for (const dispose of disposers) await dispose()
    }
  }
}

/**
 * Self time (µs) by package, by function, and by the nearest frame of the library's own code
 * (`dist/` or `src/`) on the stack, summed over profiles.
 */
interface SelfSums {
  readonly packages: Map<string, number>
  readonly functions: Map<string, number>
  readonly owners: Map<string, number>
}

const isLibrary = (url: string): boolean => /\/(dist|src)\//.test(url) && !url.includes("node_modules/")

const addProfile = (sums: SelfSums, profile: Profile): void => {
  const self = selfTimes(profile)
  const parent = new Map<number, Profile["nodes"][number]>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node)
  for (const node of profile.nodes) {
    const time = self.get(node.id)
    if (time === undefined || node.callFrame.functionName === "(idle)") continue
    const pkg = packageOf(node.callFrame)
    sums.packages.set(pkg, (sums.packages.get(pkg) ?? 0) + time)
    const name = frameName(node.callFrame)
    sums.functions.set(name, (sums.functions.get(name) ?? 0) + time)
    let owner: Profile["nodes"][number] | undefined = node
    while (owner !== undefined && !isLibrary(owner.callFrame.url)) owner = parent.get(owner.id)
    const ownerName = owner === undefined ? "(outside the library)" : frameName(owner.callFrame)
    sums.owners.set(ownerName, (sums.owners.get(ownerName) ?? 0) + time)
  }
}

/** PROFILE=each: every contender's runs profiled apart, in alternating rounds; the differences to the first. */
const profileEach = async (contenders: ReadonlyArray<Contender>): Promise<void> => {
  for (const contender of contenders) for (let i = 0; i < 2; i++) await contender.run()
  const sums = new Map<string, SelfSums>(
    contenders.map((one) => [one.name, { packages: new Map(), functions: new Map(), owners: new Map() }])
  )
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.setSamplingInterval", { interval: 100 })
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(round + i) % contenders.length]!
      ;(globalThis as { gc?: () => void }).gc?.()
      await session.post("Profiler.start")
      await contender.run()
      const { profile } = await session.post("Profiler.stop")
      addProfile(sums.get(contender.name)!, profile as Profile)
    }
  }
  session.disconnect()
  const perRequest = (micros: number) => micros / rounds / requestsPerRound
  const first = sums.get(contenders[0]!.name)!
  for (const contender of contenders.slice(1)) {
    const other = sums.get(contender.name)!
    for (const [title, key] of [
      ["package", "packages"],
      ["function", "functions"],
      ["nearest library frame", "owners"]
    ] as const) {
      const names = new Set([...first[key].keys(), ...other[key].keys()])
      const rows = [...names].map((name) => ({
        name,
        mine: perRequest(other[key].get(name) ?? 0),
        diff: perRequest((other[key].get(name) ?? 0) - (first[key].get(name) ?? 0))
      }))
      const total = rows.reduce((sum, row) => sum + row.diff, 0)
      console.log(
        `\n${contender.name} - ${contenders[0]!.name}, self time by ${title}, µs per request (total ${total.toFixed(1)})`
      )
      for (const row of rows
        .sort((a, b) => Math.abs(b.diff) - Math.abs(a.diff))
        .slice(0, key === "packages" ? 15 : 40)) {
        console.log(`  ${row.diff.toFixed(1).padStart(7)}  (${row.mine.toFixed(1).padStart(6)})  ${row.name}`)
      }
    }
  }
}

const main = async () => {
  const { contenders: all, dispose } = await makeContenders()
  if (only === "each") {
    await profileEach(selectContenders(all, process.argv[2]?.split(","), undefined))
    return dispose()
  }
  const contenders = selectContenders(all, process.argv[2]?.split(","), only)
  const times = await runInterleaved(contenders, {
    rounds,
    gc: gcFromEnv(true),
    profileTo: only === undefined ? undefined : `/tmp/profile-model-${only}.cpuprofile`
  })
  const first = summarize(times.get(contenders[0]!.name) ?? [])
  console.log(
    `node ${process.version}, ${rounds} rounds of ${runs} agent runs (${requestsPerRound} requests), in memory (medians)`
  )
  for (const contender of contenders) {
    const spent = summarize(times.get(contender.name) ?? [])
    const extra = ((spent.cpu - first.cpu) * 1000) / requestsPerRound
    console.log(
      `  ${contender.name.padEnd(6)} wall ${spent.wall.toFixed(1).padStart(7)} ms ${(spent.wall / first.wall).toFixed(3)}x` +
        `   cpu ${spent.cpu.toFixed(1).padStart(7)} ms ${(spent.cpu / first.cpu).toFixed(3)}x (min ${spent.minCpu.toFixed(1)})` +
        `   ${((spent.cpu * 1000) / requestsPerRound).toFixed(0)} µs cpu per request, ${extra.toFixed(0)} over ${contenders[0]!.name}`
    )
  }
  await dispose()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
