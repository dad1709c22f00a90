/**
 * The loopback server every HTTP contender talks to, answering with the benchmark's script.
 */
import { answerFor } from "./serverScript.js"
import * as StandIn from "./standInServer.js"

/** A running server. */
export interface BenchServer {
  /** Origin without `/v1`, e.g. `http://127.0.0.1:40123`. */
  readonly baseURL: string
  readonly close: () => Promise<void>
}

/** Starts the server on a random loopback port. */
export const start = (): Promise<BenchServer> => {
  void answerFor
  return StandIn.start()
}
