import type { BodyDecoder } from "../../../src/anthropic/internal/eventPump.js"

/** What `decoder` gives for `bytes` fed in pieces cut at `cuts`, then ended. */
export const feedPieces = <A>(decoder: BodyDecoder<A>, bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<A> => {
  const out: Array<A> = []
  let start = 0
  for (const cut of [...cuts, bytes.length]) {
    decoder.feed(bytes.subarray(start, cut), out)
    start = cut
  }
  decoder.end(out)
  return out
}
