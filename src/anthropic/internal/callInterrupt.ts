/**
 * Fast path: how an interrupted request of `AnthropicModel` aborts what its SDK sends through the
 * bridge, without an `AbortSignal` of its own.
 *
 * A signal handed to the SDK costs, per request, an `AbortController` and its signal, the SDK's
 * listener on it, its `WeakMap` entry and its `FinalizationRegistry` registration; and the bridge
 * listens to the SDK's own per-request signal anyway. So on a client whose SDK sends through the
 * bridge (`clientService.ts`' `callInterruptible`), the request carries an `Interrupter` as a
 * `fetchOptions` entry instead: the SDK hands `fetchOptions` on to `fetch`, and the bridge gives
 * the interrupter the way to interrupt the request's fiber while it runs. `AnthropicClient.call`
 * keeps handing its function a signal, as its contract says.
 */
import * as Predicate from "effect/Predicate"

const interrupterKey: unique symbol = Symbol.for("effect-claude/anthropic/Interrupter")

/**
 * Aborts the bridge's request of one call: the bridge attaches how while the request runs.
 * @since 0.1.0
 * @category models
 */
export class Interrupter {
  #interrupted = false
  #abort: (() => void) | undefined = undefined

  /** The bridge's request started: `abort` stops it (at once if the call was interrupted already). */
  attach(abort: () => void): void {
    if (this.#interrupted) abort()
    else this.#abort = abort
  }

  /** The bridge's request is over (its body read, or it failed). */
  detach(): void {
    this.#abort = undefined
  }

  /** The call was interrupted. */
  interrupt(): void {
    this.#interrupted = true
    const abort = this.#abort
    this.#abort = undefined
    abort?.()
  }
}

/**
 * What the SDK takes as `fetchOptions`: `fetch`'s init, less what the SDK sets itself.
 * @since 0.1.0
 * @category models
 */
export type FetchOptions = Omit<RequestInit, "body" | "headers" | "method" | "signal">

/**
 * The SDK request options that make an interruption abort the request: a signal, or an
 * interrupter riding in `fetchOptions` to the bridge.
 * @since 0.1.0
 * @category models
 */
export type Interruption = { signal: AbortSignal } | { fetchOptions: FetchOptions }

/**
 * The SDK request options that carry `interrupter` to the bridge.
 * @since 0.1.0
 * @category constructors
 */
export const interruptionBy = (interrupter: Interrupter): Interruption => {
  const fetchOptions: FetchOptions = {}
  Object.defineProperty(fetchOptions, interrupterKey, { value: interrupter, enumerable: true })
  return { fetchOptions }
}

/**
 * The interrupter riding in a `fetch`'s init, if any.
 * @since 0.1.0
 * @category utils
 */
export const interrupterOf = (init: RequestInit | undefined): Interrupter | undefined => {
  if (init === undefined || !Predicate.hasProperty(init, interrupterKey)) return undefined
  const interrupter = init[interrupterKey]
  return interrupter instanceof Interrupter ? interrupter : undefined
}
