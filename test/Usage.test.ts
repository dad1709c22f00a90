import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import { AgentError, Usage } from "effect-claude"

const { RequestUsage, RunUsage } = Usage
const { UsageLimitExceeded } = AgentError

describe("Usage", () => {
  it("defaults every count to zero", () => {
    expect(RequestUsage.empty).toStrictEqual(
      new RequestUsage({ inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, details: {} })
    )
    expect(RunUsage.empty).toStrictEqual(
      new RunUsage({
        requests: 0,
        toolCalls: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
        details: {}
      })
    )
    expect(new RequestUsage({ inputTokens: 7, outputTokens: 5 }).totalTokens).toBe(12)
  })

  it("adds request usages field by field, merging details", () => {
    const left = new RequestUsage({
      inputTokens: 100,
      outputTokens: 20,
      cacheWriteTokens: 5,
      cacheReadTokens: 50,
      details: { web_search_requests: 1, thoughts: 3 }
    })
    const right = new RequestUsage({
      inputTokens: 10,
      outputTokens: 2,
      cacheWriteTokens: 1,
      cacheReadTokens: 0,
      details: { web_search_requests: 2, images: 4 }
    })
    expect(Usage.addRequestUsage(left, right)).toStrictEqual(
      new RequestUsage({
        inputTokens: 110,
        outputTokens: 22,
        cacheWriteTokens: 6,
        cacheReadTokens: 50,
        details: { web_search_requests: 3, thoughts: 3, images: 4 }
      })
    )
    // The inputs are left as they were.
    expect(left.details).toEqual({ web_search_requests: 1, thoughts: 3 })
    expect(Usage.addRequestUsage(left, RequestUsage.empty)).toStrictEqual(left)
  })

  it("adds run usages, requests and tool calls included", () => {
    const left = new RunUsage({ requests: 2, toolCalls: 3, inputTokens: 40, outputTokens: 8, details: { a: 1 } })
    const right = new RunUsage({ requests: 1, toolCalls: 0, inputTokens: 5, cacheReadTokens: 9, details: { b: 2 } })
    expect(Usage.addRunUsage(left, right)).toStrictEqual(
      new RunUsage({
        requests: 3,
        toolCalls: 3,
        inputTokens: 45,
        outputTokens: 8,
        cacheWriteTokens: 0,
        cacheReadTokens: 9,
        details: { a: 1, b: 2 }
      })
    )
  })

  it("counts one request per added request usage, and tool calls", () => {
    const afterTwo = Usage.addRequest(
      Usage.addRequest(RunUsage.empty, new RequestUsage({ inputTokens: 10, outputTokens: 1, details: { x: 1 } })),
      new RequestUsage({ inputTokens: 20, outputTokens: 2, cacheWriteTokens: 3, details: { x: 2 } })
    )
    expect(afterTwo).toStrictEqual(
      new RunUsage({
        requests: 2,
        toolCalls: 0,
        inputTokens: 30,
        outputTokens: 3,
        cacheWriteTokens: 3,
        cacheReadTokens: 0,
        details: { x: 3 }
      })
    )
    expect(afterTwo.totalTokens).toBe(33)
    expect(Usage.addToolCalls(afterTwo, 4)).toStrictEqual(new RunUsage({ ...afterTwo, toolCalls: 4 }))
  })

  it("round-trips through JSON", () => {
    const usage = new RunUsage({ requests: 1, toolCalls: 2, inputTokens: 3, outputTokens: 4, details: { d: 5 } })
    const codec = Schema.parseJson(RunUsage)
    expect(Schema.decodeUnknownSync(codec)(Schema.encodeSync(codec)(usage))).toStrictEqual(usage)
  })
})

const runs = (fields: ConstructorParameters<typeof RunUsage>[0]) => new RunUsage(fields)

