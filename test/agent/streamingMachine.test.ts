/**
 * The streamed run's pull machine (`internal/run/streaming.ts`) against a plain `Stream`
 * formulation of the same behaviour, built here from the same rooms of the run loop: over generated
 * scripts (text, tool calls good and bad, unknown tools, paused turns, any chunking) and generated
 * interruption points, both give the same events, the same failure and close every model stream.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Effect, Layer, Mailbox, Schema, Stream } from "effect"
import { Agent, AgentError, type AgentEvent, Message, Model, StreamEvent, Tool, Usage } from "effect-claude"
import fc from "fast-check"
import type { Emit, Run } from "../../src/internal/run/context.js"
import { accountResponse, beginRequest, messagesToSend, shiftIndexes } from "../../src/internal/run/requests.js"
import { handleResponse } from "../../src/internal/run/responses.js"
import * as RunStart from "../../src/internal/run/start.js"
import { ModelResponseBuilder } from "../../src/ModelResponseBuilder.js"

type Event = StreamEvent.ModelResponseStreamEvent

// A clock stopped at the epoch, so both formulations stamp their responses alike.
const epoch: Clock.Clock = {
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => 0,
  currentTimeMillis: Effect.succeed(0),
  unsafeCurrentTimeNanos: () => 0n,
  currentTimeNanos: Effect.succeed(0n),
  sleep: () => Effect.void
}

/** One scripted answer. */
type Answer =
  | { readonly _tag: "Text"; readonly words: ReadonlyArray<string>; readonly paused: boolean }
  | { readonly _tag: "Calls"; readonly calls: ReadonlyArray<{ readonly tool: string; readonly args: string }> }

/** The events of an answer, cut into chunks of `chunkSize`. */
const eventsOf = (answer: Answer, chunkSize: number): ReadonlyArray<Chunk.Chunk<Event>> => {
  const events: Array<Event> = []
  const usage = new Usage.RequestUsage({ inputTokens: 3, outputTokens: 2 })
  if (answer._tag === "Text") {
    events.push(StreamEvent.partStart(0, new Message.TextPart({ content: answer.words[0] ?? "" })))
    for (const word of answer.words.slice(1)) events.push(StreamEvent.textDelta(0, word))
    events.push(StreamEvent.partEnd(0))
    events.push(StreamEvent.responseMetadata({ usage, finishReason: answer.paused ? "suspended" : "stop" }))
  } else {
    answer.calls.forEach((call, index) => {
      const part = new Message.ToolCallPart({ toolName: call.tool, args: "", toolCallId: `c${index}` })
      events.push(StreamEvent.partStart(index, part), StreamEvent.toolCallArgsDelta(index, call.args))
      events.push(StreamEvent.partEnd(index))
    })
    events.push(StreamEvent.responseMetadata({ usage, finishReason: "tool_call" }))
  }
  const chunks: Array<Chunk.Chunk<Event>> = []
  for (let start = 0; start < events.length; start += chunkSize) {
    chunks.push(Chunk.unsafeFromArray(events.slice(start, start + chunkSize)))
  }
  return chunks
}

/** A model answering the n-th response of the conversation with the n-th answer (then "done"). */
const scriptedModel = (answers: ReadonlyArray<Answer>, chunkSize: number, closed: Array<number>) =>
  Model.make({
    modelName: "script",
    providerName: "script",
    requestStream: (messages) =>
      Stream.suspend(() => {
        const step = messages.filter((message) => message._tag === "ModelResponse").length
        const answer = answers[step] ?? { _tag: "Text", words: ["done"], paused: false }
        return Stream.fromChunks(...eventsOf(answer, chunkSize)).pipe(
          Stream.ensuring(Effect.sync(() => closed.push(step)))
        )
      })
  })

const tool = (name: string) =>
  Tool.make(name, {
    parameters: Schema.Struct({ x: Schema.Number }),
    handler: ({ x }) =>
      x < 0
        ? Effect.fail(new AgentError.ModelRetry({ message: `x must not be negative` }))
        : Effect.succeed(`${name}:${x}`)
  })

const agent = Agent.make({ tools: [tool("a"), tool("b")], retries: 2, maxContinuations: 2 })

