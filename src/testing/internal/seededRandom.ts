/** A small seeded pseudo-random source, so fakes give the same values for the same seed. */
/** A small deterministic pseudo-random source (mulberry32). */
export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [low, high] (both inclusive); `low` when the range is empty. */
  int(low: number, high: number): number {
    if (high <= low) return low
    return low + Math.floor(this.next() * (high - low + 1))
  }

  /** One element of a non-empty array. */
  pick<A>(items: ReadonlyArray<A>): A {
    return items[this.int(0, items.length - 1)]!
  }

  /** True with probability one half. */
  coin(): boolean {
    return this.next() < 0.5
  }
}

/** Mixes a seed with a string (a tool name, say) so each tool gets its own stable sequence. */
export const mixSeed = (seed: number, salt: string): number => {
  // FNV-1a over the salt, starting from the seed.
  let hash = (0x811c9dc5 ^ seed) >>> 0
  for (let index = 0; index < salt.length; index++) {
    hash ^= salt.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}
