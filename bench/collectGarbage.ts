/**
 * The garbage collections the benchmark runs between timed runs (with `node --expose-gc`; without
 * it, none).
 *
 * Before each timed run the previous run's young garbage is collected (a minor GC), so a run does
 * not pay for a scavenge of another contender's garbage. Not a full GC: a forced full collection
 * (`gc()`, sync or async) makes V8 deoptimize the optimized code that refers to objects it frees
 * ("weak objects" in `--trace-deopt`), ~28 functions of Effect's fiber runtime and of effect-claude
 * each time, and the next thousands of loop steps run unoptimized until they are optimized again.
 * No long-running program forces full collections, and the natural ones of a run did not do this
 * (one deopt in 11 rounds without forced GCs against 307 with them). Measured on `loop-overhead`
 * (bench/README.md, "Session 9: what a run costs beyond its steps"): effect-claude 142 µs of CPU a
 * step with a full GC before each run, 85 without; Vercel's 342 vs 269, the raw hand loop 6.0 vs
 * 4.7. A full GC stays where the benchmark wants the heap settled once: after the contenders are
 * loaded and built, before their RSS is read.
 */

/** A minor GC (the young generation), when `gc` is exposed. */
export const collectYoungGarbage = (): void => {
  globalThis.gc?.({ type: "minor" })
}

/** A full GC, when `gc` is exposed: for settling the heap before a reading, not between timed runs. */
export const collectAllGarbage = (): void => {
  globalThis.gc?.()
}
