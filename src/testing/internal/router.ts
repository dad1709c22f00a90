/**
 * The server's router: authenticates a request, checks its body, and hands it to the script's
 * answer for its endpoint (Messages, token counting, batches, files, models), or answers 404.
 */
import type Anthropic from "@anthropic-ai/sdk"
import type { BatchesApi } from "./batchesApi.js"
import { textMessage } from "./cannedMessages.js"
import { type FilesApi, fileReferenceError } from "./filesApi.js"
import { modelPage } from "./modelCatalogue.js"
import {
  apiKeyOf,
  countTokensFields,
  estimateTokens,
  invalid,
  messagesFields,
  type ReceivedRequest,
  requireFields
} from "./receivedRequest.js"
import { apiError, json } from "./replyLanguage.js"
import {
  compileReplies,
  compileTranscript,
  isRoutes,
  isTranscript,
  type Resolved,
  type Routes,
  type Script
} from "./script.js"

/** What the router needs from the server. */
export interface RouterContext<R> {
  readonly script: Script<R>
  /** The only key accepted, if any. */
  readonly apiKey: string | undefined
  readonly models: ReadonlyArray<Anthropic.ModelInfo>
  readonly batches: BatchesApi
  readonly files: FilesApi
}

/** The answer to one request; `parseError` says why its body could not be read. */
export type Router<R> = (request: ReceivedRequest, parseError: string | undefined) => Resolved<R>

/** Builds the router of a script (reply lists keep their position across requests). */
export const makeRouter = <R>(context: RouterContext<R>): Router<R> => {
  const { batches, files, models, script } = context
  const routes: Routes<R> = isRoutes(script) ? script : {}
  const answerMessages: (request: ReceivedRequest) => Resolved<R> = isTranscript(script)
    ? compileTranscript(script)
    : compileReplies(isRoutes(script) ? (script.messages ?? textMessage("Hello from MockAnthropicServer")) : script)
  const answerCountTokens: (request: ReceivedRequest) => Resolved<R> = isTranscript(script)
    ? answerMessages
    : isRoutes(script) && script.countTokens !== undefined
      ? compileReplies(script.countTokens)
      : (request) => json({ input_tokens: estimateTokens(request.body) })

  return (request, parseError) => {
    const key = apiKeyOf(request.headers)
    if (key === undefined) return apiError(401, { message: "x-api-key header is required" })
    if (context.apiKey !== undefined && key !== context.apiKey) return apiError(401, { message: "invalid x-api-key" })
    if (parseError !== undefined) return invalid(parseError)
    const intercepted = routes.intercept?.(request)
    if (intercepted !== undefined) return intercepted
    const { method, path } = request
    if (method === "POST" && path === "/v1/messages") {
      return requireFields(request.body, messagesFields) ?? fileReferenceError(request) ?? answerMessages(request)
    }
    if (method === "POST" && path === "/v1/messages/count_tokens") {
      return requireFields(request.body, countTokensFields) ?? fileReferenceError(request) ?? answerCountTokens(request)
    }
    // A transcript answers every endpoint it recorded (models, files, batches), in order.
    if (isTranscript(script)) return answerMessages(request)
    const simulated = batches.route(request) ?? files.route(request)
    if (simulated !== undefined) return simulated
    if (method === "GET" && path === "/v1/models") {
      const page = modelPage(models, request.query)
      return typeof page === "string" ? invalid(page) : json(page)
    }
    if (method === "GET" && path.startsWith("/v1/models/")) {
      const id = decodeURIComponent(path.slice("/v1/models/".length))
      const found = models.find((info) => info.id === id)
      return found === undefined ? apiError(404, { message: `model: ${id}` }) : json(found)
    }
    return apiError(404, { message: "Not Found" })
  }
}
