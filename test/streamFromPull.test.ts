import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Option, Stream } from "effect"
import { Message, Model, type StreamEvent } from "effect-claude"

type Pull<A, E> = Effect.Effect<Chunk.Chunk<A>, Option.Option<E>>

/** What `Model.streamFromPull` stands in for. */
const reference = <A, E, EOpen, R>(open: Effect.Effect<Pull<A, E>, EOpen, R>) =>
  Stream.unwrapScoped(Effect.map(open, Stream.repeatEffectChunkOption))

/**
 * A pull over `chunks` (then `end`: the end, or a failure), opened with a finalizer; `log` records
 * the pulls, the chunks the consumer saw and how the scope closed.
 */
const scripted = (chunks: ReadonlyArray<ReadonlyArray<number>>, end: Option.Option<string>, log: Array<string>) =>
  Effect.zipRight(
    Effect.addFinalizer((exit) =>
      Effect.sync(() =>
        log.push(`closed ${Exit.isSuccess(exit) ? "success" : Exit.isInterrupted(exit) ? "interrupted" : "failure"}`)
      )
    ),
    Effect.sync(() => {
      let next = 0
      const pull: Pull<number, string> = Effect.suspend(() => {
        log.push(`pull ${next}`)
        const chunk = chunks[next++]
        return chunk === undefined ? Effect.fail(end) : Effect.succeed(Chunk.fromIterable(chunk))
      })
      return pull
    })
  )

/** Runs a Stream made by `make` to its end (or `take` chunks' worth), logging what it sees. */
const run = (
  make: (open: ReturnType<typeof scripted>) => Stream.Stream<number, string>,
  chunks: ReadonlyArray<ReadonlyArray<number>>,
  end: Option.Option<string>,
  take?: number
) =>
  Effect.gen(function* () {
    const log: Array<string> = []
    const stream = make(scripted(chunks, end, log))
    const exit = yield* Stream.runForEachChunk(take === undefined ? stream : Stream.take(stream, take), (chunk) =>
      Effect.sync(() => log.push(`chunk [${Chunk.toReadonlyArray(chunk).join(",")}]`))
    ).pipe(Effect.exit)
    log.push(Exit.isSuccess(exit) ? "done" : `failed ${JSON.stringify(Exit.isFailure(exit) ? exit.cause : "")}`)
    return log
  })

describe("Model.streamFromPull", () => {
  const cases: Array<[string, ReadonlyArray<ReadonlyArray<number>>, Option.Option<string>, number | undefined]> = [
    ["every chunk (empty ones too), then the end", [[1, 2], [], [3]], Option.none(), undefined],
    ["a pull that fails", [[1]], Option.some("boom"), undefined],
    ["nothing at all", [], Option.none(), undefined],
    ["a consumer that stops early", [[1], [2], [3]], Option.none(), 1]
  ]
  for (const [name, chunks, end, take] of cases) {
    it.effect(`is Stream.unwrapScoped over repeatEffectChunkOption: ${name}`, () =>
      Effect.gen(function* () {
        const fast = yield* run(Model.streamFromPull, chunks, end, take)
        const slow = yield* run(reference, chunks, end, take)
        expect(fast).toEqual(slow)
        expect(fast.some((line) => line.startsWith("closed"))).toBe(true)
      })
    )
  }

  it.effect("a failure to open fails the stream, after closing what was opened", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const open = Effect.zipRight(scripted([], Option.none(), log), Effect.fail("no"))
      const exit = yield* Stream.runDrain(Model.streamFromPull(open)).pipe(Effect.exit)
      expect(exit).toEqual(Exit.fail("no"))
      expect(log).toEqual(["closed failure"])
    })
  )

  it.effect("interrupting a pending pull closes the scope", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const open = Effect.zipRight(
        Effect.addFinalizer((exit) => Effect.sync(() => log.push(`closed ${Exit.isInterrupted(exit)}`))),
        Effect.succeed(Effect.never)
      )
      const fiber = yield* Effect.fork(Stream.runDrain(Model.streamFromPull(open)))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
      expect(log).toEqual(["closed true"])
    })
  )
})

describe("Model.make over a provider's streamFromPull", () => {
  const events: ReadonlyArray<StreamEvent.ModelResponseStreamEvent> = [
    { _tag: "PartStart", index: 0, part: new Message.TextPart({ content: "" }) },
    { _tag: "PartDelta", index: 0, delta: { _tag: "TextDelta", content: "Hi" } },
    { _tag: "PartEnd", index: 0 },
    { _tag: "ResponseMetadata", modelName: "m-1", finishReason: "stop" }
  ]

  /** A provider whose open and pulls log the span they run under, and whose scope logs its closing. */
  const provider = (build: typeof reference, log: Array<string>): Model.Service => {
    const spanName = Effect.map(Effect.option(Effect.currentParentSpan), (span) =>
      Option.isSome(span) && span.value._tag === "Span" ? span.value.name : "none"
    )
    return Model.make({
      modelName: "m",
      providerName: "p",
      requestStream: () =>
        build(
          Effect.gen(function* () {
            log.push(`open under ${yield* spanName}`)
            const parent = yield* Effect.orDie(Effect.currentSpan)
            yield* Effect.addFinalizer(() =>
              Effect.sync(() => log.push(`closed, span ${parent.status._tag === "Started" ? "open" : "ended"}`))
            )
            let sent = false
            return Effect.flatMap(spanName, (name) => {
              log.push(`pull under ${name}`)
              if (sent) return Effect.fail(Option.none())
              sent = true
              return Effect.succeed(Chunk.fromIterable(events))
            })
          })
        )
    })
  }

  it.effect("gives the events, runs the open and every pull under the chat span, and ends the span last", () =>
    Effect.gen(function* () {
      const fastLog: Array<string> = []
      const slowLog: Array<string> = []
      const fast = yield* Stream.runCollect(
        provider(Model.streamFromPull, fastLog).requestStream([], {}, Model.textParameters)
      )
      const slow = yield* Stream.runCollect(provider(reference, slowLog).requestStream([], {}, Model.textParameters))
      expect(Chunk.toReadonlyArray(fast)).toEqual(events)
      expect(Chunk.toReadonlyArray(slow)).toEqual(events)
      expect(fastLog).toEqual(["open under chat m", "pull under chat m", "pull under chat m", "closed, span open"])
      expect(fastLog).toEqual(slowLog)
    })
  )
})
