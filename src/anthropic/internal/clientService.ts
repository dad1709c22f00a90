/**
 * The machinery behind every `AnthropicClient` Layer (first-party and cloud): the bridged `fetch`,
 * `call`, and `stream` over the chunking pump of `eventPump.ts`.
 */
import type Anthropic from "@anthropic-ai/sdk"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Scope from "effect/Scope"
import { streamFromPull } from "../../Model.js"
import type { AnthropicError } from "../AnthropicError.js"
import { Interrupter, type Interruption, interruptionBy } from "./callInterrupt.js"
import type { CommonOptions, Platform, RequestOptions, Service, StreamOptions } from "./clientTypes.js"
import { iteratorSource, opened, Pump, type Source } from "./eventPump.js"
import { type Fetch, makeFetch } from "./httpBridge.js"
import { fromSdkError } from "./sdkErrors.js"
import { printAs, type SdkLogger, scrub } from "./secrets.js"

/**
 * Resolves the HttpClient and the Runtime in context once, and builds the SDK's `fetch` over them;
 * a streamed body idle for the client's `timeout` (default 10 minutes, the SDK's) is aborted.
 * The runtime runs with Effect's tracer off: the HttpClient would otherwise open a root span per
 * request (no caller span reaches it through the SDK) and add trace headers to every API call;
 * the SDK has its own OpenTelemetry support for request spans.
 * @since 0.1.0
 * @category utils
 */
export const bridgedFetch = (
  options: Pick<CommonOptions, "timeout"> = {}
): Effect.Effect<Fetch, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const runtime = yield* Effect.withTracerEnabled(Effect.runtime<never>(), false)
    return makeFetch(client, runtime, {
      idleMillis: options.timeout === undefined ? defaultTimeoutMillis : timeoutMillis(options.timeout)
    })
  })

/** The SDK's default `timeout`: 10 minutes. */
const defaultTimeoutMillis = 10 * 60 * 1000

/**
 * The SDK's `timeout` (positive whole milliseconds, at most what one timer can hold).
 * @since 0.1.0
 * @category utils
 */
export const timeoutMillis = (timeout: Duration.DurationInput): number =>
  Math.min(2 ** 31 - 1, Math.max(1, Math.round(Duration.toMillis(Duration.decode(timeout)))))

/**
 * The SDK client options the common options stand for, with the SDK's log lines going to `logger`.
 * @since 0.1.0
 * @category utils
 */
export const commonClientOptions = (options: CommonOptions, logger: SdkLogger) => ({
  logger,
  // `traces: false` keeps the SDK's default trace-context propagation (see `CommonOptions.sdkSpans`);
  // with `sdkSpans: true` the SDK settles its telemetry itself, from its environment variables.
  ...(options.sdkSpans === true ? {} : { openTelemetry: { traces: false } }),
  ...(options.timeout === undefined ? {} : { timeout: timeoutMillis(options.timeout) }),
  ...(options.defaultHeaders === undefined ? {} : { defaultHeaders: { ...options.defaultHeaders } }),
  ...(options.defaultQuery === undefined ? {} : { defaultQuery: { ...options.defaultQuery } })
})

/**
 * A Stream's pull: the next chunk; `None` at the end.
 * @since 0.1.0
 * @category models
 */
export type Pull<A> = Effect.Effect<Chunk.Chunk<A>, Option.Option<AnthropicError>>

/** Aborts the SDK `Stream`'s own controller, when the iterable is one. */
const abortIterable = (iterable: unknown): void => {
  if (Predicate.hasProperty(iterable, "controller") && iterable.controller instanceof AbortController) {
    iterable.controller.abort()
  }
}

/** The services whose SDK sends through the bridge, with how each maps the SDK's errors. */
const bridgedServices = new WeakMap<Service, (error: unknown) => AnthropicError>()

/**
 * `service.call` for a caller that needs no signal, only that interrupting the Effect aborts the
 * request: `f` puts `interruption` into the SDK call's options. On a service whose SDK sends
 * through the bridge, that is an interrupter for the bridge (`callInterrupt.ts`), not a signal,
 * which aborts the request until its response is handed to the SDK: for answers the bridge reads
 * whole (JSON), that is all of it. Such an answer also has no `body` stream (`httpBridge.ts`,
 * `bufferedResponse`): use this only for SDK calls whose answer the SDK itself parses
 * (`create`, `countTokens`), not for ones that hand the caller the raw `Response`.
 * @since 0.1.0
 * @category utils
 */
