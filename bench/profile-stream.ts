/**
 * The streaming path layer by layer, against the raw SDK: one streamed answer of DELTAS text deltas
 * consumed to the end by
 *   raw      the SDK's own `for await` over `messages.create({ stream: true })`;
 *   bridge   the SDK's own `for await` over the bridged fetch (`AnthropicClient`'s `sdk`);
 *   client   `AnthropicClient.stream` (the bridged fetch and the chunking pump);
 *   model    `AnthropicModel.requestStream` (+ retry wrapper and event mapping);
 *   agent    `Agent.runStream` (+ the run loop and the response fold).
 * The server runs in a child process on 127.0.0.1 and writes the whole answer at once, in WRITE-byte
 * slices. Contenders alternate, the first of each round rotates; reported are medians of wall and
 * CPU time (user + system of this process, compiler threads included), and their ratio to raw
 * (and the ratios of the minima, which a busy machine disturbs less).
 * The prompt is built once, outside the timed runs.
 *
 *   node --expose-gc --import tsx bench/profile-stream.ts [raw,bridge,client,model,agent]
 *   (ROUNDS=31 DELTAS=10000 WRITE=65536 STREAMS=1 by default)
 *
 * STREAMS=N runs N such answers at once in each run (`Promise.all` for raw and bridge,
 * `Effect.forEach` unbounded in one `runPromise` for the others), as `concurrent-streams` does
 * (`STREAMS=500 DELTAS=100`).
 *
 * GC=1 (the default) collects garbage before each run, as `npm run bench` does. A full collection
 * also frees the hidden classes of the previous run's events (and of transient Effect objects), so
 * every run then pays for re-optimizing the code that touches them: GC=0 measures the steady state.
 *
 * BASE=DIR adds `base`: `model` from another copy of the library (DIR/dist if built, else DIR/src),
 * as in profile-request.ts, to measure a change against what it replaces in the same process.
 *
 * PROFILE=name runs only that contender, with GC=0 unless set, and writes a CPU profile of its
 * timed rounds (not the start-up) to /tmp/profile-stream-<name>.cpuprofile, for bench/profile.ts.
 */
import { type ChildProcess, spawn } from "node:child_process"
import Anthropic from "@anthropic-ai/sdk"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import { Agent, type AgentEvent, Message, Model } from "effect-claude"
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

const rounds = Number(process.env.ROUNDS ?? 31)
const deltas = Number(process.env.DELTAS ?? 10000)
const writeSize = Number(process.env.WRITE ?? 65536)
const only = process.env.PROFILE
const streams = Number(process.env.STREAMS ?? 1)
const indexes = Array.from({ length: streams }, (_, i) => i)

/** One answer, or `streams` of them at once. */
const times = <E, R>(once: Effect.Effect<void, E, R>): Effect.Effect<void, E, R> =>
  streams === 1 ? once : Effect.forEach(indexes, () => once, { concurrency: "unbounded", discard: true })
const timesAsync = (once: () => Promise<void>) => async (): Promise<void> => {
  if (streams === 1) return once()
  await Promise.all(indexes.map(once))
}

const serverSource = `
const http = require("node:http")
const deltas = Number(process.argv[1])
const writeSize = Number(process.argv[2])
const frame = (event) => "event: " + event.type + "\\ndata: " + JSON.stringify(event) + "\\n\\n"
const events = [
  { type: "message_start", message: { id: "msg_bench", type: "message", role: "assistant", model: "claude-bench", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }
]
for (let i = 0; i < deltas; i++) events.push({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: " word" + i } })
events.push({ type: "content_block_stop", index: 0 }, { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: deltas } }, { type: "message_stop" })
const streamBody = Buffer.from(events.map(frame).join(""))
const server = http.createServer((request, response) => {
  request.resume()
  request.on("end", () => {
    response.writeHead(200, { "content-type": "text/event-stream", "request-id": "req_bench" })
    for (let i = 0; i < streamBody.length; i += writeSize) response.write(streamBody.subarray(i, i + writeSize))
    response.end()
  })
})
server.keepAliveTimeout = 60000
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"))
`

const startServer = (): Promise<{ readonly child: ChildProcess; readonly baseURL: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", serverSource, String(deltas), String(writeSize)], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout?.once("data", (data: Buffer) =>
      resolve({ child, baseURL: `http://127.0.0.1:${data.toString().trim()}` })
    )
    child.once("error", reject)
  })

const expectedText = Array.from({ length: deltas }, (_, i) => ` word${i}`).join("")
const check = (name: string, text: string, count: number): void => {
  if (count !== deltas || text !== expectedText) throw new Error(`${name}: wrong output (${count} deltas)`)
}

const textOfEvents = (chunk: Iterable<AgentEvent.AgentEvent<unknown>>, acc: Acc) => {
  for (const event of chunk) {
    if (event._tag === "PartDelta" && event.delta._tag === "TextDelta") {
      acc.text += event.delta.content
      acc.count++
    }
  }
}

