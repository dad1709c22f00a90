/**
 * Peak memory of reading a Message Batch's results file (LINES lines of the `batch-results`
 * scenario's shape) in each way, one child process per way and size, so each peak is its own:
 *   raw       the SDK's `messages.batches.results()` (`for await`, a line at a time);
 *   fetch     Node's `fetch`, the body read with a `ReadableStreamDefaultReader`;
 *   undici    `undici.request`, the body read with `for await`;
 *   effect    `@effect/platform`'s `HttpClient` (`NodeHttpClient.layerUndici`), `response.stream`;
 *   bridge    the SDK's `results()` over `AnthropicClient`'s bridged fetch, its body read directly;
 *   results   `AnthropicBatches.results`, each result counted.
 * The byte readers (fetch, undici, effect, bridge) only count bytes; WORK=decode makes them decode
 * each network chunk's lines as `AnthropicBatches.results` does (from `src/`), WORK=1 only parse
 * them and build a `Message.TextPart` (a `Schema.TaggedClass`) from each.
 *
 * Each child samples `process.memoryUsage()` every 5 ms and prints the peaks of RSS, heap and
 * `arrayBuffers` (the network chunks' memory, outside the heap), and `maxRSS`. MIDGC=N runs a
 * full GC every N chunks of the `effect` reader and prints what is left: what survives it is
 * retained, the rest was garbage waiting for a mark-compact.
 *
 *   node --import tsx bench/profile-batch.ts [raw,fetch,undici,effect,bridge,results]
 *   (LINES=10000,100000 by default; tsx adds its own ~40 MB to every child, the same for each way)
 *
 * `node --trace-gc` on a child (CHILD=way:lines BASE_URL=... node --expose-gc --trace-gc
 * --import tsx bench/profile-batch.ts) shows which collections free what.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import Anthropic from "@anthropic-ai/sdk"
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import { Message } from "effect-claude"
import { AnthropicBatches, AnthropicClient } from "effect-claude/anthropic"
import { request } from "undici"
import { JsonlDecoder } from "../src/anthropic/internal/jsonlLines.js"
import { decodeResult } from "../src/anthropic/internal/jsonlResults.js"
import * as Scenario from "./scenarios.js"
import * as Server from "./server.js"

const ways = ["raw", "fetch", "undici", "effect", "bridge", "results"] as const
type Way = (typeof ways)[number]
const isWay = (name: string): name is Way => ways.some((way) => way === name)

const megabytes = (bytes: number) => (bytes / 1048576).toFixed(0)

/**
 * Per-line work for the byte readers: WORK=1 parses each line and builds a `TextPart` from it;
 * WORK=decode does what `AnthropicBatches.results` does per line (the library's own JSONL decoder
 * and result decoding, from `src/`); else the bytes are counted.
 */
const lineWork = () => {
  const decoder = new TextDecoder()
  const jsonl = new JsonlDecoder()
  const values: Array<unknown> = []
  const timestamp = new Date()
  let pending = ""
  return (bytes: Uint8Array): number => {
    if (process.env.WORK === "decode") {
      jsonl.feed(bytes, values)
      let decoded = 0
      for (const value of values) if (decodeResult(value, timestamp)._tag === "Right") decoded++
      values.length = 0
      return decoded
    }
    if (process.env.WORK !== "1") return bytes.byteLength
    const text = pending + decoder.decode(bytes, { stream: true })
    const lines = text.split("\n")
    pending = lines.pop() ?? ""
    let parts = 0
    for (const line of lines) {
      const parsed: unknown = JSON.parse(line)
      parts += new Message.TextPart({ content: JSON.stringify(parsed).slice(0, 40) }, { disableValidation: true })
        .content.length
    }
    return parts
  }
}

const drain = async (body: ReadableStream<Uint8Array>, work: (bytes: Uint8Array) => number): Promise<number> => {
  const reader = body.getReader()
  let count = 0
  for (let read = await reader.read(); !read.done; read = await reader.read()) count += work(read.value)
  return count
}

