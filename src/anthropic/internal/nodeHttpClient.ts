/**
 * `NodeHttpClient.layerUndici` for `AnthropicModel.layerFromEnv`, loaded when that Layer is built:
 * `@effect/platform-node/NodeHttpClient` brings the `undici` package (~13 MB of peak RSS), which an
 * application that provides its own `HttpClient` (FetchHttpClient, a test client) never needs.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Layer } from "effect"

/** Node's HTTP client over undici, imported on first build. */
export const layerUndici: Layer.Layer<HttpClient.HttpClient> = Layer.unwrapEffect(
  Effect.map(
    Effect.promise(() => import("@effect/platform-node/NodeHttpClient")),
    (module) => module.layerUndici
  )
)