/** `model.requestStream` over the library's modules `core` and `anthropic` (this copy's, or BASE's). */
const modelContender: ModelContender = (name, core, anthropic, baseURL) => {
  const clientLayer = anthropic.AnthropicClient.layer({ apiKey: Redacted.make("bench"), baseURL }).pipe(
    Layer.provide(NodeHttpClient.layerUndici)
  )
  const runtime = ManagedRuntime.make(
    anthropic.AnthropicModel.layer("claude-bench", { maxTokens: 16 }).pipe(Layer.provide(clientLayer))
  )
  const prompt = [core.Message.ModelRequest.user("Hi")]
  const contender: Contender = {
    name,
    run: () =>
      runtime.runPromise(
        times(
          Effect.gen(function* () {
            const model = yield* core.Model.Model
            const acc = { text: "", count: 0 }
            yield* Stream.runForEachChunk(model.requestStream(prompt, {}, core.Model.textParameters), (chunk) =>
              Effect.sync(() => textOfEvents(chunk, acc))
            )
            check(name, acc.text, acc.count)
          })
        )
      )
  }
  return { contender, dispose: () => runtime.dispose() }
}

const makeContenders = async (
  baseURL: string
): Promise<{ contenders: Array<Contender>; dispose: () => Promise<void> }> => {
  const sdk = new Anthropic({ apiKey: "bench", baseURL, maxRetries: 0 })
  const clientLayer = AnthropicClient.layer({ apiKey: Redacted.make("bench"), baseURL }).pipe(
    Layer.provide(NodeHttpClient.layerUndici)
  )
  const runtime = ManagedRuntime.make(
    Layer.merge(AnthropicModel.layer("claude-bench", { maxTokens: 16 }).pipe(Layer.provide(clientLayer)), clientLayer)
  )
  const params = { model: "claude-bench", max_tokens: 16, messages: [{ role: "user" as const, content: "Hi" }] }
  const agent = Agent.make({})

  // The SDK's own `for await` over its events: the raw SDK, or the SDK over the bridged fetch alone.
  const readSdkStream = (name: string, sdkOf: () => Promise<Anthropic>): Contender["run"] =>
    timesAsync(async () => {
      const stream = await (await sdkOf()).messages.create({ ...params, stream: true })
      let text = ""
      let count = 0
      for await (const event of stream) {
        if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
          text += event.delta.text
          count++
        }
      }
      check(name, text, count)
    })

  const raw: Contender = { name: "raw", run: readSdkStream("raw", () => Promise.resolve(sdk)) }
  const bridgedSdk = runtime.runPromise(Effect.map(AnthropicClient.AnthropicClient, (client) => client.sdk))
  const bridge: Contender = { name: "bridge", run: readSdkStream("bridge", () => bridgedSdk) }

  const client: Contender = {
    name: "client",
    run: () =>
      runtime.runPromise(
        times(
          Effect.suspend(() => {
            let text = ""
            let count = 0
            return Effect.flatMap(AnthropicClient.AnthropicClient, (client) =>
              Stream.runForEachChunk(
                client.stream((sdk, options) => sdk.messages.create({ ...params, stream: true }, options)),
                (chunk) =>
                  Effect.sync(() => {
                    for (const event of chunk) {
                      if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
                        text += event.delta.text
                        count++
                      }
                    }
                  })
              )
            ).pipe(Effect.map(() => check("client", text, count)))
          })
        )
      )
  }

  const model = modelContender("model", { Message, Model }, { AnthropicClient, AnthropicModel }, baseURL)

  const agentContender: Contender = {
    name: "agent",
    run: () =>
      runtime.runPromise(
        times(
          Effect.gen(function* () {
            const acc = { text: "", count: 0 }
            let output: unknown
            yield* Stream.runForEachChunk(Agent.runStream(agent, "Hi"), (chunk) =>
              Effect.sync(() => {
                textOfEvents(chunk, acc)
                for (const event of chunk) if (event._tag === "RunFinished") output = event.result.output
              })
            )
            check("agent", acc.text, acc.count)
            if (output !== expectedText) throw new Error("agent: wrong output")
          })
        )
      )
  }

  const contenders = [raw, bridge, client, model.contender, agentContender]
  const disposers = [() => runtime.dispose(), model.dispose]
  await addBase(modelContender, baseURL, contenders, disposers)
  return {
    contenders,
    dispose: async () => {
      for (const dispose of disposers) await dispose()
    }
  }
}

interface Acc {
  text: string
  count: number
}

const gc = gcFromEnv(only === undefined)

const main = async () => {
  const { child, baseURL } = await startServer()
  const { contenders: all, dispose } = await makeContenders(baseURL)
  const contenders = selectContenders(all, process.argv[2]?.split(","), only)
  const times = await runInterleaved(contenders, {
    rounds,
    gc,
    profileTo: only === undefined ? undefined : `/tmp/profile-stream-${only}.cpuprofile`
  })
  const base = summarize(times.get(contenders[0]!.name) ?? [])
  console.log(
    `node ${process.version}, ${rounds} rounds, ${streams} x ${deltas} deltas, ${writeSize}-byte writes (medians)`
  )
  for (const contender of contenders) {
    const spent = summarize(times.get(contender.name) ?? [])
    console.log(
      `  ${contender.name.padEnd(8)} wall ${spent.wall.toFixed(1).padStart(7)} ms ${(spent.wall / base.wall).toFixed(3)}x` +
        `   cpu ${spent.cpu.toFixed(1).padStart(7)} ms ${(spent.cpu / base.cpu).toFixed(3)}x` +
        `   (min wall ${(spent.minWall / base.minWall).toFixed(3)}x, cpu ${(spent.minCpu / base.minCpu).toFixed(3)}x)`
    )
  }
  await dispose()
  child.kill()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