/** The plain formulation: one nested Stream per node, concatenated. */
const reference = <O, E, R>(
  run: Run<O, E, R>,
  node: Agent.AgentNode<O>
): Stream.Stream<AgentEvent.AgentEvent<O>, Agent.RunError<E>, R> => {
  switch (node._tag) {
    case "ModelRequestNode":
      return Stream.unwrap(Effect.as(beginRequest(run, node.request), modelTurn(run, undefined, 0)))
    case "CallToolsNode":
      return handling(run, node.response)
    case "End":
      return Stream.make<Array<AgentEvent.AgentEvent<O>>>(node.finalResult, {
        _tag: "RunFinished",
        result: node.result
      })
  }
}

const modelTurn = <O, E, R>(
  run: Run<O, E, R>,
  paused: Message.ModelResponse | undefined,
  continuation: number
): Stream.Stream<AgentEvent.AgentEvent<O>, Agent.RunError<E>, R> =>
  Stream.suspend(() => {
    const builder = new ModelResponseBuilder()
    const offset = paused?.parts.length ?? 0
    const events = run.model.requestStream(messagesToSend(run, paused), run.settings, run.parameters).pipe(
      Stream.mapChunks((chunk) => {
        builder.addAll(chunk)
        return offset === 0 ? chunk : shiftIndexes(chunk, offset)
      })
    )
    const after = Stream.unwrap(
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.map(accountResponse(run, builder.response(new Date(now)), paused, continuation), (accounted) =>
          accounted.paused ? modelTurn(run, accounted.merged, continuation + 1) : handling(run, accounted.merged)
        )
      )
    )
    return Stream.concat(events, after)
  })

const handling = <O, E, R>(
  run: Run<O, E, R>,
  response: Message.ModelResponse
): Stream.Stream<AgentEvent.AgentEvent<O>, Agent.RunError<E>, R> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const mailbox = yield* Mailbox.make<AgentEvent.AgentEvent<O>, Agent.RunError<E>>()
      let after: Agent.AgentNode<O> | undefined
      const emit: Emit = (events) => Effect.asVoid(mailbox.offerAll(events))
      yield* handleResponse(run, response, emit).pipe(
        Effect.tap((node) => {
          after = node
        }),
        Mailbox.into(mailbox),
        Effect.forkScoped
      )
      return Stream.concat(
        Mailbox.toStream(mailbox),
        Stream.suspend(() => reference(run, after!))
      )
    })
  )

const answerArbitrary: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({
    _tag: fc.constant("Text" as const),
    words: fc.array(fc.constantFrom("Hello ", "there ", "friend."), { minLength: 1, maxLength: 4 }),
    paused: fc.boolean()
  }),
  fc.record({
    _tag: fc.constant("Calls" as const),
    calls: fc.array(
      fc.record({
        tool: fc.constantFrom("a", "b", "nope"),
        args: fc.constantFrom('{"x":1}', '{"x":-1}', '{"x":"one"}', "{not json", "")
      }),
      { minLength: 1, maxLength: 3 }
    )
  })
)

/** What a run gave: its events (up to `take`), how it ended, which model streams were closed. */
const observe = (
  answers: ReadonlyArray<Answer>,
  chunkSize: number,
  take: number,
  formulation: "machine" | "reference"
) =>
  Effect.gen(function* () {
    const closed: Array<number> = []
    const layer = Layer.succeed(Model.Model, scriptedModel(answers, chunkSize, closed))
    const machine = yield* Effect.provide(RunStart.make(agent, "Go", {}), layer)
    const stream = formulation === "machine" ? machine.stream(machine.start) : reference(machine.run, machine.start)
    const outcome = yield* Stream.runCollect(Stream.take(stream, take)).pipe(
      Effect.map(Chunk.toReadonlyArray),
      Effect.either
    )
    return {
      events: outcome._tag === "Right" ? outcome.right : [],
      failure: outcome._tag === "Left" ? `${outcome.left._tag}: ${outcome.left.message}` : undefined,
      closed
    }
  })

describe("the streamed run's pull machine", () => {
  it.effect("gives the same events, failures and interruptions as a plain Stream formulation", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.array(answerArbitrary, { maxLength: 5 }),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 60 }),
          (answers, chunkSize, take) =>
            Effect.runPromise(
              Effect.gen(function* () {
                const machine = yield* observe(answers, chunkSize, take, "machine")
                const plain = yield* observe(answers, chunkSize, take, "reference")
                expect(machine).toEqual(plain)
              }).pipe(Effect.withClock(epoch))
            )
        ),
        { numRuns: 150 }
      )
    )
  )
})
