/**
 * Effect, no effect-claude code: `Stream.runForEachChunk(stream, (chunk) => Effect.sync(() => ...))`
 * promotes every chunk the stream emits until the next mark-compact, where the same consumer written
 * to return `Effect.void` promotes next to nothing. The holder is the closure `Channel.fromEffect`
 * makes (`op.effect = () => effect` in `internal/core-stream.js`), which V8 allocates in old space (see
 * `pretenured-closure.mjs`): `Sink.forEachChunk` wraps each chunk's effect with `Channel.fromEffect`,
 * so each dead closure keeps its context, the user's effect, its thunk and the chunk alive past the
 * scavenges.
 *
 *   node bench/repro/fromEffect-retention.mjs         (each variant in a child; add JITLESS=1 for
 *                                                      exact, repeatable numbers)
 *
 * Variants (100,000 items of ~10 objects, in chunks of 100, from a synchronous pull):
 *   forEachChunk-sync   Stream.runForEachChunk(stream, (chunk) => Effect.sync(() => work(chunk)))
 *   forEachChunk-void   Stream.runForEachChunk(stream, (chunk) => { work(chunk); return Effect.void })
 *   channel-sync        one channel loop: Channel.flatMap(Channel.fromEffect(Effect.sync(() => work(chunk))), ...)
 *   channel-void        the same loop with the work done before, Channel.fromEffect(Effect.void)
 */

import { fileURLToPath } from "node:url"
import { Channel, Chunk, Effect, Option, Stream } from "effect"
import { itemSource } from "./items.mjs"
import { promotedMegabytes } from "./promoted.mjs"

const variants = ["forEachChunk-sync", "forEachChunk-void", "channel-sync", "channel-void"]

const runVariant = async (variant) => {
  const { hasMore, nextChunk: nextArray, work, check } = itemSource()
  const nextChunk = () => Chunk.unsafeFromArray(nextArray())
  const pull = Effect.suspend(() => (!hasMore() ? Effect.fail(Option.none()) : Effect.succeed(nextChunk())))
  const perChunk = variant.endsWith("-sync")
    ? (chunk) => Effect.sync(() => work(chunk))
    : (chunk) => {
        work(chunk)
        return Effect.void
      }
  if (variant.startsWith("forEachChunk")) {
    await Effect.runPromise(Stream.runForEachChunk(Stream.repeatEffectChunkOption(pull), perChunk))
  } else {
    const loop = Channel.suspend(() =>
      !hasMore() ? Channel.void : Channel.flatMap(Channel.fromEffect(perChunk(nextChunk())), () => loop)
    )
    await Effect.runPromise(Channel.runDrain(loop))
  }
  check()
}

const variant = process.argv[2]
if (variant !== undefined) {
  await runVariant(variant)
} else {
  const flags = process.env.JITLESS === "1" ? ["--jitless"] : []
  for (const name of variants) {
    const { promoted, scavenges } = promotedMegabytes(fileURLToPath(import.meta.url), [name], flags)
    console.log(`${name.padEnd(18)} promoted ${promoted.toFixed(1).padStart(5)} MB in ${scavenges} scavenges`)
  }
}
