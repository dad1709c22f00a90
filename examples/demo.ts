/**
 * The main job, streamed to the terminal. For now a scripted FunctionModel answer; it grows into an
 * agent with tools talking to Claude (or the bundled loopback server) as the library grows.
 */
import { Effect, Stream } from "effect"
import { Message, Model } from "effect-agent"
import { FunctionModel } from "effect-agent/testing"

const words = "Effect agents stream their answers part by part, typed end to end.".split(/(?= )/)

const program = Effect.gen(function* () {
  const model = yield* Model.Model
  yield* model.requestStream([Message.ModelRequest.user("Say something")], {}, Model.textParameters).pipe(
    Stream.runForEach((event) =>
      Effect.sync(() => {
        if (event._tag === "PartDelta" && event.delta._tag === "TextDelta") process.stdout.write(event.delta.content)
        if (event._tag === "PartStart" && event.part._tag === "TextPart") process.stdout.write(event.part.content)
      })
    )
  )
  process.stdout.write("\n")
})

Effect.runPromise(program.pipe(Effect.provide(FunctionModel.layer(undefined, () => Stream.fromIterable(words)))))
