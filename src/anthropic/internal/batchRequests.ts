/**
 * Preparing a Message Batch: every request mapped with the single-request mapping and checked as
 * the API would check it, before anything is sent.
 */
import type { BatchCreateParams } from "@anthropic-ai/sdk/resources/beta/messages/batches.js"
import * as Either from "effect/Either"
import { UserError } from "../../AgentError.js"
import type { ModelMessage } from "../../Message.js"
import { type ModelRequestParameters, textParameters } from "../../Model.js"
import * as ModelSettings from "../../ModelSettings.js"
import { mapRequest } from "./requestMapping.js"

/**
 * The most requests one batch may hold.
 * @since 0.1.0
 * @category constants
 */
export const maxRequestsPerBatch = 100_000

/**
 * What a `customId` may be: 1 to 64 letters, digits, `-` and `_`.
 * @since 0.1.0
 * @category constants
 */
export const customIdPattern = /^[a-zA-Z0-9_-]{1,64}$/

/**
 * One request of a batch: a conversation, as `Model.request` takes it, and the id to match its result.
 * @since 0.1.0
 * @category models
 */
export interface BatchRequest {
  readonly customId: string
  readonly messages: ReadonlyArray<ModelMessage>
  /** The model; default `CreateOptions.model`. */
  readonly model?: string | undefined
  /** Merged over `CreateOptions.settings`, as a call's settings are merged over a model's. */
  readonly settings?: ModelSettings.ModelSettings | undefined
  /** Tools and output mode; default `CreateOptions.parameters`, else a plain text answer. */
  readonly parameters?: ModelRequestParameters | undefined
}

/**
 * Defaults for every request of a batch.
 * @since 0.1.0
 * @category models
 */
export interface CreateOptions {
  /** The model of requests that name none. */
  readonly model?: string | undefined
  /** Settings every request starts from (like an `AnthropicModel`'s own settings). */
  readonly settings?: ModelSettings.ModelSettings | undefined
  readonly parameters?: ModelRequestParameters | undefined
}

/**
 * A batch ready to send: the API's parameters and the extra headers its requests share.
 * @since 0.1.0
 * @category models
 */
export interface PreparedBatch {
  readonly params: BatchCreateParams
  readonly headers: Readonly<Record<string, string>>
}

const userError = (message: string) => Either.left(new UserError({ message }))

/**
 * Maps every request with the single-request mapping; fails on the first one the API would reject.
 * @since 0.1.0
 * @category utils
 */
export const prepare = (
  requests: ReadonlyArray<BatchRequest>,
  options: CreateOptions
): Either.Either<PreparedBatch, UserError> => {
  if (requests.length === 0) return userError("A batch needs at least one request")
  if (requests.length > maxRequestsPerBatch) {
    return userError(`A batch holds at most ${maxRequestsPerBatch} requests, got ${requests.length}`)
  }
  const seen = new Set<string>()
  const betas = new Set<string>()
  const headers: Record<string, string> = {}
  const items: Array<BatchCreateParams.Request> = []
  for (const request of requests) {
    const { customId } = request
    if (!customIdPattern.test(customId)) {
      return userError(`Batch customId ${JSON.stringify(customId)} must be 1 to 64 letters, digits, '-' or '_'`)
    }
    if (seen.has(customId)) return userError(`Batch customId ${customId} is used twice`)
    seen.add(customId)
    const model = request.model ?? options.model
    if (model === undefined) return userError(`Batch request ${customId} names no model and the batch has no default`)
    const mapped = mapRequest(
      model,
      request.messages,
      ModelSettings.merge(options.settings, request.settings),
      request.parameters ?? options.parameters ?? textParameters
    )
    if (Either.isLeft(mapped)) return userError(`Batch request ${customId}: ${mapped.left.message}`)
    for (const beta of mapped.right.betas) betas.add(beta)
    // One HTTP request carries the whole batch: its items' extra headers must agree.
    for (const [name, value] of Object.entries(mapped.right.headers)) {
      const key = name.toLowerCase()
      const previous = headers[key]
      if (previous !== undefined && previous !== value) {
        return userError(`Batch request ${customId} sets header ${name} to a value other requests do not share`)
      }
      headers[key] = value
    }
    items.push({ custom_id: customId, params: mapped.right.body })
  }
  const params: BatchCreateParams = betas.size > 0 ? { requests: items, betas: [...betas] } : { requests: items }
  return Either.right({ params, headers })
}
