/**
 * The `Model` a durable run talks to: each request is an activity named by its number in the run
 * (`model/1`, `model/2`, ...), whose response is stored encoded with the `Message` Schemas. A run
 * replayed after a restart makes the same requests in the same order, so the numbers find the
 * stored responses and a finished request is never sent again. Token counts before requests are
 * steps too (`count-tokens/1`, ...).
 */
import * as Activity from "@effect/workflow/Activity"
import { WorkflowEngine, WorkflowInstance } from "@effect/workflow/WorkflowEngine"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { type ModelMessage, ModelResponse } from "../../Message.js"
import type { ModelError, ModelRequestParameters, Service } from "../../Model.js"
import { fold, toEvents } from "../../ModelResponseBuilder.js"
import type { ModelSettings } from "../../ModelSettings.js"
import { describe, IncompatibleHistory, StepFailed } from "../DurableError.js"
import { publishIfListened, RunEvents } from "../RunEvents.js"

declare module "../../Model.js" {
  interface ModelErrors {
    /** A durable run's request failed (as stored), or its stored response no longer decodes. */
    readonly durable: StepFailed | IncompatibleHistory
  }
}

const encodeResponse = Schema.encode(ModelResponse)
const decodeResponse = Schema.decodeUnknown(ModelResponse)

/** What the wrapper needs from the workflow execution it serves. */
export interface DurableModelOptions {
  readonly runId: string
  readonly engine: WorkflowEngine["Type"]
  readonly instance: WorkflowInstance["Type"]
  /** Stream requests (publishing their part events) while someone listens to the run's events. */
  readonly stream: boolean
  /** Steps executed in this process whose result is not announced yet (see `DurableToolsOptions`). */
  readonly executed: Set<string>
}

/** Wraps `model` for one execution of a durable run (the request counter starts at 0 each time). */
export const wrap = (model: Service, options: DurableModelOptions): Service => {
  let step = 0
  const fresh = (
    number: number,
    messages: ReadonlyArray<ModelMessage>,
    settings: ModelSettings,
    parameters: ModelRequestParameters
  ): Effect.Effect<ModelResponse, ModelError> =>
    Effect.flatMap(Effect.serviceOption(RunEvents), (events) => {
      if (events._tag === "None" || !options.stream) return model.request(messages, settings, parameters)
      const hub = events.value
      return Effect.flatMap(hub.hasListeners, (listening) =>
        listening
          ? fold(
              Stream.tap(model.requestStream(messages, settings, parameters), (event) =>
                hub.publish({ _tag: "ModelEvent", runId: options.runId, step: number, event })
              )
            )
          : model.request(messages, settings, parameters)
      )
    })

  const request: Service["request"] = (messages, settings, parameters) =>
    Effect.suspend(() => {
      step += 1
      const number = step
      const name = `model/${number}`
      const key = `${options.runId}/${name}`
      const activity = Activity.make({
        name,
        success: Schema.Unknown,
        error: StepFailed,
        execute: Effect.suspend(() => {
          options.executed.add(key)
          return fresh(number, messages, settings, parameters)
        }).pipe(
          Effect.mapError((error) => new StepFailed({ step: name, ...describe(error) })),
          // A response that does not encode is a bug of the model, not a failure to store.
          Effect.flatMap((response) => Effect.orDie(encodeResponse(response)))
        )
      })
      return activity.pipe(
        Effect.provideService(WorkflowEngine, options.engine),
        Effect.provideService(WorkflowInstance, options.instance),
        Effect.flatMap((stored) =>
          Effect.mapError(
            decodeResponse(stored),
            (error) => new IncompatibleHistory({ runId: options.runId, what: name, message: error.message })
          )
        ),
        Effect.tap((response) =>
          options.executed.delete(key)
            ? publishIfListened({ _tag: "ModelResponseReceived", runId: options.runId, step: number, response })
            : Effect.void
        ),
        Effect.withSpan(name, { captureStackTrace: false })
      )
    })

  // A count before a request (`UsageLimits.countTokensBeforeRequest`) is a step of its own, so a
  // replayed run reads the count back instead of asking the provider again.
  let counts = 0
  const countTokens = model.countTokens
  const durableCount: Service["countTokens"] =
    countTokens === undefined
      ? undefined
      : (messages, settings, parameters) =>
          Effect.suspend(() => {
            counts += 1
            const name = `count-tokens/${counts}`
            return Activity.make({
              name,
              success: Schema.Number,
              error: StepFailed,
              execute: Effect.mapError(
                countTokens(messages, settings, parameters),
                (error) => new StepFailed({ step: name, ...describe(error) })
              )
            }).pipe(
              Effect.provideService(WorkflowEngine, options.engine),
              Effect.provideService(WorkflowInstance, options.instance),
              Effect.withSpan(name, { captureStackTrace: false })
            )
          })

  return {
    ...model,
    request,
    countTokens: durableCount,
    // The run loop of a durable run asks for whole responses; a stream here replays the stored one.
    requestStream: (messages, settings, parameters) =>
      Stream.flatMap(Stream.fromEffect(request(messages, settings, parameters)), (response) =>
        Stream.fromChunk(toEvents(response))
      )
  }
}
