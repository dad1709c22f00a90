/**
 * The model the examples talk to: Claude when `ANTHROPIC_API_KEY` is set, otherwise the offline
 * stand-in each example scripts. One line says which.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { type ConfigError, Layer } from "effect"
import type { Model } from "effect-claude"
import { AnthropicClient, AnthropicModel } from "effect-claude/anthropic"

/** Whether the examples talk to the real API. */
export const online = (process.env.ANTHROPIC_API_KEY ?? "") !== ""

/** Claude `modelName` over the real API (key and base URL from the environment). */
export const claude = (modelName = "claude-sonnet-4-6"): Layer.Layer<Model.Model, ConfigError.ConfigError> =>
  AnthropicModel.layer(modelName).pipe(
    Layer.provide(AnthropicClient.layerConfig()),
    Layer.provide(NodeHttpClient.layerUndici)
  )

/** Claude when a key is set, else `offline`. */
export const exampleModel = (
  offline: Layer.Layer<Model.Model>,
  modelName?: string
): Layer.Layer<Model.Model, ConfigError.ConfigError> => {
  console.log(
    online
      ? `Talking to ${modelName ?? "claude-sonnet-4-6"} (ANTHROPIC_API_KEY is set).`
      : "Offline: a scripted model answers (set ANTHROPIC_API_KEY to talk to Claude)."
  )
  return online ? claude(modelName) : offline
}
