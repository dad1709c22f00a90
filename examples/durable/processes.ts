/**
 * What the durable examples share: each is a parent that starts worker processes of its own file on
 * one SQLite store and watches their output, and a worker side running the durable agent there.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Layer, Redacted, type Scope } from "effect"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"
import { DurableAgent, DurableEngine, RunEvents } from "effect-claude/durable"
import type { MockAnthropicServer } from "effect-claude/testing"

/**
 * A worker's services: the durable agent on the SQLite store `STORE`, live events, and Claude (the
 * loopback server at `BASE_URL` when set, else `ANTHROPIC_API_KEY`).
 */
export const workerLayer = <O, E>(durable: DurableAgent.DurableAgent<O, E, never>) => {
  const baseURL = process.env.BASE_URL
  const client =
    baseURL === undefined
      ? AnthropicClient.layerConfig()
      : AnthropicClient.layer({ apiKey: Redacted.make("offline-example-key"), baseURL })
  const model = AnthropicModel.layer(process.env.ANTHROPIC_MODEL ?? "claude-sonnet-4-6").pipe(
    Layer.provide(client),
    Layer.provide(FetchHttpClient.layer)
  )
  return DurableAgent.layer(durable).pipe(
    Layer.provideMerge(DurableEngine.layerSqlite({ filename: process.env.STORE ?? "runs.db" })),
    Layer.provideMerge(RunEvents.layer),
    Layer.provide(model)
  )
}

/** Prints a worker's line, with its role and process id. */
export const say = (text: string) =>
  Effect.sync(() => process.stdout.write(`  [${process.env.ROLE ?? "worker"} ${process.pid}] ${text}\n`))

/** The parent's setup: Claude (the loopback server `offline` unless `ANTHROPIC_API_KEY` is set) and a store. */
export const parentSetup = <E>(offline: Effect.Effect<MockAnthropicServer.Service, E, Scope.Scope>, name: string) =>
  Effect.gen(function* () {
    const online = (process.env.ANTHROPIC_API_KEY ?? "") !== ""
    const server = online ? undefined : yield* offline
    // The store's folder lasts as long as the example: removed when its scope closes.
    const folder = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), `effect-claude-${name}-`))),
      (made) => Effect.sync(() => rmSync(made, { recursive: true, force: true }))
    )
    const env: Record<string, string> = {
      DURABLE_EXAMPLE_WORKER: "1",
      STORE: join(folder, "runs.db"),
      JOURNAL: join(folder, "journal.log"),
      ...(server === undefined ? {} : { BASE_URL: server.baseURL })
    }
    console.log(`Store: ${env.STORE} (removed at the end)${online ? "" : "; model: the loopback Anthropic server"}`)
    /** How many Messages requests the loopback server answered (undefined online). */
    const requests: Effect.Effect<number | undefined> =
      server === undefined
        ? Effect.succeed(undefined)
        : Effect.map(server.requests, (all) => all.filter((request) => request.path === "/v1/messages").length)
    return { env, journal: env.JOURNAL!, requests }
  })

/**
 * Runs `file` as a worker with `env` added, echoing its output; `onLine` may stop it (SIGKILL: no
 * cleanup, as a crash). Gives how it ended.
 */
export const runWorker = (
  file: string,
  env: Record<string, string>,
  onLine: (line: string, kill: () => void) => void
): Effect.Effect<string> =>
  Effect.async<string>((resume) => {
    const child = spawn(process.execPath, [...process.execArgv, file], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) {
        if (line === "") continue
        process.stdout.write(`${line}\n`)
        onLine(line, () => child.kill("SIGKILL"))
      }
    })
    child.on("exit", (code, signal) => resume(Effect.succeed(signal ?? `exit ${code}`)))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** Runs the worker side in a worker process, the parent otherwise, and exits. */
export const main = (worker: () => Effect.Effect<void, unknown>, parent: Effect.Effect<void, unknown>): void => {
  const program = process.env.DURABLE_EXAMPLE_WORKER === "1" ? worker() : parent
  Effect.runPromise(program).then(
    () => process.exit(0),
    (error) => {
      console.error(error)
      process.exit(1)
    }
  )
}
