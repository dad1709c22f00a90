/**
 * Running the tool calls of one response, following the agent's end strategy: function tools run
 * concurrently (bounded; `sequential` tools alone), output calls are validated, failures become
 * retry prompts counted per tool, and the results go back in the order the model emitted the calls.
 */
import { Context, Effect, Either, Tracer } from "effect"
import { ModelRetry, UnexpectedModelBehavior } from "../AgentError.js"
import { toolCallStarted, toolResult } from "../AgentEvent.js"
import { type ModelRequestPart, RetryPromptPart, type ToolCallPart, ToolReturnPart } from "../Message.js"
import { OutputValidationError } from "../Output.js"
import { RunContext } from "../RunContext.js"
import { InvalidToolArgs, type Tool } from "../Tool.js"
import * as Usage from "../Usage.js"
import {
  argsObject,
  finalResultProcessed,
  outputNotFinal,
  outputSkipped,
  retryWins,
  toolSkipped
} from "./outputProcessing.js"
import { type Emit, processOutput, type Run, runContext } from "./runLoop.js"

// Parts built from valid values skip their Schema constructor's validation (`true`), as in runLoop.ts.

/** The failures that go back to the model as retry prompts instead of failing the run. */
type Retryable = ModelRetry | InvalidToolArgs | OutputValidationError

const isRetryable = (error: unknown): error is Retryable =>
  error instanceof ModelRetry || error instanceof InvalidToolArgs || error instanceof OutputValidationError

/** Turns retryable failures into a left value holding the message for the model. */
export const recoverRetry = <A, E, R>(
  effect: Effect.Effect<A, E | Retryable, R>
): Effect.Effect<Either.Either<A, string>, E, R> =>
  Effect.catchAll(Effect.map(effect, Either.right), (error: E | Retryable) =>
    isRetryable(error) ? Effect.succeed(Either.left(error.message)) : Effect.fail(error)
  )

/** What handling the tool calls of a response gave. */
export interface ToolCallsOutcome<O> {
  /** The tool returns and retry prompts, in the order of the calls. */
  readonly parts: ReadonlyArray<ModelRequestPart>
  /** The output, when a call of the output tool gave a valid one. */
  readonly final: { readonly output: O; readonly call: ToolCallPart } | undefined
}

type Kind = "function" | "output" | "unknown"

/** Splits `indices` around barriers: a barrier runs alone, the calls between barriers run together. */
const segments = (indices: ReadonlyArray<number>, isBarrier: (index: number) => boolean) => {
  const result: Array<Array<number>> = []
  let current: Array<number> = []
  for (const index of indices) {
    if (isBarrier(index)) {
      if (current.length > 0) result.push(current)
      result.push([index])
      current = []
    } else {
      current.push(index)
    }
  }
  if (current.length > 0) result.push(current)
  return result
}

/**
 * Runs the calls of a segment together (bounded by `concurrency`), then the segments one after the
 * other. A segment of one call runs in the current fiber: forking a fiber for it would only add cost.
 */
const runSegments = <E, R>(
  segmentList: ReadonlyArray<ReadonlyArray<number>>,
  f: (index: number) => Effect.Effect<void, E, R>,
  concurrency: number
): Effect.Effect<void, E, R> => {
  const runSegment = (segment: ReadonlyArray<number>) =>
    segment.length === 1 ? f(segment[0]!) : Effect.forEach(segment, f, { concurrency, discard: true })
  return segmentList.length === 1
    ? runSegment(segmentList[0]!)
    : Effect.forEach(segmentList, runSegment, { discard: true })
}

const unknownToolMessage = (name: string, available: ReadonlyArray<string>): string =>
  available.length === 0
    ? `Unknown tool name: '${name}'. No tools available.`
    : `Unknown tool name: '${name}'. Available tools: ${available.map((tool) => `'${tool}'`).join(", ")}`

/** The attributes of a tool call's span. */
const toolSpanOptions = (call: ToolCallPart): Tracer.SpanOptions => ({
  // No stack trace: it would point into this file, and capturing it costs more than the span.
  captureStackTrace: false,
  attributes: {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": call.toolName,
    "gen_ai.tool.call.id": call.toolCallId
  }
})

/**
 * Runs the tool calls of one response and says what goes back to the model, or what the output is.
 * Call it when the calls are to run (inside `suspend` or a `flatMap`): it reads the run's state as
 * it builds the effect. Plain `flatMap`s rather than `Effect.gen`, as it runs on most steps.
 */
