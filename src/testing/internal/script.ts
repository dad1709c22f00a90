/**
 * What a script is (replies for `POST /v1/messages`, replies per endpoint, or a recorded
 * transcript) and how the server turns one into a function from a request to its answer.
 */
import type * as Effect from "effect/Effect"
import type { BatchesScript } from "./batchOutcomes.js"
import type { FilesScript } from "./filesApi.js"
import type { ReceivedRequest } from "./receivedRequest.js"
import { apiError, type ErrorReply, type Replies, type Reply, raw } from "./replyLanguage.js"
import type { Interaction } from "./transcriptFile.js"

/**
 * What each endpoint answers: replies for the Messages endpoints, behaviour for the batches and
 * files APIs, and an optional interceptor; an endpoint without a script gets a sensible default.
 *
 * @since 0.1.0
 * @category scripts
 */
export interface Routes<R = never> {
  /** `POST /v1/messages`. */
  readonly messages?: Replies<R> | undefined
  /** `POST /v1/messages/count_tokens`; by default about one token per four characters of the request. */
  readonly countTokens?: Replies<R> | undefined
  /** The Message Batches API (`/v1/messages/batches...`). */
  readonly batches?: BatchesScript | undefined
  /** The Files API (`/v1/files...`, beta). */
  readonly files?: FilesScript | undefined
  /**
   * Sees every authenticated request first and may answer it instead of its route (a fault on any
   * endpoint, say a 529 on the second batch retrieval); `undefined` lets the route answer.
   */
  readonly intercept?: ((request: ReceivedRequest) => Reply | Effect.Effect<Reply, unknown, R> | undefined) | undefined
}

/**
 * One recorded request and the API's answer, as stored in a transcript file.
 *
 * @since 0.1.0
 * @category scripts
 */
export type TranscriptInteraction = Interaction

/**
 * Recorded interactions served in order, whatever endpoint each was recorded on.
 *
 * @since 0.1.0
 * @category scripts
 */
export interface Transcript {
  readonly _tag: "Transcript"
  readonly name: string
  readonly interactions: ReadonlyArray<TranscriptInteraction>
}

/**
 * What the server answers: replies for `POST /v1/messages`, replies per endpoint, or a transcript.
 *
 * @since 0.1.0
 * @category scripts
 */
export type Script<R = never> = Replies<R> | Routes<R> | Transcript

/** A reply, or an Effect computing one. */
export type Resolved<R> = Reply | Effect.Effect<Reply, unknown, R>

export const isTranscript = <R>(script: Script<R>): script is Transcript =>
  typeof script === "object" && !Array.isArray(script) && "_tag" in script && script._tag === "Transcript"

export const isRoutes = <R>(script: Script<R>): script is Routes<R> =>
  typeof script === "object" && !Array.isArray(script) && !("_tag" in script) && !("type" in script)

const exhausted = (request: ReceivedRequest, what: string): ErrorReply =>
  apiError(500, {
    message: `MockAnthropicServer: ${what} has no reply left for request ${request.index + 1} (${request.method} ${request.path})`
  })

const isReplyList = <R>(replies: Replies<R>): replies is ReadonlyArray<Reply> => Array.isArray(replies)

export const compileReplies = <R>(replies: Replies<R>): ((request: ReceivedRequest) => Resolved<R>) => {
  if (typeof replies === "function") return replies
  if (!isReplyList(replies)) return () => replies
  const list = replies
  let next = 0
  return (request) => (next < list.length ? list[next++]! : exhausted(request, "the script"))
}

export const compileTranscript = (transcript: Transcript): ((request: ReceivedRequest) => Reply) => {
  let next = 0
  return (request) => {
    const interaction = transcript.interactions[next]
    if (interaction === undefined) return exhausted(request, `transcript ${transcript.name}`)
    const expected = interaction.request
    if (expected.method !== request.method || expected.path !== request.path) {
      return apiError(500, {
        message:
          `MockAnthropicServer: transcript ${transcript.name} expected ${expected.method} ${expected.path} ` +
          `as request ${next + 1}, got ${request.method} ${request.path}`
      })
    }
    next++
    const recorded = interaction.response
    return raw(typeof recorded.body === "string" ? recorded.body : JSON.stringify(recorded.body), {
      status: recorded.status,
      contentType: recorded.contentType,
      headers: recorded.headers
    })
  }
}
