/**
 * Anthropic's Message Batches service as Effects and Streams: submit thousands of requests at half
 * the price, watch the batch with a `Schedule`, and stream its results as they are decoded. Every
 * batch item is built by the same request mapping as `AnthropicModel`, so it is exactly what a
 * single request would have sent, and every succeeded result is the same `ModelResponse` a single
 * request would have produced.
 *
 * @example
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Stream } from "effect"
 * import { Message } from "effect-claude"
 * import {AnthropicClient, AnthropicBatches} from "effect-claude/anthropic"
 *
 * // The common job: many prompts in, their outputs out, in input order.
 * const outputs = AnthropicBatches.runPrompts(["Name a colour.", "Name a fruit."], {
 *   model: "claude-haiku-4-5",
 *   settings: { maxTokens: 64 }
 * })
 *
 * // Or step by step, with progress.
 * const stepByStep = Effect.gen(function* () {
 *   const batch = yield* AnthropicBatches.create(
 *     [{ customId: "q1", messages: [Message.ModelRequest.user("Hello")] }],
 *     { model: "claude-haiku-4-5" }
 *   )
 *   yield* AnthropicBatches.watch(batch.id).pipe(
 *     Stream.runForEach((status) => Effect.log(status.processingStatus, status.requestCounts))
 *   )
 *   return yield* Stream.runCollect(AnthropicBatches.results(batch.id))
 * })
 *
 * const program = outputs.pipe(
 *   Effect.provide(AnthropicClient.layerConfig()),
 *   Effect.provide(NodeHttpClient.layerUndici)
 * )
 */
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { UnexpectedModelBehavior, UserError } from "../AgentError.js"
import { type ModelMessage, ModelRequest, type ModelRequestPart, SystemPromptPart, UserPromptPart } from "../Message.js"
import type { ModelRequestParameters } from "../Model.js"
import { streamFromPull } from "../Model.js"
import type * as ModelSettings from "../ModelSettings.js"
import { AnthropicClient, type Service as ClientService, requireFeature } from "./AnthropicClient.js"
import { type AnthropicError, APIError, isRetryable } from "./AnthropicError.js"
import "./AnthropicSettings.js"
import { BatchNotEnded, type BatchResult, MessageBatch } from "./internal/batchData.js"
import {
  type BatchRequest,
  type CreateOptions,
  maxRequestsPerBatch,
  type PreparedBatch,
  prepare
} from "./internal/batchRequests.js"
import { decodedResults } from "./internal/batchResults.js"
import { resultsFile } from "./internal/jsonlResults.js"
import { decodeStream, decodeWire } from "./internal/wireDecoding.js"

export {
  BatchNotEnded,
  BatchResult,
  Canceled,
  Errored,
  Expired,
  ItemError,
  MessageBatch,
  ProcessingStatus,
  RequestCounts,
  responseOf,
  Succeeded
} from "./internal/batchData.js"
export {
  type BatchRequest,
  type CreateOptions,
  customIdPattern,
  maxRequestsPerBatch
} from "./internal/batchRequests.js"

// ---------------------------------------------------------------------------------------------
// Creating
// ---------------------------------------------------------------------------------------------

