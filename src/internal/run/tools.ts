/**
 * Running the tool calls of one response by its plan (`toolPlan.ts`): function tools run
 * concurrently (bounded; `sequential` tools alone), output calls are validated, failures become
 * retry prompts counted per tool, and the results go back in the order the model emitted the calls.
 *
 * Plain `flatMap`s rather than `Effect.gen`: this runs on most steps of a run.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import type * as Tracer from "effect/Tracer"
import { UnexpectedModelBehavior, type UsageLimitExceeded, type UserError } from "../../AgentError.js"
import { type ChildEvent, toolCallStarted, toolResult } from "../../AgentEvent.js"
import type { PendingCall } from "../../DeferredTools.js"
import { type ModelRequestPart, RetryPromptPart, type ToolCallPart, ToolReturnPart } from "../../Message.js"
import { RunContext } from "../../RunContext.js"
import type { Tool } from "../../Tool.js"
import { type CallDecision, decide } from "../deferred/decide.js"
import { executeNowOf } from "../executeNow.js"
import {
  argsObject,
  finalResultProcessed,
  outputNotFinal,
  outputSkipped,
  retryWins,
  toolSkipped
} from "../outputProcessing.js"
import { inSpanWithResult } from "../span.js"
import { construct } from "../trustedInput.js"
import { type Emit, type Run, runContext } from "./context.js"
import { oneLine, outputRetriesExceeded, processOutput, recoveredExit, recoverRetry } from "./output.js"
import { type PlannedCall, plan, type Segments, type Turn } from "./toolPlan.js"
import * as UsageTree from "./usageTree.js"

/** What handling the tool calls of a response gave. */
export interface ToolCallsOutcome<O> {
  /** The tool returns and retry prompts, in the order of the calls. */
  readonly parts: ReadonlyArray<ModelRequestPart>
  /** The output, when a call of the output tool gave a valid one. */
  readonly final: { readonly output: O; readonly call: ToolCallPart } | undefined
  /** The calls left waiting (approval, external tools), in the order of the calls. */
  readonly pending: ReadonlyArray<PendingCall>
}

/** What the calls of one response have given so far. */
class Round<O> {
  /** Each call's part, by call index. */
  readonly parts: Array<ModelRequestPart | undefined>
  /** Each call left waiting, by call index. */
  readonly pending: Array<PendingCall | undefined>
  readonly failedTools = new Set<string>()
  readonly succeededTools = new Set<string>()
  executedCalls = 0
  functionRetried = false
  outputFailures = 0
  final: { readonly output: O; readonly index: number } | undefined = undefined

  constructor(readonly calls: ReadonlyArray<ToolCallPart>) {
    this.parts = calls.map(() => undefined)
    this.pending = calls.map(() => undefined)
  }

  /** Answers a call with a fixed text. */
  stub(index: number, content: string): void {
    const call = this.calls[index]!
    this.parts[index] = construct(ToolReturnPart, {
      toolName: call.toolName,
      toolCallId: call.toolCallId,
      content,
      isError: false
    })
  }
}

/**
 * Runs the calls of each segment together (bounded by `concurrency`), the segments one after the
 * other. A segment of one call runs in the current fiber: forking a fiber for it would only add cost.
 */
