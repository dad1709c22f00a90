/**
 * The errors the bridge's `fetch` hands the SDK: what a spec-compliant `fetch` would reject with,
 * so the SDK maps them as it maps its own (connection error, timeout, abort).
 */
import * as Cause from "effect/Cause"

/**
 * A transport failure seen by the bridge; the SDK reports it as a connection error.
 * @since 0.1.0
 * @category models
 */
export class BridgeTransportError extends Error {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = "BridgeTransportError"
  }
}

/**
 * A response body that sent nothing for longer than allowed; the SDK's caller sees a timeout.
 * @since 0.1.0
 * @category models
 */
export class BridgeIdleTimeout extends BridgeTransportError {
  constructor(idleMillis: number) {
    super(`Request timed out: the response body sent nothing for ${idleMillis} ms`)
    this.name = "BridgeIdleTimeout"
  }
}

/**
 * The error a spec-compliant fetch rejects with when aborted (the SDK checks its `name`).
 * @since 0.1.0
 * @category constructors
 */
export const abortError = (): Error => new DOMException("This operation was aborted", "AbortError")

/**
 * A failed HTTP exchange as the SDK should see it: a connection error with the transport's cause.
 * @since 0.1.0
 * @category constructors
 */
export const transportError = (cause: Cause.Cause<unknown>): BridgeTransportError => {
  const error = Cause.squash(cause)
  // The HttpClientError holds the request (and its credential headers): keep only its message and
  // the underlying transport error.
  const message = error instanceof Error ? error.message : String(error)
  const inner = error instanceof Error && "cause" in error ? error.cause : undefined
  return new BridgeTransportError(message, { cause: inner })
}