/** Runs `f` with the client, once the platform is known to serve batches. */
const withBatches = <A, E, R = never>(f: (client: ClientService) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(AnthropicClient, (client) => Effect.zipRight(requireFeature(client, "batches"), f(client)))

const decodeBatch = decodeWire(MessageBatch, "message batch")

const submit = (prepared: PreparedBatch): Effect.Effect<MessageBatch, AnthropicError, AnthropicClient> =>
  withBatches((client) =>
    client.call((sdk, { signal }) =>
      sdk.beta.messages.batches.create(
        prepared.params,
        Object.keys(prepared.headers).length > 0 ? { signal, headers: { ...prepared.headers } } : { signal }
      )
    )
  ).pipe(Effect.flatMap(decodeBatch))

/**
 * Submits a batch. Each request is mapped exactly as `AnthropicModel` maps a single request (its
 * betas become the batch's `anthropic-beta` header); a request the API is certain to reject fails
 * the whole batch with a `UserError` before anything is sent.
 * @since 0.1.0
 * @category operations
 */
export const create = (
  requests: ReadonlyArray<BatchRequest>,
  options: CreateOptions = {}
): Effect.Effect<MessageBatch, AnthropicError | UserError, AnthropicClient> =>
  Effect.suspend(() => prepare(requests, options)).pipe(
    Effect.flatMap(submit),
    Effect.withSpan("AnthropicBatches.create", { attributes: { requests: requests.length } })
  )

// ---------------------------------------------------------------------------------------------
// Retrieve, list, cancel, delete
// ---------------------------------------------------------------------------------------------

/**
 * The batch's current status.
 * @since 0.1.0
 * @category operations
 */
export const retrieve = (batchId: string): Effect.Effect<MessageBatch, AnthropicError, AnthropicClient> =>
  withBatches((client) => client.call((sdk, options) => sdk.beta.messages.batches.retrieve(batchId, {}, options))).pipe(
    Effect.flatMap(decodeBatch)
  )

/**
 * Options of `list`.
 * @since 0.1.0
 * @category models
 */
export interface ListOptions {
  /** Batches per page (1 to 1000, default 20); the Stream reads every page either way. */
  readonly limit?: number | undefined
}

/**
 * Every batch of the workspace, newest first, as a Stream over all pages.
 * @since 0.1.0
 * @category operations
 */
export const list = (options: ListOptions = {}): Stream.Stream<MessageBatch, AnthropicError, AnthropicClient> =>
  Stream.unwrap(
    withBatches((client) =>
      Effect.succeed(
        client.stream<unknown>(
          async (sdk, requestOptions) =>
            await sdk.beta.messages.batches.list(
              options.limit === undefined ? {} : { limit: options.limit },
              requestOptions
            )
        )
      )
    )
  ).pipe(decodeStream(MessageBatch, "message batch"))

/**
 * Asks the API to cancel the batch: it becomes `canceling`, then `ended`; requests not yet
 * processed end up `Canceled` in the results.
 * @since 0.1.0
 * @category operations
 */
export const cancel = (batchId: string): Effect.Effect<MessageBatch, AnthropicError, AnthropicClient> =>
  withBatches((client) => client.call((sdk, options) => sdk.beta.messages.batches.cancel(batchId, {}, options))).pipe(
    Effect.flatMap(decodeBatch)
  )

/** Deletes an ended batch and its results. */
const deleteBatch = (batchId: string): Effect.Effect<void, AnthropicError, AnthropicClient> =>
  Effect.asVoid(
    withBatches((client) => client.call((sdk, options) => sdk.beta.messages.batches.delete(batchId, {}, options)))
  )

export {
  /** Deletes an ended batch and its results. */
  deleteBatch as delete
}

// ---------------------------------------------------------------------------------------------
// Waiting
// ---------------------------------------------------------------------------------------------

/**
 * The default polling: after 1 second, then twice as long each time, never more than a minute
 * apart. It never gives up: a batch always ends (the API expires it after 24 hours).
 * @since 0.1.0
 * @category constants
 */
export const defaultPollSchedule: Schedule.Schedule<Duration.Duration> = Schedule.exponential("1 second", 2).pipe(
  Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.minutes(1)))
)

/**
 * Options of `watch` and `wait`.
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions<R = never> {
  /**
   * When to poll again; its input is the batch's latest status. When it ends before the batch
   * has, waiting fails with `BatchNotEnded`. Default `defaultPollSchedule`.
   */
  readonly schedule?: Schedule.Schedule<unknown, MessageBatch, R> | undefined
}

/**
 * The batch's status, polled on a schedule: one element per poll, the first at once, the last the
 * `ended` one. A later poll that fails with a retryable error (429, 5xx, a connection error) is
 * skipped and tried again on the schedule, so a long wait survives a blip. Render it as progress;
 * interrupting it stops polling (the batch keeps running: `cancel` stops it).
 * @since 0.1.0
 * @category operations
 */
