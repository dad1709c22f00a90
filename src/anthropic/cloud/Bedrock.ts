/**
 * Claude on Amazon Bedrock, through `@anthropic-ai/bedrock-sdk` (an optional peer dependency).
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { AnthropicSdkError, type PlatformPackageMissing } from "../AnthropicError.js"
import { bridgedFetch, commonClientOptions, makeService } from "../internal/clientService.js"
import type { CommonOptions, Service } from "../internal/clientTypes.js"
import { sdkLogger } from "../internal/secrets.js"
import { asAnthropicClient, construct, loadPlatformPackage } from "./loadPackage.js"

/** AWS credentials as the AWS SDK's credential providers return them. */
export interface AwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  // Without `| undefined`: the AWS SDK's own type omits it, and this one must be assignable to it.
  readonly sessionToken?: string
}

/**
 * Options of `AnthropicClient.bedrock`. Authentication, by precedence: `apiKey` (a Bedrock API
 * key), explicit AWS keys (both), the `providerChainResolver`, the AWS default credential chain.
 */
export interface Options extends CommonOptions {
  /** Default the `AWS_REGION` variable, else `us-east-1`. */
  readonly awsRegion?: string | undefined
  readonly awsAccessKey?: Redacted.Redacted<string> | undefined
  readonly awsSecretKey?: Redacted.Redacted<string> | undefined
  readonly awsSessionToken?: Redacted.Redacted<string> | undefined
  /** A Bedrock API key (bearer token); default the `AWS_BEARER_TOKEN_BEDROCK` variable. */
  readonly apiKey?: Redacted.Redacted<string> | undefined
  /** Send unsigned requests (e.g. through a proxy that signs them). */
  readonly skipAuth?: boolean | undefined
  /** Resolves an AWS credential provider, for runtimes without the AWS default chain. */
  readonly providerChainResolver?: (() => Promise<() => Promise<AwsCredentials>>) | undefined
}

const value = (secret: Redacted.Redacted<string> | undefined): string | undefined =>
  secret === undefined ? undefined : Redacted.value(secret)

/** Builds the Bedrock client over the `HttpClient` in context. */
export const make = (
  options: Options
): Effect.Effect<Service, PlatformPackageMissing | AnthropicSdkError, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const accessKey = value(options.awsAccessKey)
    const secretKey = value(options.awsSecretKey)
    const sessionToken = value(options.awsSessionToken)
    const apiKey = value(options.apiKey)
    if ((accessKey === undefined) !== (secretKey === undefined)) {
      return yield* new AnthropicSdkError({
        message: "Cannot build the bedrock client: pass both awsAccessKey and awsSecretKey, or neither",
        errorClass: "TypeError"
      })
    }
    const fetch = yield* bridgedFetch(options)
    const secrets = [accessKey, secretKey, sessionToken, apiKey].filter((secret) => secret !== undefined)
    const logger = yield* sdkLogger(secrets)
    const { AnthropicBedrock } = yield* loadPlatformPackage(
      "bedrock",
      "@anthropic-ai/bedrock-sdk",
      () => import("@anthropic-ai/bedrock-sdk")
    )
    const common = {
      ...commonClientOptions(options, logger),
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      ...(options.awsRegion === undefined ? {} : { awsRegion: options.awsRegion }),
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(options.skipAuth === undefined ? {} : { skipAuth: options.skipAuth }),
      ...(options.providerChainResolver === undefined ? {} : { providerChainResolver: options.providerChainResolver }),
      maxRetries: 0,
      fetch
    }
    const client = yield* construct("bedrock", () =>
      accessKey !== undefined && secretKey !== undefined
        ? new AnthropicBedrock({
            ...common,
            awsAccessKey: accessKey,
            awsSecretKey: secretKey,
            awsSessionToken: sessionToken ?? null
          })
        : new AnthropicBedrock(common)
    )
    return makeService(asAnthropicClient(client), "bedrock", secrets, { bridged: true })
  })
