import * as Sdk from "@anthropic-ai/sdk"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Stream } from "effect"
import { AnthropicClient, AnthropicError } from "effect-claude/anthropic"
import { loopback, messageParams, sendJson, sse, sseHead, textEvents } from "./loopback.js"

const apiKey = "sk-ant-test-SECRET-0123456789"

const envelope = (type: string, message: string) => ({
  type: "error",
  error: { type, message },
  request_id: "req_body"
})

/** Every SDK status class, the status that makes it, and the API's error type for it. */
const cases: ReadonlyArray<readonly [AnthropicError.APIStatusError["_tag"], number, string]> = [
  ["BadRequestError", 400, "invalid_request_error"],
  ["AuthenticationError", 401, "authentication_error"],
  ["PaymentRequiredError", 402, "billing_error"],
  ["PermissionDeniedError", 403, "permission_error"],
  ["NotFoundError", 404, "not_found_error"],
  ["RequestTimeoutError", 408, "timeout_error"],
  ["ConflictError", 409, "conflict_error"],
  ["PreconditionFailedError", 412, "precondition_error"],
  ["ContentTooLargeError", 413, "request_too_large"],
  ["UnprocessableEntityError", 422, "invalid_request_error"],
  ["RateLimitError", 429, "rate_limit_error"],
  ["RequestHeaderFieldsTooLargeError", 431, "invalid_request_error"],
  ["ClientClosedRequestError", 499, "api_error"],
  ["InternalServerError", 500, "api_error"],
  ["NotImplementedError", 501, "api_error"],
  ["InternalServerError", 502, "api_error"],
  ["ServiceUnavailableError", 503, "api_error"],
  ["GatewayTimeoutError", 504, "timeout_error"],
  ["OverloadedError", 529, "overloaded_error"],
  ["APIError", 418, "teapot_error"]
]

const retryableStatuses = new Set([408, 409, 429, 500, 501, 502, 503, 504, 529])

const clientLayer = (baseURL: string, options: { readonly timeout?: number } = {}) =>
  AnthropicClient.layer({ apiKey: Redacted.make(apiKey), baseURL, ...options }).pipe(
    Layer.provide(NodeHttpClient.layerUndici)
  )

const createMessage = Effect.flatMap(AnthropicClient.AnthropicClient, (client) =>
  client.call((sdk, options) => sdk.messages.create(messageParams, options))
)

const expectNoKey = (error: unknown) => {
  expect(String(error)).not.toContain(apiKey)
  expect(JSON.stringify(error)).not.toContain(apiKey)
  if (error instanceof Error) {
    expect(error.message).not.toContain(apiKey)
    expect(error.stack ?? "").not.toContain(apiKey)
  }
}

