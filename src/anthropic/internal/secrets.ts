/**
 * Keeping credentials out of anything printable: text scrubbed of known secrets, the SDK's log
 * lines routed through Effect's logger, and the client service (which holds the SDK instance and
 * so the key) printing as a redacted summary.
 */
import type { ClientOptions } from "@anthropic-ai/sdk"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Runtime from "effect/Runtime"

const redactedMarker = "[redacted]"

/** `text` with every occurrence of a secret replaced by a marker. */
export const scrub = (text: string, secrets: ReadonlyArray<string>): string => {
  let result = text
  for (const secret of secrets) {
    if (secret.length > 0 && result.includes(secret)) result = result.split(secret).join(redactedMarker)
  }
  return result
}

/** The SDK's logger interface. */
export type SdkLogger = NonNullable<ClientOptions["logger"]>

/** One argument of an SDK log call as bounded text: these may be raw SSE events (model output, echoed secrets). */
const argumentText = (value: unknown): string => {
  const text = typeof value === "string" ? value : Inspectable.toStringUnknown(value)
  return text.length > 500 ? `${text.slice(0, 500)}…` : text
}

/**
 * A logger for the SDK that scrubs `secrets` and logs through the Effect logger of the context the
 * client Layer is built in, so nothing the SDK reports reaches `console` directly.
 */
export const sdkLogger = (secrets: ReadonlyArray<string>): Effect.Effect<SdkLogger> =>
  Effect.map(Effect.runtime<never>(), (runtime) => {
    const runSync = Runtime.runSync(runtime)
    const at =
      (log: (message: string) => Effect.Effect<void>) =>
      (message: string, ...rest: Array<unknown>): void => {
        const text = scrub([message, ...rest.map(argumentText)].join(" "), secrets)
        try {
          runSync(Effect.annotateLogs(log(text), "source", "@anthropic-ai/sdk"))
        } catch {
          // A logger that fails must not break the request that logs.
        }
      }
    return {
      error: at(Effect.logError),
      warn: at(Effect.logWarning),
      info: at(Effect.logInfo),
      debug: at(Effect.logDebug)
    }
  })

/**
 * Makes `target` print as `summary` in every way a value is printed (`JSON.stringify`,
 * `util.inspect` / `console.log`, `String`, Effect's logger): for objects that hold a credential.
 * The properties are not enumerable, so spreading or comparing the object is unaffected.
 */
export const printAs = (target: object, summary: () => Record<string, unknown>): void => {
  const describe = () => ({ ...summary(), credentials: redactedMarker })
  Object.defineProperties(target, {
    toJSON: { value: describe, configurable: true },
    toString: { value: () => Inspectable.format(describe()), configurable: true },
    [Inspectable.NodeInspectSymbol]: { value: describe, configurable: true }
  })
}
