/**
 * Micro-benchmark of the fetch bridge: the raw SDK (its default fetch) against the same SDK whose
 * fetch goes through the Effect HttpClient (`AnthropicClient.layer`), for 1000 sequential small
 * non-streamed requests, and for one streamed answer of many deltas. The server runs in a child
 * process on 127.0.0.1 so it does not share the client's event loop. Besides wall time it reports
 * the client process's CPU time, which a busy machine disturbs less.
 *
 *   npx tsx bench/bridge.ts            (ROUNDS=5 REQUESTS=1000 DELTAS=10000 by default)
 */
import { type ChildProcess, spawn } from "node:child_process"
import Anthropic from "@anthropic-ai/sdk"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import { AnthropicClient } from "effect-claude/anthropic"

const rounds = Number(process.env.ROUNDS ?? 5)
const requests = Number(process.env.REQUESTS ?? 1000)
const deltas = Number(process.env.DELTAS ?? 10000)

const serverSource = `
const http = require("node:http")
const deltas = Number(process.argv[1])
const message = JSON.stringify({
  id: "msg_bench", type: "message", role: "assistant", model: "claude-bench",
  content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", stop_sequence: null,
  usage: { input_tokens: 3, output_tokens: 1 }
})
const frame = (event) => "event: " + event.type + "\\ndata: " + JSON.stringify(event) + "\\n\\n"
const events = [
  { type: "message_start", message: { id: "msg_bench", type: "message", role: "assistant", model: "claude-bench", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }
]
for (let i = 0; i < deltas; i++) events.push({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "word" + i + " " } })
events.push({ type: "content_block_stop", index: 0 }, { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: deltas } }, { type: "message_stop" })
const streamBody = events.map(frame).join("")
const server = http.createServer((request, response) => {
  const chunks = []
  request.on("data", (chunk) => chunks.push(chunk))
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString()
    if (body.includes('"stream":true')) {
      response.writeHead(200, { "content-type": "text/event-stream", "request-id": "req_bench" })
      // Written in 16 KiB slices, as a real server flushes.
      for (let i = 0; i < streamBody.length; i += 16384) response.write(streamBody.slice(i, i + 16384))
      response.end()
    } else {
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(message), "request-id": "req_bench" })
      response.end(message)
    }
  })
})
server.keepAliveTimeout = 60000
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"))
`

const startServer = (): Promise<{ readonly child: ChildProcess; readonly baseURL: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", serverSource, String(deltas)], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout?.once("data", (data: Buffer) =>
      resolve({ child, baseURL: `http://127.0.0.1:${data.toString().trim()}` })
    )
    child.once("error", reject)
  })

const params = { model: "claude-bench", max_tokens: 16, messages: [{ role: "user" as const, content: "Hi" }] }

interface Spent {
  readonly wall: number
  readonly cpu: number
}

const time = async (run: () => Promise<void>): Promise<Spent> => {
  const start = performance.now()
  const cpuStart = process.cpuUsage()
  await run()
  const cpu = process.cpuUsage(cpuStart)
  return { wall: performance.now() - start, cpu: (cpu.user + cpu.system) / 1000 }
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

interface Contender {
  readonly name: string
  readonly requestBatch: () => Promise<void>
  readonly streamOnce: () => Promise<void>
  readonly dispose: () => Promise<void>
}

const rawContender = (baseURL: string): Contender => {
  const sdk = new Anthropic({ apiKey: "bench", baseURL, maxRetries: 0 })
  return {
    name: "raw SDK (global fetch)",
    requestBatch: async () => {
      for (let i = 0; i < requests; i++) await sdk.messages.create(params)
    },
    streamOnce: async () => {
      const stream = await sdk.messages.create({ ...params, stream: true })
      let count = 0
      for await (const _ of stream) count++
      if (count !== deltas + 5) throw new Error(`expected ${deltas + 5} events, got ${count}`)
    },
    dispose: async () => {}
  }
}

const bridgedContender = (name: string, baseURL: string, http: Layer.Layer<HttpClient.HttpClient>): Contender => {
  const runtime = ManagedRuntime.make(
    AnthropicClient.layer({ apiKey: Redacted.make("bench"), baseURL }).pipe(Layer.provide(http))
  )
  const requestBatch = Effect.flatMap(AnthropicClient.AnthropicClient, (client) =>
    Effect.repeatN(
      client.call((sdk, options) => sdk.messages.create(params, options)),
      requests - 1
    )
  )
  const streamOnce = Effect.flatMap(AnthropicClient.AnthropicClient, (client) =>
    Stream.runCount(client.stream((sdk, options) => sdk.messages.create({ ...params, stream: true }, options)))
  ).pipe(
    Effect.flatMap((count) =>
      count === deltas + 5 ? Effect.void : Effect.die(new Error(`expected ${deltas + 5} events, got ${count}`))
    )
  )
  return {
    name,
    requestBatch: () => runtime.runPromise(Effect.asVoid(requestBatch)),
    streamOnce: () => runtime.runPromise(streamOnce),
    dispose: () => runtime.dispose()
  }
}

const main = async () => {
  const { child, baseURL } = await startServer()
  const contenders = [
    rawContender(baseURL),
    bridgedContender("bridge over NodeHttpClient.layerUndici", baseURL, NodeHttpClient.layerUndici),
    bridgedContender("bridge over FetchHttpClient.layer", baseURL, FetchHttpClient.layer)
  ]
  const requestTimes = new Map<string, Array<Spent>>()
  const streamTimes = new Map<string, Array<Spent>>()
  for (const contender of contenders) {
    // Warm-up: JIT, connection pools.
    await contender.requestBatch()
    await contender.streamOnce()
  }
  for (let round = 0; round < rounds; round++) {
    for (const contender of contenders) {
      const spentRequests = await time(contender.requestBatch)
      const spentStream = await time(contender.streamOnce)
      requestTimes.set(contender.name, [...(requestTimes.get(contender.name) ?? []), spentRequests])
      streamTimes.set(contender.name, [...(streamTimes.get(contender.name) ?? []), spentStream])
    }
  }
  const medians = (spent: ReadonlyArray<Spent>) => ({
    wall: median(spent.map((one) => one.wall)),
    cpu: median(spent.map((one) => one.cpu))
  })
  const report = (title: string, times: Map<string, Array<Spent>>, perItem: number) => {
    console.log(title)
    const raw = medians(times.get(contenders[0]!.name) ?? [])
    for (const contender of contenders) {
      const spent = medians(times.get(contender.name) ?? [])
      console.log(
        `  ${contender.name.padEnd(42)} wall ${spent.wall.toFixed(1).padStart(8)} ms ${((spent.wall * 1000) / perItem).toFixed(1).padStart(7)} µs/item ${(spent.wall / raw.wall).toFixed(3)}x` +
          `   cpu ${spent.cpu.toFixed(1).padStart(8)} ms ${(spent.cpu / raw.cpu).toFixed(3)}x`
      )
    }
  }
  console.log(`node ${process.version}, ${rounds} rounds (medians), server in a child process`)
  report(`request-${requests}: ${requests} sequential small non-streamed requests`, requestTimes, requests)
  report(`stream-${deltas}: one streamed answer of ${deltas} text deltas`, streamTimes, deltas)
  for (const contender of contenders) await contender.dispose()
  child.kill()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
