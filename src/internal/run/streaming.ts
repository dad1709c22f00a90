/**
 * The streamed run: one pull-based stream whose state moves from node to node. Each pull gives the
 * next chunk of events, from the node's model stream (its chunks pass straight through: one fold per
 * chunk, no fiber hand-off) or from the tool calls it runs (in a fiber of their own, so their events
 * arrive live). One stream rather than a stream nested per step: each nested stream operator costs
 * its own channel machinery on every step. `test/agent/streamingMachine.test.ts` checks it against
 * a plain `Stream` formulation of the same behaviour.
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { type AgentEvent, runFinished } from "../../AgentEvent.js"
import { type ModelMessage, type ModelResponse, toolCalls } from "../../Message.js"
import type { ModelError } from "../../Model.js"
import { ModelResponseBuilder } from "../../ModelResponseBuilder.js"
import * as PartialOutput from "../../PartialOutput.js"
import type { ModelResponseStreamEvent } from "../../StreamEvent.js"
import type { AgentNode, RunError } from "../agent/types.js"
import { PartialOutputTracker } from "../partialOutput.js"
import type { Emit, Run } from "./context.js"
import { accountResponse, beginRequest, messagesToSend, shiftIndexes } from "./requests.js"
import { handleResponse } from "./responses.js"
import { usageAttributes } from "./telemetry.js"
import { countsBeforeRequest, precountTokens } from "./tokenPrecount.js"

/** Where a streamed run takes its next events from. */
type Source<O, E> =
  | { readonly _tag: "Node"; readonly node: AgentNode<O> }
  | ModelSource
  | ToolsSource<O, E>
  | { readonly _tag: "Done" }

/** A model response being streamed, in a scope of its own (its chat span, its HTTP request). */
interface ModelSource {
  readonly _tag: "Model"
  readonly pull: Effect.Effect<Chunk.Chunk<ModelResponseStreamEvent>, Option.Option<ModelError>>
  readonly scope: Scope.CloseableScope
  readonly builder: ModelResponseBuilder
  /** Follows the structured output as it streams in; undefined for text output. */
  readonly partials: PartialOutputTracker<unknown> | undefined
  readonly paused: ModelResponse | undefined
  readonly continuation: number
}

/** The tool calls of a response being run in a fiber of their own, their events sent to a mailbox. */
interface ToolsSource<O, E> {
  readonly _tag: "Tools"
  readonly mailbox: Mailbox.ReadonlyMailbox<AgentEvent<O>, RunError<E>>
  readonly scope: Scope.CloseableScope
  /** The node after the response, once its handling is done. */
  readonly next: () => AgentNode<O> | undefined
}

/** A tracker of the partial output of one response, when the output is structured. */
const partialsOf = <O, E, R>(run: Run<O, E, R>): PartialOutputTracker<unknown> | undefined =>
  run.partials === undefined ? undefined : new PartialOutputTracker(run.partials)

/** The streamed run from `node` on. */
export const streamFrom = <O, E, R>(
  run: Run<O, E, R>,
  node: AgentNode<O>
): Stream.Stream<AgentEvent<O>, RunError<E>, R> =>
  Stream.fromPull(Effect.map(Effect.scope, (scope) => makePull(run, node, scope)))

type Pull<O, E, R> = Effect.Effect<Chunk.Chunk<AgentEvent<O>>, Option.Option<RunError<E>>, R>

