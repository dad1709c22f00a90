import { describe, expect, it } from "@effect/vitest"
import { Effect, Equal, Schema } from "effect"
import { Message, Model, Usage } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"
import { construct, trustedInput } from "../src/internal/trustedInput.js"

/** Own properties in order, and the prototype: what tells two instances apart. */
const shape = (value: object) => ({ keys: Reflect.ownKeys(value), prototype: Object.getPrototypeOf(value) })

const same = <A extends object>(built: A, constructed: A) => {
  expect(shape(built)).toEqual(shape(constructed))
  expect(built).toEqual(constructed)
}

describe("construct: a Schema class instance built as its unvalidated constructor builds it", () => {
  it("gives the same own properties in the same order, defaults and _tag included", () => {
    const returned = construct(Message.ToolReturnPart, { toolName: "lookup", toolCallId: "call_1", content: "v1" })
    const constructed = new Message.ToolReturnPart(
      { toolName: "lookup", toolCallId: "call_1", content: "v1" },
      trustedInput
    )
    same(returned, constructed)
    expect(Equal.equals(returned, constructed)).toBe(true)
    same(
      construct(Message.ToolReturnPart, { toolName: "lookup", toolCallId: "call_1", content: 1, isError: false }),
      new Message.ToolReturnPart({ toolName: "lookup", toolCallId: "call_1", content: 1, isError: false }, trustedInput)
    )
    const parts = [new Message.UserPromptPart({ content: "hi" })]
    same(
      construct(Message.ModelRequest, { parts, instructions: undefined }),
      new Message.ModelRequest({ parts, instructions: undefined }, trustedInput)
    )
    same(construct(Usage.RunUsage, { requests: 2 }), new Usage.RunUsage({ requests: 2 }, trustedInput))
    same(construct(Usage.RequestUsage, {}), Usage.RequestUsage.empty)
  })

  it("gives instances that encode and decode as constructed ones do", () => {
    const usage = Usage.addRequest(Usage.RunUsage.empty, new Usage.RequestUsage({ inputTokens: 3, outputTokens: 4 }))
    expect(usage).toBeInstanceOf(Usage.RunUsage)
    expect(usage.totalTokens).toBe(7)
    const encoded = Schema.encodeSync(Usage.RunUsage)(usage)
    expect(Schema.decodeUnknownSync(Usage.RunUsage)(encoded)).toEqual(usage)
    const request = Message.ModelRequest.user("hello")
    expect(Schema.decodeUnknownSync(Message.ModelRequest)(Schema.encodeSync(Message.ModelRequest)(request))).toEqual(
      request
    )
  })
})

describe("FunctionModel's response", () => {
  it.effect("is the response the ModelResponse constructor gives", () =>
    Effect.gen(function* () {
      const model = yield* Model.Model
      const response = yield* model.request([Message.ModelRequest.user("Weather?")], {}, Model.textParameters)
      const { _tag, ...fields } = response
      same(response, new Message.ModelResponse(fields, trustedInput))
      expect(Schema.is(Message.ModelResponse)(response)).toBe(true)
    }).pipe(Effect.provide(FunctionModel.layer(() => Effect.succeed([new Message.TextPart({ content: "Sunny" })]))))
  )
})

describe("Message.unvalidated", () => {
  it("gives the instance the unvalidated constructor gives: own properties, order, defaults, prototype", () => {
    const args = { run: 1, step: 2 }
    same(
      Message.unvalidated(Message.ToolCallPart, { toolName: "lookup", args, toolCallId: "call_1" }),
      new Message.ToolCallPart({ toolName: "lookup", args, toolCallId: "call_1" }, trustedInput)
    )
    same(
      Message.unvalidated(Message.TextPart, { content: "Sunny" }),
      new Message.TextPart({ content: "Sunny" }, trustedInput)
    )
    same(
      Message.unvalidated(Message.ToolReturnPart, { toolName: "lookup", toolCallId: "call_1", content: "v1" }),
      new Message.ToolReturnPart({ toolName: "lookup", toolCallId: "call_1", content: "v1" }, trustedInput)
    )
    // Every default filled in, as the constructor fills them.
    same(Message.unvalidated(Usage.RequestUsage, {}), new Usage.RequestUsage({}, trustedInput))
    same(Message.unvalidated(Usage.RequestUsage, undefined), Usage.RequestUsage.empty)
    const usage = Message.unvalidated(Usage.RequestUsage, { inputTokens: 3, outputTokens: 4 })
    same(usage, new Usage.RequestUsage({ inputTokens: 3, outputTokens: 4 }, trustedInput))
    expect(usage.totalTokens).toBe(7)
    const fields = {
      parts: [Message.unvalidated(Message.TextPart, { content: "Sunny" })],
      usage,
      modelName: "function",
      providerName: "function",
      finishReason: "stop" as const,
      timestamp: new Date(0)
    }
    const response = Message.unvalidated(Message.ModelResponse, fields)
    same(response, new Message.ModelResponse(fields, trustedInput))
    const json = Schema.encodeSync(Message.ModelResponse)(response)
    expect(Schema.decodeUnknownSync(Message.ModelResponse)(json)).toEqual(response)
  })
})
