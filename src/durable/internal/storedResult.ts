/**
 * How a durable run's result is stored: its output (with the agent's output Schema), the whole
 * conversation (with the `Message` Schemas), where the run's own messages begin, and its usage. A
 * stored result this version cannot read is an `IncompatibleHistory`, never a defect.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { RunResult } from "../../Agent.js"
import { History, type ModelMessage, ModelResponse } from "../../Message.js"
import { RunUsage } from "../../Usage.js"
import { IncompatibleHistory } from "../DurableError.js"

const lastResponse = (messages: ReadonlyArray<ModelMessage>): ModelResponse | undefined => {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]
    if (message instanceof ModelResponse) return message
  }
  return undefined
}

/** The encoder and decoder of results with outputs of `output`. */
export const codec = <O, OI>(output: Schema.Schema<O, OI>) => {
  const Stored = Schema.Struct({ output, messages: History, historyLength: Schema.Number, usage: RunUsage })
  const encode = Schema.encode(Stored)
  const decode = Schema.decodeUnknown(Stored)
  return {
    encode: (result: RunResult<O>, historyLength: number): Effect.Effect<unknown> =>
      Effect.orDie(encode({ output: result.output, messages: result.messages, historyLength, usage: result.usage })),
    decode: (runId: string, stored: unknown): Effect.Effect<RunResult<O>, IncompatibleHistory> =>
      decode(stored).pipe(
        Effect.mapError((error) => new IncompatibleHistory({ runId, what: "result", message: error.message })),
        Effect.flatMap((stored) => {
          const response = lastResponse(stored.messages)
          return response === undefined
            ? Effect.fail(
                new IncompatibleHistory({ runId, what: "result", message: "The stored run has no model response" })
              )
            : Effect.succeed({
                output: stored.output,
                usage: stored.usage,
                messages: stored.messages,
                newMessages: stored.messages.slice(stored.historyLength),
                response
              })
        })
      )
  }
}
