/**
 * The non-streamed request path layer by layer, against the raw SDK: REQUESTS sequential small
 * requests (as `request-1k` sends) made by
 *   raw      the SDK's own `messages.create` over its default fetch;
 *   bridged  the same call on the `AnthropicClient`'s SDK, awaited by hand (the fetch bridge alone);
 *   call     `AnthropicClient.call` (+ the Effect around each call);
 *   model    `AnthropicModel.request` (+ request mapping, retry wrapper, span, response mapping).
 * The server runs in a child process on 127.0.0.1. Contenders alternate, the first of each round
 * rotates; reported are medians of wall and CPU time (user + system of this process, compiler
 * threads included; and user time alone, which the kernel's share of loopback I/O does not
 * dilute), and their ratio to the first contender.
 *
 *   node --expose-gc --import tsx bench/profile-request.ts [raw,bridged,call,model,base]
 *   (ROUNDS=21 REQUESTS=200 by default; GC=1 collects garbage before each run)
 *
 * CONCURRENCY=N sends the requests in N lanes at once (each lane sequential; `Promise.all` for the
 * SDK, `Effect.forEach` unbounded for the library), as `agent-3-tools` has 200 runs in flight.
 *
 * TRANSPORT=memory answers in-process instead (raw: the SDK's `fetch` option; the others: an
 * `HttpClient` whose responses are web `Response`s), so the timings hold only the client-side work
 * over the SDK, without the noise of sockets.
 *
 * BASE=DIR adds `base`: `model` from another copy of the library (DIR/dist if built, else DIR/src;
 * e.g. an earlier commit's `git archive HEAD src | tar -x -C DIR`, with DIR/node_modules linked to
 * this one's), so a change is measured against what it replaces in the same process, interleaved.
 * Sources run through tsx, whose `keepNames` makes every closure cost a `defineProperty`: to measure
 * as `npm run bench` does, `npm run build` and add TSX_TSCONFIG_PATH=bench/tsconfig.dist.json
 * (then `effect-claude` resolves to dist/).
 *
 * PROFILE=name runs only that contender and writes a CPU profile of its timed rounds (not the
 * start-up) to /tmp/profile-request-<name>.cpuprofile, for bench/profile.ts.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { loadavg } from "node:os"
import Anthropic from "@anthropic-ai/sdk"
import { FetchHttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
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

const rounds = Number(process.env.ROUNDS ?? 21)
const requests = Number(process.env.REQUESTS ?? 200)
const only = process.env.PROFILE
const inMemory = process.env.TRANSPORT === "memory"
const concurrency = Math.max(1, Number(process.env.CONCURRENCY ?? 1))

/** The request indexes of each lane: lane `l` sends `l`, `l + concurrency`, ... in turn. */
const lanes: ReadonlyArray<ReadonlyArray<number>> = Array.from({ length: concurrency }, (_, lane) => {
  const indexes: Array<number> = []
  for (let i = lane; i < requests; i += concurrency) indexes.push(i)
  return indexes
})

/** Runs `send` over every lane at once, each lane's requests one after another. */
const inLanes = async (send: (index: number) => Promise<void>): Promise<void> => {
  await Promise.all(
    lanes.map(async (indexes) => {
      for (const i of indexes) await send(i)
    })
  )
}

/** The same for an Effect per request. */
const effectLanes = <E, R>(send: (index: number) => Effect.Effect<void, E, R>): Effect.Effect<void, E, R> =>
  Effect.forEach(lanes, (indexes) => Effect.forEach(indexes, send, { discard: true }), {
    concurrency: "unbounded",
    discard: true
  })

// The answer `request-1k`'s server gives: one short text block, echoing the prompt's number.
const serverSource = `
const http = require("node:http")
const server = http.createServer((request, response) => {
  const chunks = []
  request.on("data", (chunk) => chunks.push(chunk))
  request.on("end", () => {
    const prompt = /bench:request:(\\d+)/.exec(Buffer.concat(chunks).toString())
    const message = JSON.stringify({
      id: "msg_bench", type: "message", role: "assistant", model: "claude-bench",
      content: [{ type: "text", text: "answer " + (prompt === null ? "?" : prompt[1]) }],
      stop_reason: "end_turn", stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
    })
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(message),
      "request-id": "req_bench"
    })
    response.end(message)
  })
})
server.keepAliveTimeout = 60000
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"))
`

/** The server's answer to a request body, for the in-memory transport. */
const answer = (body: string): Response => {
  const prompt = /bench:request:(\d+)/.exec(body)
  return new Response(
    JSON.stringify({
      id: "msg_bench",
      type: "message",
      role: "assistant",
      model: "claude-bench",
      content: [{ type: "text", text: `answer ${prompt === null ? "?" : prompt[1]}` }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
    }),
    { status: 200, headers: { "content-type": "application/json", "request-id": "req_bench" } }
  )
}

const memoryFetch = async (_input: string | URL | Request, init?: RequestInit): Promise<Response> =>
  answer(typeof init?.body === "string" ? init.body : "")

const httpLayer = inMemory
  ? memoryHttpClient(answer)
  : process.env.HTTP === "fetch"
    ? FetchHttpClient.layer
    : NodeHttpClient.layerUndici

const startServer = (): Promise<{ readonly child: ChildProcess; readonly baseURL: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", serverSource], { stdio: ["ignore", "pipe", "inherit"] })
    child.stdout?.once("data", (data: Buffer) =>
      resolve({ child, baseURL: `http://127.0.0.1:${data.toString().trim()}` })
    )
    child.once("error", reject)
  })