const runSegments = <E, R>(
  segmentList: Segments,
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

/** The attributes of a tool call's span; no stack trace, which would point into this file. */
const toolSpanOptions = (call: ToolCallPart): Tracer.SpanOptions => ({
  captureStackTrace: false,
  attributes: {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": call.toolName,
    "gen_ai.tool.call.id": call.toolCallId
  }
})

/**
 * Runs a tool's handler in its span, with the `RunContext` of the call, and gives `result` of what
 * it gave (a retry prompt's message on the left) as the span ends.
 */
const execute = <O, E, R, B, E2>(
  run: Run<O, E, R>,
  round: Round<O>,
  call: ToolCallPart,
  tool: Tool<string, E, R>,
  args: unknown,
  retries: number,
  maxRetries: number,
  emit: Emit | undefined,
  result: (outcome: Exit.Exit<Either.Either<unknown, string>, E>) => Exit.Exit<B, E2>
): Effect.Effect<B, E2, R> => {
  round.executedCalls += 1
  // The handler is called as the span opens; an answer that is an exit already ends the span at once,
  // with no context to give it (`executeNow.ts`): the `RunContext` is made only for an Effect to run.
  const now = executeNowOf(tool.execute)
  // The span and `RunContext` in one change of the context.
  return inSpanWithResult(`execute_tool ${call.toolName}`, toolSpanOptions(call), () => ({
    effect: now === undefined ? tool.execute(args) : now(args),
    provide: (services) => {
      const base = runContext(run, retries, maxRetries, call.toolName, call.toolCallId)
      // In a streamed run a delegated agent's events join the run's stream.
      const context = emit === undefined ? base : { ...base, emit: (event: ChildEvent) => emit([event]) }
      return Context.add(services, RunContext, context)
    },
    result: (exit) => result(recoveredExit(exit))
  }))
}

/**
 * Runs one function-tool call (an unknown tool is a retry prompt) and records its part. Call it when
 * the call is to run (`runSegments` builds each call as it starts): it reads the tool's retries.
 */
const runFunction = <O, E, R>(
  run: Run<O, E, R>,
  round: Round<O>,
  index: number,
  emit: Emit | undefined
): Effect.Effect<void, E | UnexpectedModelBehavior | UserError, R> => {
  const call = round.calls[index]!
  const tool = run.tools.get(call.toolName)
  const retries = run.state.toolRetries.get(call.toolName) ?? 0
  const maxRetries = tool?.maxRetries ?? run.agent.retries
  /** Records the call's part; gives it, or the failure once the tool's retries are used up. */
  const record = (
    result: Either.Either<unknown, string>
  ): ToolReturnPart | RetryPromptPart | UnexpectedModelBehavior => {
    if (Either.isRight(result)) {
      round.succeededTools.add(call.toolName)
      const part = construct(ToolReturnPart, {
        toolName: call.toolName,
        toolCallId: call.toolCallId,
        content: result.right,
        isError: false
      })
      round.parts[index] = part
      return part
    }
    if (retries >= maxRetries) {
      return new UnexpectedModelBehavior({
        message: `Tool '${call.toolName}' exceeded max retries count of ${maxRetries}: ${oneLine(result.left)}`,
        body: result.left
      })
    }
    round.failedTools.add(call.toolName)
    if (tool !== undefined) round.functionRetried = true
    const part = construct(RetryPromptPart, {
      content: result.left,
      toolName: call.toolName,
      toolCallId: call.toolCallId
    })
    round.parts[index] = part
    return part
  }
  const settle = (result: Either.Either<unknown, string>) => {
    const recorded = record(result)
    if (recorded instanceof UnexpectedModelBehavior) return Effect.fail(recorded)
    return emit === undefined ? Effect.void : emit([toolResult(recorded)])
  }
  // Without events to emit, the call is settled as its span ends, as plain code.
  const settled = (
    exit: Exit.Exit<Either.Either<unknown, string>, E>
  ): Exit.Exit<void, E | UnexpectedModelBehavior> => {
    if (Exit.isFailure(exit)) return Exit.failCause(exit.cause)
    const recorded = record(exit.value)
    return recorded instanceof UnexpectedModelBehavior ? Exit.fail(recorded) : Exit.void
  }
  if (tool === undefined) return settle(Either.left(unknownToolMessage(call.toolName, run.toolNames)))
  const args = argsObject(call.args)
  if (Either.isLeft(args)) return settle(args)
  const executed = (input: unknown) =>
    emit === undefined
      ? execute(run, round, call, tool, input, retries, maxRetries, undefined, settled)
      : Effect.zipRight(
          emit([toolCallStarted(call)]),
          Effect.suspend(() =>
            Effect.flatMap(
              execute(run, round, call, tool, input, retries, maxRetries, emit, (exit) => exit),
              settle
            )
          )
        )
  const answer = run.resume?.decisions.get(call.toolCallId)
  const deferral = tool.deferral
  if (answer === undefined && (deferral === undefined || deferral._tag === "Immediate")) {
    return executed(args.right)
  }
  const input = args.right
  // Arguments that do not decode never wait: they go back to the model, as the handler's would.
  const decided: Effect.Effect<Either.Either<CallDecision, string>, E | UserError, R> = answer !== undefined ||
  deferral === undefined
    ? Effect.succeed(Either.right(answer ?? { _tag: "Run", args: input }))
    : recoverRetry(
        Effect.provideService(
          Effect.flatMap(tool.decodeArgs(input), (decoded) =>
            decide(
              deferral,
              { call, input, args: decoded },
              tool.encodeArgs,
              emit === undefined ? undefined : (event) => emit([event])
            )
          ),
          RunContext,
          runContext(run, retries, maxRetries, call.toolName, call.toolCallId)
        )
      )
  return Effect.flatMap(decided, (result) => {
    // The approval check may reject the arguments, as the handler would.
    if (Either.isLeft(result)) return settle(result)
    const decision = result.right
    switch (decision._tag) {
      case "Run":
        return executed(decision.args)
      case "Answered":
        round.parts[index] = decision.part
        return emit === undefined ? Effect.void : emit([toolResult(decision.part)])
      case "Pending":
        round.pending[index] = decision.call
        return Effect.void
    }
  })
}

/** Validates one output call's arguments as the output. */
const runOutput = <O, E, R>(run: Run<O, E, R>, call: ToolCallPart): Effect.Effect<Either.Either<O, string>, E, R> => {
  const args = argsObject(call.args)
  return Either.isLeft(args) ? Effect.succeed(Either.left(args.left)) : processOutput(run, args.right, call)
}

/** Records an output call's result; the first valid one in emission order becomes the output. */
const settleOutput = <O>(round: Round<O>, index: number, result: Either.Either<O, string>): void => {
  const call = round.calls[index]!
  if (Either.isLeft(result)) {
    round.outputFailures += 1
    round.parts[index] = construct(RetryPromptPart, {
      content: result.left,
      toolName: call.toolName,
      toolCallId: call.toolCallId
    })
  } else if (round.final === undefined) {
    round.final = { output: result.right, index }
    round.stub(index, finalResultProcessed)
  } else {
    round.stub(index, outputNotFinal)
  }
}

/** Runs one turn of the plan. Call it when the turn is to run: it reads what earlier turns gave. */
const runTurn = <O, E, R>(
  run: Run<O, E, R>,
  round: Round<O>,
  turn: Turn,
  emit: Emit | undefined
): Effect.Effect<void, E | UnexpectedModelBehavior | UserError, R> => {
  const concurrency = run.agent.toolConcurrency
  switch (turn._tag) {
    case "Functions":
      if (turn.skipOnceFinal && round.final !== undefined) {
        for (const segment of turn.segments) for (const index of segment) round.stub(index, toolSkipped)
        return Effect.void
      }
      return runSegments(turn.segments, (index) => runFunction(run, round, index, emit), concurrency)
    case "Output":
      if (round.final !== undefined) {
        round.stub(turn.index, outputSkipped)
        return Effect.void
      }
      return Effect.map(runOutput(run, round.calls[turn.index]!), (result) => settleOutput(round, turn.index, result))
    case "All": {
      const outputResults = new Map<number, Either.Either<O, string>>()
      const runCall = (index: number) =>
        run.outputTools.has(round.calls[index]!.toolName)
          ? Effect.map(runOutput(run, round.calls[index]!), (result) => void outputResults.set(index, result))
          : runFunction(run, round, index, emit)
      return Effect.map(runSegments(turn.segments, runCall, concurrency), () => {
        for (const [index, result] of [...outputResults].sort(([a], [b]) => a - b)) settleOutput(round, index, result)
      })
    }
  }
}

/** Ends the round: retry counts, tool-call usage, the output-retry limit, the parts in call order. */
const finish = <O, E, R>(
  run: Run<O, E, R>,
  round: Round<O>
): Either.Either<ToolCallsOutcome<O>, UnexpectedModelBehavior> => {
  const { agent, state } = run
  // A function tool asking for a retry wins over the output: the model answers the retry first.
  if (round.final !== undefined && round.functionRetried && agent.endStrategy !== "early") {
    round.stub(round.final.index, retryWins)
    round.final = undefined
  }
  for (const name of round.succeededTools) if (!round.failedTools.has(name)) state.toolRetries.delete(name)
  for (const name of round.failedTools) state.toolRetries.set(name, (state.toolRetries.get(name) ?? 0) + 1)
  UsageTree.addToolCalls(run, round.executedCalls)

  if (round.final === undefined && round.outputFailures > 0) {
    state.outputRetries += round.outputFailures
    if (state.outputRetries > agent.outputRetries) {
      const retry = round.parts.find((part) => part?._tag === "RetryPromptPart")
      return Either.left(
        outputRetriesExceeded(agent.outputRetries, retry?._tag === "RetryPromptPart" ? retry.content : undefined)
      )
    }
  }

  const ordered: Array<ModelRequestPart> = []
  for (const part of round.parts) if (part !== undefined) ordered.push(part)
  const winner = round.final
  const pending: Array<PendingCall> = []
  for (const call of round.pending) if (call !== undefined) pending.push(call)
  return Either.right({
    parts: ordered,
    final: winner === undefined ? undefined : { output: winner.output, call: round.calls[winner.index]! },
    pending
  })
}

/**
 * Runs the tool calls of one response and goes on with `then` of the outcome: what goes back to the
 * model, or what the output is (a step fewer than mapping the result). Call it when the calls are
 * to run (inside `suspend` or a `flatMap`): it reads the run's state as it builds the effect.
 */
export const processToolCalls = <O, E, R, A, E2, R2>(
  run: Run<O, E, R>,
  calls: ReadonlyArray<ToolCallPart>,
  emit: Emit | undefined,
  then: (outcome: ToolCallsOutcome<O>) => Effect.Effect<A, E2, R2>
): Effect.Effect<A, E | E2 | UnexpectedModelBehavior | UsageLimitExceeded | UserError, R | R2> => {
  const planned: Array<PlannedCall> = []
  let knownFunctionCalls = 0
  for (const call of calls) {
    const tool = run.tools.get(call.toolName)
    const kind = run.outputTools.has(call.toolName) ? "output" : tool !== undefined ? "function" : "unknown"
    if (kind === "function") knownFunctionCalls++
    planned.push({ kind, sequential: tool?.sequential === true })
  }
  const exceeded = knownFunctionCalls > 0 ? UsageTree.toolCallLimitFailure(run, knownFunctionCalls) : undefined
  if (exceeded !== undefined) return Effect.fail(exceeded)
  const round = new Round<O>(calls)
  const turns = plan(planned, run.agent.endStrategy)
  // `forEach` builds each turn when the one before has run.
  const handled =
    turns.length === 1
      ? runTurn(run, round, turns[0]!, emit)
      : Effect.forEach(turns, (turn) => runTurn(run, round, turn, emit), { discard: true })
  return Effect.flatMap(handled, (): Effect.Effect<A, E2 | UnexpectedModelBehavior, R2> => {
    const outcome = finish(run, round)
    return Either.isLeft(outcome) ? Effect.fail(outcome.left) : then(outcome.right)
  })
}