describe("AnthropicError from real HTTP responses", () => {
  for (const [tag, status, errorType] of cases) {
    it.scoped(`${status} becomes ${tag}`, () =>
      Effect.gen(function* () {
        const server = yield* loopback((_, response) =>
          sendJson(response, status, envelope(errorType, `status ${status} happened`), {
            "request-id": `req_${status}`,
            "retry-after": "7",
            "x-should-retry": "true"
          })
        )
        const error = yield* createMessage.pipe(Effect.provide(clientLayer(server.baseURL)), Effect.flip)
        expect(error._tag).toBe(tag)
        if (!AnthropicError.isAPIStatusError(error)) return expect.unreachable()
        expect(error.message).toBe(`${status} ${errorType}: status ${status} happened`)
        expect(error).toMatchObject({
          status,
          requestId: `req_${status}`,
          errorType,
          message: `${status} ${errorType}: status ${status} happened`,
          body: envelope(errorType, `status ${status} happened`)
        })
        expect(error.headers).toMatchObject({
          "request-id": `req_${status}`,
          "retry-after": "7",
          "content-type": "application/json"
        })
        expect(AnthropicError.isAPIStatusError(error)).toBe(true)
        expect(AnthropicError.isRetryable(error)).toBe(retryableStatuses.has(status))
        expect(AnthropicError.isAnthropicError(error)).toBe(true)
        expectNoKey(error)
      })
    )
  }

  it.scoped("a body that is not JSON keeps the SDK's message and the text", () =>
    Effect.gen(function* () {
      const server = yield* loopback((_, response) => {
        response.writeHead(502, { "content-type": "text/html" })
        response.end("<html>Bad gateway</html>")
      })
      const error = yield* createMessage.pipe(Effect.provide(clientLayer(server.baseURL)), Effect.flip)
      expect(error.message).toBe("502 <html>Bad gateway</html>")
      expect(error).toMatchObject({
        _tag: "InternalServerError",
        status: 502,
        requestId: undefined,
        errorType: undefined
      })
    })
  )

  it.scoped("the request id falls back to the envelope's request_id", () =>
    Effect.gen(function* () {
      const server = yield* loopback((_, response) => sendJson(response, 404, envelope("not_found_error", "model: x")))
      const error = yield* createMessage.pipe(Effect.provide(clientLayer(server.baseURL)), Effect.flip)
      expect(error).toMatchObject({ _tag: "NotFoundError", requestId: "req_body" })
    })
  )

  it.scoped("an API key echoed by the server is blanked out of the error", () =>
    Effect.gen(function* () {
      const server = yield* loopback((request, response) =>
        sendJson(
          response,
          401,
          envelope("authentication_error", `invalid credentials: ${request.headers.authorization}`),
          {
            authorization: String(request.headers.authorization),
            "x-echo": `credentials=${request.headers.authorization}`
          }
        )
      )
      const error = yield* createMessage.pipe(Effect.provide(clientLayer(server.baseURL)), Effect.flip)
      // The 1.x SDK sends the API key as a bearer token.
      expect(server.received[0]?.headers.authorization).toBe(`Bearer ${apiKey}`)
      expect(error.message).toBe("401 authentication_error: invalid credentials: Bearer [redacted]")
      expect(error).toMatchObject({
        _tag: "AuthenticationError",
        body: JSON.stringify(envelope("authentication_error", "invalid credentials: Bearer [redacted]"))
      })
      if (!AnthropicError.isAPIStatusError(error)) return expect.unreachable()
      expect(error.headers.authorization).toBeUndefined()
      expect(error.headers["x-echo"]).toBe("credentials=Bearer [redacted]")
      expectNoKey(error)
    })
  )

  it.scoped("an SSE error event becomes APIError with its error type, retryable when transient", () =>
    Effect.gen(function* () {
      const server = yield* loopback((_, response) => {
        sseHead(response, { "request-id": "req_sse" })
        response.write(sse(textEvents(["Hel"]).slice(0, 3)))
        response.end(`event: error\ndata: ${JSON.stringify(envelope("overloaded_error", "Overloaded"))}\n\n`)
      })
      const error = yield* Effect.flatMap(AnthropicClient.AnthropicClient, (client) =>
        Stream.runCollect(
          client.stream((sdk, options) => sdk.messages.create({ ...messageParams, stream: true }, options))
        )
      ).pipe(Effect.provide(clientLayer(server.baseURL)), Effect.flip)
      // No HTTP status of its own: mirrored as the class the API answers an overload with (529).
      if (error._tag !== "OverloadedError") return expect.unreachable()
      expect(error.status).toBe(529)
      expect(error.message).toBe("529 overloaded_error: Overloaded")
      expect(error).toMatchObject({ errorType: "overloaded_error", requestId: "req_sse" })
      expect(AnthropicError.isRetryable(error)).toBe(true)
    })
  )

  it.scoped("a refused connection becomes APIConnectionError with the cause in its message", () =>
    Effect.gen(function* () {
      // Port 9 (discard) has no listener on loopback.
      const error = yield* createMessage.pipe(Effect.provide(clientLayer("http://127.0.0.1:9")), Effect.flip)
      expect(error._tag).toBe("APIConnectionError")
      expect(error.message).toMatch(/^Connection error: /)
      expect(error.message).toContain("ECONNREFUSED")
      expect(AnthropicError.isRetryable(error)).toBe(true)
      expectNoKey(error)
    })
  )

  it.scoped("a response slower than the timeout becomes APIConnectionTimeoutError", () =>
    Effect.gen(function* () {
      const server = yield* loopback(() => {})
      const error = yield* createMessage.pipe(
        Effect.provide(clientLayer(server.baseURL, { timeout: 100 })),
        Effect.flip
      )
      expect(error._tag).toBe("APIConnectionTimeoutError")
      expect(error.message).toBe("Request timed out.")
      expect(AnthropicError.isRetryable(error)).toBe(true)
      yield* server.closed(1)
    })
  )

  it.scoped("the SDK's plain errors become AnthropicSdkError", () =>
    Effect.gen(function* () {
      const error = yield* createMessage.pipe(
        Effect.provide(
          AnthropicClient.fromClient(
            new Sdk.Anthropic({ apiKey: null, authToken: null, baseURL: "http://127.0.0.1:9", maxRetries: 0 })
          )
        ),
        Effect.flip
      )
      expect(error._tag).toBe("AnthropicSdkError")
      expect(error.message).toMatch(/auth/i)
      expect(AnthropicError.isRetryable(error)).toBe(false)
    })
  )
})

