import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { sumIterations } from "../../../src/anthropic/internal/iterationUsage.js"

describe("#16 point 2: usage summed over iterations as billed", () => {
  it("a compacted request counts the compaction's tokens and the sampling after it", () => {
    const usage = {
      input_tokens: 20_000,
      output_tokens: 500,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 1_000,
      iterations: [
        {
          type: "compaction",
          input_tokens: 180_000,
          output_tokens: 3_000,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0
        },
        {
          type: "message",
          input_tokens: 20_000,
          output_tokens: 500,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 1_000
        }
      ]
    }
    expect(sumIterations(usage)).toEqual(
      Option.some({
        uncachedInput: 200_000,
        output: 3_500,
        cacheWrite: 0,
        cacheRead: 1_000,
        details: {
          iterations: 2,
          iteration_1_compaction_input_tokens: 180_000,
          iteration_1_compaction_output_tokens: 3_000,
          iteration_1_compaction_cache_creation_input_tokens: 0,
          iteration_1_compaction_cache_read_input_tokens: 0,
          iteration_2_message_input_tokens: 20_000,
          iteration_2_message_output_tokens: 500,
          iteration_2_message_cache_creation_input_tokens: 0,
          iteration_2_message_cache_read_input_tokens: 1_000
        }
      })
    )
  })

  it("advisor iterations add up too; missing counts are zero", () => {
    const totals = sumIterations({
      iterations: [
        { type: "message", input_tokens: 100, output_tokens: 10 },
        { type: "advisor_message", input_tokens: 300, output_tokens: 40, cache_read_input_tokens: null },
        { type: "message", input_tokens: 150, output_tokens: 20, cache_creation_input_tokens: 7 }
      ]
    })
    expect(Option.map(totals, ({ uncachedInput, output, cacheWrite }) => [uncachedInput, output, cacheWrite])).toEqual(
      Option.some([550, 70, 7])
    )
  })

  it("no iterations, an empty list or a malformed one: nothing to sum", () => {
    expect(sumIterations({ input_tokens: 5 })).toEqual(Option.none())
    expect(sumIterations({ iterations: null })).toEqual(Option.none())
    expect(sumIterations({ iterations: [] })).toEqual(Option.none())
    expect(sumIterations({ iterations: [{ input_tokens: "many" }] })).toEqual(Option.none())
    expect(sumIterations(undefined)).toEqual(Option.none())
  })
})
