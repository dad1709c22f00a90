import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { Message } from "effect-claude"
import { AnthropicBatches } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { clientLayer, withServer } from "./helpers.js"

const requests = [{ customId: "req-0", messages: [Message.ModelRequest.user("question")] }]

const succeeded = (customId: string, text: string) =>
  JSON.stringify({
    custom_id: customId,
    result: MockAnthropicServer.batchSucceeded(MockAnthropicServer.textMessage(text))
  })

describe("AnthropicBatches.results: the results file's lines", () => {
  it.scoped("CRLF line ends and blank lines are read as the API's LF file", () =>
    withServer(
      {
        batches: {
          resultLines: () => [
            `${succeeded("a", "first")}\r`,
            "",
            "\r",
            `${JSON.stringify({ custom_id: "b", result: { type: "expired" } })}\r`,
            `${succeeded("c", "ünïcødé 🙂 ".repeat(2000))}\r`
          ]
        }
      },
      () =>
        Effect.gen(function* () {
          const batch = yield* AnthropicBatches.create(requests, { model: "claude-haiku-4-5" })
          const results = Chunk.toReadonlyArray(yield* Stream.runCollect(AnthropicBatches.results(batch.id)))
          expect(results.map((result) => [result._tag, result.customId])).toEqual([
            ["Succeeded", "a"],
            ["Expired", "b"],
            ["Succeeded", "c"]
          ])
          const [first, , last] = results
          expect(first?._tag === "Succeeded" && Message.responseText(first.response)).toBe("first")
          expect(last?._tag === "Succeeded" && Message.responseText(last.response)).toBe("ünïcødé 🙂 ".repeat(2000))
        })
    )
  )

  it.scoped("a line that is not JSON fails with a SyntaxError naming its line, quoting neither it nor the key", () =>
    Effect.gen(function* () {
      const apiKey = "sk-ant-api03-secret-key-for-this-test"
      const server = yield* MockAnthropicServer.make(
        {
          batches: {
            resultLines: () => [
              succeeded("a", "fine"),
              "",
              `{"custom_id":"${apiKey}","result": truncated`,
              succeeded("c", "never read")
            ]
          }
        },
        { apiKey }
      )
      const seen: Array<string> = []
      const error = yield* AnthropicBatches.create(requests, { model: "claude-haiku-4-5" }).pipe(
        Effect.flatMap((batch) =>
          Stream.runForEach(AnthropicBatches.results(batch.id), (result) =>
            Effect.sync(() => seen.push(result.customId))
          )
        ),
        Effect.flip,
        Effect.provide(clientLayer(server.baseURL, apiKey))
      )
      expect(error).toMatchObject({ _tag: "AnthropicSdkError", errorClass: "SyntaxError" })
      expect(error.message).toContain("Line 3 ")
      expect(error.message).not.toContain(apiKey)
      expect(error.message).not.toContain("truncated")
      expect(seen).toEqual(["a"])
    })
  )
})
