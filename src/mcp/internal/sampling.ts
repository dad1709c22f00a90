/**
 * Sampling: a server asks the client's model for an answer (`sampling/createMessage`). The
 * request's messages become the core's messages, the `Model` taken from the Layer's context answers,
 * and its text goes back as the result. A declined request, content the client cannot send or a
 * failed model is a JSON-RPC error to the server, never a defect.
 */
import type {
  CreateMessageRequestParams,
  CreateMessageResult,
  SamplingMessage,
  SamplingMessageContentBlock
} from "@modelcontextprotocol/sdk/types.js"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Message from "../../Message.js"
import * as Model from "../../Model.js"
import * as ModelSettings from "../../ModelSettings.js"
import { RequestUsage } from "../../Usage.js"
import type { SamplingOptions, SamplingRequest } from "../McpToolset.js"

// JSON-RPC error codes of the answers to the server.
const invalidParams = -32602
const internalError = -32603
// The code MCP's specification gives a sampling request the user declined.
const userRejected = -1

/** Why a sampling request was not answered, as the JSON-RPC error the server receives. */
export class SamplingRefused extends Data.TaggedError("SamplingRefused")<{
  readonly code: number
  readonly message: string
}> {}

/** Answers one sampling request. */
export type SamplingHandler = (
  params: CreateMessageRequestParams
) => Effect.Effect<CreateMessageResult, SamplingRefused>

/** What the server is told when answering died. */
export const internalRefusal = new SamplingRefused({ code: internalError, message: "The client failed to sample" })

const blocksOf = (message: SamplingMessage): ReadonlyArray<SamplingMessageContentBlock> =>
  Array.isArray(message.content) ? message.content : [message.content]

const unsupported = (what: string) =>
  new SamplingRefused({ code: invalidParams, message: `This client cannot sample from ${what} content` })

const userContent = (
  blocks: ReadonlyArray<SamplingMessageContentBlock>
): string | Array<Message.UserContent> | SamplingRefused => {
  const first = blocks[0]
  if (blocks.length === 1 && first !== undefined && first.type === "text") return first.text
  const content: Array<Message.UserContent> = []
  for (const block of blocks) {
    if (block.type === "text") {
      content.push(new Message.TextContent({ text: block.text }))
    } else if (block.type === "image") {
      const data = Encoding.decodeBase64(block.data)
      if (Either.isLeft(data)) return new SamplingRefused({ code: invalidParams, message: "An image is not base64" })
      content.push(new Message.BinaryContent({ data: data.right, mediaType: block.mimeType }))
    } else {
      // Audio reaches no Claude model; tool use needs the `sampling.tools` capability, not declared.
      return unsupported(block.type)
    }
  }
  return content
}

/** The conversation the server sent, the system prompt first. */
const messagesOf = (params: CreateMessageRequestParams): Array<Message.ModelMessage> | SamplingRefused => {
  const messages: Array<Message.ModelMessage> = []
  let system: Array<Message.SystemPromptPart> =
    params.systemPrompt === undefined || params.systemPrompt === ""
      ? []
      : [new Message.SystemPromptPart({ content: params.systemPrompt })]
  for (const message of params.messages) {
    const blocks = blocksOf(message)
    if (message.role === "user") {
      const content = userContent(blocks)
      if (content instanceof SamplingRefused) return content
      messages.push(new Message.ModelRequest({ parts: [...system, new Message.UserPromptPart({ content })] }))
    } else {
      const parts: Array<Message.TextPart> = []
      for (const block of blocks) {
        if (block.type !== "text") return unsupported(`assistant ${block.type}`)
        parts.push(new Message.TextPart({ content: block.text }))
      }
      if (system.length > 0) messages.push(new Message.ModelRequest({ parts: system }))
      messages.push(new Message.ModelResponse({ parts, usage: RequestUsage.empty, timestamp: new Date() }))
    }
    system = []
  }
  return messages
}

/** The model's settings, the client's, then the server's; `options.maxTokens` caps the result. */
const settingsOf = (
  params: CreateMessageRequestParams,
  model: Model.Service,
  options: SamplingOptions
): ModelSettings.ModelSettings => {
  const settings = ModelSettings.merge(model.settings, options.settings, {
    maxTokens: params.maxTokens,
    temperature: params.temperature,
    stopSequences: params.stopSequences
  })
  const cap = options.maxTokens
  return cap !== undefined && (settings.maxTokens === undefined || settings.maxTokens > cap)
    ? { ...settings, maxTokens: cap }
    : settings
}

/** MCP's stop reason: from the provider's own when it gave one (Anthropic's), else from the finish reason. */
const stopReasonOf = (response: Message.ModelResponse): string | undefined => {
  const raw = response.providerDetails?.stop_reason
  switch (raw) {
    case "end_turn":
      return "endTurn"
    case "max_tokens":
      return "maxTokens"
    case "stop_sequence":
      return "stopSequence"
  }
  if (typeof raw === "string") return raw
  switch (response.finishReason) {
    case "stop":
      return "endTurn"
    case "length":
      return "maxTokens"
    default:
      return response.finishReason
  }
}

/**
 * The sampling handler of one server, answering with the `Model` of the context it is built in.
 * Its usage is not part of any agent run's usage: it is recorded on its span.
 */
export const makeSamplingHandler = (
  server: string,
  options: SamplingOptions
): Effect.Effect<SamplingHandler, never, Model.Model> =>
  Effect.map(Model.Model, (model) => (params) => {
    if (params.tools !== undefined || params.toolChoice !== undefined) {
      return Effect.fail(unsupported("tool"))
    }
    const messages = messagesOf(params)
    if (messages instanceof SamplingRefused) return Effect.fail(messages)
    const request: SamplingRequest = {
      server,
      messages,
      settings: settingsOf(params, model, options),
      modelHints: (params.modelPreferences?.hints ?? []).flatMap((hint) =>
        typeof hint.name === "string" ? [hint.name] : []
      )
    }
    return Effect.gen(function* () {
      if (options.approve !== undefined && !(yield* options.approve(request))) {
        return yield* new SamplingRefused({ code: userRejected, message: "The client declined the sampling request" })
      }
      const response = yield* model.request(request.messages, request.settings, Model.textParameters).pipe(
        Effect.tapError((error) => Effect.logWarning(`MCP server ${server}: sampling failed`, error)),
        // The server learns only which kind of error it was: the model's messages stay with the client.
        Effect.mapError(
          (error) => new SamplingRefused({ code: internalError, message: `The client's model failed (${error._tag})` })
        )
      )
      yield* Effect.annotateCurrentSpan({
        "gen_ai.usage.input_tokens": response.usage.inputTokens,
        "gen_ai.usage.output_tokens": response.usage.outputTokens
      })
      const stopReason = stopReasonOf(response)
      const result: CreateMessageResult = {
        role: "assistant",
        content: { type: "text", text: Message.responseText(response) },
        model: response.modelName ?? model.modelName,
        ...(stopReason === undefined ? {} : { stopReason })
      }
      return result
    }).pipe(
      Effect.catchAllDefect((defect) =>
        Effect.zipRight(Effect.logError(`MCP server ${server}: sampling died`, defect), Effect.fail(internalRefusal))
      ),
      Effect.withSpan("mcp.sampling", { attributes: { "mcp.server": server } })
    )
  })