export const watch = <R = never>(
  batchId: string,
  options: WaitOptions<R> = {}
): Stream.Stream<MessageBatch, AnthropicError | BatchNotEnded, AnthropicClient | R> => {
  const schedule: Schedule.Schedule<unknown, MessageBatch, R> = options.schedule ?? defaultPollSchedule
  const step = (batch: MessageBatch) =>
    [Chunk.of(batch), batch.processingStatus === "ended" ? Option.none() : Option.some(batch)] as const
  return Stream.unwrap(
    Effect.map(Schedule.driver(schedule), (driver) =>
      Stream.paginateChunkEffect<
        MessageBatch | undefined,
        MessageBatch,
        AnthropicError | BatchNotEnded,
        AnthropicClient | R
      >(undefined, (last) => {
        if (last === undefined) return Effect.map(retrieve(batchId), step)
        const notEnded = new BatchNotEnded({
          message: `Stopped waiting for batch ${batchId} while it was ${last.processingStatus}`,
          batch: last
        })
        return Effect.zipRight(
          Effect.mapError(driver.next(last), () => notEnded),
          retrieve(batchId).pipe(
            Effect.map(step),
            Effect.catchIf(isRetryable, () => Effect.succeed([Chunk.empty<MessageBatch>(), Option.some(last)] as const))
          )
        )
      })
    )
  )
}

/**
 * Waits, polling on a schedule, until the batch has ended; succeeds with its final status.
 * @since 0.1.0
 * @category operations
 */
export const wait = <R = never>(
  batchId: string,
  options: WaitOptions<R> = {}
): Effect.Effect<MessageBatch, AnthropicError | BatchNotEnded, AnthropicClient | R> =>
  Stream.runLast(watch(batchId, options)).pipe(
    // `watch` emits at least once; the fallback only satisfies the types.
    Effect.flatMap(Option.match({ onNone: () => retrieve(batchId), onSome: Effect.succeed })),
    Effect.withSpan("AnthropicBatches.wait", { attributes: { batchId } })
  )

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/**
 * The results of an ended batch, in the order of the results file (not necessarily the order of
 * the requests: match them by `customId`). The file is streamed and decoded line by line, never
 * held whole. A line that is not a batch result fails the stream with `AnthropicSdkError`; a
 * succeeded message the response mapping cannot read, with `UnexpectedModelBehavior` (as a single
 * request would).
 * @since 0.1.0
 * @category operations
 */
export const results = (
  batchId: string
): Stream.Stream<BatchResult, AnthropicError | UnexpectedModelBehavior, AnthropicClient> =>
  // One Stream over the client's pull, decoded inside the pull: a stage after it would keep every
  // chunk longer (`batchResults.ts`).
  streamFromPull(
    withBatches((client) =>
      Effect.map(
        client.openPull<unknown>((sdk, options) => resultsFile(sdk, batchId, options)),
        decodedResults
      )
    )
  )

// ---------------------------------------------------------------------------------------------
// Many prompts in, their outputs out
// ---------------------------------------------------------------------------------------------

/**
 * One prompt of `runPrompts`: a user prompt, or a whole conversation.
 * @since 0.1.0
 * @category models
 */
export type Prompt = string | ReadonlyArray<ModelMessage>

/**
 * Options of `runPrompts`.
 * @since 0.1.0
 * @category models
 */
export interface RunPromptsOptions<R = never> extends WaitOptions<R> {
  readonly model: string
  readonly settings?: ModelSettings.ModelSettings | undefined
  /** Tools and output mode of every request (default a plain text answer). */
  readonly parameters?: ModelRequestParameters | undefined
  /** Instructions for every string prompt, as an agent's first step sends them. */
  readonly instructions?: string | undefined
  /** A system prompt for every string prompt. */
  readonly systemPrompt?: string | undefined
  /** Called with every status polled, e.g. to render progress. */
  readonly onStatus?: ((batch: MessageBatch) => Effect.Effect<void, never, R>) | undefined
  /** Prompts per batch; more prompts make several batches (default and most: 100,000). */
  readonly maxRequestsPerBatch?: number | undefined
  /** Cancel the batches still running when interrupted (default true). */
  readonly cancelOnInterrupt?: boolean | undefined
}

const promptMessages = (
  prompt: Prompt,
  options: { readonly instructions?: string | undefined; readonly systemPrompt?: string | undefined }
): ReadonlyArray<ModelMessage> => {
  if (typeof prompt !== "string") return prompt
  const parts: Array<ModelRequestPart> = []
  if (options.systemPrompt !== undefined) parts.push(new SystemPromptPart({ content: options.systemPrompt }))
  parts.push(new UserPromptPart({ content: prompt }))
  return [new ModelRequest({ parts, instructions: options.instructions })]
}