const makePull = <O, E, R>(run: Run<O, E, R>, start: AgentNode<O>, scope: Scope.Scope): Pull<O, E, R> => {
  let source: Source<O, E> = { _tag: "Node", node: start }

  const fail = <A>(effect: Effect.Effect<A, RunError<E>, R>): Effect.Effect<A, Option.Option<RunError<E>>, R> =>
    Effect.mapError(effect, Option.some)

  const fromNode = (node: AgentNode<O>): Pull<O, E, R> => {
    switch (node._tag) {
      case "ModelRequestNode":
        return Effect.zipRight(fail(beginRequest(run, node.request)), startModel(undefined, 0))
      case "CallToolsNode":
        return startHandling(node.response)
      case "End": {
        source = { _tag: "Done" }
        const last: Array<AgentEvent<O>> = [node.finalResult, runFinished(node.result)]
        // Structured output ends its partials with the validated output.
        if (run.mode !== "text") {
          const member = run.output.mode === "union" ? node.finalResult.toolName : undefined
          last.unshift(PartialOutput.complete(node.result.output, node.finalResult.toolCallId, member))
        }
        return Effect.as(Effect.annotateCurrentSpan(usageAttributes(node.result)), Chunk.unsafeFromArray(last))
      }
    }
  }

  /**
   * Starts streaming one response (continuing `paused`) in a child scope holding its chat span and
   * the model stream: `Stream.withSpan`, with the span handled here, where the stream's end is seen.
   */
  const startModel = (paused: ModelResponse | undefined, continuation: number): Pull<O, E, R> =>
    countsBeforeRequest(run)
      ? Effect.suspend(() => {
          const messages = messagesToSend(run, paused)
          return Effect.zipRight(fail(precountTokens(run, messages)), openModel(paused, continuation, messages))
        })
      : openModel(paused, continuation, undefined)

  /** Opens the model stream; `counted` are the messages already counted, sent as they are. */
  const openModel = (
    paused: ModelResponse | undefined,
    continuation: number,
    counted: ReadonlyArray<ModelMessage> | undefined
  ): Pull<O, E, R> =>
    Effect.flatMap(Scope.fork(scope, ExecutionStrategy.sequential), (child) => {
      const messages = counted ?? messagesToSend(run, paused)
      const events = run.model.requestStream(messages, run.settings, run.parameters)
      return Effect.flatMap(Scope.extend(Stream.toPull(events), child), (pull) => {
        source = {
          _tag: "Model",
          pull,
          scope: child,
          builder: new ModelResponseBuilder(),
          partials: partialsOf(run),
          paused,
          continuation
        }
        return next
      })
    })

  const fromModel = (model: ModelSource): Pull<O, E, R> =>
    Effect.matchCauseEffect(model.pull, {
      onSuccess: (chunk): Pull<O, E, R> => {
        model.builder.addAll(chunk)
        if (Chunk.isEmpty(chunk)) return next
        const offset = model.paused?.parts.length ?? 0
        const events: Chunk.Chunk<AgentEvent<O>> = offset === 0 ? chunk : shiftIndexes(chunk, offset)
        const partial = model.partials?.onChunk(chunk)
        // The tracker's values are the output's JSON as parsed so far, typed as partials of `O`.
        return Effect.succeed(
          partial === undefined ? events : Chunk.append(events, partial as PartialOutput.PartialOutput<O>)
        )
      },
      onFailure: (cause): Pull<O, E, R> => {
        const failure = Cause.failureOption(cause)
        if (Option.isNone(failure) || Option.isSome(failure.value)) {
          // The stream failed: its scope (and the model's chat span) ends with the failure.
          const streamCause = Cause.map(cause, (error) => (Option.isSome(error) ? error.value : error))
          return Effect.zipRight(Scope.close(model.scope, Exit.failCause(streamCause)), Effect.failCause(cause))
        }
        // The stream ended: the response is complete; close its scope, account for it, then go on.
        return Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const response = model.builder.response(new Date(now))
          return Effect.zipRight(
            Scope.close(model.scope, Exit.void),
            Effect.flatMap(fail(accountResponse(run, response, model.paused, model.continuation)), (accounted) =>
              accounted.paused ? startModel(accounted.merged, model.continuation + 1) : startHandling(accounted.merged)
            )
          )
        })
      }
    })

  /** Handles a response: its tool calls run in a fiber of their own, whose events are pulled live. */
  const startHandling = (response: ModelResponse): Pull<O, E, R> => {
    // Without function-tool calls nothing is emitted while the response is handled: no fiber needed.
    if (toolCalls(response).length === 0) {
      return Effect.flatMap(fail(handleResponse(run, response, undefined)), (node) => {
        source = { _tag: "Node", node }
        return next
      })
    }
    return Effect.flatMap(Scope.fork(scope, ExecutionStrategy.sequential), (child) =>
      Effect.flatMap(Mailbox.make<AgentEvent<O>, RunError<E>>(), (mailbox) => {
        let after: AgentNode<O> | undefined
        const emit: Emit = (events) => Effect.asVoid(mailbox.offerAll(events))
        const handling = Effect.suspend(() => handleResponse(run, response, emit)).pipe(
          Effect.tap((node) => {
            after = node
          }),
          Mailbox.into(mailbox)
        )
        return Effect.zipRight(
          Scope.extend(Effect.forkScoped(handling), child),
          Effect.suspend(() => {
            source = { _tag: "Tools", mailbox, scope: child, next: () => after }
            return next
          })
        )
      })
    )
  }

  const fromTools = (tools: ToolsSource<O, E>): Pull<O, E, R> =>
    Effect.flatMap(fail(tools.mailbox.takeAll), ([chunk, done]): Pull<O, E, R> => {
      if (!done) return Chunk.isEmpty(chunk) ? next : Effect.succeed(chunk)
      const after = tools.next()
      source = after === undefined ? { _tag: "Done" } : { _tag: "Node", node: after }
      return Effect.zipRight(Scope.close(tools.scope, Exit.void), Chunk.isEmpty(chunk) ? next : Effect.succeed(chunk))
    })

  const next: Pull<O, E, R> = Effect.suspend(() => {
    switch (source._tag) {
      case "Node":
        return fromNode(source.node)
      case "Model":
        return fromModel(source)
      case "Tools":
        return fromTools(source)
      case "Done":
        return Effect.fail(Option.none())
    }
  })
  return next
}