/** One way, one size: reads the results file once and prints the peaks. */
const child = async (way: Way, lines: number, baseURL: string): Promise<void> => {
  const sdk = new Anthropic({ apiKey: "bench-key", baseURL, maxRetries: 0 })
  const batch = await sdk.messages.batches.create({
    requests: [
      {
        custom_id: "bench-batch",
        params: {
          model: Scenario.modelName,
          max_tokens: Scenario.maxTokens,
          messages: [{ role: "user", content: Scenario.batchPrompt(lines) }]
        }
      }
    ]
  })
  // The server ends a batch at its first retrieval.
  await sdk.messages.batches.retrieve(batch.id)
  const url = `${baseURL}/v1/messages/batches/${batch.id}/results`
  const headers = { "x-api-key": "bench-key", "anthropic-version": "2023-06-01" }
  const runtime = ManagedRuntime.make(
    AnthropicClient.layer({ apiKey: Redacted.make("bench-key"), baseURL }).pipe(
      Layer.provideMerge(NodeHttpClient.layerUndici)
    )
  )
  const client = await runtime.runPromise(AnthropicClient.AnthropicClient)
  const work = lineWork()
  globalThis.gc?.()
  const peak = { rss: 0, heapUsed: 0, heapTotal: 0, arrayBuffers: 0 }
  const sample = () => {
    const usage = process.memoryUsage()
    peak.rss = Math.max(peak.rss, usage.rss)
    peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed)
    peak.heapTotal = Math.max(peak.heapTotal, usage.heapTotal)
    peak.arrayBuffers = Math.max(peak.arrayBuffers, usage.arrayBuffers)
  }
  const sampler = setInterval(sample, 5)
  const startRss = process.memoryUsage().rss
  const started = performance.now()
  const cpu = process.cpuUsage()
  let count = 0
  switch (way) {
    case "raw":
      for await (const _ of await sdk.messages.batches.results(batch.id)) count++
      break
    case "fetch":
      count = await drain((await fetch(url, { headers })).body!, work)
      break
    case "undici": {
      const response = await request(url, { headers })
      for await (const bytes of response.body) count += work(bytes)
      break
    }
    case "effect": {
      const everyGc = Number(process.env.MIDGC ?? 0)
      let chunks = 0
      count = await runtime.runPromise(
        Effect.flatMap(HttpClient.HttpClient, (http) =>
          Effect.scoped(
            Effect.flatMap(http.get(url, { headers }), (response) =>
              Stream.runFold(response.stream, 0, (total, bytes) => {
                if (everyGc > 0 && ++chunks % everyGc === 0 && globalThis.gc !== undefined) {
                  globalThis.gc()
                  const after = process.memoryUsage()
                  console.log(
                    `  after a full GC at chunk ${chunks}: heap ${megabytes(after.heapUsed)} MB, arrayBuffers ${megabytes(after.arrayBuffers)} MB`
                  )
                }
                return total + work(bytes)
              })
            )
          )
        )
      )
      break
    }
    case "bridge": {
      // What the SDK's `results()` fetches, as a Response whose body is read here.
      const response = await client.sdk.get<Response>(url, {
        headers: { Accept: "application/binary" },
        __binaryResponse: true
      })
      count = await drain(response.body!, work)
      break
    }
    case "results":
      count = await runtime.runPromise(
        Stream.runCount(AnthropicBatches.results(batch.id)).pipe(
          Effect.provideService(AnthropicClient.AnthropicClient, client)
        )
      )
  }
  const used = process.cpuUsage(cpu)
  const wall = performance.now() - started
  sample()
  clearInterval(sampler)
  console.log(
    `${way.padEnd(8)} ${String(lines).padStart(7)} lines: ${wall.toFixed(0).padStart(5)} ms wall, ${((used.user + used.system) / 1000).toFixed(0).padStart(5)} ms CPU; ` +
      `peak RSS ${megabytes(peak.rss)} MB (from ${megabytes(startRss)}), heap ${megabytes(peak.heapUsed)}/${megabytes(peak.heapTotal)} MB, ` +
      `arrayBuffers ${megabytes(peak.arrayBuffers)} MB, maxRSS ${megabytes(process.resourceUsage().maxRSS * 1024)} MB (${count})`
  )
  await runtime.dispose()
}

const main = async (): Promise<void> => {
  const childArgument = process.env.CHILD
  if (childArgument !== undefined) {
    const [way = "", lines = ""] = childArgument.split(":")
    if (!isWay(way)) throw new Error(`unknown way ${way}`)
    return child(way, Number(lines), process.env.BASE_URL ?? "")
  }
  const selected = (process.argv[2] ?? ways.join(",")).split(",").filter(isWay)
  const sizes = (process.env.LINES ?? "10000,100000").split(",").map(Number)
  const server = await Server.start()
  try {
    for (const way of selected) {
      for (const lines of sizes) {
        // Not `spawnSync`: the server answering the child runs in this process.
        const running = spawn(process.execPath, ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url)], {
          stdio: "inherit",
          env: { ...process.env, CHILD: `${way}:${lines}`, BASE_URL: server.baseURL }
        })
        await new Promise((resolve) => running.on("exit", resolve))
      }
    }
  } finally {
    await server.close()
  }
}

await main()