/**
 * The `customId` of the prompt at `index` in `runPrompts`.
 * @since 0.1.0
 * @category operations
 */
export const promptCustomId = (index: number): string => `prompt-${index}`

/**
 * Runs many prompts through Message Batches and returns their results in input order: submits
 * the batches (100,000 prompts each at most), waits for each, and streams its results. Every
 * prompt is mapped before anything is sent, so a prompt the API would reject fails the whole run
 * with a `UserError` and no batch is created. Interrupted, it cancels the batches it started.
 * @since 0.1.0
 * @category operations
 */
export const runPrompts = <R = never>(
  prompts: ReadonlyArray<Prompt>,
  options: RunPromptsOptions<R>
): Effect.Effect<
  ReadonlyArray<BatchResult>,
  AnthropicError | UserError | UnexpectedModelBehavior | BatchNotEnded,
  AnthropicClient | R
> =>
  Effect.suspend(
    (): Effect.Effect<
      ReadonlyArray<BatchResult>,
      AnthropicError | UserError | UnexpectedModelBehavior | BatchNotEnded,
      AnthropicClient | R
    > => {
      const size = Math.min(
        maxRequestsPerBatch,
        Math.max(1, Math.floor(options.maxRequestsPerBatch ?? maxRequestsPerBatch))
      )
      const batchOptions: CreateOptions = {
        model: options.model,
        settings: options.settings,
        parameters: options.parameters
      }
      const groups: Array<PreparedBatch> = []
      for (let start = 0; start < prompts.length; start += size) {
        const requests: Array<BatchRequest> = []
        for (let index = start; index < Math.min(prompts.length, start + size); index++) {
          requests.push({ customId: promptCustomId(index), messages: promptMessages(prompts[index]!, options) })
        }
        const prepared = prepare(requests, batchOptions)
        if (Either.isLeft(prepared)) return Effect.fail(prepared.left)
        groups.push(prepared.right)
      }
      if (groups.length === 0) return Effect.succeed([])

      const indexOf = new Map<string, number>()
      for (let index = 0; index < prompts.length; index++) indexOf.set(promptCustomId(index), index)
      const outputs = new Array<BatchResult | undefined>(prompts.length).fill(undefined)
      const running = new Set<string>()
      const onStatus = options.onStatus

      const collect = (batchId: string) =>
        Stream.runForEachChunk(results(batchId), (chunk) =>
          Effect.sync(() => {
            for (const result of chunk) {
              const index = indexOf.get(result.customId)
              if (index !== undefined) outputs[index] = result
            }
          })
        )

      const awaitBatch = (batchId: string) =>
        watch(batchId, options).pipe(
          (statuses) => (onStatus === undefined ? statuses : Stream.tap(statuses, onStatus)),
          Stream.runDrain,
          Effect.zipRight(Effect.sync(() => running.delete(batchId))),
          Effect.zipRight(collect(batchId))
        )

      const run = Effect.gen(function* () {
        const batches: Array<MessageBatch> = []
        for (const group of groups) {
          const batch = yield* submit(group)
          running.add(batch.id)
          batches.push(batch)
        }
        for (const batch of batches) yield* awaitBatch(batch.id)
        const missing = outputs.indexOf(undefined)
        if (missing !== -1) {
          return yield* new APIError({
            message: `The batch results have no entry for ${promptCustomId(missing)}`,
            headers: {}
          })
        }
        return outputs.filter((output): output is BatchResult => output !== undefined)
      })

      // Read when the interruption comes: the batches started by then.
      const cancelRunning = Effect.suspend(() =>
        Effect.forEach([...running], (batchId) => Effect.ignore(cancel(batchId)), { discard: true })
      )
      return (options.cancelOnInterrupt === false ? run : Effect.onInterrupt(run, () => cancelRunning)).pipe(
        Effect.withSpan("AnthropicBatches.runPrompts", {
          attributes: { prompts: prompts.length, batches: groups.length }
        })
      )
    }
  )
