/**
 * The loopback `MockAnthropicServer` every HTTP contender talks to, answering with the benchmark's
 * script, run in the parent process (its own core) for the life of the benchmark.
 */
import { Effect, Exit, Scope } from "effect"
import { MockAnthropicServer } from "effect-claude/testing"
import { routes } from "./serverScript.js"

/** A running server. */
export interface BenchServer {
  /** Origin without `/v1`, e.g. `http://127.0.0.1:40123`. */
  readonly baseURL: string
  /** Requests answered so far. */
  readonly requestCount: () => Promise<number>
  readonly close: () => Promise<void>
}

/** Starts the server on a random loopback port. */
export const start = async (): Promise<BenchServer> => {
  const scope = Effect.runSync(Scope.make())
  // Idle keep-alive connections stay open for the whole run: with Node's 5 s default a saturated client
  // (200 concurrent runs on 2 cores) could send a request on a pooled socket just as the server closed it,
  // and a contender (running without retries) failed with a transport error, marked WRONG.
  const server = await Effect.runPromise(
    Scope.extend(MockAnthropicServer.listen(routes, { keepAliveTimeout: "10 minutes" }), scope)
  )
  return {
    baseURL: server.baseURL,
    requestCount: () => Effect.runPromise(server.requestCount),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