describe("fromSdkError", () => {
  it("maps the SDK's abort and retryable errors and passes its own errors through", () => {
    expect(AnthropicClient.fromSdkError(new Sdk.APIUserAbortError())).toEqual(
      new AnthropicError.APIUserAbortError({ message: "Request was aborted.", headers: {} })
    )
    expect(AnthropicClient.fromSdkError(new Sdk.RetryableError("again"))).toEqual(
      new AnthropicError.RetryableError({ message: "again" })
    )
    const own = new AnthropicError.UnsupportedFeature({ message: "no", platform: "bedrock", feature: "batches" })
    expect(AnthropicClient.fromSdkError(own)).toBe(own)
    expect(AnthropicClient.fromSdkError("boom")).toEqual(
      new AnthropicError.AnthropicSdkError({ message: "boom", errorClass: "string" })
    )
    expect(AnthropicClient.fromSdkError(new SyntaxError("Unexpected token"))).toEqual(
      new AnthropicError.AnthropicSdkError({ message: "Unexpected token", errorClass: "SyntaxError" })
    )
  })

  it("uses the SDK's own status → class decision", () => {
    const headers = new Headers({ "request-id": "req_1" })
    for (const [tag, status] of cases) {
      const sdkError = Sdk.APIError.generate(status, envelope("x_error", "m"), undefined, headers)
      expect(AnthropicClient.fromSdkError(sdkError)._tag).toBe(tag)
    }
  })

  it("an API error without status or headers still gets the class of its error type", () => {
    const sdkError = new Sdk.APIError(undefined, envelope("overloaded_error", "Overloaded"), undefined, undefined)
    expect(AnthropicClient.fromSdkError(sdkError)._tag).toBe("OverloadedError")
  })

  it("never calls aborts, SDK failures or client errors retryable; honours x-should-retry: false", () => {
    const headers = new Headers({ "x-should-retry": "false" })
    const vetoed = AnthropicClient.fromSdkError(
      Sdk.APIError.generate(529, envelope("overloaded_error", "m"), undefined, headers)
    )
    expect(vetoed._tag).toBe("OverloadedError")
    expect(AnthropicError.isRetryable(vetoed)).toBe(false)
    expect(AnthropicError.isRetryable(AnthropicClient.fromSdkError(new Sdk.APIUserAbortError()))).toBe(false)
    expect(AnthropicError.isRetryable(AnthropicClient.fromSdkError(new Error("x")))).toBe(false)
  })
})

describe("AnthropicError brand", () => {
  it("tells the mirrored errors by their TypeId, not by shape", () => {
    const error = new AnthropicError.RateLimitError({ message: "slow down", status: 429, headers: {} })
    expect(error._tag).toBe("RateLimitError")
    expect(error[AnthropicError.TypeId]).toBe(AnthropicError.TypeId)
    expect(AnthropicError.isAnthropicError(error)).toBe(true)
    expect(AnthropicError.isAPIStatusError(error)).toBe(true)
    expect(Object.keys(error)).not.toContain(String(AnthropicError.TypeId))
    // Same tag and fields, no brand: not one of ours.
    expect(AnthropicError.isAnthropicError({ _tag: "RateLimitError", message: "x", status: 429, headers: {} })).toBe(
      false
    )
    expect(AnthropicError.isAPIStatusError(new AnthropicError.APIConnectionError({ message: "x", headers: {} }))).toBe(
      false
    )
    // A failure to build a client Layer is not an error of a call.
    expect(
      AnthropicError.isAnthropicError(
        new AnthropicError.PlatformPackageMissing({ message: "x", platform: "bedrock", packageName: "p" })
      )
    ).toBe(false)
  })

  it("namespaces each class's Schema identifier while keeping the SDK's class name as _tag", () => {
    expect(String(AnthropicError.OverloadedError)).toContain("effect-claude/AnthropicError/OverloadedError")
    expect(new AnthropicError.OverloadedError({ message: "x", status: 529, headers: {} })._tag).toBe("OverloadedError")
  })
})
