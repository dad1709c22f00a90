/**
 * The items both repros stream: 100,000 small nested objects (about ten allocations each) in
 * arrays of 100, and the work done on each chunk, counted so a run proves it saw every item.
 */
export const itemSource = (total = 100_000) => {
  let made = 0
  let sum = 0
  const line = (i) => ({ a: { b: { c: [{ d: `x${i}`, e: i }] } }, n: `z${i}`, m: [1, 2, 3].map((x) => ({ x })) })
  return {
    hasMore: () => made < total,
    /** The next 100 items, as a plain array. */
    nextChunk: () => {
      const out = []
      for (let i = 0; i < 100 && made < total; i++) out.push(line(made++))
      return out
    },
    work: (chunk) => {
      for (const item of chunk) sum += item.a.b.c[0].e & 1
    },
    /** Throws unless every item was worked on. */
    check: () => {
      if (sum !== total / 2) throw new Error(`worked on ${sum * 2} of ${total}`)
    }
  }
}