export const processToolCalls = <O, E, R>(
  run: Run<O, E, R>,
  calls: ReadonlyArray<ToolCallPart>,
  emit: Emit | undefined
): Effect.Effect<ToolCallsOutcome<O>, E | UnexpectedModelBehavior | Usage.UsageLimitExceeded, R> => {
  const { agent, state } = run
  const kinds: Array<Kind> = []
  const outputIndices: Array<number> = []
  const functionIndices: Array<number> = []
  let knownFunctionCalls = 0
  for (let index = 0; index < calls.length; index++) {
    const name = calls[index]!.toolName
    const kind: Kind = name === run.outputToolName ? "output" : run.tools.has(name) ? "function" : "unknown"
    kinds.push(kind)
    if (kind === "output") outputIndices.push(index)
    else functionIndices.push(index)
    if (kind === "function") knownFunctionCalls++
  }

  const parts: Array<ModelRequestPart | undefined> = calls.map(() => undefined)
  const failedTools = new Set<string>()
  const succeededTools = new Set<string>()
  let executedCalls = 0
  let functionRetried = false
  let outputFailures = 0
  let final: { output: O; index: number } | undefined

  const stub = (index: number, content: string) => {
    const call = calls[index]!
    parts[index] = new ToolReturnPart({ toolName: call.toolName, toolCallId: call.toolCallId, content }, true)
  }

  const runFunction = (index: number): Effect.Effect<void, E | UnexpectedModelBehavior, R> =>
    Effect.suspend(() => {
      const call = calls[index]!
      const tool = run.tools.get(call.toolName)
      const retries = state.toolRetries.get(call.toolName) ?? 0
      const maxRetries = tool?.maxRetries ?? agent.retries
      const args = argsObject(call.args)
      const execute = (tool: Tool<string, E, R>, args: Readonly<Record<string, unknown>>) => {
        executedCalls += 1
        const context = runContext(run, retries, maxRetries, call.toolName, call.toolCallId)
        // `withSpan` and `provideService(RunContext)` in one change of the context.
        return Effect.useSpan(`execute_tool ${call.toolName}`, toolSpanOptions(call), (span) =>
          recoverRetry(
            Effect.mapInputContext(tool.execute(args), (services: Context.Context<R>) =>
              Context.add(Context.add(services, Tracer.ParentSpan, span), RunContext, context)
            )
          )
        )
      }
      const settle = (result: Either.Either<unknown, string>) => {
        if (Either.isRight(result)) {
          succeededTools.add(call.toolName)
          const part = new ToolReturnPart(
            { toolName: call.toolName, toolCallId: call.toolCallId, content: result.right },
            true
          )
          parts[index] = part
          return emit === undefined ? Effect.void : emit([toolResult(part)])
        }
        if (retries >= maxRetries) {
          return Effect.fail(
            new UnexpectedModelBehavior({
              message: `Tool '${call.toolName}' exceeded max retries count of ${maxRetries}`,
              body: result.left
            })
          )
        }
        failedTools.add(call.toolName)
        if (tool !== undefined) functionRetried = true
        const part = new RetryPromptPart(
          { content: result.left, toolName: call.toolName, toolCallId: call.toolCallId },
          true
        )
        parts[index] = part
        return emit === undefined ? Effect.void : emit([toolResult(part)])
      }
      if (tool === undefined) return settle(Either.left(unknownToolMessage(call.toolName, run.toolNames)))
      if (Either.isLeft(args)) return settle(args)
      if (emit === undefined) return Effect.flatMap(execute(tool, args.right), settle)
      return Effect.flatMap(
        Effect.zipRight(
          emit([toolCallStarted(call)]),
          Effect.suspend(() => execute(tool, args.right))
        ),
        settle
      )
    })

  const runOutput = (index: number): Effect.Effect<Either.Either<O, string>, E, R> => {
    const call = calls[index]!
    const args = argsObject(call.args)
    return Either.isLeft(args) ? Effect.succeed(Either.left(args.left)) : processOutput(run, args.right, call)
  }

  /** Records an output call's result; the first valid one in emission order becomes the output. */
  const settleOutput = (index: number, result: Either.Either<O, string>) => {
    const call = calls[index]!
    if (Either.isLeft(result)) {
      outputFailures += 1
      parts[index] = new RetryPromptPart(
        { content: result.left, toolName: call.toolName, toolCallId: call.toolCallId },
        true
      )
    } else if (final === undefined) {
      final = { output: result.right, index }
      stub(index, finalResultProcessed)
    } else {
      stub(index, outputNotFinal)
    }
  }

  /** Runs an output call in turn, unless an earlier one already gave the output. */
  const outputInTurn = (index: number): Effect.Effect<void, E, R> =>
    Effect.suspend(() => {
      if (final !== undefined) {
        stub(index, outputSkipped)
        return Effect.void
      }
      return Effect.map(runOutput(index), (result) => settleOutput(index, result))
    })

  const isSequential = (index: number) => run.tools.get(calls[index]!.toolName)?.sequential === true

  const runFunctions = (indices: ReadonlyArray<number>) =>
    runSegments(segments(indices, isSequential), runFunction, agent.toolConcurrency)

  const handle = (): Effect.Effect<void, E | UnexpectedModelBehavior, R> => {
    switch (agent.endStrategy) {
      case "early": {
        const functions = Effect.suspend(() => {
          if (final === undefined) return runFunctions(functionIndices)
          for (const index of functionIndices) stub(index, toolSkipped)
          return Effect.void
        })
        return outputIndices.length === 0
          ? runFunctions(functionIndices)
          : Effect.zipRight(Effect.forEach(outputIndices, outputInTurn, { discard: true }), functions)
      }
      case "graceful": {
        // Function calls run together up to each output call, which runs in turn.
        if (outputIndices.length === 0) return runFunctions(functionIndices)
        const turns: Array<Effect.Effect<void, E | UnexpectedModelBehavior, R>> = []
        let pending: Array<number> = []
        for (let index = 0; index < calls.length; index++) {
          if (kinds[index] !== "output") {
            pending.push(index)
            continue
          }
          if (pending.length > 0) turns.push(runFunctions(pending))
          pending = []
          turns.push(outputInTurn(index))
        }
        if (pending.length > 0) turns.push(runFunctions(pending))
        return Effect.forEach(turns, (turn) => turn, { discard: true })
      }
      case "exhaustive": {
        const outputResults = new Map<number, Either.Either<O, string>>()
        const all = calls.map((_, index) => index)
        return Effect.map(
          runSegments(
            segments(all, isSequential),
            (index) =>
              kinds[index] === "output"
                ? Effect.suspend(() => Effect.map(runOutput(index), (result) => void outputResults.set(index, result)))
                : runFunction(index),
            agent.toolConcurrency
          ),
          () => {
            for (const index of outputIndices) settleOutput(index, outputResults.get(index)!)
          }
        )
      }
    }
  }

  const finish = (): Effect.Effect<ToolCallsOutcome<O>, UnexpectedModelBehavior> => {
    // A function tool asking for a retry wins over the output: the model answers the retry first.
    if (final !== undefined && functionRetried && agent.endStrategy !== "early") {
      stub(final.index, retryWins)
      final = undefined
    }

    for (const name of succeededTools) if (!failedTools.has(name)) state.toolRetries.delete(name)
    for (const name of failedTools) state.toolRetries.set(name, (state.toolRetries.get(name) ?? 0) + 1)
    state.usage = Usage.addToolCalls(state.usage, executedCalls)

    if (final === undefined && outputFailures > 0) {
      state.outputRetries += outputFailures
      if (state.outputRetries > agent.outputRetries) {
        const retry = parts.find((part) => part?._tag === "RetryPromptPart")
        return Effect.fail(
          new UnexpectedModelBehavior({
            message: `Exceeded maximum retries (${agent.outputRetries}) for output validation`,
            body: retry?._tag === "RetryPromptPart" ? retry.content : undefined
          })
        )
      }
    }

    const ordered: Array<ModelRequestPart> = []
    for (const part of parts) if (part !== undefined) ordered.push(part)
    const winner = final
    return Effect.succeed({
      parts: ordered,
      final: winner === undefined ? undefined : { output: winner.output, call: calls[winner.index]! }
    })
  }

  const handled =
    knownFunctionCalls > 0
      ? Effect.flatMap(Usage.checkBeforeToolCalls(run.limits, state.usage, knownFunctionCalls), handle)
      : Effect.suspend(handle)
  return Effect.flatMap(handled, finish)
}