const prompt = (index: number): string => `bench:request:${index}`
const check = (name: string, index: number, text: string): void => {
  if (text !== `answer ${index}`) throw new Error(`${name}: wrong answer to request ${index}: ${text}`)
}

const textOf = (content: ReadonlyArray<{ readonly type: string; readonly text?: string }>): string => {
  let text = ""
  for (const block of content) if (block.type === "text") text += block.text ?? ""
  return text
}

const params = (index: number) => ({
  model: "claude-bench",
  max_tokens: 16,
  messages: [{ role: "user" as const, content: prompt(index) }]
})

/** `model.request` over the library's modules `core` and `anthropic` (this copy's, or BASE's). */
const modelContender: ModelContender = (name, core, anthropic, baseURL) => {
  const clientLayer = anthropic.AnthropicClient.layer({ apiKey: Redacted.make("bench"), baseURL }).pipe(
    Layer.provide(httpLayer)
  )
  const runtime = ManagedRuntime.make(
    anthropic.AnthropicModel.layer("claude-bench", { maxTokens: 16 }).pipe(Layer.provide(clientLayer))
  )
  const contender: Contender = {
    name,
    run: () =>
      runtime.runPromise(
        Effect.flatMap(core.Model.Model, (model) =>
          effectLanes((i) =>
            Effect.map(
              model.request([core.Message.ModelRequest.user(prompt(i))], {}, core.Model.textParameters),
              (response) => check(name, i, core.Message.responseText(response))
            )
          )
        )
      )
  }
  return { contender, dispose: () => runtime.dispose() }
}

const makeContenders = async (
  baseURL: string
): Promise<{ contenders: Array<Contender>; dispose: () => Promise<void> }> => {
  const sdk = new Anthropic({ apiKey: "bench", baseURL, maxRetries: 0, ...(inMemory ? { fetch: memoryFetch } : {}) })
  const clientLayer = AnthropicClient.layer({ apiKey: Redacted.make("bench"), baseURL }).pipe(Layer.provide(httpLayer))
  const runtime = ManagedRuntime.make(
    Layer.merge(AnthropicModel.layer("claude-bench", { maxTokens: 16 }).pipe(Layer.provide(clientLayer)), clientLayer)
  )

  const raw: Contender = {
    name: "raw",
    run: () => inLanes(async (i) => check("raw", i, textOf((await sdk.messages.create(params(i))).content)))
  }

  const bridged: Contender = {
    name: "bridged",
    run: async () => {
      const client = await runtime.runPromise(AnthropicClient.AnthropicClient)
      await inLanes(async (i) => check("bridged", i, textOf((await client.sdk.messages.create(params(i))).content)))
    }
  }

  const call: Contender = {
    name: "call",
    run: () =>
      runtime.runPromise(
        Effect.flatMap(AnthropicClient.AnthropicClient, (client) =>
          effectLanes((i) =>
            Effect.map(
              client.call((sdk, options) => sdk.messages.create(params(i), options)),
              (message) => check("call", i, textOf(message.content))
            )
          )
        )
      )
  }

  const model = modelContender("model", { Message, Model }, { AnthropicClient, AnthropicModel }, baseURL)
  const contenders = [raw, bridged, call, model.contender]
  const disposers = [() => runtime.dispose(), model.dispose]
  await addBase(modelContender, baseURL, contenders, disposers)
  return {
    contenders,
    dispose: async () => {
      for (const dispose of disposers) await dispose()
    }
  }
}

const gc = gcFromEnv(true)

const main = async () => {
  const { child, baseURL } = inMemory ? { child: undefined, baseURL: "http://127.0.0.1:9" } : await startServer()
  const { contenders: all, dispose } = await makeContenders(baseURL)
  const contenders = selectContenders(all, process.argv[2]?.split(","), only)
  const times = await runInterleaved(contenders, {
    rounds,
    gc,
    profileTo: only === undefined ? undefined : `/tmp/profile-request-${only}.cpuprofile`
  })
  const base = summarize(times.get(contenders[0]!.name) ?? [])
  console.log(
    `node ${process.version}, ${rounds} rounds of ${requests} requests (${concurrency} at once), ${inMemory ? "in memory" : "over loopback"} (medians), load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`
  )
  for (const contender of contenders) {
    const spent = summarize(times.get(contender.name) ?? [])
    console.log(
      `  ${contender.name.padEnd(8)} wall ${spent.wall.toFixed(1).padStart(7)} ms ${(spent.wall / base.wall).toFixed(3)}x` +
        `   cpu ${spent.cpu.toFixed(1).padStart(7)} ms ${(spent.cpu / base.cpu).toFixed(3)}x` +
        `   user ${spent.user.toFixed(1).padStart(7)} ms ${(spent.user / base.user).toFixed(3)}x` +
        `   ${((spent.cpu * 1000) / requests).toFixed(0)} µs cpu, ${((spent.user * 1000) / requests).toFixed(0)} µs user per request`
    )
  }
  await dispose()
  child?.kill()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
