/**
 * Usage of a response made of several iterations (a compaction, advisor calls, a fallback
 * model, server-tool loops). The top-level counts describe only the last sampling and leave out
 * compactions, yet every iteration is billed: the totals are the sum over `usage.iterations`,
 * and each iteration stays in the details as `iteration_<n>_<type>_<count>`.
 */
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

const Count = Schema.optionalWith(Schema.NullOr(Schema.Number), { default: () => null })

const Iteration = Schema.Struct({
  type: Schema.optionalWith(Schema.String, { default: () => "message" }),
  input_tokens: Count,
  output_tokens: Count,
  cache_creation_input_tokens: Count,
  cache_read_input_tokens: Count
})

const decodeIterations = Schema.decodeUnknownOption(
  Schema.Struct({ iterations: Schema.optionalWith(Schema.NullOr(Schema.Array(Iteration)), { default: () => null }) })
)

/** Billed totals over all iterations, and one detail per count of each iteration. */
export interface IterationTotals {
  readonly uncachedInput: number
  readonly output: number
  readonly cacheWrite: number
  readonly cacheRead: number
  readonly details: Readonly<Record<string, number>>
}

/** The sum over `usage.iterations`, or `None` when the response has no iterations list. */
export const sumIterations = (usage: unknown): Option.Option<IterationTotals> => {
  // Most responses have no list: skip the decoding (and its copy of the usage) for them.
  if (!Predicate.hasProperty(usage, "iterations") || usage.iterations === null || usage.iterations === undefined) {
    return Option.none()
  }
  const decoded = decodeIterations(usage)
  if (Option.isNone(decoded)) return Option.none()
  const iterations = decoded.value.iterations
  if (iterations === null || iterations.length === 0) return Option.none()
  let uncachedInput = 0
  let output = 0
  let cacheWrite = 0
  let cacheRead = 0
  const details: Record<string, number> = { iterations: iterations.length }
  iterations.forEach((iteration, index) => {
    const prefix = `iteration_${index + 1}_${iteration.type}`
    const counts = {
      input_tokens: iteration.input_tokens ?? 0,
      output_tokens: iteration.output_tokens ?? 0,
      cache_creation_input_tokens: iteration.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: iteration.cache_read_input_tokens ?? 0
    }
    for (const [key, value] of Object.entries(counts)) details[`${prefix}_${key}`] = value
    uncachedInput += counts.input_tokens
    output += counts.output_tokens
    cacheWrite += counts.cache_creation_input_tokens
    cacheRead += counts.cache_read_input_tokens
  })
  return Option.some({ uncachedInput, output, cacheWrite, cacheRead, details })
}
