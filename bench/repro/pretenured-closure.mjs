/**
 * V8 alone, no Effect: a closure literal assigned straight to a property (`op.effect = () => effect`)
 * is allocated in old space (V8's parser marks such literals "pretenure", taking them for methods
 * that live long). When the closure is per-item garbage, each dead closure stays in old space until
 * the next mark-compact, and scavenges treat it as a root: its context, and all that context reaches
 * (here a chunk of ~100 objects), survives every scavenge and is promoted.
 *
 *   node bench/repro/pretenured-closure.mjs            (runs each variant in a child, prints the sums)
 *   node --trace-gc-nvp bench/repro/pretenured-closure.mjs assigned   (one variant)
 *
 * Variants (the same objects, the same closure body, only where the closure literal stands):
 *   assigned   `op.effect = () => effect`             (as Effect's `Channel.fromEffect`)
 *   helper     `op.effect = constant(effect)` where `constant = (effect) => () => effect`
 *   literal    `({ _tag: "FromEffect", effect: () => effect })`
 */
import { fileURLToPath } from "node:url"
import { itemSource } from "./items.mjs"
import { promotedMegabytes } from "./promoted.mjs"

const variants = ["assigned", "helper", "literal"]

const runVariant = (variant) => {
  const { hasMore, nextChunk, work, check } = itemSource()
  const proto = {}
  const assigned = (effect) => {
    const op = Object.create(proto)
    op._tag = "FromEffect"
    op.effect = () => effect
    return op
  }
  const constant = (effect) => () => effect
  const helper = (effect) => {
    const op = Object.create(proto)
    op._tag = "FromEffect"
    op.effect = constant(effect)
    return op
  }
  const literal = (effect) => ({ _tag: "FromEffect", effect: () => effect })
  const fromEffect = { assigned, helper, literal }[variant]
  // A long-lived "executor" holding the current op, overwritten each time, as a channel executor does.
  const executor = { current: undefined }
  while (hasMore()) {
    const chunk = nextChunk()
    executor.current = fromEffect({ run: () => work(chunk) })
    const effect = executor.current.effect()
    executor.current = undefined
    effect.run()
  }
  check()
}

const variant = process.argv[2]
if (variant !== undefined) {
  runVariant(variant)
} else {
  for (const name of variants) {
    const { promoted, scavenges } = promotedMegabytes(fileURLToPath(import.meta.url), [name])
    console.log(`${name.padEnd(9)} promoted ${promoted.toFixed(1).padStart(5)} MB in ${scavenges} scavenges`)
  }
}
