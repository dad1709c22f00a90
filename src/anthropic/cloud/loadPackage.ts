/**
 * Loading a cloud variant's optional peer package, and what all cloud variants share.
 */
import type Anthropic from "@anthropic-ai/sdk"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import { AnthropicSdkError, PlatformPackageMissing } from "../AnthropicError.js"
import type { Platform } from "../internal/clientTypes.js"

/** Imports the package behind a platform; a missing package is a typed error, not a crash. */
export const loadPlatformPackage = <M>(
  platform: Platform,
  packageName: string,
  load: () => Promise<M>
): Effect.Effect<M, PlatformPackageMissing> =>
  Effect.tryPromise({
    try: load,
    catch: (cause) =>
      new PlatformPackageMissing({
        message:
          `The ${platform} client needs the optional package ${packageName} (npm install ${packageName}): ` +
          (cause instanceof Error ? cause.message : String(cause)),
        platform,
        packageName
      })
  })

/** Builds a cloud SDK client; a constructor that throws (bad or missing options) is a typed error. */
export const construct = <A>(platform: Platform, build: () => A): Effect.Effect<A, AnthropicSdkError> =>
  Effect.try({
    try: build,
    catch: (error) =>
      new AnthropicSdkError({
        message: `Cannot build the ${platform} client: ${error instanceof Error ? error.message : String(error)}`,
        errorClass: error instanceof Error ? error.name : typeof error
      })
  })

/**
 * A cloud client seen as the first-party client. They share the client and the message API; what
 * a cloud lacks (batches, token counting, models) is deleted from its resources, so a call to it
 * must first pass `AnthropicClient.requireFeature`.
 */
export const asAnthropicClient = (client: object): Anthropic => {
  if (!Predicate.hasProperty(client, "messages")) throw new TypeError("not an Anthropic SDK client")
  // The cloud classes extend the SDK's BaseAnthropic and omit some resources in their types only.
  return client as unknown as Anthropic
}
