/**
 * The request path: checking the limits before a request, sending the conversation as the provider
 * should see it, accounting for each response (usage, token limits) and continuing a paused turn,
 * whose parts are merged into one response.
 *
 * Plain `flatMap`s rather than `Effect.gen`: this runs once per step of every run, and a generator
 * per call costs more than the step's own work.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { UnexpectedModelBehavior, type UsageLimitExceeded } from "../../AgentError.js"
import { type ModelMessage, ModelRequest, ModelResponse } from "../../Message.js"
import type { ModelResponseStreamEvent } from "../../StreamEvent.js"
import * as Usage from "../../Usage.js"
import type { RunError } from "../agent/types.js"
import { construct } from "../trustedInput.js"
import type { Run } from "./context.js"
import { needsPreparing, prepareRequest, processHistory } from "./prepare.js"
import type { Then } from "./responses.js"
import { prepareStep } from "./stepPreparation.js"
import { afterTokenPrecount } from "./tokenPrecount.js"
import { resolveStepTools } from "./toolsets.js"
import * as UsageTree from "./usageTree.js"

/**
 * Checks the request limit, records the request as sent, lists the step's tools (toolsets) and
 * prepares the step (`prepare`, `prepareTools`, `prepareStep`).
 */
export const beginRequest = <O, E, R>(
  run: Run<O, E, R>,
  request: ModelRequest
): Effect.Effect<void, UsageLimitExceeded | E, R> => {
  const base = run.stepBase
  const begun = beginAndList(run, request)
  return base === undefined ? begun : Effect.zipRight(begun, prepareStep(run, base))
}

const beginAndList = <O, E, R>(
  run: Run<O, E, R>,
  request: ModelRequest
): Effect.Effect<void, UsageLimitExceeded | E, R> =>
  Effect.suspend(() => {
    const { state, stepTools } = run
    if (!needsPreparing(run)) {
      const begun = UsageTree.failWith(begin(run, request))
      return stepTools === undefined ? begun : Effect.zipRight(begun, resolveStepTools(run, stepTools))
    }
    // Instructions and processors see the run as it is when the request is sent: at its new step.
    const begun = Effect.flatMap(UsageTree.checkBeforeRequest(run), () => {
      state.runStep += 1
      return Effect.flatMap(prepareRequest(run, request), (prepared) => {
        state.messages.push(prepared)
        if (run.agent.historyProcessors.length === 0) return Effect.void
        return Effect.map(processHistory(run, state.messages), (sent) => {
          state.sent = sent
        })
      })
    })
    return stepTools === undefined ? begun : Effect.zipRight(begun, resolveStepTools(run, stepTools))
  })

/** Checks the request limit and records the request as sent, as plain code; gives the failure. */
const begin = <O, E, R>(run: Run<O, E, R>, request: ModelRequest): UsageLimitExceeded | undefined => {
  const failure = UsageTree.requestLimitFailure(run)
  if (failure !== undefined) return failure
  run.state.messages.push(request)
  run.state.runStep += 1
  return undefined
}

/**
 * Accounts for one model response: its usage and the token limits. A paused turn (`suspended`) is
 * continued by sending the conversation with the paused response as it is; the parts of every
 * continuation are merged into one response. Gives the merged response, and whether to continue.
 */
export const accountResponse = <O, E, R>(
  run: Run<O, E, R>,
  response: ModelResponse,
  previous: ModelResponse | undefined,
  continuation: number
): Effect.Effect<Accounted, RunError<E>> => {
  // Called when the response has arrived (inside a `flatMap`), so updating the state here is in order.
  const accounted = account(run, response, previous, continuation)
  return Either.isRight(accounted) ? Effect.succeed(accounted.right) : Effect.fail(accounted.left)
}

/** `accountResponse` as plain code (it runs on every step): the accounted response or the failure. */
const account = <O, E, R>(
  run: Run<O, E, R>,
  response: ModelResponse,
  previous: ModelResponse | undefined,
  continuation: number
): Either.Either<Accounted, UsageLimitExceeded | UnexpectedModelBehavior> => {
  const { state } = run
  state.usage = Usage.addRequest(state.usage, response.usage)
  const exceeded = UsageTree.tokenLimitFailure(run, response.usage)
  if (exceeded !== undefined) return Either.left(exceeded)
  const merged = previous === undefined ? response : mergeResponses(previous, response)
  if (response.finishReason !== "suspended") {
    state.messages.push(merged)
    return Either.right({ merged, paused: false })
  }
  if (continuation >= run.agent.maxContinuations) {
    return Either.left(
      new UnexpectedModelBehavior({
        message: `The model paused its turn ${continuation + 1} times; stopped after ${run.agent.maxContinuations} continuations`
      })
    )
  }
  const failure = UsageTree.requestLimitFailure(run)
  return failure === undefined ? Either.right({ merged, paused: true }) : Either.left(failure)
}

