/**
 * Claude on Microsoft Foundry, through `@anthropic-ai/foundry-sdk` (an optional peer dependency).
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { AnthropicSdkError, PlatformPackageMissing } from "../AnthropicError.js"
import { bridgedFetch, commonClientOptions, makeService } from "../internal/clientService.js"
import type { CommonOptions, Service } from "../internal/clientTypes.js"
import { sdkLogger } from "../internal/secrets.js"
import { asAnthropicClient, construct, loadPlatformPackage } from "./loadPackage.js"

/** Options of `AnthropicClient.foundry`: a resource name or a base URL, and an API key or an Entra token provider. */
export interface Options extends CommonOptions {
  /** The Foundry resource: `https://{resource}.services.ai.azure.com/anthropic/`. Exclusive with `baseURL`. */
  readonly resource?: string | undefined
  /** Default the `ANTHROPIC_FOUNDRY_API_KEY` variable. Exclusive with `azureADTokenProvider`. */
  readonly apiKey?: Redacted.Redacted<string> | undefined
  /** Returns a Microsoft Entra access token; called for every request. */
  readonly azureADTokenProvider?: (() => Promise<string>) | undefined
}

/** Builds the Foundry client over the `HttpClient` in context. */
export const make = (
  options: Options
): Effect.Effect<Service, PlatformPackageMissing | AnthropicSdkError, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const fetch = yield* bridgedFetch(options)
    const { AnthropicFoundry } = yield* loadPlatformPackage(
      "foundry",
      "@anthropic-ai/foundry-sdk",
      () => import("@anthropic-ai/foundry-sdk")
    )
    const apiKey = options.apiKey === undefined ? undefined : Redacted.value(options.apiKey)
    const logger = yield* sdkLogger(apiKey === undefined ? [] : [apiKey])
    const client = yield* construct(
      "foundry",
      () =>
        new AnthropicFoundry({
          ...commonClientOptions(options, logger),
          ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
          ...(options.resource === undefined ? {} : { resource: options.resource }),
          ...(apiKey === undefined ? {} : { apiKey }),
          ...(options.azureADTokenProvider === undefined ? {} : { azureADTokenProvider: options.azureADTokenProvider }),
          maxRetries: 0,
          fetch
        })
    )
    return makeService(asAnthropicClient(client), "foundry", apiKey === undefined ? [] : [apiKey], { bridged: true })
  })
