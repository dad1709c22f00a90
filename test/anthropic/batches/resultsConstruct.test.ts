import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Equal, Exit, Option } from "effect"
import { Message, Usage } from "effect-claude"
import { AnthropicBatches } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"
import { succeeded } from "../../../src/anthropic/internal/batchData.js"
import { decodedResults } from "../../../src/anthropic/internal/batchResults.js"
import { trustedInput } from "../../../src/anthropic/internal/trustedInput.js"

/** Own properties in order, and the prototype: what tells two instances apart. */
const shape = (value: object) => ({ keys: Reflect.ownKeys(value), prototype: Object.getPrototypeOf(value) })

const same = <A extends object>(built: A, constructed: A) => {
  expect(shape(built)).toEqual(shape(constructed))
  expect(built).toEqual(constructed)
  expect(Equal.equals(built, constructed)).toBe(true)
}

const line = (customId: string, text: string) => ({
  custom_id: customId,
  result: MockAnthropicServer.batchSucceeded(MockAnthropicServer.textMessage(text))
})

const timestamp = new Date(0)

/** A result line decoded as `AnthropicBatches.results` decodes it (one line, one chunk). */
const decodeLine = (value: unknown) =>
  Effect.runSync(Effect.exit(decodedResults<never>(Effect.succeed(Chunk.of(value)))))

describe("the per-line instances of a results file, built without their constructors", () => {
  it("Message.unvalidated and succeeded give what the unvalidated constructors give", () => {
    same(
      Message.unvalidated(Message.TextPart, { content: "hi" }),
      new Message.TextPart({ content: "hi" }, trustedInput)
    )
    const usage = { inputTokens: 3, outputTokens: 4, cacheWriteTokens: 0, cacheReadTokens: 0, details: { a: 1 } }
    same(Message.unvalidated(Usage.RequestUsage, usage), new Usage.RequestUsage(usage, trustedInput))
    const parts = [new Message.TextPart({ content: "hi" })]
    const fields = { parts, usage: Usage.RequestUsage.empty, modelName: "claude-haiku-4-5", timestamp }
    const response = Message.unvalidated(Message.ModelResponse, fields)
    same(response, new Message.ModelResponse(fields, trustedInput))
    same(succeeded("a", response), new AnthropicBatches.Succeeded({ customId: "a", response }, trustedInput))
  })

  it("a succeeded line becomes the result its constructors would build", () => {
    const exit = decodeLine(line("a", "first"))
    if (!Exit.isSuccess(exit)) throw new Error("the line did not decode")
    const [result] = Chunk.toReadonlyArray(exit.value)
    if (result?._tag !== "Succeeded") throw new Error("not a succeeded result")
    const { response } = result
    const [part] = response.parts
    if (part?._tag !== "TextPart") throw new Error("not a text part")
    same(part, new Message.TextPart({ content: "first" }, trustedInput))
    const { totalTokens: _, ...usage } = { ...response.usage, totalTokens: 0 }
    same(response.usage, new Usage.RequestUsage(usage, trustedInput))
    const { _tag, ...fields } = response
    same(response, new Message.ModelResponse(fields, trustedInput))
    same(result, new AnthropicBatches.Succeeded({ customId: "a", response }, trustedInput))
    expect(Message.responseText(response)).toBe("first")
  })

  it("the pull fails with the first line that is not a batch result", () => {
    const exit = Effect.runSync(
      Effect.exit(decodedResults<never>(Effect.succeed(Chunk.make(line("a", "first"), { custom_id: "b", result: {} }))))
    )
    if (!Exit.isFailure(exit)) throw new Error("the pull succeeded")
    const error = Option.flatten(Cause.failureOption(exit.cause))
    expect(Option.isSome(error) && error.value._tag).toBe("AnthropicSdkError")
  })
})
