/**
 * Fast path: the pull of `AnthropicBatches.results`, whose chunks are results already: each chunk
 * of parsed lines the client's pump hands over is decoded inside the pull that took it, instead of
 * by a `Stream.mapChunksEffect` stage after the client's Stream.
 *
 * Why: garbage that survives two scavenges is promoted and freed only by a mark-compact, which V8
 * starts late (the old generation at ~3x its live size), so whatever promotes per line makes peak
 * RSS grow with the file. A Stream consumed by an effect per chunk (`Stream.runForEachChunk`,
 * `runForEach`) keeps its chunks reachable past a scavenge in Effect's channel machinery, once per
 * stage: the extra stage promoted ~40 MB more of a 100,000-line file (`--trace-gc-nvp`, summed
 * `promoted=`), the lines and their results alike. See bench/README.md, "batch-results".
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { UnexpectedModelBehavior } from "../../AgentError.js"
import type { AnthropicError } from "../AnthropicError.js"
import { type BatchResult, toResult } from "./batchData.js"
import { decodeResult } from "./jsonlResults.js"

/**
 * The results of the parsed lines `pull` gives, a chunk for a chunk; fails with the first line that
 * is not a batch result (or whose message the response mapping cannot read).
 * @since 0.1.0
 * @category utils
 */
export const decodedResults = <E>(
  pull: Effect.Effect<Chunk.Chunk<unknown>, Option.Option<E>>
): Effect.Effect<Chunk.Chunk<BatchResult>, Option.Option<E | AnthropicError | UnexpectedModelBehavior>> =>
  Effect.flatMap(pull, (lines) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      // Every result of one chunk arrived together: one timestamp, as a single response gets one.
      const timestamp = new Date(now)
      const decoded: Array<BatchResult> = []
      for (const line of lines) {
        const result = decodeResult(line, timestamp)
        if (Either.isLeft(result)) return Effect.fail(Option.some(result.left))
        decoded.push(toResult(result.right))
      }
      return Effect.succeed(Chunk.unsafeFromArray(decoded))
    })
  )
