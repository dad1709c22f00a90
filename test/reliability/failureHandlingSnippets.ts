/**
 * The code of the README's "Failure handling" section, kept here so that `tsc` checks it still
 * compiles against the library (typechecked only, never run).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Duration, Effect, Layer, Schedule, Stream } from "effect"
import { Agent } from "effect-claude"
import { AnthropicClient, AnthropicError, AnthropicModel, AnthropicRetry } from "effect-claude/anthropic"

const Claude = AnthropicModel.layer(
  "claude-sonnet-4-5",
  {},
  {
    retry: AnthropicRetry.make({ maxRetries: 5, initialDelay: "1 second", maxDelay: "30 seconds" })
  }
).pipe(Layer.provide(AnthropicClient.layerConfig()), Layer.provide(NodeHttpClient.layerUndici))

const agent = Agent.make({ instructions: "Be brief." })

const once = Agent.run(agent, "Hello").pipe(AnthropicRetry.withPolicy(AnthropicRetry.none))

const patient = Agent.run(agent, "Hello").pipe(
  AnthropicRetry.withPolicy(
    AnthropicRetry.honourRetryAfter(
      Schedule.exponential("2 seconds").pipe(
        Schedule.jittered,
        Schedule.intersect(Schedule.recurs(4)),
        Schedule.upTo("2 minutes")
      )
    )
  )
)

const onlyOverload = Agent.run(agent, "Hello").pipe(
  AnthropicRetry.withPolicy(
    Schedule.intersect(
      AnthropicRetry.defaultPolicy,
      Schedule.recurWhile((error: AnthropicError.AnthropicError) => error._tag === "OverloadedError")
    )
  )
)

const streamed = Agent.runStream(agent, "Tell me a story").pipe(
  Stream.provideService(AnthropicRetry.CurrentPolicy, AnthropicRetry.none)
)

const answer = Agent.run(agent, "Hello", { settings: { timeout: "30 seconds" } }).pipe(
  Effect.map((result) => result.output),
  Effect.catchTags({
    RateLimitError: (error) => Effect.succeed(`rate limited, retry after ${error.headers["retry-after"] ?? "?"} s`),
    OverloadedError: () => Effect.succeed("Claude is overloaded, try again later"),
    APIConnectionTimeoutError: () => Effect.succeed("timed out"),
    APIConnectionError: (error) => Effect.succeed(`network problem: ${error.message}`),
    AuthenticationError: (error) => Effect.die(error),
    UserError: (error) => Effect.die(error),
    UnexpectedModelBehavior: (error) => Effect.succeed(`the model misbehaved: ${error.message}`)
  })
)

const classify = Agent.run(agent, "Hello").pipe(
  Effect.catchIf(
    (error) => AnthropicError.isAnthropicError(error) && AnthropicError.isRetryable(error),
    (error) => Effect.logWarning("gave up after retries", error._tag).pipe(Effect.as(undefined))
  )
)

const withTimeout = Agent.run(agent, "Hello").pipe(Effect.timeout(Duration.minutes(2)))

export const all = [once, patient, onlyOverload, streamed, answer, classify, withTimeout, Claude]
