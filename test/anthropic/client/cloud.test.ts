import { AnthropicFoundry } from "@anthropic-ai/foundry-sdk"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Redacted, Stream } from "effect"
import { AnthropicClient, AnthropicModels } from "effect-claude/anthropic"
import { loadPlatformPackage } from "../../../src/anthropic/cloud/loadPackage.js"
import { loopback, messageParams, sendJson, textMessage } from "./loopback.js"

const client = AnthropicClient.AnthropicClient

const createMessage = Effect.flatMap(client, (c) =>
  c.call((sdk, options) => sdk.messages.create(messageParams, options))
)

const answerText = loopback((_, response) => sendJson(response, 200, textMessage("from the cloud")))

const withHttp = <A, E, R>(layer: Layer.Layer<A, E, R>) => layer.pipe(Layer.provide(NodeHttpClient.layerUndici))

describe("cloud variants", () => {
  it.scoped("foundry: an API key and a base URL on loopback", () =>
    Effect.gen(function* () {
      const server = yield* answerText
      const layer = withHttp(
        AnthropicClient.foundry({ apiKey: Redacted.make("foundry-key"), baseURL: `${server.baseURL}/anthropic/` })
      )
      const [message, platform] = yield* Effect.zip(
        createMessage,
        Effect.map(client, (c) => c.platform)
      ).pipe(Effect.provide(layer))
      expect(platform).toBe("foundry")
      expect(message.content).toEqual([{ type: "text", text: "from the cloud" }])
      const request = server.received[0]
      expect(request?.url).toBe("/anthropic/v1/messages")
      expect(request?.headers["x-api-key"]).toBe("foundry-key")
      expect(JSON.parse(request?.body.toString() ?? "")).toEqual(messageParams)
    })
  )

  it.scoped("bedrock: SigV4-signed with explicit AWS credentials, rewritten to the invoke path", () =>
    Effect.gen(function* () {
      const server = yield* answerText
      const layer = withHttp(
        AnthropicClient.bedrock({
          awsRegion: "us-east-1",
          awsAccessKey: Redacted.make("AKIDEXAMPLE"),
          awsSecretKey: Redacted.make("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
          baseURL: server.baseURL
        })
      )
      const [message, platform] = yield* Effect.zip(
        createMessage,
        Effect.map(client, (c) => c.platform)
      ).pipe(Effect.provide(layer))
      expect(platform).toBe("bedrock")
      expect(message.content).toEqual([{ type: "text", text: "from the cloud" }])
      const request = server.received[0]
      expect(request?.url).toBe("/model/claude-test/invoke")
      expect(request?.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/
      )
      const body = JSON.parse(request?.body.toString() ?? "")
      expect(body).toMatchObject({ max_tokens: 16, messages: messageParams.messages })
      expect(body.anthropic_version).toEqual(expect.any(String))
      expect(body.model).toBeUndefined()
    })
  )

  it.scoped("bedrock: a Bedrock API key is sent as a bearer token", () =>
    Effect.gen(function* () {
      const server = yield* answerText
      yield* createMessage.pipe(
        Effect.provide(
          withHttp(AnthropicClient.bedrock({ apiKey: Redacted.make("bedrock-api-key"), baseURL: server.baseURL }))
        )
      )
      expect(server.received[0]?.headers.authorization).toBe("Bearer bedrock-api-key")
    })
  )

  it.scoped("vertex: a static access token, the rawPredict path of the project and region", () =>
    Effect.gen(function* () {
      const server = yield* answerText
      const layer = withHttp(
        AnthropicClient.vertex({
          region: "us-east5",
          projectId: "my-project",
          accessToken: Redacted.make("ya29.token"),
          baseURL: `${server.baseURL}/v1`
        })
      )
      const [message, platform] = yield* Effect.zip(
        createMessage,
        Effect.map(client, (c) => c.platform)
      ).pipe(Effect.provide(layer))
      expect(platform).toBe("vertex")
      expect(message.content).toEqual([{ type: "text", text: "from the cloud" }])
      const request = server.received[0]
      expect(request?.url).toBe(
        "/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/claude-test:rawPredict"
      )
      expect(request?.headers.authorization).toBe("Bearer ya29.token")
    })
  )

  it.scoped("vertex: a given auth client supplies the headers and the project", () =>
    Effect.gen(function* () {
      const server = yield* answerText
      const authClient = {
        projectId: "from-credentials",
        getRequestHeaders: async () => new Headers({ authorization: "Bearer from-auth-client" })
      }
      yield* createMessage.pipe(
        Effect.provide(withHttp(AnthropicClient.vertex({ region: "global", authClient, baseURL: server.baseURL })))
      )
      const request = server.received[0]
      expect(request?.url).toBe(
        "/projects/from-credentials/locations/global/publishers/anthropic/models/claude-test:rawPredict"
      )
      expect(request?.headers.authorization).toBe("Bearer from-auth-client")
    })
  )

  it.effect("bad options fail the Layer with a typed error, not a crash", () =>
    Effect.gen(function* () {
      const both = yield* Layer.build(
        withHttp(
          AnthropicClient.foundry({
            apiKey: Redacted.make("k"),
            resource: "my-resource",
            baseURL: "http://127.0.0.1:9/anthropic/"
          })
        )
      ).pipe(Effect.scoped, Effect.flip)
      expect(both._tag).toBe("AnthropicSdkError")
      expect(both.message).toBe("Cannot build the foundry client: baseURL and resource are mutually exclusive")
      const halfKeys = yield* Layer.build(
        withHttp(AnthropicClient.bedrock({ awsAccessKey: Redacted.make("AKID"), baseURL: "http://127.0.0.1:9" }))
      ).pipe(Effect.scoped, Effect.flip)
      expect(halfKeys.message).toBe(
        "Cannot build the bedrock client: pass both awsAccessKey and awsSecretKey, or neither"
      )
    })
  )

  it.effect("a missing optional package is a typed error", () =>
    Effect.gen(function* () {
      const error = yield* loadPlatformPackage(
        "bedrock",
        "@anthropic-ai/not-installed-sdk",
        () => import(/* @vite-ignore */ ["@anthropic-ai", "not-installed-sdk"].join("/"))
      ).pipe(Effect.flip)
      expect(error._tag).toBe("PlatformPackageMissing")
      expect(error).toMatchObject({ platform: "bedrock", packageName: "@anthropic-ai/not-installed-sdk" })
      expect(error.message).toMatch(
        /^The bedrock client needs the optional package @anthropic-ai\/not-installed-sdk \(npm install @anthropic-ai\/not-installed-sdk\): /
      )
    })
  )

  it.effect("features a platform lacks fail with UnsupportedFeature", () =>
    Effect.gen(function* () {
      const c = yield* client
      expect(AnthropicClient.supports("anthropic", "batches")).toBe(true)
      expect(AnthropicClient.supports("vertex", "countTokens")).toBe(true)
      expect(AnthropicClient.supports("bedrock", "countTokens")).toBe(false)
      const error = yield* Effect.flip(AnthropicClient.requireFeature(c, "batches"))
      expect(error).toMatchObject({ _tag: "UnsupportedFeature", platform: "foundry", feature: "batches" })
      expect(error.message).toBe("batches is not available on foundry")
      const models = yield* Stream.runCollect(AnthropicModels.list()).pipe(Effect.flip)
      expect(models._tag).toBe("UnsupportedFeature")
    }).pipe(
      Effect.provide(
        withHttp(AnthropicClient.foundry({ apiKey: Redacted.make("k"), baseURL: "http://127.0.0.1:9/anthropic/" }))
      )
    )
  )
})

describe("fromClient", () => {
  it.scoped("uses a client built elsewhere, without retries, and detects its platform", () =>
    Effect.gen(function* () {
      let calls = 0
      const server = yield* loopback((_, response) => {
        calls++
        sendJson(response, 529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } })
      })
      const sdk = new AnthropicFoundry({ apiKey: "k", baseURL: `${server.baseURL}/anthropic/`, maxRetries: 3 })
      const [error, platform] = yield* Effect.zip(
        Effect.flip(createMessage),
        Effect.map(client, (c) => c.platform)
      ).pipe(Effect.provide(AnthropicClient.fromClient(sdk)))
      expect(error._tag).toBe("OverloadedError")
      expect(platform).toBe("foundry")
      expect(calls).toBe(1)
    })
  )
})

describe("AnthropicModels.list", () => {
  it.scoped("streams every page", () =>
    Effect.gen(function* () {
      const model = (id: string) => ({ type: "model", id, display_name: id, created_at: "2025-01-01T00:00:00Z" })
      const server = yield* loopback((request, response) => {
        const after = new URL(request.url, "http://x").searchParams.get("after_id")
        if (after === null) {
          sendJson(response, 200, { data: [model("a"), model("b")], has_more: true, first_id: "a", last_id: "b" })
        } else {
          sendJson(response, 200, { data: [model("c")], has_more: false, first_id: "c", last_id: "c" })
        }
      })
      const models = yield* Stream.runCollect(AnthropicModels.list({ limit: 2 })).pipe(
        Effect.provide(withHttp(AnthropicClient.layer({ apiKey: Redacted.make("k"), baseURL: server.baseURL })))
      )
      expect(Chunk.toReadonlyArray(models).map((m) => m.id)).toEqual(["a", "b", "c"])
      expect(server.received.map((r) => r.url)).toEqual(["/v1/models?limit=2", "/v1/models?limit=2&after_id=b"])
    })
  )
})
