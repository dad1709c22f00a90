import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { Message, Model } from "effect-claude"
import { AnthropicModel } from "effect-claude/anthropic"
import { MockAnthropicServer } from "effect-claude/testing"

const withEnv = (env: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

/** One request to the model the Layer builds. */
const askHi = Effect.gen(function* () {
  const model = yield* Model.Model
  return yield* model.request([Message.ModelRequest.user("Hi")], {}, Model.textParameters)
})

describe("AnthropicModel.layerConfig", () => {
  it.scopedLive("talks to the API named by the environment with the key from it", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make(MockAnthropicServer.textMessage("Hello from the env"), {
        apiKey: "sk-ant-env-key"
      })
      const answer = yield* askHi.pipe(
        Effect.provide(
          AnthropicModel.layerConfig("claude-haiku-4-5").pipe(
            Layer.provide(withEnv({ ANTHROPIC_API_KEY: "sk-ant-env-key", ANTHROPIC_BASE_URL: server.baseURL }))
          )
        )
      )
      expect(Message.responseText(answer)).toBe("Hello from the env")
      const [request] = yield* server.requests
      expect(request?.body).toMatchObject({ model: "claude-haiku-4-5" })
    })
  )

  it.effect("fails with a ConfigError when the key is missing", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Layer.build(AnthropicModel.layerConfig("claude-haiku-4-5").pipe(Layer.provide(withEnv({})))).pipe(Effect.scoped)
      )
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("ANTHROPIC_API_KEY")
    })
  )

  it.scopedLive("reads the key and base URL from the Configs given as client options", () =>
    Effect.gen(function* () {
      const server = yield* MockAnthropicServer.make(MockAnthropicServer.textMessage("Hello from Config"), {
        apiKey: "sk-ant-config-key"
      })
      const answer = yield* askHi.pipe(
        Effect.provide(
          AnthropicModel.layerConfig("claude-haiku-4-5", undefined, {
            client: {
              apiKey: Config.succeed(Redacted.make("sk-ant-config-key")),
              baseURL: Config.succeed(Option.some(server.baseURL))
            }
          }).pipe(Layer.provide(withEnv({})))
        )
      )
      expect(Message.responseText(answer)).toBe("Hello from Config")
    })
  )
})