export const callInterruptible = <A>(
  service: Service,
  f: (sdk: Anthropic, interruption: Interruption) => Promise<A>
): Effect.Effect<A, AnthropicError> => {
  const toError = bridgedServices.get(service)
  if (toError === undefined) return service.call((sdk, { signal }) => f(sdk, { signal }))
  const sdk = service.sdk
  return Effect.async<A, AnthropicError>((resume) => {
    const interrupter = new Interrupter()
    try {
      f(sdk, interruptionBy(interrupter)).then(
        (value) => resume(Effect.succeed(value)),
        (error: unknown) => resume(Effect.failSync(() => toError(error)))
      )
    } catch (error) {
      resume(Effect.failSync(() => toError(error)))
    }
    return Effect.sync(() => interrupter.interrupt())
  })
}

/**
 * Options of `makeService`.
 * @since 0.1.0
 * @category models
 */
export interface ServiceOptions {
  /** Whether the SDK's `fetch` is the bridge (`bridgedFetch`), which an interrupted call can abort directly. */
  readonly bridged?: boolean | undefined
}

/**
 * The service over an SDK client; `secrets` are blanked out of any error should a server echo them.
 * @since 0.1.0
 * @category utils
 */
export const makeService = (
  sdk: Anthropic,
  platform: Platform,
  secrets: ReadonlyArray<string>,
  serviceOptions: ServiceOptions = {}
): Service => {
  const toError = (error: unknown): AnthropicError => fromSdkError(error, { secrets })

  const call: Service["call"] = (f) =>
    Effect.tryPromise({
      try: (signal) => f(sdk, { signal }),
      catch: toError
    })

  const openPull: Service["openPull"] = <A>(
    f: (sdk: Anthropic, options: RequestOptions) => Promise<AsyncIterable<A>>,
    streamOptions?: StreamOptions
  ): Effect.Effect<Pull<A>, AnthropicError, Scope.Scope> =>
    // Plain `flatMap`s rather than `Effect.gen`: this runs once per streamed request. The
    // finalizers go straight into the scope (`Scope.addFinalizer`): `Effect.addFinalizer` would
    // also diff and restore the fiber's refs around each, which these plain callbacks do not need.
    Effect.flatMap(Effect.scope, (scope) => {
      const controller = new AbortController()
      const abort = () => controller.abort()
      const idleMillis =
        streamOptions?.idleTimeout === undefined ? sdk.timeout : timeoutMillis(streamOptions.idleTimeout)
      let pump: Pump<A> | undefined
      return Effect.zipRight(
        // A stream that was read to its end (or failed) has no request left to abort: aborting it
        // anyway would only cost an exception object per request.
        Scope.addFinalizer(
          scope,
          Effect.suspend(() => (pump?.done === true ? Effect.void : Effect.sync(abort)))
        ),
        Effect.flatMap(
          Effect.tryPromise({ try: () => opened(sdk, f(sdk, { signal: controller.signal })), catch: toError }),
          ({ iterable, body }) => {
            let source: Source<A>
            try {
              source = body ?? iteratorSource(iterable[Symbol.asyncIterator]())
            } catch (error) {
              abortIterable(iterable)
              return Effect.fail(toError(error))
            }
            const opened = new Pump<A>(source, toError, idleMillis, () => {
              abortIterable(iterable)
              abort()
            }).start()
            pump = opened
            return Effect.as(
              Scope.addFinalizer(
                scope,
                Effect.sync(() => {
                  if (!opened.done) abortIterable(iterable)
                  opened.close()
                })
              ),
              opened.pull
            )
          }
        )
      )
    })

  const stream: Service["stream"] = (f, streamOptions) => streamFromPull(openPull(f, streamOptions))

  const service: Service = { sdk, platform, call, stream, openPull, scrub: (text) => scrub(text, secrets) }
  if (serviceOptions.bridged === true) bridgedServices.set(service, toError)
  // Both hold the SDK client, whose fields include the key in clear.
  printAs(sdk, () => ({ _id: "Anthropic", platform, baseURL: sdk.baseURL }))
  printAs(service, () => ({ _id: "AnthropicClient", platform, baseURL: sdk.baseURL }))
  return service
}
