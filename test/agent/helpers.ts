/**
 * Scripted models for the agent tests: answers given in order, every request recorded.
 */
import { Effect, Layer, Stream } from "effect"
import { Message, Model, type ModelSettings, Usage } from "effect-claude"
import { FunctionModel } from "effect-claude/testing"

/** One scripted answer: parts (usage fixed), a whole response, or a function of the request. */
export type Answer =
  | ReadonlyArray<Message.ModelResponsePart>
  | Message.ModelResponse
  | ((
      messages: ReadonlyArray<Message.ModelMessage>,
      info: FunctionModel.RequestInfo
    ) => Effect.Effect<ReadonlyArray<Message.ModelResponsePart> | Message.ModelResponse, Model.ModelError>)

/** A request as the model received it. */
export interface Recorded {
  readonly messages: ReadonlyArray<Message.ModelMessage>
  readonly info: FunctionModel.RequestInfo
}

/** The usage every scripted response reports, so totals are easy to check. */
export const usage = new Usage.RequestUsage({ inputTokens: 10, outputTokens: 5 })

/** A response with fixed usage and timestamp. */
export const response = (
  parts: ReadonlyArray<Message.ModelResponsePart>,
  options: { readonly finishReason?: Message.FinishReason; readonly usage?: Usage.RequestUsage } = {}
): Message.ModelResponse =>
  new Message.ModelResponse({
    parts,
    usage: options.usage ?? usage,
    modelName: "scripted",
    providerName: "function",
    finishReason: options.finishReason ?? (parts.some((part) => part._tag === "ToolCallPart") ? "tool_call" : "stop"),
    timestamp: new Date(0)
  })

export const text = (content: string) => new Message.TextPart({ content })

export const call = (toolName: string, args: Message.ToolArgs, toolCallId: string) =>
  new Message.ToolCallPart({ toolName, args, toolCallId })

export interface ScriptOptions {
  readonly modelName?: string
  readonly settings?: ModelSettings.ModelSettings
  readonly profile?: Partial<Model.ModelProfile>
}

/** A model answering with `answers` in order (the last one repeats), recording each request. */
export const scripted = (answers: ReadonlyArray<Answer>, options: ScriptOptions = {}) => {
  const requests: Array<Recorded> = []
  const service = FunctionModel.make(
    (messages, info) =>
      Effect.suspend(() => {
        requests.push({ messages, info })
        const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!
        if (typeof answer === "function") {
          return Effect.map(answer(messages, info), (result) =>
            result instanceof Message.ModelResponse ? result : response(result)
          )
        }
        return Effect.succeed(answer instanceof Message.ModelResponse ? answer : response(answer))
      }),
    undefined,
    { modelName: options.modelName ?? "scripted", settings: options.settings }
  )
  const model: Model.Service = { ...service, profile: { ...service.profile, ...options.profile } }
  return { layer: Layer.succeed(Model.Model, model), requests, model }
}

/** A model streaming `items` for each request in turn (the last one repeats), recording each request. */
export const streamed = (answers: ReadonlyArray<ReadonlyArray<FunctionModel.StreamItem>>) => {
  const requests: Array<Recorded> = []
  const layer = FunctionModel.layer(undefined, (messages, info) =>
    Stream.suspend(() => {
      requests.push({ messages, info })
      return Stream.fromIterable(answers[Math.min(requests.length - 1, answers.length - 1)]!)
    })
  )
  return { layer, requests }
}

/** The request parts of a recorded request's last message. */
export const lastRequestParts = (recorded: Recorded): ReadonlyArray<Message.ModelRequestPart> => {
  const last = recorded.messages.at(-1)
  return last?._tag === "ModelRequest" ? last.parts : []
}