/** A response accounted for: merged with the paused ones it continues, and whether it paused again. */
export interface Accounted {
  readonly merged: ModelResponse
  readonly paused: boolean
}

/** The messages of the next request: the conversation, then the paused response being continued. */
export const messagesToSend = <O, E, R>(run: Run<O, E, R>, paused: ModelResponse | undefined) => {
  const messages = run.state.sent ?? run.state.messages
  return prepareMessages(paused === undefined ? messages : [...messages, paused])
}

/**
 * Sends a request node's request and goes on with `then` of the node handling the response, in the
 * step that has it. Call it when the request is to be sent (inside `suspend` or a `flatMap`): a
 * step with nothing to prepare begins as plain code.
 */
export const sendRequest = <O, E, R, A>(
  run: Run<O, E, R>,
  request: ModelRequest,
  then: Then<O, A, E, R>
): Effect.Effect<A, RunError<E>, R> => {
  if (run.stepBase !== undefined || run.stepTools !== undefined || needsPreparing(run)) {
    return Effect.flatMap(beginRequest(run, request), () => requestResponse(run, undefined, 0, then))
  }
  const failure = begin(run, request)
  return failure === undefined ? requestResponse(run, undefined, 0, then) : Effect.fail(failure)
}

/** Sends the conversation (continuing `paused`), accounts for the response, continues while it pauses. */
const requestResponse = <O, E, R, A>(
  run: Run<O, E, R>,
  paused: ModelResponse | undefined,
  continuation: number,
  then: Then<O, A, E, R>
): Effect.Effect<A, RunError<E>, R> =>
  Effect.flatMap(chat(run, paused), (response): Effect.Effect<A, RunError<E>, R> => {
    const accounted = account(run, response, paused, continuation)
    if (Either.isLeft(accounted)) return Effect.fail(accounted.left)
    const { merged } = accounted.right
    return accounted.right.paused
      ? requestResponse(run, merged, continuation + 1, then)
      : then({ _tag: "CallToolsNode", response: merged })
  })

/** One model request; the model's service opens its chat span (`Model.make`). */
const chat = <O, E, R>(run: Run<O, E, R>, paused: ModelResponse | undefined) => {
  const messages = messagesToSend(run, paused)
  return afterTokenPrecount(run, messages, run.model.request(messages, run.settings, run.parameters))
}

/** A continuation's events, renumbered to follow the parts of the responses it continues. */
export const shiftIndexes = (chunk: Chunk.Chunk<ModelResponseStreamEvent>, offset: number) => {
  const shifted: Array<ModelResponseStreamEvent> = []
  for (const event of chunk) {
    shifted.push(event._tag === "ResponseMetadata" ? event : { ...event, index: event.index + offset })
  }
  return Chunk.unsafeFromArray(shifted)
}

const mergeResponses = (first: ModelResponse, next: ModelResponse): ModelResponse =>
  construct(ModelResponse, {
    parts: [...first.parts, ...next.parts],
    usage: Usage.addRequestUsage(first.usage, next.usage),
    modelName: next.modelName ?? first.modelName,
    finishReason: next.finishReason,
    providerResponseId: next.providerResponseId ?? first.providerResponseId,
    providerDetails:
      first.providerDetails === undefined && next.providerDetails === undefined
        ? undefined
        : { ...first.providerDetails, ...next.providerDetails },
    providerName: next.providerName ?? first.providerName,
    timestamp: next.timestamp
  })

/**
 * The messages as sent: consecutive requests (tool results kept after a final result, then the next
 * run's prompt) become one, so providers see alternating turns. A copy, so a model keeping the
 * array never sees later messages.
 */
const prepareMessages = (messages: ReadonlyArray<ModelMessage>): ReadonlyArray<ModelMessage> => {
  const prepared: Array<ModelMessage> = []
  for (const message of messages) {
    const previous = prepared.at(-1)
    if (message._tag === "ModelRequest" && previous !== undefined && previous._tag === "ModelRequest") {
      prepared[prepared.length - 1] = construct(ModelRequest, {
        parts: [...previous.parts, ...message.parts],
        instructions: message.instructions ?? previous.instructions
      })
    } else {
      prepared.push(message)
    }
  }
  return prepared
}