describe("UsageLimits", () => {
  it.effect("lets the request that reaches requestLimit through and stops the one after", () =>
    Effect.gen(function* () {
      const limits: Usage.UsageLimits = { requestLimit: 3 }
      yield* Usage.checkBeforeRequest(limits, runs({ requests: 2 }))
      const error = yield* Effect.flip(Usage.checkBeforeRequest(limits, runs({ requests: 3 })))
      expect(error).toStrictEqual(
        new UsageLimitExceeded({
          limit: "requests",
          maximum: 3,
          value: 4,
          message: "The next request would exceed the requests limit of 3 (requests: 4)"
        })
      )
      expect(error.message).toBe("The next request would exceed the requests limit of 3 (requests: 4)")
    })
  )

  it.effect("checks input, output and total tokens: at the limit passes, one over fails", () =>
    Effect.gen(function* () {
      const cases = [
        { limits: { inputTokensLimit: 100 }, at: { inputTokens: 100 }, over: { inputTokens: 101 } },
        { limits: { outputTokensLimit: 50 }, at: { outputTokens: 50 }, over: { outputTokens: 51 } },
        {
          limits: { totalTokensLimit: 150 },
          at: { inputTokens: 100, outputTokens: 50 },
          over: { inputTokens: 100, outputTokens: 51 }
        }
      ] as const
      const limitNames = ["inputTokens", "outputTokens", "totalTokens"] as const
      for (const [index, { limits, at, over }] of cases.entries()) {
        yield* Usage.checkTokens(limits, runs(at))
        const error = yield* Effect.flip(Usage.checkTokens(limits, runs(over)))
        const limit = limitNames[index]!
        const maximum = Object.values(limits)[0]!
        expect(error).toStrictEqual(
          new UsageLimitExceeded({
            limit,
            maximum,
            value: maximum + 1,
            message: `Exceeded the ${limit} limit of ${maximum} (${limit}: ${maximum + 1})`
          })
        )
      }
    })
  )

  it.effect("reports the first token limit exceeded: input, then output, then total", () =>
    Effect.gen(function* () {
      const limits: Usage.UsageLimits = { inputTokensLimit: 10, outputTokensLimit: 10, totalTokensLimit: 10 }
      const all = yield* Effect.flip(Usage.checkTokens(limits, runs({ inputTokens: 11, outputTokens: 11 })))
      expect(all.limit).toBe("inputTokens")
      const outputAndTotal = yield* Effect.flip(Usage.checkTokens(limits, runs({ inputTokens: 5, outputTokens: 11 })))
      expect(outputAndTotal.limit).toBe("outputTokens")
      const total = yield* Effect.flip(Usage.checkTokens(limits, runs({ inputTokens: 6, outputTokens: 5 })))
      expect(total).toStrictEqual(
        new UsageLimitExceeded({
          limit: "totalTokens",
          maximum: 10,
          value: 11,
          message: "Exceeded the totalTokens limit of 10 (totalTokens: 11)"
        })
      )
    })
  )

  it.effect("checks tool calls before running them, counting the whole batch", () =>
    Effect.gen(function* () {
      const limits: Usage.UsageLimits = { toolCallsLimit: 5 }
      yield* Usage.checkBeforeToolCalls(limits, runs({ toolCalls: 3 }), 2)
      const error = yield* Effect.flip(Usage.checkBeforeToolCalls(limits, runs({ toolCalls: 3 }), 3))
      expect(error).toStrictEqual(
        new UsageLimitExceeded({
          limit: "toolCalls",
          maximum: 5,
          value: 6,
          message: "The next tool calls would exceed the toolCalls limit of 5 (toolCalls: 6)"
        })
      )
    })
  )

  it.effect("passes every check when no limit is set, however large the usage", () =>
    Effect.gen(function* () {
      const huge = runs({ requests: 1e9, toolCalls: 1e9, inputTokens: 1e12, outputTokens: 1e12 })
      const exits = yield* Effect.all(
        [
          Usage.checkBeforeRequest({}, huge),
          Usage.checkTokens({}, huge),
          Usage.checkBeforeToolCalls({}, huge, 1e9)
        ].map(Effect.exit)
      )
      expect(exits).toEqual([Exit.void, Exit.void, Exit.void])
    })
  )

  it.effect("fails with a catchable tagged error", () =>
    Effect.gen(function* () {
      const caught = yield* Usage.checkBeforeRequest({ requestLimit: 0 }, RunUsage.empty).pipe(
        Effect.as("no error"),
        Effect.catchTag("UsageLimitExceeded", (error) => Effect.succeed(`${error.limit} > ${error.maximum}`))
      )
      expect(caught).toBe("requests > 0")
    })
  )
})
