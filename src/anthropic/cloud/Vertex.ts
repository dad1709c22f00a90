/**
 * Claude on Google Vertex AI, through `@anthropic-ai/vertex-sdk` (an optional peer dependency).
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { AnthropicSdkError, PlatformPackageMissing } from "../AnthropicError.js"
import { bridgedFetch, commonClientOptions, makeService } from "../internal/clientService.js"
import type { CommonOptions, Service } from "../internal/clientTypes.js"
import { sdkLogger } from "../internal/secrets.js"
import { asAnthropicClient, construct, loadPlatformPackage } from "./loadPackage.js"

/** What Vertex needs of a Google auth client (a `google-auth-library` `AuthClient` is one). */
export interface GoogleAuthClient {
  readonly projectId?: string | null | undefined
  getRequestHeaders(url?: string): Promise<Headers>
}

/**
 * Options of `AnthropicClient.vertex`. Authentication: an `authClient`, a `googleAuth`, a static
 * `accessToken`, or else Google's Application Default Credentials.
 */
export interface Options extends CommonOptions {
  /** The region, e.g. `us-east5` or `global`. */
  readonly region: string
  /** The Google Cloud project; default the credentials' project. */
  readonly projectId?: string | undefined
  /** A ready OAuth access token (it is not refreshed). */
  readonly accessToken?: Redacted.Redacted<string> | undefined
  /** A configured `google-auth-library` client (e.g. impersonated credentials). */
  readonly authClient?: GoogleAuthClient | undefined
  /** A configured `google-auth-library` `GoogleAuth` (remember its `scopes`). */
  readonly googleAuth?: { getClient(): Promise<GoogleAuthClient> } | undefined
}

/** An auth client sending a fixed bearer token. */
const tokenAuthClient = (token: string, projectId: string | undefined): GoogleAuthClient => ({
  projectId: projectId ?? null,
  getRequestHeaders: async () => new Headers({ authorization: `Bearer ${token}` })
})

/** Builds the Vertex client over the `HttpClient` in context. */
export const make = (
  options: Options
): Effect.Effect<Service, PlatformPackageMissing | AnthropicSdkError, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const fetch = yield* bridgedFetch(options)
    const { AnthropicVertex } = yield* loadPlatformPackage(
      "vertex",
      "@anthropic-ai/vertex-sdk",
      () => import("@anthropic-ai/vertex-sdk")
    )
    type VertexOptions = NonNullable<ConstructorParameters<typeof AnthropicVertex>[0]>
    const accessToken = options.accessToken === undefined ? undefined : Redacted.value(options.accessToken)
    const logger = yield* sdkLogger(accessToken === undefined ? [] : [accessToken])
    const authClient =
      options.authClient ?? (accessToken === undefined ? undefined : tokenAuthClient(accessToken, options.projectId))
    const client = yield* construct("vertex", () => {
      const vertexOptions: VertexOptions = {
        ...commonClientOptions(options, logger),
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
        region: options.region,
        ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
        // The SDK types these as google-auth-library classes; it only calls the methods above.
        ...(authClient === undefined ? {} : { authClient: authClient as VertexOptions["authClient"] }),
        ...(options.googleAuth === undefined || authClient !== undefined
          ? {}
          : { googleAuth: options.googleAuth as VertexOptions["googleAuth"] }),
        maxRetries: 0,
        fetch
      }
      return new AnthropicVertex(vertexOptions)
    })
    // Without an auth client the SDK starts resolving Google credentials at once; a failure is
    // reported by the first request, so it must not also surface as an unhandled rejection.
    const pendingAuth: unknown = Reflect.get(client, "_authClientPromise")
    if (pendingAuth instanceof Promise) pendingAuth.catch(() => {})
    return makeService(asAnthropicClient(client), "vertex", accessToken === undefined ? [] : [accessToken], {
      bridged: true
    })
  })
