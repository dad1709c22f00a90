/**
 * GenAI telemetry following the OpenTelemetry semantic conventions: every model request built with
 * `Model.make` records `gen_ai.client.token.usage` (by token type) and
 * `gen_ai.client.operation.duration` as Effect `Metric`s, tagged with `gen_ai.operation.name`,
 * `gen_ai.provider.name` and `gen_ai.request.model`. Message content goes into the chat spans only
 * when a program opts in (`withContentCapture`, or `Agent.run`'s `captureContent` option).
 *
 * @example
 * import { Effect, Metric } from "effect"
 * import { GenAiTelemetry } from "effect-claude"
 *
 * const inputTokens = Metric.value(
 *   GenAiTelemetry.tokenUsage.pipe(
 *     Metric.tagged("gen_ai.request.model", "claude-sonnet-4-6"),
 *     Metric.tagged("gen_ai.token.type", "input")
 *   )
 * )
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

/**
 * Tokens used per request (`gen_ai.client.token.usage`), tagged with `gen_ai.token.type` (`input`, `output`).
 *
 * @since 0.1.0
 * @category utils
 */
export const tokenUsage = Metric.histogram(
  "gen_ai.client.token.usage",
  MetricBoundaries.fromIterable([1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216]),
  "Measures number of input and output tokens used"
)

/**
 * Duration of each model request in seconds (`gen_ai.client.operation.duration`).
 *
 * @since 0.1.0
 * @category utils
 */
export const operationDuration = Metric.histogram(
  "gen_ai.client.operation.duration",
  MetricBoundaries.fromIterable([
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92
  ]),
  "GenAI operation duration"
)

/**
 * Whether chat spans carry the messages sent and the response's parts (off by default: they may be private).
 *
 * @since 0.1.0
 * @category utils
 */
export const captureContent: FiberRef.FiberRef<boolean> = FiberRef.unsafeMake(false)

/**
 * Runs `effect` with message content recorded in its chat spans.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withContentCapture = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, captureContent, true)

/**
 * The tags of one model's requests, built once per model.
 *
 * @since 0.1.0
 * @category utils
 */
export const modelLabels = (providerName: string, modelName: string) => {
  const base = [
    MetricLabel.make("gen_ai.operation.name", "chat"),
    MetricLabel.make("gen_ai.provider.name", providerName),
    MetricLabel.make("gen_ai.request.model", modelName)
  ]
  return {
    duration: base,
    input: [...base, MetricLabel.make("gen_ai.token.type", "input")],
    output: [...base, MetricLabel.make("gen_ai.token.type", "output")]
  }
}
